"""Troubleshooting sessions for the web page and the API, kept in the sessions folder.

The web is stateless between requests: every call loads the session from its file,
checks that the answer fits what the session is asking *now* (a stale browser tab or
a double click must not record an answer twice), applies it, saves, and returns the
new view. The terminal wizard and the web share the session files, so a run started
in one can be finished in the other (`kasa-doctor diagnose --resume ID`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kasa_doctor import sessions_store
from kasa_doctor.engine.session import Session, SessionError
from kasa_doctor.knowledge.text import one_line
from kasa_doctor.service import views as v
from kasa_doctor.service.errors import Conflict, Invalid, NotFound, ServiceError
from kasa_doctor.wizard.fixing import reset_notes
from kasa_doctor.wizard.flow import (
    LED_META_KEY,
    PURCHASE_DATE_KEY,
    UNKNOWN,
    needs_led,
    needs_model,
    set_led,
    set_model,
)
from kasa_doctor.wizard.summary import summarise

if TYPE_CHECKING:
    from kasa_doctor.engine.model import Model
    from kasa_doctor.engine.planner import Proposal
    from kasa_doctor.knowledge import schema as s
    from kasa_doctor.knowledge.loader import KnowledgeBase
    from kasa_doctor.service.live_steps import LiveSteps

#: session.meta key naming the watched camera a session was started for
CAMERA_META_KEY = "camera"
#: the web asks only what an owner can answer; live readings come in when the session
#: is started from the dashboard (service.cameras), not one check at a time
ALLOW = frozenset({"question"})
RANKED = 5
#: proposals remembered (a few per open session; each is a few hundred bytes)
PROPOSAL_CACHE = 4096
STEP_WORDS = {"fixed": "fixed it", "not_fixed": "did not help", "skipped": "skipped"}
# Sessions are few per owner, but requests for one session may overlap (two tabs, a
# double tap): a fixed pool of locks serialises them without growing with every id.
_LOCKS = tuple(threading.Lock() for _ in range(64))


def evidence_key(session: Session) -> tuple[object, ...]:
    return (
        session.model_name,
        session.led,
        tuple((e.kind, e.id, e.value) for e in session.history),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _colours(colour: str) -> list[str]:
    return [c.strip() for c in colour.split(" and ") if c.strip()]


def family_view(family: s.Family) -> v.FamilyView:
    return v.FamilyView(
        id=family.id,
        title=family.title,
        brand=family.brand,
        models=list(family.models),
        live_support=family.live_support,
    )


def light_views(kb: KnowledgeBase, family: s.Family | None) -> list[v.LightView]:
    meanings = {row.led: one_line(row.meaning) for row in family.leds} if family else {}
    return [
        v.LightView(
            id=p.id,
            colour=p.colour,
            colours=_colours(p.colour),
            rhythm=p.rhythm,
            looks_like=one_line(p.looks_like),
            meaning=meanings.get(p.id),
        )
        for p in kb.patterns
    ]


class SessionService:
    def __init__(self, engine: Model | None = None) -> None:
        from kasa_doctor.engine.model import default_model

        self.engine = engine or default_model()
        self._proposals: dict[tuple[object, ...], Proposal] = {}
        self._proposals_lock = threading.Lock()
        #: kasa-doctor's jobs on watched cameras (set by CameraService); None: owner only
        self.live: LiveSteps | None = None

    @property
    def kb(self) -> KnowledgeBase:
        return self.engine.kb

    # --- storage ----------------------------------------------------------------------

    @contextmanager
    def locked(self, session_id: str) -> Iterator[Session]:
        """The saved session, loaded under its lock (the caller saves, if at all)."""
        with _LOCKS[hash(session_id) % len(_LOCKS)]:
            yield self._load(session_id)

    @contextmanager
    def _editing(self, session_id: str) -> Iterator[Session]:
        """Load under the session's lock, let the caller change it, save."""
        with self.locked(session_id) as session:
            yield session
            self._save(session)

    def save(self, session: Session) -> None:
        self._save(session)

    def _load(self, session_id: str) -> Session:
        try:
            return sessions_store.load(session_id, self.engine)
        except sessions_store.StoreError as exc:
            raise NotFound(str(exc)) from None

    def _save(self, session: Session) -> None:
        try:
            sessions_store.save(session)
        except sessions_store.StoreError as exc:
            raise ServiceError(str(exc)) from None

    # --- reading ------------------------------------------------------------------------

    def saved(self, limit: int | None = None) -> list[v.SessionSummary]:
        """The saved sessions (the ``limit`` newest), newest first."""
        return [
            v.SessionSummary(
                id=saved.id,
                status=saved.status,
                model=saved.model,
                led=saved.led,
                saved_at=saved.saved_at.isoformat(timespec="seconds"),
            )
            for saved in sessions_store.list_sessions(limit)
        ]

    def get(self, session_id: str) -> v.SessionView:
        return self.view(self._load(session_id))

    def session(self, session_id: str) -> Session:
        return self._load(session_id)

    def report(self, session_id: str, fmt: v.ReportFormat) -> str:
        """The support report, redacted, in one of the report formats."""
        from kasa_doctor.report import build_report, render

        return render(build_report(self._load(session_id)), fmt)

    # --- changing -------------------------------------------------------------------------

    def create(
        self,
        request: v.NewSession,
        *,
        meta: dict[str, str] | None = None,
        prepare: Any = None,
    ) -> v.SessionView:
        """A new session; ``prepare(session)`` may add evidence (live checks) first."""
        session = Session(engine=self.engine, meta=dict(meta or {}))
        if request.model is not None:
            set_model(session, request.model)
        if request.led is not None:
            self._set_led(session, request.led)
        if prepare is not None:
            prepare(session)
        self._save(session)
        return self.view(session)

    def answer_model(self, session_id: str, answer: v.ModelAnswer) -> v.SessionView:
        with self._editing(session_id) as session:
            self._expect(session, "model")
            set_model(session, answer.model)
        return self.view(session)

    def answer_led(self, session_id: str, answer: v.LedAnswer) -> v.SessionView:
        with self._editing(session_id) as session:
            self._expect(session, "led")
            self._set_led(session, answer.led)
        return self.view(session)

    def answer_question(self, session_id: str, answer: v.QuestionAnswer) -> v.SessionView:
        with self._editing(session_id) as session:
            proposal = self._expect(session, "question", answer.question)
            assert proposal is not None
            try:
                session.observe(
                    answer.question, answer.answer, raw={"reason": proposal.reason}, at=_now()
                )
            except SessionError as exc:
                raise Invalid(str(exc)) from None
        return self.view(session)

    def report_step(self, session_id: str, report: v.StepReport) -> v.SessionView:
        with self._editing(session_id) as session:
            proposal = self._expect(session, "step", report.step)
            assert proposal is not None
            step = self.kb.step(report.step)
            raw: dict[str, Any] = {"reason": proposal.reason}
            if report.outcome == "declined":
                if not step.confirm:
                    raise Invalid(f"{step.id} needs no confirmation, so it cannot be declined")
                raw["declined"] = True
                session.record_step(step.id, None, at=_now(), raw=raw)
            else:
                if step.confirm and report.outcome != "skip" and not report.confirm:
                    raise Conflict(
                        f"{step.title} erases {', '.join(step.loses) or 'data'}: "
                        "confirm it first (confirm: true)"
                    )
                fixed = {"fixed": True, "not_fixed": False, "skip": None}[report.outcome]
                live = self.live
                pending = live.take_pending(session, step.id) if live is not None else None
                if live is not None and pending is not None:
                    # kasa-doctor took the step and the camera could not tell: the
                    # owner's word decides, recorded with what kasa-doctor did and found
                    live.apply_pending(session, pending, fixed, raw)
                elif live is not None and fixed is not None and live.checks_after(session):
                    # checked on the camera first (seconds): recorded when the check ends
                    live.start_check(session, proposal, fixed, raw)
                    return self.view(session)
                session.record_step(step.id, fixed, at=_now(), raw=raw)
        return self.view(session)

    def automate(self, session_id: str, step: str) -> v.SessionView:
        """ "Let kasa-doctor do it": start the step as a job on the session's camera."""
        with self.locked(session_id) as session:
            proposal = self._expect(session, "step", step)
            assert proposal is not None
            if self.live is None:
                from kasa_doctor.service.live_steps import NO_CAMERA

                raise Conflict(NO_CAMERA)
            self.live.start_automate(session, proposal)
        return self.view(session)

    def escalate(self, session_id: str, request: v.Escalation) -> v.SessionView:
        """Hand over to support: note the purchase date, end the run, write the report."""
        from kasa_doctor.report.handoff import write_handoff

        with self._editing(session_id) as session:
            proposal = self._expect(session, "escalate")
            assert proposal is not None
            if request.purchase_date and request.purchase_date.strip():
                session.meta[PURCHASE_DATE_KEY] = request.purchase_date.strip()
            session.record_step(proposal.id, False, at=_now(), raw={"reason": proposal.reason})
        # after the save: the report must never cost the session
        write_handoff(session)
        return self.view(session)

    def delete(self, session_id: str, *, confirm: bool) -> None:
        """Remove a saved session and its reports; cannot be undone, so ``confirm``."""
        if not confirm:
            raise Conflict("deleting a session cannot be undone: confirm it (confirm=true)")
        with _LOCKS[hash(session_id) % len(_LOCKS)]:
            try:
                path = sessions_store.resolve(session_id)
            except sessions_store.StoreError as exc:
                raise NotFound(str(exc)) from None
            for extra in path.parent.glob(f"{path.stem}.report.*"):
                extra.unlink(missing_ok=True)
            path.unlink(missing_ok=True)

    # --- the conversation's state -----------------------------------------------------------

    def _set_led(self, session: Session, led: str | None) -> None:
        try:
            set_led(session, led or None)
        except SessionError as exc:
            raise Invalid(str(exc)) from None

    def _expect(self, session: Session, kind: str, ident: str = "") -> Proposal | None:
        """The proposal being answered; Conflict when the session asks something else."""
        if session.status != "open":
            raise Conflict(f"session {session.id} has ended ({session.status})")
        if self.live is not None:
            self.live.refuse_if_busy(session.id)
        asking, proposal = self._asking(session)
        if asking != kind or (ident and proposal is not None and proposal.id != ident):
            now = asking if proposal is None else f"{asking} {proposal.id}"
            wanted = f"{kind} {ident}".strip()
            raise Conflict(f"session {session.id} is not asking for {wanted} now, but for {now}")
        return proposal

    def _asking(self, session: Session) -> tuple[str, Proposal | None]:
        if needs_model(session):
            return "model", None
        if needs_led(session):
            return "led", None
        # Every answer is checked against the proposal the previous view showed, so
        # each request would plan twice; the engine is deterministic, so a proposal is
        # remembered by the evidence that produced it.
        key = evidence_key(session)
        proposal = self._proposals.get(key)
        if proposal is None:
            proposal = session.propose(allow=ALLOW)
            with self._proposals_lock:
                self._proposals[key] = proposal
                while len(self._proposals) > PROPOSAL_CACHE:
                    self._proposals.pop(next(iter(self._proposals)))
        return proposal.kind, proposal

    def view(self, session: Session) -> v.SessionView:
        kb = self.kb
        family = kb.family_for_model(session.model_name)
        prompt = self._prompt(session, family) if session.status == "open" else None
        return v.SessionView(
            id=session.id,
            status=session.status,
            model=session.model_name,
            family=family_view(family) if family else None,
            led=session.led,
            camera=session.meta.get(CAMERA_META_KEY),
            prompt=prompt,
            ranking=[
                v.CauseRank(id=c, title=kb.cause(c).title, probability=round(p, 4))
                for c, p in session.belief()[:RANKED]
            ],
            history=self._history(session),
            outcome=self._outcome(session) if session.status != "open" else None,
            job=self.live.job_view(session) if self.live is not None else None,
        )

    def _prompt(self, session: Session, family: s.Family | None) -> v.Prompt:
        kb = self.kb
        asking, proposal = self._asking(session)
        if asking == "model":
            return v.Prompt(
                kind="model",
                title="Which camera is it?",
                text="The model name is on the label under or behind the camera "
                "(for example C200, TC70 or KC120).",
                families=[family_view(f) for f in kb.families],
            )
        if asking == "led":
            return v.Prompt(
                kind="led",
                title="What does the light do?",
                text="Watch the camera's light for ten seconds and pick what you see.",
                lights=light_views(kb, family),
            )
        assert proposal is not None
        if asking == "question":
            question = kb.question(proposal.id)
            return v.Prompt(
                kind="question",
                id=question.id,
                title=one_line(question.text),
                help=one_line(question.help),
                reason=proposal.reason,
                answers=[v.Choice(id=a, label=label) for a, label in question.answers.items()],
            )
        if asking == "escalate":
            return v.Prompt(
                kind="escalate",
                id=proposal.id,
                title="Time to contact TP-Link support",
                reason=proposal.reason,
                when_to_contact=list(kb.support.when_to_contact),
                have_ready=list(kb.support.have_ready),
            )
        return self._step_prompt(session, proposal, family)

    def _step_prompt(
        self, session: Session, proposal: Proposal, family: s.Family | None
    ) -> v.Prompt:
        kb = self.kb
        step = kb.step(proposal.id)
        instructions = kb.instructions(step.id, family.id if family else None)
        destructive = step.risk == "destructive"
        reset = family.reset if family is not None and destructive else None
        return v.Prompt(
            kind="step",
            id=step.id,
            title=step.title,
            reason=proposal.reason,
            instructions=v.InstructionsView(
                do=one_line(instructions.do),
                expect=one_line(instructions.expect),
                wait=one_line(instructions.wait),
            ),
            target=kb.cause(proposal.cause).title,
            probability=round(proposal.probability, 4),
            destructive=destructive,
            confirm=step.confirm,
            loses=list(step.loses),
            reset=v.ResetView(button=reset.button, hold_seconds=reset.hold_seconds)
            if reset
            else None,
            notes=list(reset_notes(session)) if destructive else [],
            automation=self._automation(session, step, family),
        )

    def _automation(
        self, session: Session, step: s.Step, family: s.Family | None
    ) -> v.Automation | None:
        """ "Let kasa-doctor do it", for a step it can take in a camera session."""
        if self.live is None or not session.meta.get(CAMERA_META_KEY):
            return None
        automation = self.live.automation(session, step, family)
        return automation if automation.action is not None else None

    def _history(self, session: Session) -> list[v.HistoryItem]:
        kb = self.kb
        items: list[v.HistoryItem] = []
        if session.model_name is not None:
            model = "I don't know" if session.model_name == UNKNOWN else session.model_name
            items.append(v.HistoryItem(kind="model", id="model", title="Model", value=model))
        if session.led is not None:
            pattern = kb.pattern(session.led)
            items.append(
                v.HistoryItem(
                    kind="led",
                    id=session.led,
                    title="Light",
                    value=f"{pattern.colour}, {pattern.rhythm}",
                )
            )
        elif session.meta.get(LED_META_KEY) == UNKNOWN:
            items.append(v.HistoryItem(kind="led", id="led", title="Light", value="can't tell"))
        for entry in session.history:
            if entry.kind == "question":
                question = kb.question(entry.id)
                title = one_line(question.text)
                value = question.answers[entry.value] if entry.value else "don't know"
            elif entry.kind == "probe":
                probe = kb.probe(entry.id)
                title = probe.title
                detail = entry.raw.get("detail")
                value = entry.value or "could not check"
                if detail:
                    value = f"{value} ({detail})"
            else:
                title = kb.step(entry.id).title
                value = STEP_WORDS.get(entry.value or "", entry.value or "")
                if entry.raw.get("declined"):
                    value = "declined"
                elif entry.id == "contact_support":
                    value = "handed over"
            items.append(
                v.HistoryItem(kind=entry.kind, id=entry.id, title=title, value=value, at=entry.at)
            )
        return items

    def _outcome(self, session: Session) -> v.Outcome:
        summary = summarise(session)
        diagnosis = summary.diagnosis
        support = summary.support
        return v.Outcome(
            status=summary.status,
            diagnosis=v.CauseRank(
                id=diagnosis.cause.id,
                title=diagnosis.cause.title,
                probability=round(diagnosis.probability, 4),
            )
            if diagnosis
            else None,
            explanation=one_line(diagnosis.cause.explanation) if diagnosis else "",
            fixed_by=summary.fixed_by.title if summary.fixed_by else None,
            prevention=[
                v.TipView(id=t.id, title=t.title, text=one_line(t.text)) for t in summary.prevention
            ],
            when_to_contact=list(support.when_to_contact) if support else [],
            have_ready=list(support.have_ready) if support else [],
            reports=["html", "md", "json"] if support else [],
        )
