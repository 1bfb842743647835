"""`kasa-doctor serve`: bad input is one line and an exit code, never a traceback."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.cli.helpers import ENTRY, child_env


def run(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = child_env(home)
    environment.update(env or {})
    return subprocess.run(
        [*ENTRY, "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=environment,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_short_token_is_refused(kd_home: Path) -> None:
    result = run(kd_home, "--port", "0", env={"KASA_DOCTOR_TOKEN": "short"})
    assert result.returncode == 2
    assert "too short" in one_line_error(result)


def test_a_missing_config_file_is_named(kd_home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run(kd_home, "--port", "0", "--config", str(missing))
    assert result.returncode == 2
    assert "nope.yaml" in one_line_error(result)


def test_a_port_in_use_is_one_line(kd_home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run(kd_home, "--port", str(port))
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in one_line_error(result)


def test_help_names_the_token_rule(kd_home: Path) -> None:
    result = run(kd_home, "--help")
    assert result.returncode == 0
    assert "token" in result.stdout
