"""Shared pieces for the CLI tests: a private data folder, the app, answers files.

Every test gets its own KASA_DOCTOR_HOME, so saved sessions never touch the real
user data folder and tests cannot see each other's sessions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_fixtures import cli, kb, kd_home  # noqa: F401  (imported = registered here)


@pytest.fixture
def answers_file(tmp_path: Path) -> Callable[..., Path]:
    def write(data: dict[str, Any], name: str = "answers.yaml") -> Path:
        path = tmp_path / name
        if name.endswith(".json"):
            path.write_text(json.dumps(data), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
