"""Helpers the report tests import: sessions made from fixtures, and the sensitive
values a fixture holds, found independently of kasa_doctor.redact (by our own list
of key names and by regex), so the test does not trust the code it checks."""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path
from typing import Any

from kasa_doctor.engine.session import Session

FIXTURES = Path(__file__).resolve().parents[2] / "src" / "kasa_doctor" / "emulator" / "fixtures"
ALL_FIXTURES = sorted(FIXTURES.rglob("*.json"))

#: key names whose values identify a device, a network, a place or a person
SENSITIVE_KEYS = {
    "mac",
    "mic_mac",
    "bssid",
    "ext_addr",
    "ip",
    "ipaddr",
    "local_ip",
    "ssid",
    "connect_ssid",
    "current_ssid",
    "device_id",
    "deviceId",
    "dev_id",
    "parent_device_id",
    "hw_id",
    "hwId",
    "oem_id",
    "oemId",
    "hw_desc",
    "owner",
    "alias",
    "device_alias",
    "nickname",
    "device_name",
    "email",
    "username",
    "setup_code",
    "setup_payload",
    "zone_id",
}
#: values too short to search for in a whole report ("0" is everywhere)
MIN_LEN = 5

MAC_RE = re.compile(r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b")
IPV4_RE = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _decoded(value: str) -> str | None:
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text.isprintable() and len(text) >= MIN_LEN else None


def sensitive_values(data: Any) -> set[str]:
    """Every identifying string in a fixture, in each spelling it may appear in."""
    found: set[str] = set()

    def walk(node: Any, key: str | None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key in SENSITIVE_KEYS and len(node) >= MIN_LEN:
            found.add(node)
            decoded = _decoded(node)
            if decoded:
                found.add(decoded)
            digits = re.sub(r"[^0-9A-Fa-f]", "", node)
            if key in {"mac", "mic_mac", "bssid"} and len(digits) == 12:
                pairs = [digits[i : i + 2] for i in range(0, 12, 2)]
                for text in (digits, ":".join(pairs), "-".join(pairs)):
                    found.update({text.lower(), text.upper()})

    walk(data, None)
    text = json.dumps(data)
    found |= set(MAC_RE.findall(text)) | set(IPV4_RE.findall(text)) | set(EMAIL_RE.findall(text))
    return found


def basic_info(data: dict[str, Any]) -> dict[str, Any]:
    """The device's own description: smartcam getDeviceInfo, or iot sysinfo."""
    try:
        info = data["getDeviceInfo"]["device_info"]["basic_info"]
    except KeyError:
        info = data["system"]["get_sysinfo"]["system"]
    assert isinstance(info, dict)
    return info


def discovery(data: dict[str, Any]) -> dict[str, Any]:
    found = data.get("discovery_result") or data.get("child_info_from_parent") or {}
    assert isinstance(found, dict)
    return found


def first(data: Any, key: str) -> str | None:
    """The first string under ``key`` anywhere in ``data``."""
    if isinstance(data, dict):
        if isinstance(data.get(key), str) and data[key]:
            return str(data[key])
        for value in data.values():
            hit = first(value, key)
            if hit:
                return hit
    elif isinstance(data, list):
        for item in data:
            hit = first(item, key)
            if hit:
                return hit
    return None


def fixture_session(path: Path) -> Session:
    """A finished, escalated session whose readings carry this fixture's device data.

    The readings are put where the wizard and kasa_doctor.live put them (``raw`` of
    probe entries as ``reading`` and ``detail``, identity in ``meta``), and the
    sentences name the address, MAC and Wi-Fi in free text the way probes do.
    """
    data = load(path)
    info = basic_info(data)
    ip = first(data, "ip") or first(data, "ipaddr") or "192.0.2.10"
    mac = first(info, "mac") or first(data, "mac") or "02:00:00:00:00:01"
    ssid_b64 = first(data, "ssid")
    ssid = (_decoded(ssid_b64) if ssid_b64 else None) or first(data, "connect_ssid") or "Home"
    alias = first(info, "device_alias") or first(info, "alias") or "Front door"
    session = Session(model_name=path.name.split("_")[0], led="red_slow_blink")
    session.meta.update(
        {
            "purchase_date": "2024-05-01",
            "host": ip,
            "camera.mac": mac,
            "alias": alias,
            "camera.hardware_version": first(info, "hw_version") or first(info, "hw_ver") or "",
            "camera.firmware": first(info, "sw_version") or first(info, "sw_ver") or "",
            "reading.camera_firmware": f"Firmware of {alias} at {ip}: "
            f"{first(info, 'sw_version') or first(info, 'sw_ver')}",
        }
    )
    at = "2025-01-01T10:00:00+00:00"
    session.observe("router_changed_recently", "no", raw={"reason": "asked"}, at=at)
    session.observe(
        "camera_reachable",
        "yes",
        raw={
            "reason": "a live check is cheap",
            "reading": {"host": ip, "mac": mac, "discovery": discovery(data)},
            "detail": f"The camera answers at {ip} (MAC {mac}).",
        },
        at=at,
    )
    session.observe(
        "camera_signal",
        "fair",
        raw={
            "reading": data.get("getConnectionType") or {"rssi": info.get("rssi")},
            "detail": f"Connected to {ssid} with -68 dBm.",
        },
        at=at,
    )
    # The whole dump once, so every key of every fixture passes through redaction.
    session.observe(
        "camera_cloud",
        "disconnected",
        raw={"reading": data, "detail": f"{alias} is not connected to the cloud."},
        at=at,
    )
    session.record_step(
        "restart_router",
        False,
        at=at,
        raw={"check_after": {"host": ip, "detail": f"{alias} at {ip} still answers poorly"}},
    )
    session.record_step("contact_support", False, at=at)
    assert session.status == "escalated"
    return session
