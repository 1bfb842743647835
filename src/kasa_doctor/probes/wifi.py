"""Host Wi-Fi probes: which band and security is this computer's Wi-Fi on, and can it
see the same network name on 2.4 GHz (the band every Kasa/Tapo camera needs)?

Observations:

``host_wifi_band``
    ``2.4ghz`` or ``5ghz`` from the connected network's frequency or channel (6 GHz
    counts as ``5ghz`` — "not 2.4 GHz" is what matters for a camera; raw keeps
    ``radio_band: "6ghz"``); ``wired`` when the computer is not on Wi-Fi and its
    default route goes through a cable.
``host_wifi_security``
    ``wpa2``, ``wpa3``, ``wpa2_wpa3_mixed`` or ``open``. WPA1-only, WEP, OWE and
    802.1X enterprise networks give no value (raw ``security_kind`` says which).
``ssid_24ghz_visible``
    ``yes`` if the computer is on 2.4 GHz itself or a scan shows its network name on
    2.4 GHz; ``no`` if a scan exists and does not; no value without a scan.

Tools by platform: Linux ``nmcli`` (NetworkManager) else ``iw`` plus ``/proc`` and
``/sys``; Windows ``netsh wlan``; macOS ``wdutil info`` (root only) and
``system_profiler SPAirPortDataType``. A missing or failing tool only means fewer
values; :func:`probe_host_wifi` never raises.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from kasa_doctor.probes.commands import CommandOutput, CommandRunner, run_command
from kasa_doctor.probes.observation import Observation
from kasa_doctor.probes.routes import find_default_route, parse_proc_net_route
from kasa_doctor.probes.wifi_parsers import (
    CORE_SECURITY,
    HostWifi,
    WifiNetwork,
    parse_iw_dev,
    parse_iw_link,
    parse_iw_scan,
    parse_netsh_interfaces,
    parse_netsh_networks,
    parse_nmcli_devices,
    parse_nmcli_wifi_list,
    parse_system_profiler_airport,
    parse_wdutil_info,
)

NMCLI_WIFI_LIST = (
    "nmcli",
    "-t",
    "-f",
    "ACTIVE,SSID,BSSID,FREQ,CHAN,SECURITY,SIGNAL",
    "dev",
    "wifi",
    "list",
)
NMCLI_DEVICES = ("nmcli", "-t", "-f", "DEVICE,TYPE,STATE", "dev")
NETSH_INTERFACES = ("netsh", "wlan", "show", "interfaces")
NETSH_NETWORKS = ("netsh", "wlan", "show", "networks", "mode=bssid")
WDUTIL_INFO = ("wdutil", "info")
SYSTEM_PROFILER = ("system_profiler", "SPAirPortDataType")

_PROBES = ("host_wifi_band", "host_wifi_security", "ssid_24ghz_visible")


def _stdout(out: CommandOutput | None) -> str | None:
    return out.stdout if out is not None else None


# --- Linux --------------------------------------------------------------------------


def _linux_wired_interface(fs_root: Path, wifi_names: Sequence[str]) -> str | None:
    """The default route's interface when it is a physical, non-wireless one."""
    try:
        routes = (fs_root / "proc/net/route").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    route = parse_proc_net_route(routes)
    if route is None or route.interface is None:
        return None
    sys_net = fs_root / "sys/class/net"
    iface = sys_net / route.interface
    # Wireless interfaces have a "wireless" or "phy80211" entry; virtual ones (VPN
    # tunnels, bridges, containers) have no "device" link — a tunnel may well run
    # over Wi-Fi, so only a real adapter counts as a cable.
    if route.interface in wifi_names or (iface / "wireless").exists():
        return None
    if (iface / "phy80211").exists() or not (iface / "device").exists():
        return None
    # If some wireless interface is up, the computer may be on Wi-Fi as well; then
    # the cable is not the whole story and the band stays unknown.
    try:
        for other in sys_net.iterdir():
            if (other / "wireless").exists() or (other / "phy80211").exists():
                state = (other / "operstate").read_text(encoding="ascii").strip()
                if state == "up":
                    return None
    except OSError:
        pass
    return route.interface


async def _read_iw(run: CommandRunner, timeout: float, is_root: bool) -> HostWifi | None:
    out = await run(["iw", "dev"], timeout)
    if out is None or not out.ok:
        return None
    stations = [i for i in parse_iw_dev(out.stdout) if i.type in {None, "managed"}]
    if not stations:
        return HostWifi(tool="iw", connected=False, note="no Wi-Fi interface")
    links = await asyncio.gather(*(run(["iw", "dev", i.name, "link"], timeout) for i in stations))
    parsed = [
        parse_iw_link(link.stdout, station.name)
        if link is not None
        else HostWifi(tool="iw", connected=None, interface=station.name)
        for station, link in zip(stations, links, strict=True)
    ]
    wifi = next((p for p in parsed if p.connected), None)
    if wifi is None:
        unknown = any(p.connected is None for p in parsed)
        return HostWifi(tool="iw", connected=None if unknown else False, interface=stations[0].name)

    # "scan dump" reads the kernel's cached results: no root, no radio traffic. A
    # fresh scan needs root and only runs when nothing is cached.
    iface = wifi.interface or stations[0].name
    scan = await run(["iw", "dev", iface, "scan", "dump"], timeout)
    networks = parse_iw_scan(scan.stdout) if scan is not None and scan.ok else ()
    if not networks and is_root:
        scan = await run(["iw", "dev", iface, "scan"], timeout)
        networks = parse_iw_scan(scan.stdout) if scan is not None and scan.ok else ()
    current = wifi.current
    if current is not None and networks:
        mine = next(
            (n for n in networks if n.bssid == current.bssid),
            next((n for n in networks if n.active), None),
        )
        if mine is not None:
            current = replace(
                current,
                security=mine.security,
                security_raw=mine.security_raw,
                ssid=current.ssid or mine.ssid,
            )
    return replace(wifi, tool="iw", current=current, visible=tuple(networks) if networks else None)


async def _read_linux(run: CommandRunner, timeout: float, fs_root: Path, is_root: bool) -> HostWifi:
    devices_out, wifi_out = await asyncio.gather(
        run(NMCLI_DEVICES, timeout), run([*NMCLI_WIFI_LIST, "--rescan", "no"], timeout)
    )
    if wifi_out is not None and not wifi_out.ok and devices_out is not None and devices_out.ok:
        # NetworkManager before 1.12 does not know --rescan.
        wifi_out = await run(NMCLI_WIFI_LIST, timeout)
    devices = (
        parse_nmcli_devices(devices_out.stdout)
        if devices_out is not None and devices_out.ok
        else []
    )
    wifi: HostWifi | None = None
    if wifi_out is not None and wifi_out.ok:
        wifi = parse_nmcli_wifi_list(wifi_out.stdout)
        if wifi.connected is None and devices:
            wifi_devices = [d for d in devices if d.type == "wifi"]
            if not any(d.connected for d in wifi_devices):
                wifi = replace(wifi, connected=False)
    if wifi is None or wifi.connected is None:
        wifi = await _read_iw(run, timeout, is_root) or wifi
    if wifi is None:
        wifi = HostWifi(tool="none", connected=None, note="neither nmcli nor iw is available")

    wifi_device_up = any(d.connected for d in devices if d.type == "wifi")
    if not wifi.connected and not wifi_device_up:
        wired = next(
            (d.device for d in devices if d.type == "ethernet" and d.connected), None
        ) or _linux_wired_interface(fs_root, [d.device for d in devices if d.type == "wifi"])
        if wired is not None:
            wifi = replace(wifi, wired_interface=wired)
    return wifi


# --- Windows ------------------------------------------------------------------------


async def _read_windows(run: CommandRunner, timeout: float) -> HostWifi:
    interfaces_out, networks_out = await asyncio.gather(
        run(NETSH_INTERFACES, timeout), run(NETSH_NETWORKS, timeout)
    )
    text = _stdout(interfaces_out)
    if text is None:
        wifi = HostWifi(tool="none", connected=None, note="netsh is not available")
    else:
        wifi = parse_netsh_interfaces(text)
    networks_text = _stdout(networks_out)
    if networks_text is not None and wifi.connected:
        networks = parse_netsh_networks(networks_text)
        wifi = replace(wifi, visible=networks or None)
    if wifi.connected is False:
        # No Wi-Fi connection but a default route: the computer is on a cable (or a
        # USB tether, which is the same for the camera's purposes).
        route = await find_default_route(run, timeout, system="win32")
        if route is not None:
            where = f"the adapter at {route.interface}" if route.interface else "default route"
            wifi = replace(wifi, wired_interface=where)
    return wifi


# --- macOS --------------------------------------------------------------------------


def _merge_macos(wd: HostWifi | None, sp: HostWifi | None) -> HostWifi:
    """wdutil knows the current network best; system_profiler adds the scan list."""
    if wd is None or wd.connected is None:
        return sp or wd or HostWifi(tool="none", connected=None, note="no macOS Wi-Fi tool")
    if sp is None or sp.connected is None:
        return wd
    current = wd.current
    if current is not None and sp.current is not None:
        other = sp.current
        current = replace(
            current,
            ssid=current.ssid or other.ssid,
            ssid_redacted=current.ssid_redacted and other.ssid is None,
            channel=current.channel or other.channel,
            band=current.band or other.band,
            security=current.security or other.security,
            security_raw=current.security_raw or other.security_raw,
        )
    visible = sp.visible
    if visible is not None and current is not None:
        # The scan list starts with system_profiler's view of the current network.
        visible = tuple(current if n.active else n for n in visible)
    return HostWifi(
        tool="wdutil+system_profiler",
        connected=wd.connected if wd.connected is not None else sp.connected,
        interface=wd.interface or sp.interface,
        current=current if wd.connected else sp.current,
        visible=visible,
    )


async def _read_macos(
    run: CommandRunner, timeout: float, slow_timeout: float, is_root: bool
) -> HostWifi:
    async def wdutil() -> CommandOutput | None:
        # wdutil refuses to run without root; asking for a password is not a probe.
        return await run(WDUTIL_INFO, timeout) if is_root else None

    wd_out, sp_out = await asyncio.gather(wdutil(), run(SYSTEM_PROFILER, slow_timeout))
    wd = parse_wdutil_info(wd_out.stdout) if wd_out is not None else None
    sp = parse_system_profiler_airport(sp_out.stdout) if sp_out is not None else None
    wifi = _merge_macos(wd, sp)
    if wifi.connected is False:
        # A Mac without Wi-Fi hardware has no Wi-Fi interface name at all; any
        # default route is then a cable too.
        route = await find_default_route(run, timeout, system="darwin")
        if route is not None and route.interface and route.interface != wifi.interface:
            wifi = replace(wifi, wired_interface=route.interface)
    return wifi


# --- observations -------------------------------------------------------------------


def _network_raw(wifi: HostWifi) -> dict[str, object]:
    raw: dict[str, object] = {"tool": wifi.tool, "interface": wifi.interface}
    current = wifi.current
    if current is not None:
        raw.update(
            ssid=current.ssid,
            bssid=current.bssid,
            channel=current.channel,
            frequency_mhz=current.frequency_mhz,
            radio_band=current.band,
            signal=current.signal,
        )
        if current.ssid_redacted:
            raw["ssid_redacted"] = True
    if wifi.wired_interface:
        raw["wired_interface"] = wifi.wired_interface
    if wifi.note:
        raw["note"] = wifi.note
    return raw


def _band_observation(wifi: HostWifi) -> Observation:
    probe = "host_wifi_band"
    raw = _network_raw(wifi)
    if wifi.connected:
        band = wifi.band
        where = (
            f" (channel {wifi.current.channel})" if wifi.current and wifi.current.channel else ""
        )
        if band == "2.4ghz":
            return Observation(probe, "2.4ghz", raw, f"This computer is on 2.4 GHz Wi-Fi{where}.")
        if band == "5ghz":
            return Observation(probe, "5ghz", raw, f"This computer is on 5 GHz Wi-Fi{where}.")
        if band == "6ghz":
            return Observation(
                probe,
                "5ghz",
                raw,
                f"This computer is on 6 GHz Wi-Fi{where}; counted as 5 GHz, since cameras "
                "can use neither.",
            )
        return Observation.unknown(
            probe, "This computer is on Wi-Fi, but its band could not be read.", raw
        )
    if wifi.wired_interface:
        return Observation(
            probe,
            "wired",
            raw,
            f"This computer is connected by cable ({wifi.wired_interface}), not Wi-Fi.",
        )
    if wifi.connected is False:
        return Observation.unknown(
            probe, "This computer is not on Wi-Fi and has no cable connection either.", raw
        )
    return Observation.unknown(probe, "Could not read this computer's Wi-Fi connection.", raw)


_SECURITY_WORDS = {
    "open": "an open network (no password)",
    "wpa2": "WPA2",
    "wpa3": "WPA3 only",
    "wpa2_wpa3_mixed": "WPA2/WPA3 mixed mode",
}
_OTHER_SECURITY = {
    "enterprise": "WPA enterprise (802.1X) — a work-style network no camera can join",
    "wpa1": "old WPA (version 1) only",
    "wep": "WEP, which is no longer safe",
    "owe": "Enhanced Open (OWE)",
}


def _security_observation(wifi: HostWifi) -> Observation:
    probe = "host_wifi_security"
    raw: dict[str, object] = {"tool": wifi.tool}
    current = wifi.current
    if not wifi.connected or current is None:
        return Observation.unknown(probe, "This computer is not on Wi-Fi, or it cannot tell.", raw)
    raw.update(security_kind=current.security, security_raw=current.security_raw)
    kind = current.security
    if kind in CORE_SECURITY:
        return Observation(probe, kind, raw, f"This computer's Wi-Fi uses {_SECURITY_WORDS[kind]}.")
    if kind is not None:
        return Observation.unknown(
            probe, f"This computer's Wi-Fi uses {_OTHER_SECURITY[kind]}.", raw
        )
    return Observation.unknown(probe, "The Wi-Fi security type could not be read.", raw)


def _visible_observation(wifi: HostWifi) -> Observation:
    probe = "ssid_24ghz_visible"
    raw: dict[str, object] = {"tool": wifi.tool}
    current = wifi.current
    if not wifi.connected or current is None:
        return Observation.unknown(probe, "This computer is not on Wi-Fi.", raw)
    raw["ssid"] = current.ssid
    if current.band == "2.4ghz":
        return Observation(
            probe, "yes", raw, "This computer is itself connected to the network on 2.4 GHz."
        )
    if current.ssid is None:
        why = "macOS hides it" if current.ssid_redacted else "it is hidden"
        return Observation.unknown(
            probe, f"The network's name is not known ({why}), so it cannot be looked for.", raw
        )
    if not wifi.visible:
        return Observation.unknown(probe, "No list of nearby networks is available.", raw)
    raw["networks_seen"] = len(wifi.visible)
    same_name = [n for n in wifi.visible if n.ssid == current.ssid]
    on_24 = [n for n in same_name if n.band == "2.4ghz"]
    raw["same_name"] = [_brief(n) for n in same_name]
    if on_24:
        channels = sorted({n.channel for n in on_24 if n.channel is not None})
        where = f" (channel {', '.join(map(str, channels))})" if channels else ""
        return Observation(
            probe,
            "yes",
            raw,
            f"The network {current.ssid!r} is also broadcast on 2.4 GHz{where}.",
        )
    unsure = [n for n in same_name if n.band is None] or [
        n for n in wifi.visible if n.ssid is None and n.band == "2.4ghz" and n.ssid_redacted
    ]
    if unsure:
        return Observation.unknown(
            probe, "Some nearby networks' band or name is unknown, so it cannot be sure.", raw
        )
    return Observation(
        probe,
        "no",
        raw,
        f"No 2.4 GHz network named {current.ssid!r} is visible among "
        f"{len(wifi.visible)} nearby networks.",
    )


def _brief(network: WifiNetwork) -> dict[str, object]:
    return {"bssid": network.bssid, "band": network.band, "channel": network.channel}


def wifi_observations(wifi: HostWifi) -> list[Observation]:
    """The three host Wi-Fi observations from one reading (pure; no I/O)."""
    return [_band_observation(wifi), _security_observation(wifi), _visible_observation(wifi)]


async def read_host_wifi(
    timeout: float = 3.0,
    *,
    runner: CommandRunner | None = None,
    system: str | None = None,
    fs_root: Path = Path("/"),
    slow_timeout: float = 15.0,
    is_root: bool | None = None,
) -> HostWifi:
    """Gather this computer's Wi-Fi state with the platform's tools."""
    run = runner or run_command
    platform = system or sys.platform
    root = is_root if is_root is not None else (hasattr(os, "geteuid") and os.geteuid() == 0)
    if platform.startswith("linux"):
        return await _read_linux(run, timeout, fs_root, root)
    if platform == "win32":
        return await _read_windows(run, timeout)
    if platform == "darwin":
        return await _read_macos(run, timeout, slow_timeout, root)
    return HostWifi(tool="none", connected=None, note=f"unsupported platform {platform}")


async def probe_host_wifi(
    timeout: float = 3.0,
    *,
    runner: CommandRunner | None = None,
    system: str | None = None,
    fs_root: Path = Path("/"),
    slow_timeout: float = 15.0,
    is_root: bool | None = None,
) -> list[Observation]:
    """``host_wifi_band``, ``host_wifi_security`` and ``ssid_24ghz_visible``; never raises.

    ``timeout`` bounds each tool run; ``slow_timeout`` is for macOS's
    ``system_profiler``, which routinely needs several seconds. ``runner``,
    ``system``, ``fs_root`` and ``is_root`` let tests stand in for the computer.
    """
    try:
        wifi = await read_host_wifi(
            timeout,
            runner=runner,
            system=system,
            fs_root=fs_root,
            slow_timeout=slow_timeout,
            is_root=is_root,
        )
        return wifi_observations(wifi)
    except Exception as exc:  # a surprise in a parser costs these probes, not the run
        return [
            Observation.unknown(
                probe, "Could not read this computer's Wi-Fi.", {"error": repr(exc)}
            )
            for probe in _PROBES
        ]
