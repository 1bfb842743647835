"""Shared helpers for the monitor tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import yaml

from kasa_doctor.emulator import FAST_TIMINGS, Timings
from kasa_doctor.monitor.config import MonitorConfig, parse_config

USER = "watcher@example.com"
PASSWORD = "watcher-pass-7781"
PREFIX = "KDT"
ENV = {f"{PREFIX}_USERNAME": USER, f"{PREFIX}_PASSWORD": PASSWORD}

# FAST_TIMINGS, but a reboot loop slow enough that every restart is told apart by the
# camera's clock (which counts whole seconds): up 2 s, down 0.3 s.
LOOP_TIMINGS: Timings = dataclasses.replace(
    FAST_TIMINGS, reboot_loop_uptime=2.0, reboot_downtime=0.3
)


def config_for(
    ports: Mapping[str, int],
    *,
    per_camera: Mapping[str, Mapping[str, Any]] | None = None,
    **top: Any,
) -> MonitorConfig:
    """A validated config watching ``name -> port`` on 127.0.0.1 with the test login.

    ``per_camera`` adds keys to single cameras' entries (e.g. their own thresholds).
    """
    data: dict[str, Any] = {"interval": 0.2, "timeout": 2.0, **top}
    data["cameras"] = [
        {
            "name": name,
            "host": f"127.0.0.1:{port}",
            "credentials": f"env:{PREFIX}",
            **(per_camera or {}).get(name, {}),
        }
        for name, port in ports.items()
    ]
    return parse_config(yaml.safe_dump(data, sort_keys=False))


def sample(ts: float, **values: Any) -> dict[str, Any]:
    """A sample row as the rules see it; unset readings are None ("not read")."""
    row: dict[str, Any] = {
        "ts": ts,
        "reachable": True,
        "auth": "ok",
        "rssi": -50,
        "signal": "good",
        "cloud": None,
        "firmware": "1.0.0 Build 240101",
        "update_available": False,
        "update_failed": False,
        "overheated": False,
        "reboot": False,
        "reboot_method": None,
        "uptime_s": None,
        "clock_offset_s": 0.0,
        "response_ms": 2.0,
        "probe_ms": 20.0,
        "error": None,
    }
    row.update(values)
    return row
