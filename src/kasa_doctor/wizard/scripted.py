"""A `Ui` that answers from an answers file instead of a person.

Whatever it is told it passes on to an optional ``display`` (the terminal UI for a
readable transcript); with no display the run is silent and only the JSON document
the caller builds afterwards says what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kasa_doctor.knowledge import schema as s
from kasa_doctor.wizard.answers import Answers
from kasa_doctor.wizard.ui import CauseView, StepResult, StepView, Summary, Ui

if TYPE_CHECKING:
    from kasa_doctor.probes.observation import Observation


class Echo(Ui):
    """What a display must add to a `Ui` to show scripted answers as they are used."""

    def show_answer(self, prompt: str, answer: str) -> None:
        """``prompt`` was answered with ``answer`` by the file."""


class ScriptedUi(Ui):
    def __init__(self, answers: Answers, display: Echo | None = None) -> None:
        self.answers = answers
        self.display = display

    def _echo(self, prompt: str, answer: str) -> None:
        if self.display is not None:
            self.display.show_answer(prompt, answer)

    # --- asking, from the file -------------------------------------------------------------

    def ask_model(self, families: Sequence[s.Family]) -> str | None:
        self._echo("Camera model", self.answers.model or "don't know")
        return self.answers.model

    def ask_led(self, patterns: Sequence[s.LedPattern]) -> str | None:
        self._echo("Light", self.answers.led or "can't tell")
        return self.answers.led

    def ask_question(self, question: s.Question, reason: str) -> str | None:
        answer = self.answers.answer(question.id)
        self._echo(question.text, question.answers[answer] if answer else "don't know")
        return answer

    def confirm_destructive(self, view: StepView, model: str | None) -> bool:
        # The file speaks for an owner who has already been through it: a step they
        # did not mention counts as tried and not fixed (the documented rule for every
        # step), and "skip" is how they decline one. Nothing is run by kasa-doctor
        # itself, and the JSON lists what the step erases.
        confirmed = self.answers.step(view.step.id) != "skip"
        self._echo(f"Go ahead with “{view.step.title}”?", "yes" if confirmed else "no")
        return confirmed

    def ask_step_result(self, view: StepView) -> StepResult:
        result = self.answers.step(view.step.id)
        self._echo("Did that fix it?", result.replace("_", " "))
        return result

    # --- telling, passed on ---------------------------------------------------------------

    def show_resumed(
        self, session_id: str, model: str | None, led: str | None, answered: int, steps: int
    ) -> None:
        if self.display is not None:
            self.display.show_resumed(session_id, model, led, answered, steps)

    def show_model_note(self, model: str, family: s.Family | None) -> None:
        if self.display is not None:
            self.display.show_model_note(model, family)

    def show_belief(self, top: Sequence[CauseView]) -> None:
        if self.display is not None:
            self.display.show_belief(top)

    def show_step(self, view: StepView) -> None:
        if self.display is not None:
            self.display.show_step(view)

    def show_probe(self, probe: s.Probe, observation: Observation) -> None:
        if self.display is not None:
            self.display.show_probe(probe, observation)

    def show_escalation(self, reason: str, support: s.SupportChecklist, session_id: str) -> None:
        if self.display is not None:
            self.display.show_escalation(reason, support, session_id)

    def show_summary(self, summary: Summary) -> None:
        if self.display is not None:
            self.display.show_summary(summary)
