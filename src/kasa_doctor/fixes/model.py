"""The plain data of automated repairs: offers, results, progress and verifications.

Nothing here touches the network or imports python-kasa, so the wizard (which must
stay I/O-free) and any interface can use these types; the actions that fill them in
live in the sibling modules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from kasa_doctor.probes.observation import Observation

if TYPE_CHECKING:
    from kasa_doctor.engine.session import Session
    from kasa_doctor.live import LiveChecks

Action = Literal["reboot", "firmware", "led", "wifi", "wait_boot", "wait_update"]

Outcome = Literal["done", "not_needed", "not_started", "incomplete", "interrupted"]
"""How an action ended.

- ``done``: it did what it set out to do (the verification still decides "fixed");
- ``not_needed``: the camera already was as the step would leave it (light on, newest
  firmware) — the step cannot help;
- ``not_started``: nothing was changed on the camera (no login, refused, not
  supported) — the owner can still take the step by hand;
- ``incomplete``: it started but did not end as expected (did not come back, came
  back on the old network) — the verification says where things stand;
- ``interrupted``: the camera vanished in the middle of something that must not be
  interrupted (a firmware update); never "fixed", and ``next_step`` says what is safe.
"""

Verdict = Literal["fixed", "not_fixed", "unknown"]


@dataclass(frozen=True)
class FixProgress:
    """One progress report: ``fraction`` 0..1 when the camera says how far it is."""

    phase: str
    message: str
    fraction: float | None = None


ProgressFn = Callable[[FixProgress], None]


def no_progress(_: FixProgress) -> None:
    """A progress callback for callers that show nothing."""


@dataclass(frozen=True)
class FixTimings:
    """How long the actions wait, in seconds. The defaults suit a real camera."""

    #: one request to the camera (login, read, command)
    request: float = 10.0
    #: between two checks while waiting for the camera
    poll: float = 2.0
    #: for the camera to go away after it was told to restart or change network
    away: float = 30.0
    #: for it to answer again after a restart or a network change
    back: float = 180.0
    #: a firmware update from start to the new version answering; TP-Link says to
    #: leave a camera alone for at least 10 minutes, so this is generous on purpose
    upgrade: float = 1200.0
    #: after a (re)start, for the clock to be set (NTP) before the readings are judged
    settle: float = 90.0
    #: when the owner says "fixed", for a camera that is still starting to answer
    owner_grace: float = 20.0
    #: after kasa-doctor's own action (which already waited for the camera), for a
    #: camera whose login service starts a little after its HTTPS port
    after_fix: float = 5.0
    #: wait_for_boot: how long a camera may take to start
    boot: float = 180.0
    #: between two full checks while waiting for a boot or an update: each one is a
    #: login, so they are spaced out more than the cheap "does it answer" polls
    wait_poll: float = 10.0

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if value < 0:
                raise ValueError(f"{name} must not be negative")
        if self.request <= 0 or self.poll <= 0:
            raise ValueError("request and poll must be positive")


DEFAULT_FIX_TIMINGS = FixTimings()
"""For a real camera."""

FAST_FIX_TIMINGS = FixTimings(
    request=3.0,
    poll=0.1,
    away=3.0,
    back=6.0,
    upgrade=12.0,
    settle=3.0,
    owner_grace=1.0,
    after_fix=0.5,
    boot=4.0,
    wait_poll=0.2,
)
"""For tests against the emulator with its FAST_TIMINGS."""


@dataclass(frozen=True)
class FixOffer:
    """What kasa-doctor can do for one repair step on this camera, or why not."""

    step: str
    action: Action
    available: bool
    #: what will happen, in the owner's words ("restart the camera remotely")
    what: str
    #: about how long it takes, for "takes about …"
    seconds: float
    #: why it is not available (shown before the manual instructions)
    reason: str = ""
    #: the owner must pick a Wi-Fi network and type its password first
    needs_network: bool = False


@dataclass(frozen=True)
class WifiChoice:
    """A network from the camera's own scan. ``raw_ssid`` is what the camera sent
    (base64 on Tapo), kept to hand back exactly when joining."""

    ssid: str
    raw_ssid: str
    level: int | None
    secured: bool
    band: Literal["2.4", "5", "unknown"]
    current: bool = False

    def label(self) -> str:
        bars = f"signal {self.level}/4" if self.level is not None else "signal unknown"
        return f"{self.ssid} ({bars}{', open' if not self.secured else ''})"


@dataclass(frozen=True)
class NetworkScan:
    """The camera's Wi-Fi scan: networks it could join (2.4 GHz, secured, not the one
    it is on), strongest first — or why there are none."""

    choices: tuple[WifiChoice, ...] = ()
    current: str | None = None
    message: str = ""
    ok: bool = True


@dataclass(frozen=True)
class FixResult:
    step: str
    action: Action
    outcome: Outcome
    #: one or two sentences for the owner
    message: str
    duration_s: float
    #: what was read and done, for the report; never a password
    raw: dict[str, Any] = field(default_factory=dict)
    #: the safest next step when the action knows it (a step id)
    next_step: str | None = None
    #: readings the action made itself, as evidence (e.g. "an update was running"
    #: just before the camera vanished)
    observations: tuple[Observation, ...] = ()

    @property
    def done(self) -> bool:
        return self.outcome == "done"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "action": self.action,
            "outcome": self.outcome,
            "message": self.message,
            "duration_s": round(self.duration_s, 1),
        }
        if self.raw:
            data["raw"] = dict(self.raw)
        if self.next_step:
            data["next_step"] = self.next_step
        return data


@dataclass
class Attempt:
    """One run of an action: its clock and what it has read so far, for the result."""

    step: str
    action: Action
    started: float = field(default_factory=time.monotonic)
    #: what the run has recorded; every result carries a copy of it
    raw: dict[str, object] = field(default_factory=dict)

    def result(
        self,
        outcome: Outcome,
        message: str,
        *,
        next_step: str | None = None,
        observations: tuple[Observation, ...] = (),
        **raw: object,
    ) -> FixResult:
        """The result as of now; ``raw`` adds to what the run recorded."""
        return FixResult(
            self.step,
            self.action,
            outcome,
            message,
            time.monotonic() - self.started,
            {**self.raw, **raw},
            next_step,
            observations,
        )


@dataclass(frozen=True)
class Sign:
    """A reading that points at a cause: ``camera_signal`` = ``poor``."""

    probe: str
    value: str
    detail: str

    def words(self) -> str:
        return (
            self.detail or f"{self.probe.removeprefix('camera_').replace('_', ' ')}: {self.value}"
        )


@dataclass(frozen=True)
class Verification:
    """What the camera said when checked after a step, and what that means."""

    step: str | None
    verdict: Verdict
    reachable: bool
    #: None when no login was tried (none given, or a Kasa camera that needs none)
    login_ok: bool | None
    #: readings that still point at what the step was meant to fix
    trouble: tuple[Sign, ...]
    #: readings that pointed at it before and do not any more
    cleared: tuple[Sign, ...]
    #: short facts: "answers on the network", "signal −58 dBm", "firmware 1.4.4 …"
    facts: tuple[str, ...]
    message: str
    host: str
    elapsed_s: float = 0.0
    checks: LiveChecks | None = field(default=None, repr=False, compare=False)

    @property
    def healthy(self) -> bool:
        return self.reachable and self.login_ok is not False and not self.trouble

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reachable": self.reachable,
            "login_ok": self.login_ok,
            "trouble": [f"{s.probe}={s.value}" for s in self.trouble],
            "cleared": [f"{s.probe}={s.value}" for s in self.cleared],
            "facts": list(self.facts),
            "message": self.message,
            "elapsed_s": round(self.elapsed_s, 1),
        }


OwnerSays = Literal["fixed", "not_fixed"] | None


class LiveRunner(Protocol):
    """What the wizard needs from the camera side; synchronous, so the wizard stays
    free of I/O and event loops. `kasa_doctor.fixes.live.LiveContext` is the real
    one; tests pass fakes."""

    def offer(self, step: str) -> FixOffer | None:
        """None when kasa-doctor has nothing to do for this step (a manual step)."""

    def scan_networks(self) -> NetworkScan:
        """The networks the camera could join (for a Wi-Fi offer)."""

    def run(
        self,
        offer: FixOffer,
        progress: ProgressFn,
        *,
        network: WifiChoice | None = None,
        password: str | None = None,
    ) -> FixResult:
        """Do it; never raises for anything the camera does."""

    def verify(
        self,
        session: Session,
        step: str,
        *,
        causes: frozenset[str],
        owner_says: OwnerSays,
        progress: ProgressFn,
    ) -> Verification:
        """Check the camera again; ``session`` is read (the earlier readings), not
        changed. ``owner_says`` "fixed" is judged strictly (`fixes.health`)."""

    def record(self, session: Session, verification: Verification, *, evidence: bool) -> None:
        """Put what the check found into ``session``: as evidence when the step did not
        fix it, else only the camera's facts (see `fixes.verify.record_after_step`)."""
