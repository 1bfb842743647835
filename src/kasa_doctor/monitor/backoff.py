"""Per-camera login back-off, so the watcher never locks a camera's account out.

A Tapo camera blocks every login for about 30 minutes after five failed ones in a
row (error -40404). A watcher that retried a wrong password every round would do
that within five rounds and keep the owner's own app locked out as well. So:

* after a failed login the next attempt waits ``initial``, then ``initial·factor``, …
  up to ``max`` seconds — at most one attempt per window;
* after ``max_attempts`` failures in a row (fewer than the camera's five) there are no
  attempts at all until the login the watcher would use changes;
* a camera that says it is locked out is not asked again before it says it will be
  open again (``sec_left``).

Between attempts the camera is still polled, without a login: whether it answers is
worth knowing even when its readings are not. The login is compared through a keyed
fingerprint (:func:`fingerprint`) so neither the login nor an unsalted hash of it is
kept anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kasa_doctor.monitor.config import LoginBackoff
from kasa_doctor.monitor.store import LoginState
from kasa_doctor.probes.credentials import CameraCredentials

LoginOutcome = Literal["ok", "failed", "locked", "unknown"]


@dataclass(frozen=True)
class Decision:
    attempt: bool
    reason: str  # "first", "window passed", "credentials changed", "waiting", "stopped"
    next_at: float | None = None


def decide(state: LoginState, fp: str, now: float, policy: LoginBackoff) -> Decision:
    """May the watcher try to log in to this camera now with the login ``fp``?"""
    if state.credential_fp != fp:
        return Decision(True, "credentials changed" if state.credential_fp else "first")
    if state.failures <= 0:
        return Decision(True, "no failures")
    if state.failures >= policy.max_attempts:
        return Decision(False, "stopped")
    if state.next_login_at is None or now >= state.next_login_at:
        return Decision(True, "window passed")
    return Decision(False, "waiting", state.next_login_at)


def record(
    state: LoginState,
    fp: str,
    outcome: LoginOutcome,
    now: float,
    policy: LoginBackoff,
    *,
    locked_for: float | None = None,
) -> LoginState:
    """The back-off state after one login attempt made with ``fp``."""
    failures = state.failures if state.credential_fp == fp else 0
    if outcome == "ok":
        return LoginState(0, None, fp)
    if outcome == "unknown":
        # The camera went away mid-login: neither a success nor proof of a bad password.
        # But a camera may count an unfinished login as a failed one, so while failures
        # are on record the attempt still uses up the current window.
        if not failures:
            return LoginState(0, None, fp)
        return LoginState(failures, now + _window(policy, failures), fp)
    failures += 1
    wait = _window(policy, failures)
    if outcome == "locked" and locked_for:
        wait = max(wait, locked_for)
    return LoginState(failures, now + wait, fp)


def _window(policy: LoginBackoff, failures: int) -> float:
    return float(min(policy.max, policy.initial * policy.factor ** (failures - 1)))


def describe(state: LoginState, policy: LoginBackoff, now: float) -> str:
    """Plain words about where the back-off stands (for incident texts)."""
    from kasa_doctor.probes.camera import human_duration

    left = policy.max_attempts - state.failures
    if left <= 0:
        return (
            f"stopped trying after {state.failures} failed logins so the camera does not lock "
            "the account out; it tries again once the login the watcher uses changes"
        )
    wait = ""
    if state.next_login_at is not None and state.next_login_at > now:
        wait = f", the next in about {human_duration(state.next_login_at - now)}"
    return (
        f"the watcher tries at most {left} more time{'s' if left != 1 else ''}{wait}, then "
        "not again until the login it uses changes (cameras lock the account after five "
        "failed logins)"
    )


def load_key(path: Path) -> bytes:
    """The fingerprint key, created (readable by the owner only) on first use."""
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data[:32]
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def fingerprint(credentials: CameraCredentials, key: bytes) -> str:
    """A keyed hash of the login: tells "changed" from "same" and nothing else.

    Without the key (kept in a file beside, not in, the database) it cannot be used to
    guess the password.
    """
    message = b"\0".join((credentials.username.encode(), credentials.password.encode()))
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
