"""Redaction by key, by known value and by pattern, with stable placeholders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasa_doctor.redact import TRUSTED, Redactor, category, redact


def test_keys_are_matched_without_case_or_separators() -> None:
    assert category("deviceId") == category("device_id") == category("DEVICE-ID") == "ID"
    assert category("hwId") == category("hw_id") == "ID"
    assert category("last_known_ip") == "IP"
    assert category("connect_ssid") == "SSID"
    assert category("mic_mac") == "MAC"
    assert category("camera.host") == "IP"
    # not sensitive: a question id, a time, a flag about an SSID, a signal reading
    for key in ("id", "host_time", "ssid_redacted", "rssiValue", "gateway_source", "name"):
        assert category(key) is None, key


def test_values_under_sensitive_keys_become_placeholders() -> None:
    data = {
        "mac": "40-AE-30-12-34-56",
        "ip": "192.168.1.20",
        "ssid": "TXlIb21lV2lGaQ==",  # base64 "MyHomeWiFi", as Tapo sends it
        "device_id": "80223AB1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7",
        "alias": "Garage camera",
        "email": "owner@example.com",
        "latitude": 51.5,
        "firmware_version": "1.4.3 Build 241010 Rel.33858n",
        "hardware_version": "2.0",
        "rssi": -61,
    }
    out = redact(data)
    for key in ("mac", "ip", "ssid", "device_id", "alias", "email", "latitude"):
        assert str(out[key]).startswith("**REDACTED-"), key
    assert out["firmware_version"] == data["firmware_version"]
    assert out["hardware_version"] == "2.0"
    assert out["rssi"] == -61


def test_same_value_same_placeholder_in_every_spelling() -> None:
    data: dict[str, Any] = {
        "mac": "40-AE-30-12-34-56",
        "reading": {"mic_mac": "40AE30123456", "other_mac": "11:22:33:44:55:66"},
        "detail": "seen as 40:ae:30:12:34:56 and 40AE30123456",
        "ssid": "TXlIb21lV2lGaQ==",
        "note": "joined MyHomeWiFi",
    }
    out = redact(data)
    mark = out["mac"]
    assert out["reading"]["mic_mac"] == mark
    assert out["detail"] == f"seen as {mark} and {mark}"
    assert out["reading"]["other_mac"] != mark
    assert out["note"] == f"joined {out['ssid']}"


def test_patterns_catch_addresses_in_free_text() -> None:
    text = (
        "camera 10.0.0.7 via fe80::1ff:fe23:4567:890a%wlan0 and ::ffff:192.0.2.1, "
        "mac aa:bb:cc:dd:ee:ff, mail Jane.Doe+cam@mail.example.org."
    )
    out = redact({"detail": text})["detail"]
    for leak in ("10.0.0.7", "fe80::", "192.0.2.1", "aa:bb:cc", "Jane.Doe", "example.org"):
        assert leak not in out, (leak, out)
    assert out.count("**REDACTED-IP-") == 3


@pytest.mark.parametrize(
    "text",
    [
        "1.4.3 Build 241010 Rel.33858n(4555)",
        "at 12:30:45 the light turned red",
        "signal -61 dBm, 2.4 GHz, channel 6",
        "TP-LINK C210 2.0 IPC",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact({"detail": text}) == {"detail": text}


def test_secrets_go_even_without_redaction() -> None:
    data = {"password": "hunter2", "setup_code": "12345678901", "mac": "40-AE-30-12-34-56"}
    out = redact(data, identifying=False)
    assert out["password"] == out["setup_code"] == "**REDACTED-SECRET**"
    assert out["mac"] == "40-AE-30-12-34-56"


def test_empty_values_and_flags_are_kept() -> None:
    data: dict[str, Any] = {"owner": "", "ssid": None, "mac": True, "ip": []}
    assert redact(data) == data


def test_nested_structure_under_a_sensitive_key() -> None:
    data: dict[str, Any] = {
        "location": {"lat": 51.5, "lon": -0.1, "city": "London"},
        "ip": ["1.2.3.4"],
    }
    out = redact(data)
    assert all(str(v).startswith("**REDACTED-LOCATION-") for v in out["location"].values())
    assert out["ip"][0].startswith("**REDACTED-IP-")


def test_dict_keys_are_redacted_too() -> None:
    out = redact({"devices": {"40:AE:30:12:34:56": {"ok": True}}})
    assert list(out["devices"]) == ["**REDACTED-MAC-1**"]


@dataclass(frozen=True)
class _Doc:
    step_title: str = field(metadata=TRUSTED)
    detail: str
    raw: dict[str, Any]


def test_trusted_text_keeps_its_words_but_not_addresses() -> None:
    doc = _Doc(
        step_title="Restart the Garage router at 192.168.0.1",
        detail="Garage answers",
        raw={"alias": "Garage"},
    )
    out = Redactor()(doc)
    assert out.step_title.startswith("Restart the Garage router at **REDACTED-IP-")
    assert out.detail == f"{out.raw['alias']} answers"


def test_a_value_that_is_also_the_model_is_not_hunted_in_free_text() -> None:
    out = redact({"model": "C210", "alias": "C210", "detail": "C210 answers"})
    assert out["model"] == "C210"
    assert out["alias"].startswith("**REDACTED-NAME-")
    assert out["detail"] == "C210 answers"


@given(
    st.lists(
        st.tuples(
            st.integers(0, 255), st.integers(0, 255), st.integers(0, 255), st.integers(1, 254)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_ipv4_in_text_is_removed(addresses: list[tuple[int, int, int, int]]) -> None:
    ips = [".".join(map(str, a)) for a in addresses]
    text = "reached " + ", ".join(ips) + "."
    out = redact({"detail": text})["detail"]
    assert not any(ip in out for ip in ips)


@given(st.binary(min_size=6, max_size=6))
def test_any_mac_in_text_is_removed(raw: bytes) -> None:
    for sep in (":", "-"):
        mac = sep.join(f"{b:02x}" for b in raw)
        out = redact({"detail": f"MAC {mac.upper()} / {mac}"})["detail"]
        assert mac not in out and mac.upper() not in out
