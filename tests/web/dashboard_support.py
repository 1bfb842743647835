"""A watched home for the dashboard tests: emulated cameras on loopback, a watch
configuration and a watcher database filled by real rounds of ``kasa-doctor watch``.

Cameras (all on 127.0.0.1):

* ``porch`` — Tapo C210, healthy, login from ``KDW_USERNAME`` / ``KDW_PASSWORD``;
* ``garage`` — Tapo C210 with a weak signal (−80 dBm): a weak-signal incident;
* ``shed`` — Tapo C210 that is offline: an offline incident;
* ``old-ec60`` — Kasa EC60, no login (python-kasa reads only its sysinfo);
* ``attic`` — watched once, then removed from the configuration: only in the database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from kasa_doctor.emulator import FAST_TIMINGS
from kasa_doctor.emulator.threaded import ThreadedCamera, run_in_thread
from kasa_doctor.monitor.config import parse_config
from kasa_doctor.monitor.store import Store
from kasa_doctor.monitor.watcher import Watcher

USER = "dash-owner@example.com"
PASSWORD = "dash-Secret-5531"
PREFIX = "KDW"
ENV = {f"{PREFIX}_USERNAME": USER, f"{PREFIX}_PASSWORD": PASSWORD}
C210 = "C210(EU)_2.0_1.4.3.json"
EC60 = "iotcam/EC60(US)_4.0_2.3.22.json"
ROUNDS = 3
THRESHOLDS = {"offline_rounds": 1, "weak_signal_rounds": 2}

# name -> (fixture, faults, extra config keys, kept in the final configuration)
CAMERAS: dict[str, tuple[str, tuple[str, ...], dict[str, Any], bool]] = {
    "porch": (C210, (), {"credentials": f"env:{PREFIX}"}, True),
    "garage": (C210, ("weak_signal",), {"credentials": f"env:{PREFIX}"}, True),
    "shed": (C210, ("offline",), {"credentials": f"env:{PREFIX}"}, True),
    "old-ec60": (EC60, (), {"credentials": "none", "family": "kasa"}, True),
    "attic": (C210, (), {"credentials": f"env:{PREFIX}"}, False),
}


@dataclass
class WatchedHome:
    folder: Path
    config_path: Path
    database: str
    cameras: dict[str, ThreadedCamera] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """Every form of the login that must never appear in a response."""
        from kasa_doctor.probes.credentials import CameraCredentials

        return list(CameraCredentials(USER, PASSWORD).secrets())


def _config(cameras: dict[str, ThreadedCamera], names: list[str]) -> dict[str, Any]:
    return {
        "interval": 60,
        "timeout": 2.0,
        "thresholds": THRESHOLDS,
        "cameras": [
            {"name": name, "host": f"127.0.0.1:{cameras[name].port}", **CAMERAS[name][2]}
            for name in names
        ],
    }


def _watch(config: dict[str, Any], database: str) -> None:
    async def rounds() -> None:
        store = Store(database)
        try:
            watcher = Watcher(
                parse_config(yaml.safe_dump(config)), store, key=b"w" * 32, environ=ENV
            )
            watcher.start()
            for _ in range(ROUNDS):
                report = await watcher.run_round()
                assert report.saved, report.error
        finally:
            store.close()

    asyncio.run(rounds())


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WatchedHome]:
    folder = tmp_path_factory.mktemp("watched")
    home = WatchedHome(
        folder=folder,
        config_path=folder / "monitor.yaml",
        database=f"sqlite:///{folder / 'monitor.db'}",
    )
    with pytest.MonkeyPatch.context() as mp:
        # the web server reads the login from the environment, as `watch` does
        for key, value in ENV.items():
            mp.setenv(key, value)
        try:
            for name, (fixture, faults, _, _) in CAMERAS.items():
                home.cameras[name] = run_in_thread(
                    fixture, username=USER, password=PASSWORD, faults=faults, timings=FAST_TIMINGS
                )
            # an offline camera closes its port a moment after start
            deadline = time.monotonic() + 5
            while home.cameras["shed"].call(lambda: home.cameras["shed"].target.listening):
                assert time.monotonic() < deadline, "the offline camera still listens"
                time.sleep(0.02)
            _watch(_config(home.cameras, list(CAMERAS)), home.database)
            kept = [name for name, spec in CAMERAS.items() if spec[3]]
            home.config_path.write_text(
                yaml.safe_dump(_config(home.cameras, kept), sort_keys=False), encoding="utf-8"
            )
            yield home
        finally:
            for camera in home.cameras.values():
                camera.stop()
