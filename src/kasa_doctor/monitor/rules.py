"""Incident rules: one camera's recent history in, incidents to open or close out.

Pure functions, no I/O: the watcher hands over the camera's recent samples (oldest
first, the new one last), the times of its recent unexpected reboots and the kinds of
incident already open, and gets back what changed. Because the open kinds go in, an
incident is opened once and closed once — never re-announced every round.

Each rule looks at its condition in three ways: it holds (open, if not open), it
is clear (close, if open), or it cannot be told this round (change nothing: a camera
that cannot be read is not thereby healed). A sample's ``None`` means "not read".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from kasa_doctor.monitor.config import INCIDENT_KINDS, Thresholds
from kasa_doctor.probes.camera import human_duration

SampleView = Mapping[str, Any]
Verdict = bool | None  # True holds, False clear, None cannot tell

CAUSES: Final[dict[str, str]] = {
    "offline": (
        "the camera lost power, dropped off the Wi-Fi (router restarted or replaced, "
        "Wi-Fi password changed, out of range) or got a new IP address from the router"
    ),
    "reboot_loop": (
        "an unstable power supply — a failing adapter or cable, a loose plug, or a USB/PoE "
        "port that cannot deliver enough current; repeated restarts are the classic "
        "power-supply sign"
    ),
    "weak_signal": (
        "the camera is too far from the router or behind walls, metal or appliances; move "
        "them closer, or add a 2.4 GHz extender or mesh node near the camera"
    ),
    "overheated": (
        "direct sun or a nearby heat source, or a temperature outside the model's "
        "operating range; the camera may switch itself off to cool down"
    ),
    "update_available": (
        "a newer firmware is offered for this camera; updates fix known faults — install "
        "it from the Tapo app while the camera has steady power and a good signal"
    ),
    "update_failed": (
        "the firmware download or install was interrupted — Wi-Fi dropped or the power "
        "went during the update; retry it on steady power and a good signal"
    ),
    "clock_drift": (
        "the camera cannot reach a time server (NTP): its internet access or DNS is "
        "blocked, or the router filters UDP port 123; recordings get wrong timestamps"
    ),
    "login_failing": (
        "the TP-Link account password was changed, the camera was reset or re-paired to "
        "another account, or Third-Party Compatibility is off in the Tapo app"
    ),
}

TITLES: Final[dict[str, str]] = {
    "offline": "offline",
    "reboot_loop": "keeps restarting",
    "weak_signal": "weak Wi-Fi signal",
    "overheated": "overheated",
    "update_available": "firmware update available",
    "update_failed": "last firmware update failed",
    "clock_drift": "clock wrong",
    "login_failing": "login failing",
}


@dataclass(frozen=True)
class Change:
    kind: str
    action: Literal["open", "close"]
    summary: str
    cause: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Everything a rule may look at besides the samples."""

    now: float
    thresholds: Thresholds
    reboots: Sequence[float]
    opened_at: Mapping[str, float]
    login_note: str | None = None


def history_needed(t: Thresholds) -> int:
    """How many recent samples the rules need (the watcher keeps that many per camera)."""
    return (
        max(
            t.offline_rounds,
            t.weak_signal_rounds,
            t.overheated_rounds,
            t.update_available_rounds,
            t.update_failed_rounds,
            t.clock_drift_rounds,
            t.login_failures,
            t.reboot_outage_rounds + 1,
        )
        * 3
        + 2
    )


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _last_known(
    history: Sequence[SampleView], test: Callable[[SampleView], Verdict], rounds: int
) -> Verdict:
    """The condition over the last ``rounds`` samples where it could be told.

    Clear as soon as the newest readable sample says so; holds once the last
    ``rounds`` readable samples all say so; otherwise (new sample unreadable, or not
    enough readable samples yet) None.
    """
    newest = test(history[-1]) if history else None
    if newest is None:
        return None
    if newest is False:
        return False
    seen = 0
    for sample in reversed(history):
        verdict = test(sample)
        if verdict is None:
            continue
        if verdict is False:
            return None
        seen += 1
        if seen >= rounds:
            return True
    return None


# --- the rules -----------------------------------------------------------------------


def _offline(history: Sequence[SampleView], ctx: Context) -> tuple[Verdict, str, dict[str, Any]]:
    n = ctx.thresholds.offline_rounds
    if history[-1]["reachable"]:
        return False, "", {}
    tail = 0
    for sample in reversed(history):
        if sample["reachable"]:
            break
        tail += 1
    if tail < n:
        return None, "", {}
    since = history[-tail]["ts"]
    error = history[-1].get("error")
    text = f"not answering on the network for {tail} rounds in a row (since {_clock(since)})"
    if error:
        text += f": {error}"
    return True, text, {"rounds": tail, "since": since}


def _dbm(value: int) -> str:
    return f"{value} dBm".replace("-", "−")  # a real minus sign, as `check` prints it


def _weak(sample: SampleView, dbm: int) -> Verdict:
    rssi = sample.get("rssi")
    if rssi is not None:
        return bool(rssi < dbm)
    signal = sample.get("signal")
    return None if signal is None else signal == "poor"


def _weak_signal(
    history: Sequence[SampleView], ctx: Context
) -> tuple[Verdict, str, dict[str, Any]]:
    t = ctx.thresholds
    verdict = _last_known(history, lambda s: _weak(s, t.weak_signal_dbm), t.weak_signal_rounds)
    if verdict is not True:
        return verdict, "", {}
    rssi = history[-1].get("rssi")
    level = _dbm(rssi) if rssi is not None else "poor"
    return (
        True,
        f"Wi-Fi signal {level} for {t.weak_signal_rounds} rounds "
        f"(weak below {_dbm(t.weak_signal_dbm)})",
        {"rssi": rssi},
    )


def _flag(name: str) -> Callable[[SampleView], Verdict]:
    def test(sample: SampleView) -> Verdict:
        value = sample.get(name)
        return None if value is None else bool(value)

    return test


def _overheated(history: Sequence[SampleView], ctx: Context) -> tuple[Verdict, str, dict[str, Any]]:
    verdict = _last_known(history, _flag("overheated"), ctx.thresholds.overheated_rounds)
    return verdict, "the camera reports that it is overheating", {}


def _update_available(
    history: Sequence[SampleView], ctx: Context
) -> tuple[Verdict, str, dict[str, Any]]:
    verdict = _last_known(
        history, _flag("update_available"), ctx.thresholds.update_available_rounds
    )
    firmware = history[-1].get("firmware")
    text = "a firmware update is available" + (f" (installed: {firmware})" if firmware else "")
    return verdict, text, {"installed": firmware}


def _update_failed(
    history: Sequence[SampleView], ctx: Context
) -> tuple[Verdict, str, dict[str, Any]]:
    verdict = _last_known(history, _flag("update_failed"), ctx.thresholds.update_failed_rounds)
    return verdict, "the camera says its last firmware update did not finish", {}


def _drift(sample: SampleView, t: Thresholds) -> Verdict:
    offset = sample.get("clock_offset_s")
    if offset is None:
        return None
    if abs(offset) <= t.clock_drift_s:
        return False
    uptime = sample.get("uptime_s")
    if uptime is not None and uptime < t.clock_grace_s:
        return None  # just started: the clock is wrong until NTP answers, not drift yet
    return True


def _clock_drift(
    history: Sequence[SampleView], ctx: Context
) -> tuple[Verdict, str, dict[str, Any]]:
    t = ctx.thresholds
    verdict = _last_known(history, lambda s: _drift(s, t), t.clock_drift_rounds)
    if verdict is not True:
        return verdict, "", {}
    offset = float(history[-1]["clock_offset_s"])
    side = "ahead" if offset > 0 else "behind"
    return (
        True,
        f"the camera's clock is {human_duration(offset)} {side} for {t.clock_drift_rounds} rounds",
        {"offset_s": round(offset, 1)},
    )


def _reboot_loop(
    history: Sequence[SampleView], ctx: Context
) -> tuple[Verdict, str, dict[str, Any]]:
    t = ctx.thresholds
    window = t.reboot_loop_window
    recent = [ts for ts in ctx.reboots if ts > ctx.now - window]
    if len(recent) >= t.reboot_loop_count:
        return (
            True,
            f"restarted {len(recent)} times in the last {human_duration(window)} "
            "without being asked to",
            {"reboots": len(recent), "window_s": window},
        )
    # Clear only after a quiet half window: a camera restarting at about the threshold
    # rate must not open and close the incident every other round.
    quiet = [ts for ts in recent if ts > ctx.now - window / 2]
    return (None if quiet else False), "", {}


_ATTEMPTED: Final = frozenset({"ok", "failed", "locked"})


def _login_failing(
    history: Sequence[SampleView], ctx: Context
) -> tuple[Verdict, str, dict[str, Any]]:
    newest = history[-1].get("auth")
    if newest == "ok":
        return False, "", {}
    if newest not in ("failed", "locked"):
        return None, "", {}
    failures = 0
    for sample in reversed(history):
        auth = sample.get("auth")
        if auth == "ok":
            break
        if auth in ("failed", "locked"):
            failures += 1
    if failures < ctx.thresholds.login_failures:
        return None, "", {}
    text = "the camera refuses the watcher's login"
    if newest == "locked":
        text = "the camera has locked the account out after too many failed logins"
    if ctx.login_note:
        text += f"; {ctx.login_note}"
    return True, text, {"failures": failures}


RULES: Final[
    dict[str, Callable[[Sequence[SampleView], Context], tuple[Verdict, str, dict[str, Any]]]]
] = {
    "offline": _offline,
    "reboot_loop": _reboot_loop,
    "weak_signal": _weak_signal,
    "overheated": _overheated,
    "update_available": _update_available,
    "update_failed": _update_failed,
    "clock_drift": _clock_drift,
    "login_failing": _login_failing,
}
assert tuple(RULES) == INCIDENT_KINDS


def _close_summary(kind: str, ctx: Context) -> str:
    opened = ctx.opened_at.get(kind)
    after = f" after {human_duration(ctx.now - opened)}" if opened is not None else ""
    words = {
        "offline": "answering on the network again",
        "reboot_loop": "no unexpected restart for a while",
        "weak_signal": "Wi-Fi signal back to normal",
        "overheated": "temperature back to normal",
        "update_available": "no firmware update pending any more",
        "update_failed": "firmware update no longer reported as failed",
        "clock_drift": "clock set correctly again",
        "login_failing": "login accepted again",
    }
    return words[kind] + after


def evaluate(
    history: Sequence[SampleView],
    ctx: Context,
    open_kinds: Collection[str],
    *,
    ignore: Collection[str] = (),
) -> list[Change]:
    """The incidents of one camera to open or close after its newest sample.

    ``history`` holds the camera's recent samples, oldest first, the newest last.
    Kinds in ``ignore`` are never opened (an open one is closed, so dropping a kind
    from the config does not leave it open forever).
    """
    if not history:
        return []
    changes: list[Change] = []
    for kind, rule in RULES.items():
        is_open = kind in open_kinds
        if kind in ignore:
            if is_open:
                changes.append(Change(kind, "close", "no longer watched (ignored in the config)"))
            continue
        verdict, summary, detail = rule(history, ctx)
        if verdict is True and not is_open:
            changes.append(Change(kind, "open", summary, CAUSES[kind], detail))
        elif verdict is False and is_open:
            changes.append(Change(kind, "close", _close_summary(kind, ctx)))
    return changes
