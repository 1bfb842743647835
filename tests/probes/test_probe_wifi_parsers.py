"""Band, channel and security rules, plus fuzzing: no parser may raise on any text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasa_doctor.probes import routes
from kasa_doctor.probes import wifi_parsers as wp
from kasa_doctor.probes.observation import CORE_VALUES


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("WPA2-Personal", "wpa2"),
        ("WPA2-PSK", "wpa2"),
        ("wpa2-psk", "wpa2"),
        ("WPA2 Personal", "wpa2"),
        ("WPA2 - Personnel", "wpa2"),
        ("WPA/WPA2 Personal", "wpa2"),
        ("WPA1 WPA2", "wpa2"),
        ("WPA2-パーソナル", "wpa2"),
        ("WPA3-Personal", "wpa3"),
        ("WPA3 Personal", "wpa3"),
        ("WPA3", "wpa3"),
        ("SAE", "wpa3"),
        ("WPA2/WPA3 Personal", "wpa2_wpa3_mixed"),
        ("WPA2 WPA3", "wpa2_wpa3_mixed"),
        ("WPA3-Personal Transition", "wpa2_wpa3_mixed"),
        ("WPA3 Transition", "wpa2_wpa3_mixed"),
        ("Open", "open"),
        ("None", "open"),
        ("--", "open"),
        ("Offen", "open"),
        ("Ouvrir", "open"),
        ("Abierta", "open"),
        ("WPA2-Enterprise", "enterprise"),
        ("WPA2 - Entreprise", "enterprise"),
        ("WPA2 802.1X", "enterprise"),
        ("WPA3-Enterprise 192 Bits", "enterprise"),
        ("WPA-Personal", "wpa1"),
        ("WPA1", "wpa1"),
        ("WEP", "wep"),
        ("Shared", "wep"),
        ("OWE", "owe"),
        ("", None),
        ("something else", None),
        (None, None),
    ],
)
def test_normalise_security(text: str | None, kind: str | None) -> None:
    assert wp.normalise_security(text) == kind


def test_core_security_kinds_are_probe_values() -> None:
    assert CORE_VALUES["host_wifi_security"] == wp.CORE_SECURITY


@pytest.mark.parametrize(
    ("mhz", "band", "channel"),
    [
        (2412, "2.4ghz", 1),
        (2437, "2.4ghz", 6),
        (2484, "2.4ghz", 14),
        (5180, "5ghz", 36),
        (5825, "5ghz", 165),
        (4920, "5ghz", 184),
        (5935, "6ghz", 2),
        (5955, "6ghz", 1),
        (6135, "6ghz", 37),
        (7115, "6ghz", 233),
        (900, None, None),
    ],
)
def test_frequencies(mhz: int, band: str | None, channel: int | None) -> None:
    assert wp.band_from_frequency(mhz) == band
    assert wp.channel_from_frequency(mhz) == channel


def test_band_from_channel_uses_the_hint_first() -> None:
    assert wp.band_from_channel(6) == "2.4ghz"
    assert wp.band_from_channel(149) == "5ghz"
    assert wp.band_from_channel(5, "6") == "6ghz"
    assert wp.band_from_channel(None, "2,4") == "2.4ghz"
    assert wp.band_from_channel(233) is None
    assert wp.band_from_channel(None) is None


@given(st.integers(min_value=1, max_value=13))
def test_24ghz_channels_round_trip(channel: int) -> None:
    mhz = 2407 + 5 * channel
    assert wp.band_from_frequency(mhz) == "2.4ghz"
    assert wp.channel_from_frequency(mhz) == channel


def _escape_terse(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


@given(st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"])), min_size=1))
def test_nmcli_terse_round_trip(fields: list[str]) -> None:
    line = ":".join(_escape_terse(f) for f in fields)
    assert wp.split_nmcli_terse(line) == fields


def test_iw_ssid_unescaping() -> None:
    assert wp.unescape_iw_ssid("Caf\\xc3\\xa9") == "Café"
    assert wp.unescape_iw_ssid("\\x20lead") == " lead"
    assert wp.unescape_iw_ssid("back\\x5cslash") == "back\\slash"
    assert wp.unescape_iw_ssid("bad\\xff") == "bad\ufffd"


PARSERS: list[Callable[[str], Any]] = [
    wp.parse_nmcli_wifi_list,
    wp.parse_nmcli_devices,
    wp.parse_iw_dev,
    wp.parse_iw_link,
    wp.parse_iw_scan,
    wp.parse_netsh_interfaces,
    wp.parse_netsh_networks,
    wp.parse_wdutil_info,
    wp.parse_system_profiler_airport,
    routes.parse_proc_net_route,
    routes.parse_macos_route_get,
    routes.parse_netstat_rn,
    routes.parse_windows_route_print,
    routes.parse_ipconfig,
]

# Text made of the pieces these formats are built from, so the fuzzer reaches deep
# into the parsers instead of bouncing off the first line.
# fmt: off
PIECES = st.sampled_from(
    [
        "\n", "\r\n", "\t", "    ", ": ", ":", "\\:", "\\", "SSID", "SSID 1", "BSSID 1", "GUID",
        "4f3e2a10-8c1b-4d2e-9a7f-0123456789ab", "a0:b1:c2:d3:e4:f1", "802.11ac", "5 GHz",
        "2,4 GHz", "36", "6", "96%", "WPA2-Personal", "Channel", "Kanal", "BSS ", "(on wlan0)",
        " -- associated", "freq: ", "2437", "RSN:", "WPA:", " * Authentication suites: ",
        "PSK SAE", "Connected to ", "Not connected.", "WIFI", "Interfaces:", "en0:",
        "Current Network Information:", "Other Local Wi-Fi Networks:", "<redacted>",
        "5g149/80", "Channel: 6 (2GHz, 20MHz)", "yes", "0.0.0.0", "00000000", "0003",
        "255.255.255.0", "192.168.1.1", "default", "gateway: ", "(", "é", "\x00",
    ]
)
# fmt: on
TEXTS = st.one_of(st.text(), st.lists(PIECES, max_size=60).map("".join))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@given(text=TEXTS)
def test_parsers_never_raise(parser: Callable[[str], Any], text: str) -> None:
    parser(text)


@given(st.text())
def test_normalise_security_never_raises(text: str) -> None:
    assert wp.normalise_security(text) in {None, *wp.SecurityKind.__args__}  # type: ignore[attr-defined]
