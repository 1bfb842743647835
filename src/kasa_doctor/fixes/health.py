"""Judging the camera after a step: is it back, and is the sign of the problem gone?

Pure: readings in, verdict out. Which readings count is read from the knowledge
base, not written here: a reading is a *sign* of a cause when the knowledge base says
that value is at least `SIGN_RATIO` times likelier under that cause than in general
(``likelihood[cause][value] / default[value]``) — signal "poor" for a weak signal,
status light "off" for a switched-off light, "update available" for old firmware.

After a step the verification watches the causes the step is meant to fix, the
cause it was proposed for and the cause the engine thought most likely (`watched`):

- the camera does not answer, or refuses the login → not fixed;
- a watched sign is still there → not fixed;
- a watched sign that was there before is gone, or the camera answers again after
  not answering → fixed;
- otherwise the camera shows nothing either way → unknown (the owner's word decides).

A reading that stays on unrelated to what the step fixes (an update offered while
the light was the problem) does not hold a repair kasa-doctor made itself back: it
knows what it changed and checks exactly that.

An owner's "fixed" is held to more (``strict``): kasa-doctor does not know what was
done, so the camera must look healthy as a whole — no reading the knowledge base
calls a problem (poor signal, clock never set, failed update …), and none of the
signs that already contradicted the owner earlier in the run (the wizard adds
their causes to the watched ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from kasa_doctor.fixes.model import Sign, Verdict
from kasa_doctor.knowledge.loader import KnowledgeBase
from kasa_doctor.probes.observation import Observation

#: how much likelier a value must be under a cause to count as its sign
SIGN_RATIO: Final = 3.0
#: a step is "meant to fix" a cause when it fixes it at least this often
MEANT_TO_FIX: Final = 0.5
#: readings that are always a sign of trouble, whatever the step
ALWAYS: Final = frozenset({("camera_reachable", "no"), ("camera_auth", "failed")})
#: readings every (re)start produces: a camera that was just restarted — by the step
#: itself, very often — has a short uptime whether or not it is healthy. A camera
#: that keeps restarting shows it through its clock and through not answering.
RESTART_ARTIFACTS: Final = frozenset({"camera_uptime"})


def signs_of(kb: KnowledgeBase, probe: str, value: str) -> frozenset[str]:
    """The causes for which ``probe`` = ``value`` is a sign (see the module doc)."""
    spec = next((p for p in kb.probes if p.id == probe), None)
    if spec is None:
        return frozenset()
    values = list(spec.answers)
    if value not in values:
        return frozenset()
    base = spec.default.complete(values)[value]
    if base <= 0:
        return frozenset()
    return frozenset(
        cause
        for cause, dist in spec.likelihood.items()
        if dist.complete(values)[value] / base >= SIGN_RATIO
    )


def watched(
    kb: KnowledgeBase, step: str, target: str | None = None, leader: str | None = None
) -> frozenset[str]:
    """The causes whose signs decide whether ``step`` worked."""
    fixes = kb.fixes.get(step)
    causes = {c for c, p in fixes.causes.items() if p >= MEANT_TO_FIX} if fixes else set()
    causes.update(c for c in (target, leader) if c)
    return frozenset(causes)


def is_problem(kb: KnowledgeBase, probe: str, value: str) -> bool:
    """The knowledge base's own verdict for this reading is "problem"."""
    spec = next((p for p in kb.probes if p.id == probe), None)
    return spec is not None and spec.verdicts.get(value) == "problem"


def troubles(
    kb: KnowledgeBase,
    causes: frozenset[str],
    observations: Iterable[Observation],
    *,
    strict: bool = False,
) -> list[Sign]:
    """The readings among ``observations`` that are signs of trouble (last one wins).

    ``strict``: also every reading the knowledge base calls a problem, whatever it
    points at (for an owner's "fixed", see the module doc).
    """
    latest: dict[str, Observation] = {}
    for obs in observations:
        if obs.value is not None:
            latest[obs.probe] = obs
    out: list[Sign] = []
    for obs in latest.values():
        assert obs.value is not None
        if obs.probe in RESTART_ARTIFACTS:
            continue
        if (
            (obs.probe, obs.value) in ALWAYS
            or signs_of(kb, obs.probe, obs.value) & causes
            or (strict and is_problem(kb, obs.probe, obs.value))
        ):
            out.append(Sign(obs.probe, obs.value, obs.detail))
    return out


def dropped(observations: Sequence[Observation]) -> bool:
    """The camera answered, then went away before the login was through — a camera
    that is restarting (or keeps restarting), not one that is back."""
    auth = [o for o in observations if o.probe == "camera_auth"]
    return bool(auth) and auth[-1].value is None and bool(auth[-1].raw.get("unavailable"))


def value_of(observations: Sequence[Observation], probe: str) -> str | None:
    found = [o.value for o in observations if o.probe == probe and o.value is not None]
    return found[-1] if found else None


def settling(observations: Sequence[Observation]) -> bool:
    """The camera is still finishing something it must be left to finish: an update,
    or a fresh start whose clock is not set yet. Judging now would call a healthy
    camera broken, so the verification waits a little while this holds."""
    if value_of(observations, "camera_updating") == "yes":
        return True
    return (
        value_of(observations, "camera_clock_synced") == "no"
        and value_of(observations, "camera_uptime") == "short"
    )


def assess(
    kb: KnowledgeBase,
    causes: frozenset[str],
    before: Sequence[Observation],
    after: Sequence[Observation],
    host: str,
    *,
    strict: bool = False,
) -> tuple[Verdict, list[Sign], list[Sign], str]:
    """(verdict, trouble now, cleared signs, one sentence) — see the module doc."""
    reachable = value_of(after, "camera_reachable") == "yes"
    now = troubles(kb, causes, after, strict=strict)
    if not reachable:
        return "not_fixed", now, [], f"The camera does not answer at {host}."
    if dropped(after):
        return (
            "not_fixed",
            now,
            [],
            f"The camera answered at {host}, then stopped answering during the check.",
        )
    now_keys = {(s.probe, s.value) for s in now}
    after_values = {o.probe: o.value for o in after if o.value is not None}
    cleared = [
        sign
        for sign in troubles(kb, causes, before, strict=strict)
        if (sign.probe, sign.value) not in now_keys
        # "cleared" needs a new reading that says otherwise, not just a missing one
        and after_values.get(sign.probe) not in (None, sign.value)
    ]
    if any(s.probe == "camera_auth" for s in now):
        return "not_fixed", now, cleared, "The camera answers, but it refused the login."
    if now:
        listing = "; ".join(s.words() for s in now)
        return "not_fixed", now, cleared, f"The camera answers, but it still reports: {listing}."
    if cleared:
        listing = "; ".join(s.words() for s in cleared)
        return (
            "fixed",
            now,
            cleared,
            f"The camera answers, and what pointed at the problem is gone (before: {listing}).",
        )
    return (
        "unknown",
        now,
        cleared,
        "The camera answers and reports nothing wrong; whether the problem is gone only "
        "its light can tell.",
    )


def facts(observations: Sequence[Observation]) -> list[str]:
    """Short facts for the owner: is it back, signal, cloud, firmware, light."""
    out: list[str] = []
    by_probe = {o.probe: o for o in observations}
    reach = by_probe.get("camera_reachable")
    if reach is not None:
        out.append("answers on the network" if reach.value == "yes" else "does not answer")
    for probe in ("camera_signal", "camera_cloud", "camera_firmware", "camera_led_setting"):
        obs = by_probe.get(probe)
        if obs is None or obs.raw.get("unavailable") or obs.raw.get("supported") is False:
            continue
        if obs.detail:
            out.append(obs.detail)
    return out


def evidence_after_step(observations: Iterable[Observation]) -> list[Observation]:
    """The readings of a check after a step, as evidence for the engine.

    The uptime is left out (recorded as unknown, with the reading kept): any step may
    have restarted the camera — kasa-doctor's own restart, the owner re-plugging it —
    and a short uptime would then read as a sign of power trouble the step caused.
    """
    out: list[Observation] = []
    for obs in observations:
        if obs.probe in RESTART_ARTIFACTS and obs.value is not None:
            obs = Observation.unknown(
                obs.probe,
                f"{obs.detail} (not counted: the step may have restarted the camera)",
                {**obs.raw, "value_after_step": obs.value},
            )
        out.append(obs)
    return out
