"""Shared pieces for the CLI tests: a private data folder, the app, answers files.

Every test gets its own KASA_DOCTOR_HOME, so saved sessions never touch the real
user data folder and tests cannot see each other's sessions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from kasa_doctor.knowledge.loader import KnowledgeBase, default_knowledge


@pytest.fixture(autouse=True)
def kd_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "kd-home"
    monkeypatch.setenv("KASA_DOCTOR_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default_knowledge()


@pytest.fixture
def cli() -> Callable[..., Result]:
    from kasa_doctor.cli.main import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


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
