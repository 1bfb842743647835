"""Shared helpers for the live camera tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest

from kasa_doctor.emulator import EmulatedCamera
from kasa_doctor.emulator.fixtures import FIXTURE_DIR
from kasa_doctor.probes.credentials import CameraCredentials

SHARED_FIXTURES = Path(__file__).resolve().parents[3] / "shared/fixtures/python-kasa-smartcam"
FIXTURE_ROOT = SHARED_FIXTURES if SHARED_FIXTURES.is_dir() else FIXTURE_DIR
EC60 = "iotcam/EC60(US)_4.0_2.3.22.json"

USERNAME = "owner@example.com"
PASSWORD = "farm-password-1"


def fixture_names() -> list[str]:
    """Every top-level camera fixture plus the Kasa EC60 (hub children need a hub)."""
    names = sorted(p.name for p in FIXTURE_ROOT.glob("*.json"))
    return [*names, EC60]


def fixture_path(name: str) -> Path:
    return FIXTURE_ROOT / name


@dataclass(frozen=True)
class Expected:
    rssi: int | None
    firmware: str
    led: str


def expected(name: str) -> Expected:
    """What the fixture itself says: RSSI (dBm), firmware version, LED setting."""
    data: dict[str, Any] = json.loads(fixture_path(name).read_text(encoding="utf-8"))
    if "system" in data:
        info = data["system"]["get_sysinfo"]["system"]
        return Expected(info.get("rssi"), info["sw_ver"], info["led_status"])
    basic = data["getDeviceInfo"]["device_info"]["basic_info"]
    return Expected(
        data.get("getConnectionType", {}).get("rssiValue"),
        basic["sw_version"],
        data["getLedStatus"]["led"]["config"]["enabled"],
    )


def login_env(monkeypatch: pytest.MonkeyPatch, username: str, password: str) -> None:
    monkeypatch.setenv("KASA_USERNAME", username)
    monkeypatch.setenv("KASA_PASSWORD", password)


def creds_for(cam: EmulatedCamera, password: str | None = None) -> CameraCredentials:
    return CameraCredentials(cam.username, cam.password if password is None else password)


def loopback_address(last: int) -> str:
    """A loopback address of our own (127.77.x.last), so parallel runs do not collide."""
    return f"127.77.{os.getpid() % 250 + 1}.{last}"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in a dict (priority is irrelevant: it is set explicitly)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@contextmanager
def private_keyring(monkeypatch: pytest.MonkeyPatch, *also_clear: str) -> Iterator[MemoryKeyring]:
    """An in-memory keyring, and no login in the environment (``KASA_USERNAME``,
    ``KASA_PASSWORD`` and ``also_clear``): no test touches the OS keyring or the
    developer's login."""
    for name in ("KASA_USERNAME", "KASA_PASSWORD", *also_clear):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
