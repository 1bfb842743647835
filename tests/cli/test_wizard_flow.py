"""The wizard's flow apart from any screen: the probe hook, saving, the Rich prompts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console

from kasa_doctor.engine.model import default_model
from kasa_doctor.engine.session import Session
from kasa_doctor.knowledge import schema as s
from kasa_doctor.knowledge.loader import KnowledgeBase
from kasa_doctor.probes.observation import Observation
from kasa_doctor.wizard.flow import Wizard
from kasa_doctor.wizard.terminal import RichUi
from kasa_doctor.wizard.ui import StepResult, StepView, Ui


class Owner(Ui):
    """Answers from dicts and records what it was asked."""

    def __init__(self, answers: dict[str, str], fixes: set[str]) -> None:
        self.answers = answers
        self.fixes = fixes
        self.asked: list[str] = []
        self.steps: list[str] = []
        self.beliefs = 0

    def ask_model(self, families: Sequence[s.Family]) -> str | None:
        return "C210"

    def ask_led(self, patterns: Sequence[s.LedPattern]) -> str | None:
        return "red_slow_blink"

    def ask_question(self, question: s.Question, reason: str) -> str | None:
        assert reason
        self.asked.append(question.id)
        return self.answers.get(question.id)

    def confirm_destructive(self, view: StepView, model: str | None) -> bool:
        return False

    def ask_step_result(self, view: StepView) -> StepResult:
        self.steps.append(view.step.id)
        return "fixed" if view.step.id in self.fixes else "not_fixed"

    def show_belief(self, top: Sequence[object]) -> None:
        assert len(top) == 3
        self.beliefs += 1


def test_without_probe_runner_the_owner_is_never_asked_a_probe(kb: KnowledgeBase) -> None:
    owner = Owner({"router_changed_recently": "yes"}, {"reconnect_in_app"})
    session = Session(engine=default_model())
    summary = Wizard(session, owner).run()
    probes = {p.id for p in kb.probes}
    assert not probes & set(owner.asked)
    assert all(e.kind != "probe" for e in session.history)
    assert session.model_name == "C210" and session.led == "red_slow_blink"
    assert summary.status in ("fixed", "escalated")
    assert owner.beliefs >= 1


def test_probe_runner_answers_checks_instead_of_the_owner(kb: KnowledgeBase) -> None:
    ran: list[str] = []

    def runner(probe_id: str) -> Observation:
        ran.append(probe_id)
        values = list(kb.probe(probe_id).answers)
        return Observation(probe=probe_id, value=values[0], raw={"by": "test"}, detail="checked")

    owner = Owner({}, {"reconnect_in_app", "restart_router", "use_24ghz_network"})
    session = Session(engine=default_model())
    Wizard(session, owner, probe_runner=runner).run()
    assert ran, "with a runner, the engine's checks should run"
    probe_entries = [e for e in session.history if e.kind == "probe"]
    assert [e.id for e in probe_entries] == ran
    assert all(e.raw["reason"] and e.raw["reading"] == {"by": "test"} for e in probe_entries)
    assert not set(ran) & set(owner.asked)


def test_every_change_is_saved(tmp_path: Path) -> None:
    saved: list[int] = []
    owner = Owner({}, {"reseat_power", "restart_router", "reconnect_in_app"})
    session = Session(engine=default_model())
    Wizard(session, owner, save=lambda s: saved.append(len(s.history))).run()
    # Saved after the model, after the light, and after each answer or step.
    assert len(saved) >= len(session.history) + 2
    assert saved[-1] == len(session.history)


def _rich(replies: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[RichUi, io.StringIO]:
    out = io.StringIO()
    feed = iter(replies)
    monkeypatch.setattr("builtins.input", lambda *_: next(feed))
    return RichUi(Console(file=out, width=100, highlight=False)), out


def _reset_view(kb: KnowledgeBase) -> StepView:
    step = kb.step("factory_reset")
    family = kb.family_for_model("C210")
    assert family is not None
    return StepView(
        step=step,
        instructions=kb.instructions(step.id, family.id),
        reason="because",
        target=kb.cause("firmware_corrupted"),
        probability=0.3,
        family=family,
        reset=family.reset,
    )


def test_factory_reset_needs_the_model_typed(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _reset_view(kb)
    ui, out = _rich(["c210"], monkeypatch)
    assert ui.confirm_destructive(view, "C210(EU)")
    text = out.getvalue()
    assert "Warning" in text
    assert all(item.split()[0] in text for item in view.step.loses)

    ui, out = _rich([""], monkeypatch)
    assert not ui.confirm_destructive(view, "C210")
    assert "nothing was erased" in out.getvalue()

    ui, _ = _rich(["reset"], monkeypatch)
    assert ui.confirm_destructive(view, "unknown")


def test_prompts_accept_numbers_ids_and_dont_know(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = kb.question("power_source")
    ui, out = _rich(["usb_port"], monkeypatch)
    assert ui.ask_question(question, "why") == "usb_port"
    assert "(id: power_source)" in out.getvalue()
    ui, _ = _rich(["what?", "2"], monkeypatch)
    assert ui.ask_question(question, "why") == list(question.answers)[1]
    ui, _ = _rich(["0"], monkeypatch)
    assert ui.ask_question(question, "why") is None

    ui, out = _rich(["99", "red slow blink"], monkeypatch)
    assert ui.ask_led(kb.patterns) == "red_slow_blink"
    assert "Please type a number" in out.getvalue()
    ui, _ = _rich([""], monkeypatch)
    assert ui.ask_led(kb.patterns) is None

    view = _reset_view(kb)
    for reply, expected in (("y", "fixed"), ("NO", "not_fixed"), ("skip", "skip")):
        ui, _ = _rich([reply], monkeypatch)
        assert ui.ask_step_result(view) == expected

    ui, _ = _rich(["  "], monkeypatch)
    assert ui.ask_model(kb.families) is None
