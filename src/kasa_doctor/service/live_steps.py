"""Repair steps kasa-doctor takes on a watched camera from the web page, as background jobs.

The terminal takes a step itself and checks the camera after every step
(`wizard.fixing.LiveStep`); the web does the same, with the same code, in a thread per
session: "Let kasa-doctor do it" runs `LiveStep.automated`, and an owner's "fixed" /
"not fixed" in a camera session runs `LiveStep.check_owner` before it is recorded.
A request never waits for the camera: it starts the job and returns; the page polls.

- At most one job per session and ``MAX_RUNNING`` at once; while a session's job runs,
  every answer to it is refused (409), so nothing is recorded twice or out of order.
- A job works on its own copy of the session and saves it only if nobody changed the
  session meanwhile (another tab, the terminal); each is bounded by the fix timings.
- When the camera cannot tell whether kasa-doctor's step helped, the job does not wait
  for the owner: it ends "ask the owner", keeps what it did and found, and the owner's
  answer on the ordinary step form is recorded with it.
- Jobs live in memory only: a restarted server has none (sessions stay as saved).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from kasa_doctor.engine.session import Session
from kasa_doctor.service import views as v
from kasa_doctor.service.errors import Conflict, ServiceError
from kasa_doctor.service.sessions import CAMERA_META_KEY, evidence_key
from kasa_doctor.wizard.ui import Ui

if TYPE_CHECKING:
    from kasa_doctor.engine.planner import Proposal
    from kasa_doctor.fixes.model import (
        FixOffer,
        FixProgress,
        FixResult,
        FixTimings,
        ProgressFn,
        Verification,
    )
    from kasa_doctor.knowledge import schema as s
    from kasa_doctor.live import LiveChecks
    from kasa_doctor.service.cameras import CameraService
    from kasa_doctor.service.sessions import SessionService
    from kasa_doctor.wizard.ui import StepResult, StepView

log = logging.getLogger(__name__)

#: jobs running at once, over all sessions (each holds a thread and a camera login)
MAX_RUNNING: Final = 4
#: finished jobs and camera readings kept for the page (oldest dropped first)
MAX_KEPT: Final = 256
#: slack on top of the fix timings before a job is given up as hung
SLACK_S: Final = 10.0
#: at least one request per stage: reading, the action's own calls, the check after it
REQUEST_STAGES: Final = 8

BUSY: Final = "kasa-doctor is working on the camera; wait until it has finished."
NO_CAMERA: Final = (
    "kasa-doctor can take steps itself only in a session started for a watched camera "
    "(Cameras → Diagnose this camera)."
)
WIFI_REASON: Final = (
    "Moving the camera to another Wi-Fi network needs that network's password: please do "
    "it yourself in the app, as described above."
)
KASA_REASON: Final = (
    "This is a Kasa KC/EC camera: kasa-doctor can read it but cannot change anything on it "
    "(python-kasa does not drive Kasa cameras). Please take this step yourself."
)
UNKNOWN_MODEL_REASON: Final = (
    "kasa-doctor does not know this camera's model, so it does not take steps on it. "
    "Please take this step yourself."
)
ASKED_REASON: Final = "kasa-doctor has taken this step: tell us below whether it helped."

JobKind = Literal["automate", "check"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _copy(session: Session) -> Session:
    return Session.loads(session.dumps(), session.engine)


def budget(timings: FixTimings, action: str, reading_s: float) -> float:
    """How long a job may take at most: reading the camera, the action (bounded by
    its own timings), the check after it, a request per stage, and some slack."""
    action_s = {
        "reboot": timings.away + timings.back,
        "firmware": timings.upgrade,
        "wait_boot": timings.boot,
        "wait_update": timings.upgrade,
    }.get(action, 0.0)
    check_s = max(timings.after_fix, timings.owner_grace) + timings.settle
    return reading_s + action_s + check_s + REQUEST_STAGES * timings.request + SLACK_S


class _AskOwner(Exception):
    """Raised by the job's Ui where the terminal would ask "did that fix it?"."""


@dataclass
class Pending:
    """What kasa-doctor did and found, waiting for the owner's word."""

    key: tuple[object, ...]
    #: readings the action made itself, to be recorded before the step
    entries: list[Any]
    raw: dict[str, Any]
    verification: Verification | None


@dataclass
class Job:
    session_id: str
    kind: JobKind
    step: str
    action: str
    deadline: float
    started_at: str = field(default_factory=_now)
    state: Literal["running", "done", "failed"] = "running"
    result: v.JobResult | None = None
    message: str = ""
    fraction: float | None = None
    finished_at: str | None = None
    did: list[str] = field(default_factory=list)
    #: how long the session's history was when the job's result was saved: the page
    #: shows a finished job until the session moves on
    history_len: int = 0
    pending: Pending | None = None
    #: given up (hung): whatever the thread still does is not saved
    abandoned: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, **changes: Any) -> None:
        with self.lock:
            for name, value in changes.items():
                setattr(self, name, value)

    def note(self, line: str) -> None:
        line = " ".join(line.split())
        if line:
            with self.lock:
                self.did.append(line)

    def view(self) -> v.JobView:
        with self.lock:
            fraction = None if self.fraction is None else min(1.0, max(0.0, self.fraction))
            return v.JobView(
                kind=self.kind,
                step=self.step,
                state=self.state,
                action=self.action,
                message=self.message,
                fraction=fraction,
                started_at=self.started_at,
                finished_at=self.finished_at,
                result=self.result,
                did=list(self.did),
            )


class JobUi(Ui):
    """The wizard's `Ui` for a job: the owner already said "do it"; nothing blocks."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.verification: Verification | None = None

    def ask_model(self, families: Sequence[s.Family]) -> str | None:
        return None

    def ask_led(self, patterns: Sequence[s.LedPattern]) -> str | None:
        return None

    def ask_question(self, question: s.Question, reason: str) -> str | None:
        return None

    def confirm_destructive(self, view: StepView, model: str | None) -> bool:
        return False

    def ask_step_result(self, view: StepView) -> StepResult:
        raise _AskOwner

    def confirm_fix(self, view: StepView, offer: FixOffer) -> bool:
        return True  # the owner clicked "Let kasa-doctor do it"

    def fix_progress(
        self, view: StepView, seconds: float, *, checking: bool = False
    ) -> AbstractContextManager[ProgressFn]:
        return self._progress(checking)

    @contextmanager
    def _progress(self, checking: bool) -> Iterator[ProgressFn]:
        first = "Checking the camera…" if checking else "Starting…"
        self.job.update(message=first, fraction=None)

        def report(progress: FixProgress) -> None:
            text = progress.message[:1].upper() + progress.message[1:]
            self.job.update(message=text, fraction=progress.fraction)

        yield report

    def show_fix_unavailable(self, view: StepView, offer: FixOffer) -> None:
        self.job.note(offer.reason)

    def show_fix_result(self, view: StepView, result: FixResult) -> None:
        self.job.note(f"What kasa-doctor did: {result.message}")

    def show_verification(self, view: StepView, verification: Verification, note: str) -> None:
        self.verification = verification
        self.job.note(f"What the check found: {verification.message}")
        self.job.note(note)


class LiveSteps:
    """The job registry of one server and the rules for offering "Let kasa-doctor do it"."""

    def __init__(
        self, sessions: SessionService, cameras: CameraService, timings: FixTimings
    ) -> None:
        self.sessions = sessions
        self.cameras = cameras
        self.timings = timings
        self._jobs: dict[str, Job] = {}
        self._readings: dict[str, LiveChecks] = {}
        self._lock = threading.Lock()

    # --- what the page shows --------------------------------------------------------------

    def job(self, session_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(session_id)
        if job is not None and job.state == "running" and time.monotonic() > job.deadline:
            job.update(
                state="failed",
                abandoned=True,
                finished_at=_now(),
                message="kasa-doctor did not hear back from the camera in time; nothing "
                "was recorded. Take the step yourself, or try again.",
            )
        return job

    def busy(self, session_id: str) -> bool:
        job = self.job(session_id)
        return job is not None and job.state == "running"

    def refuse_if_busy(self, session_id: str) -> None:
        if self.busy(session_id):
            raise Conflict(BUSY)

    def job_view(self, session: Session) -> v.JobView | None:
        """The running job, or the finished one until the session moves on."""
        job = self.job(session.id)
        if job is None:
            return None
        if job.state == "running" or job.history_len == len(session.history):
            return job.view()
        return None

    def automation(self, session: Session, step: s.Step, family: s.Family | None) -> v.Automation:
        """Whether "Let kasa-doctor do it" is offered for this step now, or why not."""
        from kasa_doctor.fixes.catalogue import ACTIONS, about

        spec = ACTIONS.get(step.id)
        if spec is None or not step.automatable:
            return v.Automation(
                available=False, why_not=f"kasa-doctor cannot take this step itself: {step.title}."
            )
        if not session.meta.get(CAMERA_META_KEY):
            return v.Automation(available=False, why_not=NO_CAMERA)
        offer = v.Automation(
            available=False,
            action=spec.action,
            what=spec.what,
            seconds=spec.seconds,
            takes=about(spec.seconds),
        )
        job = self.job_view(session)
        if spec.needs_network:
            why = WIFI_REASON
        elif family is None or family.id == "generic":
            why = UNKNOWN_MODEL_REASON
        elif family.live_support != "full":
            why = KASA_REASON
        elif job is not None and job.step == step.id and job.result == "manual":
            why = job.message
        elif job is not None and job.step == step.id and job.result == "ask_owner":
            why = ASKED_REASON
        else:
            return offer.model_copy(update={"available": True})
        return offer.model_copy(update={"why_not": why})

    def remember(self, session_id: str, checks: LiveChecks) -> None:
        """The camera's latest readings for a session (the "before" of the next check)."""
        with self._lock:
            self._readings[session_id] = checks
            while len(self._readings) > MAX_KEPT:
                self._readings.pop(next(iter(self._readings)))

    # --- starting jobs (called under the session's lock, after its checks) -----------------

    def start_automate(self, session: Session, proposal: Proposal) -> None:
        from kasa_doctor.fixes.catalogue import ACTIONS

        family = self.sessions.kb.family_for_model(session.model_name)
        automation = self.automation(session, self.sessions.kb.step(proposal.id), family)
        if not automation.available:
            raise Conflict(automation.why_not or f"kasa-doctor cannot take {proposal.id} itself")
        spec = ACTIONS[proposal.id]
        job = self._register(session, "automate", proposal.id, spec.action)
        job.update(message=f"Starting: {spec.what}…")
        self._thread(job, lambda: self._automate(job, _copy(session), proposal))

    def checks_after(self, session: Session) -> bool:
        """Whether an owner's answer in this session is checked on the camera first."""
        return bool(session.meta.get(CAMERA_META_KEY))

    def start_check(
        self, session: Session, proposal: Proposal, fixed: bool, raw: dict[str, Any]
    ) -> None:
        job = self._register(session, "check", proposal.id, "check")
        job.update(message="Checking the camera…")
        self._thread(job, lambda: self._check(job, _copy(session), proposal, fixed, raw))

    def take_pending(self, session: Session, step: str) -> Pending | None:
        """What kasa-doctor did for ``step`` and is waiting for the owner's word on."""
        job = self.job(session.id)
        if job is None or job.pending is None or job.step != step:
            return None
        pending, job.pending = job.pending, None
        return pending if pending.key == evidence_key(session) else None

    def apply_pending(
        self, session: Session, pending: Pending, fixed: bool | None, raw: dict[str, Any]
    ) -> None:
        """The owner answered: record what the job did, as the terminal would have."""
        from kasa_doctor.fixes.verify import record_after_step

        for entry in pending.entries:
            session.observe(entry.id, entry.value, raw=entry.raw, at=entry.at)
        raw.update(pending.raw)
        checks = pending.verification.checks if pending.verification is not None else None
        if checks is not None:
            record_after_step(session, checks, evidence=fixed is not True, at=_now())

    # --- the jobs ----------------------------------------------------------------------------

    def _register(self, session: Session, kind: JobKind, step: str, action: str) -> Job:
        reading_s = self.cameras.reading_budget()
        with self._lock:
            current = self._jobs.get(session.id)
            if current is not None and current.state == "running":
                raise Conflict(BUSY)
            running = sum(1 for j in self._jobs.values() if j.state == "running")
            if running >= MAX_RUNNING:
                raise Conflict(
                    f"kasa-doctor is already working on {running} cameras; try again in a minute."
                )
            job = Job(
                session_id=session.id,
                kind=kind,
                step=step,
                action=action,
                deadline=time.monotonic() + budget(self.timings, action, reading_s),
                history_len=len(session.history),
            )
            self._jobs.pop(session.id, None)
            self._jobs[session.id] = job
            while len(self._jobs) > MAX_KEPT:
                oldest = next((k for k, j in self._jobs.items() if j.state != "running"), None)
                if oldest is None:
                    break
                self._jobs.pop(oldest)
        return job

    def _thread(self, job: Job, work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
            except ServiceError as exc:
                self._end(job, "failed", None, str(exc))
            except Exception as exc:  # a job must end, whatever the camera does
                name = type(exc).__name__
                log.warning("live step job for %s failed: %s", job.session_id, name)
                self._end(job, "failed", None, f"kasa-doctor could not finish ({name}).")

        thread = threading.Thread(target=run, name=f"kasa-doctor-job-{job.session_id}", daemon=True)
        thread.start()

    def _context(self, job: Job, session: Session, *, fresh: bool) -> Any:
        from kasa_doctor.fixes.live import LiveContext
        from kasa_doctor.fixes.verify import session_readings
        from kasa_doctor.live import LiveChecks

        name = session.meta[CAMERA_META_KEY]
        target, credentials = self.cameras.camera_access(name)
        if fresh:
            job.update(message="Reading the camera…")
            checks: LiveChecks | None = self.cameras.read_camera(target, credentials)
        else:
            with self._lock:
                checks = self._readings.get(session.id)
            if checks is None:
                checks = LiveChecks(session_readings(session))
        return LiveContext(target, credentials, checks, timings=self.timings)

    def _automate(self, job: Job, session: Session, proposal: Proposal) -> None:
        from kasa_doctor.wizard.fixing import LiveStep, Manual
        from kasa_doctor.wizard.flow import Wizard

        key, length = evidence_key(session), len(session.history)
        live = self._context(job, session, fresh=True)
        ui = JobUi(job)
        step = LiveStep(session, ui, live, proposal, _now)
        view = Wizard(session, ui).step_view(proposal)
        raw: dict[str, Any] = {"reason": proposal.reason, "web": "automated"}
        try:
            decision = step.automated(view, raw)
        except _AskOwner:
            self._keep(job, live)
            pending = Pending(key, session.history[length:], raw, ui.verification)
            job.update(pending=pending)
            self._end(job, "done", "ask_owner", "Did that fix it? Tell us below.")
            return
        self._keep(job, live)
        if isinstance(decision, Manual):
            reason = job.did[-1] if job.did else "kasa-doctor could not do it."
            if len(session.history) > length:
                self._commit(job, session, key)
            self._end(job, "done", "manual", f"{reason} Take the step by hand.")
            return
        session.record_step(proposal.id, decision, at=_now(), raw=raw)
        if self._commit(job, session, key):
            result: v.JobResult = (
                "not_counted" if decision is None else "fixed" if decision else "not_fixed"
            )
            self._end(job, "done", result, _RESULT_WORDS[result])

    def _check(
        self, job: Job, session: Session, proposal: Proposal, fixed: bool, raw: dict[str, Any]
    ) -> None:
        from kasa_doctor.wizard.fixing import LiveStep
        from kasa_doctor.wizard.flow import Wizard

        key = evidence_key(session)
        try:
            live = self._context(job, session, fresh=False)
        except ServiceError as exc:
            # the owner's word, as without a camera: an answer is never lost
            raw["verification_error"] = str(exc)
            job.note(f"Could not check the camera: {exc}")
            session.record_step(proposal.id, fixed, at=_now(), raw=raw)
            if self._commit(job, session, key):
                self._end(job, "done", "fixed" if fixed else "not_fixed", "Your answer counts.")
            return
        ui = JobUi(job)
        step = LiveStep(session, ui, live, proposal, _now)
        view = Wizard(session, ui).step_view(proposal)
        decision = step.check_owner(view, fixed, raw)
        self._keep(job, live)
        session.record_step(proposal.id, decision, at=_now(), raw=raw)
        if self._commit(job, session, key):
            result: v.JobResult = "fixed" if decision else "not_fixed"
            self._end(job, "done", result, _RESULT_WORDS[result])

    def _keep(self, job: Job, live: Any) -> None:
        if live.last is not None:
            self.remember(job.session_id, live.last)

    def _commit(self, job: Job, session: Session, key: tuple[object, ...]) -> bool:
        """Save the job's copy unless the session changed meanwhile (or the job hung)."""
        with self.sessions.locked(session.id) as saved:
            if job.abandoned:
                return False
            if saved.status != "open" or evidence_key(saved) != key:
                self._end(
                    job,
                    "failed",
                    None,
                    "The session changed while kasa-doctor worked (another tab or the "
                    "terminal), so nothing was recorded.",
                )
                return False
            self.sessions.save(session)
            job.update(history_len=len(session.history))
        return True

    def _end(self, job: Job, state: Literal["done", "failed"], result: Any, message: str) -> None:
        if job.abandoned:
            return
        with job.lock:
            if job.did and job.did[-1] == message:
                job.did.pop()  # the verdict is the message; not twice
        job.update(state=state, result=result, message=message, fraction=None, finished_at=_now())


_RESULT_WORDS: Final[dict[v.JobResult, str]] = {
    "fixed": "Fixed — checked on the camera.",
    "not_fixed": "Not fixed yet — going on with the next step.",
    "not_counted": "Not counted either way; going on with the safest next step.",
}


def connect(
    sessions: SessionService, cameras: CameraService, timings: FixTimings | None = None
) -> LiveSteps:
    """Give the sessions of watched cameras their camera side: the jobs need the
    cameras (login, readings) and the sessions (answers wait while a job runs)."""
    from kasa_doctor.fixes.model import DEFAULT_FIX_TIMINGS

    live = LiveSteps(sessions, cameras, timings or DEFAULT_FIX_TIMINGS)
    sessions.live = live
    cameras.live_steps = live
    return live
