"""probe_host_wifi with recorded tool output, fake /proc and /sys, and missing tools."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from kasa_doctor.probes.commands import CommandOutput, decode_output, run_command
from kasa_doctor.probes.wifi import (
    NETSH_INTERFACES,
    NETSH_NETWORKS,
    NMCLI_DEVICES,
    NMCLI_WIFI_LIST,
    SYSTEM_PROFILER,
    WDUTIL_INFO,
    probe_host_wifi,
)

CORPUS = Path(__file__).parent / "corpus"
NMCLI_WIFI_NO_RESCAN = (*NMCLI_WIFI_LIST, "--rescan", "no")


def corpus(name: str) -> str:
    return (CORPUS / name).read_bytes().decode("utf-8")


class Recorded:
    """A command runner that replays outputs and remembers what was asked."""

    def __init__(self, outputs: Mapping[tuple[str, ...], str | CommandOutput]) -> None:
        self.outputs = outputs
        self.calls: list[tuple[str, ...]] = []

    async def __call__(self, argv: Sequence[str], timeout: float) -> CommandOutput | None:
        assert timeout > 0
        key = tuple(argv)
        self.calls.append(key)
        found = self.outputs.get(key)
        if isinstance(found, str):
            return CommandOutput(argv=key, returncode=0, stdout=found)
        return found


def values(observations: list[object]) -> dict[str, object]:
    return {o.probe: o.value for o in observations}  # type: ignore[attr-defined]


def fake_linux(
    root: Path,
    *,
    default_via: str | None = None,
    physical: Sequence[str] = (),
    wireless: Mapping[str, str] | None = None,
) -> Path:
    """A /proc/net/route and /sys/class/net with the given interfaces."""
    (root / "proc/net").mkdir(parents=True)
    rows = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    if default_via:
        rows += f"{default_via}\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    (root / "proc/net/route").write_text(rows)
    net = root / "sys/class/net"
    for name in physical:
        (net / name / "device").mkdir(parents=True)
        (net / name / "operstate").write_text("up\n")
    for name, state in (wireless or {}).items():
        (net / name / "device").mkdir(parents=True)
        (net / name / "wireless").mkdir()
        (net / name / "operstate").write_text(state + "\n")
    (net / "lo").mkdir(parents=True, exist_ok=True)
    return root


ALL_UNKNOWN = {"host_wifi_band": None, "host_wifi_security": None, "ssid_24ghz_visible": None}


# --- Linux --------------------------------------------------------------------------


async def test_linux_without_any_tool_or_route(tmp_path: Path) -> None:
    runner = Recorded({})
    obs = await probe_host_wifi(runner=runner, system="linux", fs_root=fake_linux(tmp_path))
    assert values(obs) == ALL_UNKNOWN
    assert all(o.detail for o in obs)
    assert ("iw", "dev") in runner.calls  # tried the fallback


async def test_linux_nmcli() -> None:
    runner = Recorded(
        {
            NMCLI_DEVICES: corpus("nmcli-dev/wifi-connected.txt"),
            NMCLI_WIFI_NO_RESCAN: corpus("nmcli-wifi/nm-1.46-connected-5ghz.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="linux", is_root=False)
    assert values(obs) == {
        "host_wifi_band": "5ghz",
        "host_wifi_security": "wpa2",
        "ssid_24ghz_visible": "yes",
    }
    assert obs[0].raw["ssid"] == "HomeNet"
    assert obs[0].raw["tool"] == "nmcli"
    assert not any(call[0] == "iw" for call in runner.calls)


async def test_linux_old_nmcli_without_rescan_option() -> None:
    refused = CommandOutput(
        NMCLI_WIFI_NO_RESCAN, 2, "", "Error: invalid extra argument '--rescan'."
    )
    runner = Recorded(
        {
            NMCLI_DEVICES: corpus("nmcli-dev/wifi-connected.txt"),
            NMCLI_WIFI_NO_RESCAN: refused,
            NMCLI_WIFI_LIST: corpus("nmcli-wifi/nm-1.36-nonascii-wpa3-5ghz-only.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="linux", is_root=False)
    assert values(obs) == {
        "host_wifi_band": "5ghz",
        "host_wifi_security": "wpa3",
        "ssid_24ghz_visible": "no",
    }


LINK_HOMENET = (
    "Connected to 9c:53:22:01:02:03 (on wlp0s20f3)\n\tSSID: HomeNet\n\tfreq: 5180\n"
    "\tsignal: -47 dBm\n"
)
IW_DEV = corpus("iw-dev/two-radios.txt")


async def test_linux_iw_with_cached_scan(tmp_path: Path) -> None:
    runner = Recorded(
        {
            ("iw", "dev"): IW_DEV,
            ("iw", "dev", "wlp0s20f3", "link"): LINK_HOMENET,
            ("iw", "dev", "wlx00c0ca112233", "link"): "Not connected.\n",
            ("iw", "dev", "wlp0s20f3", "scan", "dump"): corpus("iw-scan/iw-5.16-dump-mixed.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="linux", fs_root=tmp_path, is_root=False)
    assert values(obs) == {
        "host_wifi_band": "5ghz",
        "host_wifi_security": "wpa2_wpa3_mixed",
        "ssid_24ghz_visible": "yes",
    }
    assert obs[0].raw["interface"] == "wlp0s20f3"
    assert ("iw", "dev", "wlp0s20f3", "scan") not in runner.calls


async def test_linux_iw_scan_needs_root(tmp_path: Path) -> None:
    outputs: dict[tuple[str, ...], str | CommandOutput] = {
        ("iw", "dev"): IW_DEV,
        ("iw", "dev", "wlp0s20f3", "link"): LINK_HOMENET,
        ("iw", "dev", "wlx00c0ca112233", "link"): "Not connected.\n",
        ("iw", "dev", "wlp0s20f3", "scan", "dump"): "",
        ("iw", "dev", "wlp0s20f3", "scan"): CommandOutput(
            ("iw",), 255, "", corpus("iw-scan/permission-denied.txt")
        ),
    }
    user = await probe_host_wifi(
        runner=Recorded(outputs), system="linux", fs_root=tmp_path, is_root=False
    )
    assert values(user) == {
        "host_wifi_band": "5ghz",
        "host_wifi_security": None,
        "ssid_24ghz_visible": None,
    }
    outputs[("iw", "dev", "wlp0s20f3", "scan")] = corpus("iw-scan/iw-5.16-dump-mixed.txt")
    root = await probe_host_wifi(
        runner=Recorded(outputs), system="linux", fs_root=tmp_path, is_root=True
    )
    assert values(root)["host_wifi_security"] == "wpa2_wpa3_mixed"


async def test_linux_wired_from_nmcli() -> None:
    runner = Recorded(
        {
            NMCLI_DEVICES: corpus("nmcli-dev/ethernet-only.txt"),
            NMCLI_WIFI_NO_RESCAN: corpus("nmcli-wifi/nm-1.10-not-connected.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="linux", is_root=False)
    assert values(obs) == {**ALL_UNKNOWN, "host_wifi_band": "wired"}
    assert "enp3s0" in obs[0].detail


async def test_linux_wired_from_sysfs(tmp_path: Path) -> None:
    fs = fake_linux(tmp_path, default_via="eth0", physical=["eth0"], wireless={"wlan0": "down"})
    obs = await probe_host_wifi(runner=Recorded({}), system="linux", fs_root=fs)
    assert values(obs)["host_wifi_band"] == "wired"
    assert obs[0].raw["wired_interface"] == "eth0"


@pytest.mark.parametrize(
    ("via", "wireless"),
    [
        ("eth0", {"wlan0": "up"}),  # Wi-Fi may be in use too: cannot tell
        ("wlan0", {"wlan0": "up"}),  # the route itself is wireless
        ("tun0", {}),  # a VPN tunnel: no adapter behind it
    ],
)
async def test_linux_not_called_wired(tmp_path: Path, via: str, wireless: dict[str, str]) -> None:
    fs = fake_linux(tmp_path, default_via=via, physical=["eth0"], wireless=wireless)
    if via == "tun0":
        (fs / "sys/class/net/tun0").mkdir()
    obs = await probe_host_wifi(runner=Recorded({}), system="linux", fs_root=fs)
    assert values(obs) == ALL_UNKNOWN


# --- Windows ------------------------------------------------------------------------


async def test_windows_netsh() -> None:
    runner = Recorded(
        {
            NETSH_INTERFACES: corpus("netsh-interfaces/win10-en-5ghz.txt"),
            NETSH_NETWORKS: corpus("netsh-networks/win10-en-bssid.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="win32")
    assert values(obs) == {
        "host_wifi_band": "5ghz",
        "host_wifi_security": "wpa2",
        "ssid_24ghz_visible": "yes",
    }
    assert "channel 6" in obs[2].detail


async def test_windows_german_without_24ghz_twin() -> None:
    runner = Recorded(
        {
            NETSH_INTERFACES: corpus("netsh-interfaces/win10-de-wpa2.txt"),
            NETSH_NETWORKS: corpus("netsh-networks/win10-de.txt").replace(
                "         Kanal              : 1\r", "         Kanal              : 48\r"
            ),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="win32")
    assert values(obs)["ssid_24ghz_visible"] == "no"


async def test_windows_wired() -> None:
    runner = Recorded(
        {
            NETSH_INTERFACES: corpus("netsh-interfaces/win10-en-disconnected.txt"),
            NETSH_NETWORKS: corpus("netsh-networks/win10-en-bssid.txt"),
            ("route", "print", "-4"): corpus("windows-route-print/win10-en.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="win32")
    assert values(obs) == {**ALL_UNKNOWN, "host_wifi_band": "wired"}


async def test_windows_location_permission_is_not_wired() -> None:
    denied = corpus("netsh-interfaces/win11-24h2-location-permission.txt")
    runner = Recorded(
        {
            NETSH_INTERFACES: denied,
            NETSH_NETWORKS: denied,
            ("route", "print", "-4"): corpus("windows-route-print/win10-en.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="win32")
    assert values(obs) == ALL_UNKNOWN


async def test_windows_without_netsh() -> None:
    obs = await probe_host_wifi(runner=Recorded({}), system="win32")
    assert values(obs) == ALL_UNKNOWN


# --- macOS --------------------------------------------------------------------------


async def test_macos_without_root_uses_system_profiler_only() -> None:
    runner = Recorded(
        {
            WDUTIL_INFO: corpus("wdutil/sonoma-14.2-root-5ghz.txt"),
            SYSTEM_PROFILER: corpus("system-profiler/ventura-13.6-connected-5ghz.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="darwin", is_root=False)
    assert WDUTIL_INFO not in runner.calls
    assert values(obs) == {
        "host_wifi_band": "5ghz",
        "host_wifi_security": "wpa2",
        "ssid_24ghz_visible": "yes",
    }


async def test_macos_root_merges_wdutil_and_redacted_scan() -> None:
    runner = Recorded(
        {
            WDUTIL_INFO: corpus("wdutil/sonoma-14.2-root-5ghz.txt"),
            SYSTEM_PROFILER: corpus("system-profiler/sonoma-14.5-redacted.txt"),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="darwin", is_root=True)
    assert values(obs) == {
        "host_wifi_band": "5ghz",
        "host_wifi_security": "wpa2",
        # The name is known from wdutil, but the 2.4 GHz neighbours are redacted.
        "ssid_24ghz_visible": None,
    }
    assert obs[0].raw["tool"] == "wdutil+system_profiler"
    assert obs[0].raw["ssid"] == "HomeNet"


async def test_macos_wifi_off_and_cable() -> None:
    runner = Recorded(
        {
            SYSTEM_PROFILER: corpus("system-profiler/monterey-wifi-off.txt"),
            ("route", "-n", "get", "default"): corpus("macos-route-get/default-en0.txt").replace(
                "en0", "en7"
            ),
        }
    )
    obs = await probe_host_wifi(runner=runner, system="darwin", is_root=False)
    assert values(obs) == {**ALL_UNKNOWN, "host_wifi_band": "wired"}


async def test_macos_nothing_available() -> None:
    obs = await probe_host_wifi(runner=Recorded({}), system="darwin", is_root=True)
    assert values(obs) == ALL_UNKNOWN


# --- never an exception -------------------------------------------------------------


async def test_a_failing_runner_gives_unknowns() -> None:
    async def explode(argv: Sequence[str], timeout: float) -> CommandOutput | None:
        raise RuntimeError("boom")

    for system in ("linux", "win32", "darwin", "plan9"):
        obs = await probe_host_wifi(runner=explode, system=system, is_root=True)
        assert values(obs) == ALL_UNKNOWN


async def test_on_this_machine_it_does_not_raise() -> None:
    # Reads the real /proc and /sys and looks for real tools; sends nothing anywhere.
    obs = await probe_host_wifi(timeout=2.0)
    assert [o.probe for o in obs] == ["host_wifi_band", "host_wifi_security", "ssid_24ghz_visible"]


# --- the real command runner --------------------------------------------------------


async def test_run_command_missing_tool() -> None:
    assert await run_command(["kasa-doctor-no-such-tool-xyz"], 1.0) is None
    assert await run_command([], 1.0) is None


@pytest.mark.skipif(sys.platform == "win32", reason="uses a POSIX shell")
async def test_run_command_output_and_timeout() -> None:
    out = await run_command(["sh", "-c", "echo hi; echo oops >&2; exit 3"], 2.0)
    assert out is not None
    assert (out.returncode, out.stdout, out.stderr, out.ok) == (3, "hi\n", "oops\n", False)
    started = time.monotonic()
    assert await run_command(["sleep", "5"], 0.2) is None
    assert time.monotonic() - started < 2.0


def test_decode_output_never_fails() -> None:
    assert decode_output("Señal".encode()) == "Señal"
    assert decode_output(b"Se\xa4al")  # cp850 bytes on a non-Windows machine: replaced
