"""What the wizard needs from a user interface, independent of how it is shown.

The flow (`Wizard`) decides *what* to ask and tell; a `Ui` decides *how*. The terminal
(Rich), an answers file and, later, a web page each implement this one interface, so
the troubleshooting logic exists once. Everything passed in is plain data from the
knowledge base or from this module; nothing here imports the engine or Rich.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from kasa_doctor.knowledge import schema as s

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

StepResult = Literal["fixed", "not_fixed", "skip"]
Status = Literal["open", "fixed", "escalated", "gave_up"]


@dataclass(frozen=True)
class CauseView:
    cause: s.Cause
    probability: float


@dataclass(frozen=True)
class StepView:
    """One repair step as the owner should see it."""

    step: s.Step
    instructions: s.Instructions
    #: why the engine proposes it now, in plain words
    reason: str
    #: the cause it mainly targets, and P(this step fixes it)
    target: s.Cause
    probability: float
    family: s.Family | None
    #: the model's reset facts, shown with the factory reset only
    reset: s.Reset | None = None
    #: what the live checks know that matters for this step (the SD card before a reset)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    session_id: str
    status: Status
    model: str | None
    family: s.Family | None
    led: str | None
    #: what was most likely wrong, given how the run ended
    diagnosis: CauseView | None
    #: the step that fixed it (status "fixed")
    fixed_by: s.Step | None
    ranking: list[CauseView]
    prevention: list[s.Tip]
    #: who to call and what to have ready (escalated / gave up)
    support: s.SupportChecklist | None
    steps_taken: int = 0
    notes: list[str] = field(default_factory=list)


class Ui(ABC):
    """The owner's side of the conversation.

    ``ask_*`` methods return the owner's answer; ``None`` always means "I don't know".
    ``show_*`` methods only tell; they default to doing nothing so that a headless
    interface (an answers file feeding a JSON report) need only answer.
    """

    # --- asking -------------------------------------------------------------------------

    @abstractmethod
    def ask_model(self, families: Sequence[s.Family]) -> str | None:
        """The camera's model name as printed on its label, or None."""

    @abstractmethod
    def ask_led(self, patterns: Sequence[s.LedPattern]) -> str | None:
        """The id of the light the owner sees, or None when they cannot tell."""

    @abstractmethod
    def ask_question(self, question: s.Question, reason: str) -> str | None:
        """An answer id of ``question``, or None."""

    @abstractmethod
    def confirm_destructive(self, view: StepView, model: str | None) -> bool:
        """Whether the owner really wants to take a step that destroys data."""

    @abstractmethod
    def ask_step_result(self, view: StepView) -> StepResult:
        """After the owner took the step: did that fix it?"""

    def ask_purchase_date(self) -> str | None:
        """At hand-over to support: when the camera was bought (None = skipped).

        Not abstract: an interface that cannot ask simply leaves it out of the report.
        """
        return None

    # --- telling --------------------------------------------------------------------------

    def show_resumed(  # noqa: B027
        self, session_id: str, model: str | None, led: str | None, answered: int, steps: int
    ) -> None:
        """A saved session is being continued."""

    def show_model_note(self, model: str, family: s.Family | None) -> None:  # noqa: B027
        """Which light table applies; ``family`` None means the model is unknown to us."""

    def show_belief(self, top: Sequence[CauseView]) -> None:  # noqa: B027
        """The most likely causes after the latest answer."""

    def show_step(self, view: StepView) -> None:  # noqa: B027
        """The step the owner should take now, before asking whether it helped."""

    def show_probe(self, probe: s.Probe, observation: Observation) -> None:  # noqa: B027
        """A live check ran."""

    def show_escalation(self, reason: str, support: s.SupportChecklist, session_id: str) -> None:  # noqa: B027
        """Nothing left to try at home is worth it: hand over to support."""

    def show_report(  # noqa: B027
        self, session_id: str, paths: Sequence[Path], problem: str | None
    ) -> None:
        """The support report was written to ``paths`` (or could not be: ``problem``)."""

    def show_summary(self, summary: Summary) -> None:  # noqa: B027
        """The end: what was wrong and how to prevent it."""

    # --- steps kasa-doctor takes itself, and the check after every step ------------------
    # Not abstract: an interface that cannot ask leaves every step to the owner (the
    # defaults decline) and shows nothing.

    def confirm_fix(self, view: StepView, offer: FixOffer) -> bool:
        """ "Let kasa-doctor do it? (takes about …)" — before anything is changed."""
        return False

    def choose_network(self, view: StepView, scan: NetworkScan) -> WifiChoice | None:
        """One of the networks the camera sees (None = leave the Wi-Fi alone)."""
        return None

    def ask_wifi_password(self, network: WifiChoice) -> str | None:
        """The network's password, typed without echo; it is handed to the camera and
        forgotten (never saved, shown or logged)."""
        return None

    def fix_progress(
        self, view: StepView, seconds: float, *, checking: bool = False
    ) -> AbstractContextManager[ProgressFn]:
        """A progress display while an action runs (``checking``: the check after a
        step); the callback it yields receives each report."""
        from kasa_doctor.fixes.model import no_progress

        return nullcontext(no_progress)

    def show_fix_unavailable(self, view: StepView, offer: FixOffer) -> None:  # noqa: B027
        """kasa-doctor cannot take this step here (``offer.reason``); the owner does."""

    def show_fix_result(self, view: StepView, result: FixResult) -> None:  # noqa: B027
        """What the action did (``result.message``)."""

    def show_verification(  # noqa: B027
        self, view: StepView, verification: Verification, note: str
    ) -> None:
        """What the camera said when checked after the step, and what that counts as."""

    def show_readd_guide(self, view: StepView, guide: s.Instructions) -> None:  # noqa: B027
        """After a factory reset: how to add the camera again in the app."""
