"""Finding the default gateway (the home router) without extra packages.

Each platform prints its routing table differently, so there is one pure parser per
format and one small async function that picks the source for the running system.
A parser returns ``None`` when the text holds no usable IPv4 default route; it never
raises on odd input.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kasa_doctor.probes.commands import CommandRunner


@dataclass(frozen=True)
class DefaultRoute:
    """The IPv4 default route: where packets for the internet go first."""

    gateway: str
    interface: str | None  # interface name (Linux, macOS) or local address (Windows)
    source: str  # which file or command it came from


_RTF_UP = 0x0001
_RTF_GATEWAY = 0x0002


def _ipv4(text: str) -> str | None:
    try:
        address = ipaddress.IPv4Address(text.strip())
    except ValueError:
        return None
    if address.is_unspecified:
        return None
    return str(address)


def parse_proc_net_route(
    text: str, byteorder: Literal["little", "big"] | None = None
) -> DefaultRoute | None:
    """Linux ``/proc/net/route``.

    The kernel prints each address as the 32-bit word in host byte order, so the hex
    must be read back with the byte order of the machine that wrote it (``byteorder``;
    defaults to this machine's).
    """
    order = byteorder or sys.byteorder
    fmt = "<I" if order == "little" else ">I"
    best: tuple[int, DefaultRoute] | None = None
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        iface, destination, gateway_hex, flags_hex = fields[0], fields[1], fields[2], fields[3]
        try:
            flags = int(flags_hex, 16)
            metric = int(fields[6])
            mask = int(fields[7], 16)
            dest = int(destination, 16)
            gateway_word = int(gateway_hex, 16)
        except ValueError:
            continue
        if dest != 0 or mask != 0:
            continue
        if not flags & _RTF_UP or not flags & _RTF_GATEWAY:
            continue
        gateway = _ipv4(socket.inet_ntoa(struct.pack(fmt, gateway_word)))
        if gateway is None:
            continue
        route = DefaultRoute(gateway=gateway, interface=iface, source="/proc/net/route")
        if best is None or metric < best[0]:
            best = (metric, route)
    return best[1] if best else None


def parse_macos_route_get(text: str) -> DefaultRoute | None:
    """macOS ``route -n get default``: ``gateway:`` and ``interface:`` lines."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values.setdefault(key.strip().lower(), value.strip())
    # A VPN or PPP default route names a link ("link#12") instead of an address;
    # there is no router to test behind it.
    gateway = _ipv4(values.get("gateway", ""))
    if gateway is None:
        return None
    return DefaultRoute(
        gateway=gateway, interface=values.get("interface") or None, source="route -n get default"
    )


def parse_netstat_rn(text: str) -> DefaultRoute | None:
    """BSD/macOS ``netstat -rn``: the first IPv4 ``default`` row."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0] not in {"default", "0.0.0.0"}:
            continue
        gateway = _ipv4(fields[1])
        if gateway is None:
            continue  # an IPv6 or link# row
        # Columns after Gateway are Flags, (Refs, Use on old systems,) Netif, Expire;
        # the interface is the first token that looks like one.
        iface = next((f for f in fields[2:] if re.fullmatch(r"[a-z]+\d+", f)), None)
        return DefaultRoute(gateway=gateway, interface=iface, source="netstat -rn")
    return None


_IPV4_RE = r"\d{1,3}(?:\.\d{1,3}){3}"


def parse_windows_route_print(text: str) -> DefaultRoute | None:
    """Windows ``route print -4``; labels are translated, so match the row's shape.

    An active default route is the only row with five columns that starts
    ``0.0.0.0 0.0.0.0`` followed by a gateway address, the local interface address
    and a metric. Persistent routes have four columns and are not in effect.
    """
    best: tuple[int, DefaultRoute] | None = None
    row = re.compile(rf"^\s*0\.0\.0\.0\s+0\.0\.0\.0\s+({_IPV4_RE})\s+({_IPV4_RE})\s+(\d+)\s*$")
    for line in text.splitlines():
        match = row.match(line)
        if not match:
            continue
        gateway = _ipv4(match.group(1))
        if gateway is None:
            continue
        metric = int(match.group(3))
        route = DefaultRoute(gateway=gateway, interface=match.group(2), source="route print")
        if best is None or metric < best[0]:
            best = (metric, route)
    return best[1] if best else None


_IPCONFIG_LINE = re.compile(r"^(\s+)(\S[^:]*?)[\s.]*:\s*(.*)$")
_NETMASK = re.compile(r"^255\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
# An unlabelled line holding only another address for the field above it.
_CONTINUATION = re.compile(r"^\s+([0-9A-Fa-f:.%]+)\s*$")


def parse_ipconfig(text: str) -> DefaultRoute | None:
    """Windows ``ipconfig``; the default-gateway label is translated, so go by position.

    In every adapter section the default gateway directly follows the subnet mask
    (a value starting ``255.``). It may list an IPv6 address first, with the IPv4
    address on an unlabelled continuation line.
    """
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _IPCONFIG_LINE.match(line)
        if not match or not _NETMASK.match(match.group(3).strip()):
            continue
        candidates: list[str] = []
        if index + 1 < len(lines) and (gateway_line := _IPCONFIG_LINE.match(lines[index + 1])):
            candidates.append(gateway_line.group(3))
            for follow in lines[index + 2 :]:
                continuation = _CONTINUATION.match(follow)
                if not continuation:
                    break
                candidates.append(continuation.group(1))
        for candidate in candidates:
            gateway = _ipv4(candidate.split("%")[0])
            if gateway is not None:
                return DefaultRoute(gateway=gateway, interface=None, source="ipconfig")
    return None


async def find_default_route(
    runner: CommandRunner,
    timeout: float,
    *,
    system: str | None = None,
    proc_root: Path = Path("/"),
) -> DefaultRoute | None:
    """The IPv4 default route of this computer, or ``None`` if it cannot be found."""
    platform = system or sys.platform
    if platform.startswith("linux"):
        try:
            text = (proc_root / "proc/net/route").read_text(encoding="ascii", errors="replace")
        except OSError:
            return None
        return parse_proc_net_route(text)
    if platform == "darwin":
        out = await runner(["route", "-n", "get", "default"], timeout)
        if out is not None and (route := parse_macos_route_get(out.stdout)):
            return route
        out = await runner(["netstat", "-rn", "-f", "inet"], timeout)
        return parse_netstat_rn(out.stdout) if out is not None else None
    if platform == "win32":
        out = await runner(["route", "print", "-4"], timeout)
        if out is not None and (route := parse_windows_route_print(out.stdout)):
            return route
        out = await runner(["ipconfig"], timeout)
        return parse_ipconfig(out.stdout) if out is not None else None
    return None
