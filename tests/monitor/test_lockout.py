"""Lockout safety: a camera whose password changed sees at most one login per back-off
window, never enough failed logins to lock the account, and a changed login is tried
at once."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera
from kasa_doctor.monitor.store import Store
from kasa_doctor.monitor.watcher import Watcher
from tests.monitor.support import ENV, PASSWORD, PREFIX, USER, config_for

BACKOFF = {"initial": 0.5, "factor": 2.0, "max": 30.0, "max_attempts": 3}


def _count_logins(cam: EmulatedCamera) -> list[float]:
    """Times at which a client started a login (step one) on the camera."""
    starts: list[float] = []
    original = cam.auth.login

    def login(params: Any, now: float) -> dict[str, Any]:
        if isinstance(params, dict) and params.get("digest_passwd") is None:
            starts.append(time.monotonic())
        return original(params, now)

    cam.auth.login = login  # type: ignore[method-assign]
    return starts


async def _run_for(watcher: Watcher, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report = await watcher.run_round()
        assert report.saved, report.error
        await asyncio.sleep(0.05)


async def test_auth_changed_gets_one_login_per_window_and_is_never_locked(
    sqlite_url: str,
) -> None:
    async with EmulatedCamera(
        username=USER, password=PASSWORD, faults={"auth_changed"}, timings=FAST_TIMINGS
    ) as cam:
        starts = _count_logins(cam)
        config = config_for({"door": cam.port}, login_backoff=BACKOFF)
        store = Store(sqlite_url)
        env = dict(ENV)
        try:
            watcher = Watcher(config, store, key=b"k" * 32, environ=env)
            began = time.monotonic()
            await _run_for(watcher, 1.0)
            # A restarted watcher keeps the back-off: it does not try again early.
            watcher = Watcher(config, store, key=b"k" * 32, environ=env)
            await _run_for(watcher, 1.8)
            rounds = len(store.round_ids())

            assert len(starts) == 3, [round(s - began, 2) for s in starts]  # then it stops
            windows = [BACKOFF["initial"] * BACKOFF["factor"] ** i for i in range(2)]
            for (a, b), window in zip(itertools.pairwise(starts), windows, strict=True):
                assert b - a >= window - 0.05, (b - a, window)
            assert rounds > 15  # polled all along, just without a login
            assert not cam.state.locked and cam.state.failed_logins < 5

            [incident] = store.open_incidents()
            assert incident.kind == "login_failing"
            assert "tries at most 2 more times" in incident.summary
            assert (
                store.load_history(["door"], keep=1, reboot_window=1, now=0)["door"].login.failures
                == 3
            )

            # The owner puts the camera's new password where the watcher reads it:
            # tried in the very next round, accepted, and the incident closes.
            env[f"{PREFIX}_PASSWORD"] = f"{PASSWORD}-changed"  # what auth_changed set
            report = await watcher.run_round()
            assert len(starts) == 4
            assert [(c, k) for c, k, _ in report.closed] == [("door", "login_failing")]
            assert store.open_incidents() == []
        finally:
            store.close()
