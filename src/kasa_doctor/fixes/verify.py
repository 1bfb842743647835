"""After a step: check the camera again and say whether the step fixed it.

The same live checks as at the start (`kasa_doctor.live.gather_live_checks`, camera
only), judged by `kasa_doctor.fixes.health`, and — when a session is given — recorded
in it, so what the camera says now is evidence for the engine like any other reading.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence

from kasa_doctor.engine.session import Session
from kasa_doctor.fixes.health import (
    assess,
    dropped,
    evidence_after_step,
    facts,
    settling,
    watched,
)
from kasa_doctor.fixes.model import (
    DEFAULT_FIX_TIMINGS,
    FixProgress,
    FixTimings,
    ProgressFn,
    Verification,
    no_progress,
)
from kasa_doctor.knowledge.loader import KnowledgeBase, default_knowledge
from kasa_doctor.live import LiveChecks, gather_live_checks, record_live_checks
from kasa_doctor.probes.camera import CameraTarget
from kasa_doctor.probes.credentials import CameraCredentials
from kasa_doctor.probes.observation import Observation


def session_readings(session: Session) -> list[Observation]:
    """The camera readings a session holds, oldest first (as observations)."""
    return [
        Observation(e.id, e.value)
        for e in session.history
        if e.kind == "probe" and e.value is not None and e.id.startswith("camera_")
    ]


def leading_cause(session: Session) -> str | None:
    ranking = session.belief()
    return ranking[0][0] if ranking else None


def record_after_step(
    session: Session, checks: LiveChecks, *, evidence: bool, at: str | None = None
) -> None:
    """Put a check made after a step into the session.

    ``evidence`` False (the step fixed it): only the camera's facts (firmware version,
    model …) are updated. Readings of the repaired camera say nothing about what was
    wrong — "no update offered" after an update would argue against the very cause
    the update just fixed — so they stay with the step's record, not in the evidence.
    """
    kept = evidence_after_step(checks.observations) if evidence else []
    record_live_checks(session, LiveChecks(kept, checks.camera), at=at)


async def verify(
    target: CameraTarget,
    credentials: CameraCredentials | None,
    before: LiveChecks | None = None,
    *,
    session: Session | None = None,
    step: str | None = None,
    causes: Iterable[str] | None = None,
    kb: KnowledgeBase | None = None,
    timings: FixTimings = DEFAULT_FIX_TIMINGS,
    wait_for_camera: float = 0.0,
    strict: bool = False,
    progress: ProgressFn = no_progress,
    at: str | None = None,
) -> Verification:
    """Check the camera and judge it against what it said ``before``; with a
    ``session``, record the readings in it as evidence (`record_after_step`).

    ``before`` None: the session's own earlier readings are used. ``causes``: the
    causes whose signs decide (default: what ``step`` is meant to fix plus the
    session's most likely cause). ``wait_for_camera``: how long a camera that does
    not answer yet is given (a restart in progress). A camera that is finishing a
    start or an update is given up to ``timings.settle`` before it is judged.
    ``strict``: judge an owner's "fixed" (see `kasa_doctor.fixes.health`).
    """
    if kb is None:
        kb = session.engine.kb if session is not None else default_knowledge()
    if causes is None:
        leader = leading_cause(session) if session is not None else None
        causes = watched(kb, step, leader=leader) if step else frozenset({leader} if leader else ())
    watch = frozenset(c for c in causes if c)
    earlier: Sequence[Observation] = (
        before.observations
        if before is not None
        else (session_readings(session) if session is not None else [])
    )
    started = time.monotonic()
    while True:
        checks = await gather_live_checks(target, credentials, timeout=timings.request)
        readings = checks.observations
        elapsed = time.monotonic() - started
        reachable = checks.camera is not None and checks.camera.reachable
        if (not reachable or dropped(readings)) and elapsed < wait_for_camera:
            progress(FixProgress("verify", "the camera does not answer yet; waiting", None))
        elif reachable and settling(readings) and elapsed < timings.settle:
            progress(FixProgress("verify", "the camera is still starting; waiting", None))
        else:
            break
        await asyncio.sleep(timings.poll)
    verdict, trouble, cleared, message = assess(
        kb, watch, earlier, readings, str(target), strict=strict
    )
    auth = checks.camera.value("camera_auth") if checks.camera is not None else None
    if session is not None:
        record_after_step(session, checks, evidence=True, at=at)
    return Verification(
        step=step,
        verdict=verdict,
        reachable=reachable,
        login_ok=None if auth is None else auth == "ok",
        trouble=tuple(trouble),
        cleared=tuple(cleared),
        facts=tuple(facts(readings)),
        message=message,
        host=str(target),
        elapsed_s=time.monotonic() - started,
        checks=checks,
    )
