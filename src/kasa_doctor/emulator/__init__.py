"""An emulated TP-Link Tapo/Kasa camera that python-kasa's real client talks to.

Quick start::

    from kasa_doctor.emulator import EmulatedCamera

    async with EmulatedCamera("C210(EU)_2.0_1.4.3.json", faults={"weak_signal"}) as cam:
        ...  # connect python-kasa to cam.host:cam.port with cam.username/cam.password
        cam.set_fault("led_off")
        print(cam.state.rssi, cam.faults)

Many cameras in one loop: ``async with start_many(1000) as farm``. From synchronous
code: ``handle = run_in_thread(...); ...; handle.stop()``. See docs/emulator.md.
"""

from __future__ import annotations

from .camera import (
    DEFAULT_FIXTURE,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    CameraSnapshot,
    EmulatedCamera,
)
from .discovery import DISCOVERY_PORT, DiscoveryResponder
from .farm import EmulatorFarm, start_many
from .faults import FAST_TIMINGS, FAULTS, Timings, UnknownFaultError, check_faults
from .fixtures import Fixture, FixtureError, list_fixtures, load_fixture
from .threaded import ThreadedCamera, ThreadedEmulator, run_farm_in_thread, run_in_thread

__all__ = [
    "DEFAULT_FIXTURE",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "DISCOVERY_PORT",
    "FAST_TIMINGS",
    "FAULTS",
    "CameraSnapshot",
    "DiscoveryResponder",
    "EmulatedCamera",
    "EmulatorFarm",
    "Fixture",
    "FixtureError",
    "ThreadedCamera",
    "ThreadedEmulator",
    "Timings",
    "UnknownFaultError",
    "check_faults",
    "list_fixtures",
    "load_fixture",
    "run_farm_in_thread",
    "run_in_thread",
    "start_many",
]
