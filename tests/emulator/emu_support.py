"""Helpers for the emulator tests: python-kasa clients pointed at loopback.

A plain module (not conftest) so tests can import it: tests/ has no __init__.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from kasa import Credentials, Device, DeviceConfig
from kasa.deviceconfig import DeviceConnectionParameters, DeviceEncryptionType, DeviceFamily

from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera

SHARED_FIXTURES = (
    Path(__file__).resolve().parents[2].parent / "shared/fixtures/python-kasa-smartcam"
)


def camera_config(
    cam: EmulatedCamera,
    *,
    username: str | None = None,
    password: str | None = None,
    timeout: int = 5,
) -> DeviceConfig:
    return DeviceConfig(
        host=cam.host,
        port_override=cam.port,
        credentials=Credentials(username or cam.username, password or cam.password),
        connection_type=DeviceConnectionParameters(
            DeviceFamily.SmartIpCamera, DeviceEncryptionType.Aes, https=True
        ),
        timeout=timeout,
    )


@asynccontextmanager
async def connected(cam: EmulatedCamera, **kwargs: Any) -> AsyncIterator[Device]:
    """`Device.connect` (which runs the first `update()`), closed afterwards."""
    dev = await Device.connect(config=camera_config(cam, **kwargs))
    try:
        yield dev
    finally:
        await dev.disconnect()


def fast_camera(fixture: str = "C210(EU)_2.0_1.4.3.json", **kwargs: Any) -> EmulatedCamera:
    kwargs.setdefault("timings", FAST_TIMINGS)
    kwargs.setdefault("seed", 1)
    return EmulatedCamera(fixture, **kwargs)


def fixture_json(name: str) -> dict[str, Any]:
    from kasa_doctor.emulator import load_fixture

    return json.loads(load_fixture(name).path.read_text())
