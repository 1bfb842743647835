"""A `Ui` that answers from an answers file instead of a person.

Whatever it is told it passes on to an optional ``display`` (the terminal UI for a
readable transcript); with no display the run is silent and only the JSON document
the caller builds afterwards says what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from kasa_doctor.knowledge import schema as s
from kasa_doctor.wizard.answers import Answers
from kasa_doctor.wizard.ui import CauseView, StepResult, StepView, Summary, Ui

if TYPE_CHECKING:
    from kasa_doctor.fixes.model import (
        FixOffer,
        FixResult,
        NetworkScan,
        ProgressFn,
        Verification,
        WifiChoice,
    )
    from kasa_doctor.probes.observation import Observation


class Echo(Ui):
    """What a display must add to a `Ui` to show scripted answers as they are used."""

    def show_answer(self, prompt: str, answer: str) -> None:
        """``prompt`` was answered with ``answer`` by the file."""


class ScriptedUi(Ui):
    def __init__(
        self, answers: Answers, display: Echo | None = None, *, wifi_password: str | None = None
    ) -> None:
        self.answers = answers
        self.display = display
        # From the environment (KASA_DOCTOR_WIFI_PASSWORD), never from the file: an
        # answers file gets copied around, attached to tickets and checked in.
        self._wifi_password = wifi_password

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

    def ask_purchase_date(self) -> str | None:
        if self.answers.purchase_date:
            self._echo("Purchase date", self.answers.purchase_date)
        return self.answers.purchase_date

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

    def show_report(self, session_id: str, paths: Sequence[Path], problem: str | None) -> None:
        if self.display is not None:
            self.display.show_report(session_id, paths, problem)

    def show_summary(self, summary: Summary) -> None:
        if self.display is not None:
            self.display.show_summary(summary)

    # --- steps kasa-doctor takes itself ----------------------------------------------------

    def confirm_fix(self, view: StepView, offer: FixOffer) -> bool:
        # The default is yes: whoever passed --host and an answers file asked for the
        # camera to be dealt with; `automate: no` keeps every step to the owner.
        go = self.answers.automate is not False
        self._echo(f"Let kasa-doctor {offer.what}?", "yes" if go else "no")
        return go

    def choose_network(self, view: StepView, scan: NetworkScan) -> WifiChoice | None:
        wanted = self.answers.wifi
        chosen = next((c for c in scan.choices if wanted and c.ssid == wanted), None)
        if chosen is None:
            seen = ", ".join(c.ssid for c in scan.choices)
            why = f"{wanted} is not among them" if wanted else "none named in the file (wifi:)"
            self._echo(f"Network to join (the camera sees: {seen})", f"none — {why}")
        else:
            self._echo("Network to join", chosen.ssid)
        return chosen

    def ask_wifi_password(self, network: WifiChoice) -> str | None:
        have = bool(self._wifi_password)
        self._echo(
            f"Wi-Fi password for {network.ssid}",
            "(from KASA_DOCTOR_WIFI_PASSWORD)"
            if have
            else "none — KASA_DOCTOR_WIFI_PASSWORD unset",
        )
        return self._wifi_password or None

    def fix_progress(
        self, view: StepView, seconds: float, *, checking: bool = False
    ) -> AbstractContextManager[ProgressFn]:
        if self.display is not None:
            return self.display.fix_progress(view, seconds, checking=checking)
        from kasa_doctor.fixes.model import no_progress

        return nullcontext(no_progress)

    def show_fix_unavailable(self, view: StepView, offer: FixOffer) -> None:
        if self.display is not None:
            self.display.show_fix_unavailable(view, offer)

    def show_fix_result(self, view: StepView, result: FixResult) -> None:
        if self.display is not None:
            self.display.show_fix_result(view, result)

    def show_verification(self, view: StepView, verification: Verification, note: str) -> None:
        if self.display is not None:
            self.display.show_verification(view, verification, note)

    def show_readd_guide(self, view: StepView, guide: s.Instructions) -> None:
        if self.display is not None:
            self.display.show_readd_guide(view, guide)
