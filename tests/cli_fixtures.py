"""Fixtures for tests that run the kasa-doctor app: a private data folder, the
knowledge base and the CLI. A test folder registers them by importing them into its
conftest.py.

Every test gets its own KASA_DOCTOR_HOME, so saved sessions never touch the real
user data folder and tests cannot see each other's sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
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
