"""The guided troubleshooting conversation, independent of any screen.

`Wizard` drives an engine `Session`: it gets the model and the light first (both
free of charge and the strongest evidence there is), then does whatever the engine
proposes next — ask a question, run a live check, have the owner take a repair step,
or hand over to support — until the camera is fixed or the run ends. After every
change the session is handed to ``save``, so an interruption at any prompt loses
nothing and ``--resume`` continues exactly where the owner stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kasa_doctor.engine.session import MAX_STEPS, Session, SessionError
from kasa_doctor.knowledge import schema as s
from kasa_doctor.wizard.fixing import MANUAL, LiveStep, Manual, readd_guide, reset_notes
from kasa_doctor.wizard.summary import summarise
from kasa_doctor.wizard.ui import CauseView, StepView, Summary, Ui

if TYPE_CHECKING:
    from kasa_doctor.engine.planner import Proposal
    from kasa_doctor.fixes.model import LiveRunner
    from kasa_doctor.knowledge.loader import KnowledgeBase
    from kasa_doctor.probes.observation import Observation

#: runs one live check by probe id; must not raise (an impossible check returns an
#: Observation whose value is None)
ProbeRunner = Callable[[str], "Observation"]

#: recorded when the owner does not know (the scenario files' word for an unknown model)
UNKNOWN = "unknown"
#: session.meta key set to UNKNOWN when the owner was asked for the light but could not
#: tell, so a resumed session does not ask again
LED_META_KEY = "led"
#: session.meta key for the purchase date asked at hand-over (shown in the report)
PURCHASE_DATE_KEY = "purchase_date"
TOP = 3


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# The order of the conversation, shared by every interface (terminal, web): the model
# first, then the light, then whatever the engine proposes.


def needs_model(session: Session) -> bool:
    return session.model_name is None


def needs_led(session: Session) -> bool:
    return session.led is None and session.meta.get(LED_META_KEY) != UNKNOWN


def set_model(session: Session, answer: str | None) -> None:
    """Record the owner's model; blank or None is "I don't know"."""
    session.model_name = answer.strip() if answer and answer.strip() else UNKNOWN


def set_led(session: Session, led: str | None) -> None:
    """Record the light (None: the owner cannot tell, so it is not asked again)."""
    if led is None:
        session.meta[LED_META_KEY] = UNKNOWN
    else:
        session.set_led(led)


class Wizard:
    def __init__(
        self,
        session: Session,
        ui: Ui,
        *,
        probe_runner: ProbeRunner | None = None,
        save: Callable[[Session], object] | None = None,
        clock: Callable[[], str] = _now,
        resumed: bool = False,
        live: LiveRunner | None = None,
    ) -> None:
        self.session = session
        self.resumed = resumed
        self.ui = ui
        self.probe_runner = probe_runner
        #: the camera itself (diagnose --host, demo): steps it can take, checks after
        #: every step; None = the owner's word only
        self.live = live
        self._save = save
        self._clock = clock

    @property
    def kb(self) -> KnowledgeBase:
        return self.session.engine.kb

    @property
    def family(self) -> s.Family | None:
        return self.kb.family_for_model(self.session.model_name)

    def save(self) -> None:
        if self._save is not None:
            self._save(self.session)

    # --- the conversation -------------------------------------------------------------------

    def run(self) -> Summary:
        session = self.session
        if self.resumed:
            answered = sum(1 for e in session.history if e.kind != "step")
            self.ui.show_resumed(
                session.id, session.model_name, session.led, answered, len(session.steps_taken())
            )
        if session.status == "open":
            self._ask_model()
            self._ask_led()
            self.save()
            self.ui.show_belief(self.top())
            self._follow_engine()
        summary = summarise(session)
        self.ui.show_summary(summary)
        return summary

    def _ask_model(self) -> None:
        session = self.session
        if needs_model(session):
            set_model(session, self.ui.ask_model(self.kb.families))
            self.save()
            model = session.model_name
            if model is not None and model != UNKNOWN:
                self.ui.show_model_note(model, self.family)

    def _ask_led(self) -> None:
        session = self.session
        if needs_led(session):
            set_led(session, self.ui.ask_led(self.kb.patterns))

    def _follow_engine(self) -> None:
        session = self.session
        allow = frozenset({"question", "probe"} if self.probe_runner else {"question"})
        # Every question and check is asked at most once and steps are capped, so
        # this bound is never reached by a working engine; it only guards against
        # one that keeps proposing the same thing.
        for _ in range(len(session.engine.variables) + MAX_STEPS + 2):
            if session.status != "open":
                return
            proposal = session.propose(allow=allow)
            if proposal.kind == "question":
                learned = self._question(proposal)
            elif proposal.kind == "probe":
                learned = self._probe(proposal)
            elif proposal.kind == "step":
                learned = self._step(proposal)
            else:
                learned = self._escalate(proposal)
            self.save()
            # A "don't know" or a skipped step leaves the belief as it was; showing
            # the same bars again would only push the conversation off the screen.
            if learned and session.status == "open":
                self.ui.show_belief(self.top())
        if session.status == "open":
            session.status = "gave_up"
            self.save()

    # Each handler returns whether the session learned something (evidence changed).

    def _question(self, proposal: Proposal) -> bool:
        question = self.kb.question(proposal.id)
        answer = self.ui.ask_question(question, proposal.reason)
        self.session.observe(question.id, answer, raw={"reason": proposal.reason}, at=self._clock())
        return answer is not None

    def _probe(self, proposal: Proposal) -> bool:
        assert self.probe_runner is not None  # probes are only proposed with a runner
        probe = self.kb.probe(proposal.id)
        observation = self.probe_runner(probe.id)
        raw: dict[str, Any] = {"reason": proposal.reason, "reading": dict(observation.raw)}
        if observation.detail:
            raw["detail"] = observation.detail
        self.ui.show_probe(probe, observation)
        try:
            self.session.observe(probe.id, observation.value, raw=raw, at=self._clock())
        except SessionError as exc:
            # A reading the knowledge base has no word for is no evidence; keep the
            # run going and the odd value visible for the support report.
            raw["rejected"] = str(exc)
            self.session.observe(probe.id, None, raw=raw, at=self._clock())
            return False
        return observation.value is not None

    def step_view(self, proposal: Proposal) -> StepView:
        step = self.kb.step(proposal.id)
        family = self.family
        reset = family.reset if family is not None and step.risk == "destructive" else None
        return StepView(
            step=step,
            instructions=self.kb.instructions(step.id, family.id if family else None),
            reason=proposal.reason,
            target=self.kb.cause(proposal.cause),
            probability=proposal.probability,
            family=family,
            reset=reset,
        )

    def _step(self, proposal: Proposal) -> bool:
        view = self.step_view(proposal)
        destructive = view.step.risk == "destructive"
        if destructive:
            view = replace(view, notes=reset_notes(self.session))
        self.ui.show_step(view)
        raw: dict[str, Any] = {"reason": proposal.reason}
        if view.step.confirm and not self.ui.confirm_destructive(view, self.session.model_name):
            raw["declined"] = True
            self.session.record_step(view.step.id, None, at=self._clock(), raw=raw)
            return False
        # With the camera at hand, kasa-doctor takes the step itself where it can, and
        # checks the camera after every step (wizard/fixing.py has the rules).
        live = (
            LiveStep(self.session, self.ui, self.live, proposal, self._clock)
            if self.live is not None
            else None
        )
        decision = live.automated(view, raw) if live is not None else MANUAL
        fixed: bool | None
        if isinstance(decision, Manual):
            if destructive:
                self.ui.show_readd_guide(view, readd_guide(self.kb, self.family))
            fixed = {"fixed": True, "not_fixed": False, "skip": None}[self.ui.ask_step_result(view)]
            if live is not None and fixed is not None:
                fixed = live.check_owner(view, fixed, raw)
        else:
            fixed = decision
        self.session.record_step(view.step.id, fixed, at=self._clock(), raw=raw)
        return fixed is not None

    def _escalate(self, proposal: Proposal) -> bool:
        self.ui.show_escalation(proposal.reason, self.kb.support, self.session.id)
        self._ask_purchase_date()
        self.session.record_step(
            proposal.id, False, at=self._clock(), raw={"reason": proposal.reason}
        )
        self._hand_off()
        return False

    # --- hand-over to support (issue 5): purchase date, then the report -----------------

    def _ask_purchase_date(self) -> None:
        if not self.session.meta.get(PURCHASE_DATE_KEY):
            date = self.ui.ask_purchase_date()
            if date:
                self.session.meta[PURCHASE_DATE_KEY] = date

    def _hand_off(self) -> None:
        """Save first (the report must never cost the session), then write the report."""
        from kasa_doctor.report.handoff import write_handoff

        self.save()
        result = write_handoff(self.session)
        if result.paths or result.problem:
            self.ui.show_report(self.session.id, result.paths, result.problem)

    def top(self, n: int = TOP) -> list[CauseView]:
        return [CauseView(self.kb.cause(c), p) for c, p in self.session.belief()[:n]]
