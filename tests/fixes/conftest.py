"""Automated repairs against emulated cameras on loopback.

* ``loopback_only`` (autouse): a socket connect or datagram to anything but loopback
  fails at once, so no test can reach a real camera or the LAN.
* ``private_home`` (autouse): saved sessions and reports go to a temporary folder, the
  keyring is an in-memory stand-in and the login variables are cleared.
* ``start_camera``: emulated cameras (FAST_TIMINGS) in background threads, so both
  the async actions and the synchronous wizard can talk to them; the test flips
  faults on the running camera (``cam.set_fault``) to play what happens next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kasa_doctor.emulator import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    FAST_TIMINGS,
    EmulatedCamera,
    ThreadedCamera,
    run_in_thread,
)
from kasa_doctor.probes.camera import CameraTarget
from kasa_doctor.probes.credentials import CameraCredentials
from tests.live.support import private_keyring
from tests.loopback_guard import loopback_only  # noqa: F401  (imported = registered here)

C210 = "C210(EU)_2.0_1.4.3.json"
EC60 = "iotcam/EC60(US)_4.0_2.3.22.json"


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "kd-home"
    monkeypatch.setenv("KASA_DOCTOR_HOME", str(home))
    with private_keyring(monkeypatch, "KASA_DOCTOR_WIFI_PASSWORD"):
        yield home


@pytest.fixture
def start_camera() -> Iterator[Callable[..., ThreadedCamera]]:
    """Start emulated cameras (FAST_TIMINGS, loopback); all stopped after the test."""
    started: list[ThreadedCamera] = []

    def start(fixture: str = C210, *faults: str) -> ThreadedCamera:
        cam = run_in_thread(
            fixture, faults=set(faults), host="127.0.0.1", port=0, timings=FAST_TIMINGS
        )
        started.append(cam)
        return cam

    try:
        yield start
    finally:
        for cam in started:
            cam.stop()
        assert EmulatedCamera.running_count() == 0, "a test left an emulated camera running"


def target_of(cam: ThreadedCamera) -> CameraTarget:
    return CameraTarget(cam.host, cam.port)


def login() -> CameraCredentials:
    return CameraCredentials(DEFAULT_USERNAME, DEFAULT_PASSWORD)
