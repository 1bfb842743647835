"""Helpers the CLI tests import (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

#: run the real entry point without relying on the console script being installed
ENTRY = [sys.executable, "-c", "from kasa_doctor.cli.main import main; main()"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def session_files(home: Path) -> list[Path]:
    return sorted((home / "sessions").glob("*.json"))


def child_env(home: Path) -> dict[str, str]:
    """Environment for a kasa-doctor child process: private home, plain output."""
    env = dict(os.environ)
    env.update(
        {
            "KASA_DOCTOR_HOME": str(home),
            "NO_COLOR": "1",
            "TERM": "xterm",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    return env
