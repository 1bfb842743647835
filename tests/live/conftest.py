"""Live camera checks against emulated cameras on loopback.

* ``loopback_only`` (autouse): a socket connect or datagram to anything but loopback
  fails at once, so no test can reach a real camera or the LAN.
* ``memory_keyring`` (autouse): the keyring is an in-memory stand-in; the login
  variables are cleared. No test touches the OS keyring or the developer's login.
* ``fixture_farm`` (session): one emulated camera per python-kasa camera fixture
  (the shared copies, plus the Kasa EC60), running in a background thread so
  synchronous CLI tests can talk to them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera, run_farm_in_thread
from tests.live.support import (
    PASSWORD,
    USERNAME,
    MemoryKeyring,
    fixture_names,
    fixture_path,
    private_keyring,
)
from tests.loopback_guard import loopback_only  # noqa: F401  (imported = registered here)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    with private_keyring(monkeypatch) as backend:
        yield backend


@pytest.fixture(scope="session")
def fixture_farm() -> Iterator[dict[str, EmulatedCamera]]:
    """fixture name -> its running emulated camera (login USERNAME / PASSWORD)."""
    names = fixture_names()
    handle = run_farm_in_thread(
        len(names),
        fixtures=[fixture_path(n) for n in names],
        username=USERNAME,
        password=PASSWORD,
        timings=FAST_TIMINGS,
        seed=1,
    )
    try:
        yield dict(zip(names, handle.target.cameras, strict=True))
    finally:
        handle.stop()
