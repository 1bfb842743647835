"""At escalation the wizard asks for the purchase date and writes the report (md and
html) next to the saved session file; nothing here may cost the session itself."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import Result

from kasa_doctor import sessions_store
from kasa_doctor.engine.model import default_model
from kasa_doctor.engine.session import Session
from kasa_doctor.knowledge import schema as s
from kasa_doctor.knowledge.loader import KnowledgeBase
from kasa_doctor.report.handoff import handoff_path, write_handoff
from kasa_doctor.wizard.answers import AnswersError, load_answers
from kasa_doctor.wizard.flow import Wizard
from kasa_doctor.wizard.terminal import RichUi
from kasa_doctor.wizard.ui import StepResult, StepView, Ui

Cli = Callable[..., Result]


def _answers(tmp_path: Path, data: dict[str, Any], raw: str = "") -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(raw or yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_scripted_escalation_writes_the_report_next_to_the_session(
    cli: Cli, tmp_path: Path, kd_home: Path
) -> None:
    answers = _answers(
        tmp_path,
        {},
        raw="model: KC410S\nled: amber_blink\npurchase_date: 2023-11-24\n",
    )
    result = cli("diagnose", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    [session_file] = sorted((kd_home / "sessions").glob("*.json"))
    assert json.loads(session_file.read_text())["status"] == "escalated"
    md, html = handoff_path(session_file, "md"), handoff_path(session_file, "html")
    assert md.exists() and html.exists()
    assert md.name == f"{session_file.stem}.report.md"
    text = md.read_text(encoding="utf-8")
    assert "2023-11-24" in text and "KC410S" in text
    assert "handed over to support" in text
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # the owner is told where it is (paths may wrap, so compare without spaces)
    assert str(md).replace(" ", "") in "".join(result.stdout.split())
    assert json.loads(session_file.read_text())["meta"]["purchase_date"] == "2023-11-24"
    # the listing still shows one session: report files are not sessions
    assert len(json.loads(cli("sessions", "--json").stdout)["sessions"]) == 1


def test_json_run_keeps_stdout_clean_and_still_writes_the_report(
    cli: Cli, tmp_path: Path, kd_home: Path
) -> None:
    answers = _answers(tmp_path, {"model": "KC410S", "led": "amber_blink"})
    result = cli("diagnose", "--answers", str(answers), "--json")
    doc = json.loads(result.stdout)
    assert doc["status"] == "escalated"
    assert handoff_path(kd_home / "sessions" / f"{doc['session']}.json", "html").exists()


class Owner(Ui):
    """Says nothing helps; records what it was shown."""

    def __init__(self, date: str | None = None) -> None:
        self.date = date
        self.asked_date = 0
        self.reports: list[tuple[list[Path], str | None]] = []

    def ask_model(self, families: Sequence[s.Family]) -> str | None:
        return "C210"

    def ask_led(self, patterns: Sequence[s.LedPattern]) -> str | None:
        return "red_solid"

    def ask_question(self, question: s.Question, reason: str) -> str | None:
        return None

    def confirm_destructive(self, view: StepView, model: str | None) -> bool:
        return False

    def ask_step_result(self, view: StepView) -> StepResult:
        return "not_fixed"

    def ask_purchase_date(self) -> str | None:
        self.asked_date += 1
        return self.date

    def show_report(self, session_id: str, paths: Sequence[Path], problem: str | None) -> None:
        self.reports.append((list(paths), problem))


def _run(owner: Owner, *, save: bool) -> Session:
    session = Session(engine=default_model())
    Wizard(session, owner, save=sessions_store.save if save else None).run()
    assert session.status == "escalated"
    return session


def test_the_wizard_asks_the_date_once_and_reports(kd_home: Path) -> None:
    owner = Owner("May 2024")
    session = _run(owner, save=True)
    assert owner.asked_date == 1
    assert session.meta["purchase_date"] == "May 2024"
    [(paths, problem)] = owner.reports
    assert problem is None
    assert [p.suffix for p in paths] == [".md", ".html"]
    assert "May 2024" in paths[0].read_text(encoding="utf-8")
    saved = sessions_store.load(session.id)
    assert saved.status == "escalated" and saved.meta["purchase_date"] == "May 2024"


def test_skipping_the_date_is_fine(kd_home: Path) -> None:
    owner = Owner(None)
    session = _run(owner, save=True)
    assert "purchase_date" not in session.meta
    assert "not given" in owner.reports[0][0][0].read_text(encoding="utf-8")


def test_without_a_saved_session_no_report_is_written(kd_home: Path) -> None:
    owner = Owner("2024-01-01")
    _run(owner, save=False)
    assert owner.reports == []
    assert not (kd_home / "sessions").exists()


def test_a_failing_report_costs_nothing(kd_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kasa_doctor.report.files.write_atomic", broken)
    owner = Owner("2024-01-01")
    session = _run(owner, save=True)
    [(paths, problem)] = owner.reports
    assert paths == [] and problem is not None and "No space left" in problem
    assert sessions_store.load(session.id).status == "escalated"


def test_write_handoff_never_raises_on_a_bug(
    kd_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = Session(model_name="C210", led="red_solid")
    sessions_store.save(session)

    def bug(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("kasa_doctor.report.build_report", bug)
    result = write_handoff(session)
    assert result.paths == [] and result.problem is not None and "boom" in result.problem


def _rich(replies: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[RichUi, io.StringIO]:
    out = io.StringIO()
    feed = iter(replies)
    monkeypatch.setattr("builtins.input", lambda *_: next(feed))
    return RichUi(Console(file=out, width=100, highlight=False)), out


def test_terminal_asks_for_the_date_enter_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    ui, _ = _rich([""], monkeypatch)
    assert ui.ask_purchase_date() is None
    ui, out = _rich(["x" * 200, "  2024-05-01 "], monkeypatch)
    assert ui.ask_purchase_date() == "2024-05-01"
    assert "at most" in out.getvalue()


def test_terminal_shows_where_the_report_is(monkeypatch: pytest.MonkeyPatch) -> None:
    ui, out = _rich([], monkeypatch)
    ui.show_report("abc", [Path("/x/abc.report.md")], None)
    ui.show_report("abc", [], "could not write the report: disk full")
    text = out.getvalue()
    assert "/x/abc.report.md" in text and "disk full" in text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("purchase_date: 2024-05-01", "2024-05-01"),
        ("purchase_date: '2024-05'", "2024-05"),
        ("purchase_date: May 2024", "May 2024"),
        ("purchase_date: 2024", "2024"),
        ("purchase_date:", None),
    ],
)
def test_answers_file_purchase_date(
    tmp_path: Path, kb: KnowledgeBase, line: str, expected: str | None
) -> None:
    answers = load_answers(_answers(tmp_path, {}, raw=f"model: C210\n{line}\n"), kb)
    assert answers.purchase_date == expected


@pytest.mark.parametrize("value", ["[2024, 5]", "{year: 2024}", "'" + "x" * 80 + "'"])
def test_answers_file_bad_purchase_date(tmp_path: Path, kb: KnowledgeBase, value: str) -> None:
    with pytest.raises(AnswersError, match=r"answers\.yaml:2: purchase_date"):
        load_answers(_answers(tmp_path, {}, raw=f"model: C210\npurchase_date: {value}\n"), kb)
