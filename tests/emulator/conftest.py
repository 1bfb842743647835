"""Emulator test guard: no test may leave a camera running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kasa_doctor.emulator import EmulatedCamera


@pytest.fixture(autouse=True)
def _no_camera_left_running() -> Iterator[None]:
    yield
    assert EmulatedCamera.running_count() == 0, "a test left an emulated camera running"
