"""`kasa-doctor report` and `kasa-doctor sessions` against a private data folder."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from kasa_doctor import sessions_store

from .support import ALL_FIXTURES, fixture_session, load, sensitive_values

Cli = Callable[..., Result]


def _saved(name: str = "C210(EU)_2.0_1.4.3.json") -> tuple[str, Path]:
    path = next(p for p in ALL_FIXTURES if p.name == name)
    session = fixture_session(path)
    sessions_store.save(session)
    return session.id, path


def test_report_defaults_to_the_newest_session_as_markdown(cli: Cli) -> None:
    older, _ = _saved()
    newer, _ = _saved("C100_4.0_1.3.14.json")
    os.utime(sessions_store.path_for(older), (1, 1))
    result = cli("report")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Support report: C100")
    assert f"`{newer}`" in result.stdout


@pytest.mark.parametrize("fmt", ["md", "json", "html"])
def test_report_formats_are_redacted(cli: Cli, fmt: str) -> None:
    session_id, fixture = _saved()
    result = cli("report", session_id, "--format", fmt)
    assert result.exit_code == 0, result.output
    leaked = [s for s in sensitive_values(load(fixture)) if s in result.stdout]
    assert not leaked
    if fmt == "json":
        assert json.loads(result.stdout)["session_id"] == session_id
    if fmt == "html":
        assert result.stdout.lstrip().startswith("<!DOCTYPE html>")


def test_no_redact_shows_the_address(cli: Cli) -> None:
    session_id, _ = _saved()
    session = sessions_store.load(session_id)
    result = cli("report", session_id, "--no-redact")
    assert result.exit_code == 0
    assert session.meta["host"] in result.stdout
    assert session.meta["camera.mac"] in result.stdout


def test_output_file_is_written_and_replaced_whole(cli: Cli, tmp_path: Path) -> None:
    session_id, _ = _saved()
    out = tmp_path / "out"
    out.mkdir()
    target = out / "report.html"
    target.write_text("old", encoding="utf-8")
    result = cli("report", session_id, "-f", "html", "-o", str(target))
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert str(target) in result.stderr
    assert [p.name for p in out.iterdir()] == ["report.html"]  # no temp files left


def test_a_session_file_path_works_too(cli: Cli, tmp_path: Path) -> None:
    session = fixture_session(ALL_FIXTURES[0])
    path = tmp_path / "mailed-session.json"
    path.write_text(session.dumps(), encoding="utf-8")
    result = cli("report", str(path), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["session_id"] == session.id


def _one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_unknown_session_is_one_line(cli: Cli) -> None:
    _saved()
    _one_line_error(cli("report", "nosuchsession"), "no saved session", "nosuchsession")


def test_no_sessions_at_all(cli: Cli) -> None:
    _one_line_error(cli("report"), "no saved sessions")


def test_bad_session_id_is_one_line(cli: Cli) -> None:
    _one_line_error(cli("report", "a b"), "not a session id")


@pytest.mark.parametrize(
    ("text", "words"),
    [("{not json", ["not JSON"]), ('{"schema": 1, "id": "x", "led": "purple"}', ["purple"])],
)
def test_corrupt_session_is_one_line_and_kept(
    cli: Cli, kd_home: Path, text: str, words: list[str]
) -> None:
    folder = kd_home / "sessions"
    folder.mkdir(parents=True)
    broken = folder / "broken.json"
    broken.write_text(text, encoding="utf-8")
    _one_line_error(cli("report", "broken"), "broken.json", *words)
    assert broken.read_text(encoding="utf-8") == text  # never lost


def test_unwritable_output_is_one_line_and_keeps_the_old_file(cli: Cli, tmp_path: Path) -> None:
    session_id, _ = _saved()
    _one_line_error(
        cli("report", session_id, "-o", str(tmp_path / "missing" / "r.md")), "cannot write"
    )
    _one_line_error(cli("report", session_id, "-o", str(tmp_path)), "is a folder")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        (locked / "r.md").write_text("old", encoding="utf-8")
        locked.chmod(0o500)
        try:
            _one_line_error(cli("report", session_id, "-o", str(locked / "r.md")), "cannot write")
            assert (locked / "r.md").read_text(encoding="utf-8") == "old"
        finally:
            locked.chmod(0o700)


def test_unknown_format_is_one_line(cli: Cli) -> None:
    session_id, _ = _saved()
    _one_line_error(cli("report", session_id, "--format", "pdf"), "unknown format")


# --- sessions ---------------------------------------------------------------------------


def test_sessions_lists_newest_first_with_top_cause(cli: Cli) -> None:
    first, _ = _saved()
    os.utime(sessions_store.path_for(first), (1, 1))
    second, _ = _saved("C100_4.0_1.3.14.json")
    result = cli("sessions", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    rows = doc["sessions"]
    assert [r["id"] for r in rows] == [second, first]
    for row in rows:
        assert row["status"] == "escalated"
        assert row["led"] == "red_slow_blink"
        assert row["top_cause"]["title"] and 0 < row["top_cause"]["probability"] <= 1
        assert row["report"] == f"kasa-doctor report {row['id']}"
        assert row["resume"] is None  # a finished session is not resumed
    text = cli("sessions").stdout
    assert text.index(second) < text.index(first)
    assert "most likely:" in text and "escalated" in text


def test_sessions_lists_a_damaged_file_without_stopping(cli: Cli, kd_home: Path) -> None:
    good, _ = _saved()
    bad = kd_home / "sessions" / "odd.json"
    bad.write_text('{"schema": 1, "id": "odd", "led": "purple"}', encoding="utf-8")
    result = cli("sessions", "--json")
    assert result.exit_code == 0
    rows = {r["id"]: r for r in json.loads(result.stdout)["sessions"]}
    assert rows[good]["damaged"] is None
    assert "purple" in rows["odd"]["damaged"]
    assert "damaged" in cli("sessions").stdout


def test_sessions_when_there_are_none(cli: Cli) -> None:
    result = cli("sessions")
    assert result.exit_code == 0
    assert "No saved sessions" in result.stdout
    assert json.loads(cli("sessions", "--json").stdout)["sessions"] == []


def test_an_open_session_says_how_to_resume(cli: Cli) -> None:
    from kasa_doctor.engine.session import Session

    session = Session(model_name="C200", led="red_solid")
    sessions_store.save(session)
    row = json.loads(cli("sessions", "--json").stdout)["sessions"][0]
    assert row["status"] == "open"
    assert row["resume"] == f"kasa-doctor diagnose --resume {session.id}"
