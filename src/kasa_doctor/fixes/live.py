"""`LiveContext`: the camera side of a wizard run, behind the `LiveRunner` interface.

The wizard is synchronous and free of I/O; this object holds the camera's address,
the login and the latest readings, and runs each action or verification to the end
on its own event loop (``asyncio.run``) before handing back plain data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from kasa_doctor.engine.session import Session
from kasa_doctor.fixes.catalogue import ACTIONS, offer_for
from kasa_doctor.fixes.model import (
    DEFAULT_FIX_TIMINGS,
    FixOffer,
    FixResult,
    FixTimings,
    NetworkScan,
    OwnerSays,
    ProgressFn,
    Verification,
    WifiChoice,
    no_progress,
)
from kasa_doctor.live import LiveChecks
from kasa_doctor.probes.camera import CameraTarget
from kasa_doctor.probes.credentials import CameraCredentials

_T = TypeVar("_T")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class LiveContext:
    def __init__(
        self,
        target: CameraTarget,
        credentials: CameraCredentials | None,
        checks: LiveChecks | None = None,
        *,
        timings: FixTimings = DEFAULT_FIX_TIMINGS,
        clock: Callable[[], str] = _now,
    ) -> None:
        family = checks.camera.identity.family if checks and checks.camera else None
        # Once the kind of camera is known, later checks ask only that way: a Tapo
        # camera that is away should cost one refused connection, not also a wait
        # for a Kasa-style UDP answer that never comes.
        self.target = replace(target, family=family) if family and not target.family else target
        self.credentials = credentials
        #: the latest camera readings (the start, then every verification)
        self.last = checks
        self.timings = timings
        self._clock = clock

    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run(coro)

    # --- LiveRunner ----------------------------------------------------------------------

    def offer(self, step: str) -> FixOffer | None:
        report = self.last.camera if self.last is not None else None
        return offer_for(step, report, self.credentials is not None)

    def scan_networks(self) -> NetworkScan:
        from kasa_doctor.fixes.wifi import scan_networks

        if self.credentials is None:
            return NetworkScan(ok=False, message="kasa-doctor needs the camera login for this.")
        return self._run(scan_networks(self.target, self.credentials, timings=self.timings))

    def run(
        self,
        offer: FixOffer,
        progress: ProgressFn = no_progress,
        *,
        network: WifiChoice | None = None,
        password: str | None = None,
    ) -> FixResult:
        if not offer.available:
            return FixResult(offer.step, offer.action, "not_started", offer.reason, 0.0)
        spec = ACTIONS[offer.step]
        common: dict[str, Any] = {
            "step": offer.step,
            "timings": self.timings,
            "progress": progress,
        }
        if spec.action in ("wait_boot", "wait_update"):
            from kasa_doctor.fixes.wait import wait_for

            return self._run(wait_for(self.target, self.credentials, action=spec.action, **common))
        credentials = self.credentials
        if credentials is None:
            return FixResult(offer.step, offer.action, "not_started", "No camera login.", 0.0)
        if spec.action == "reboot":
            from kasa_doctor.fixes.reboot import reboot

            return self._run(reboot(self.target, credentials, **common))
        if spec.action == "firmware":
            from kasa_doctor.fixes.firmware import update_firmware

            return self._run(update_firmware(self.target, credentials, **common))
        if spec.action == "led":
            from kasa_doctor.fixes.led import enable_led

            return self._run(enable_led(self.target, credentials, **common))
        from kasa_doctor.fixes.wifi import join_network

        if network is None or not password:
            return FixResult(
                offer.step, "wifi", "not_started", "No network or password was given.", 0.0
            )
        return self._run(join_network(self.target, credentials, network, password, **common))

    def verify(
        self,
        session: Session,
        step: str,
        *,
        causes: frozenset[str],
        owner_says: OwnerSays,
        progress: ProgressFn = no_progress,
    ) -> Verification:
        from kasa_doctor.fixes.verify import verify

        # How long a camera that does not answer is given: after kasa-doctor's own
        # action a little; after the owner says "fixed" long enough for a camera they
        # have just plugged back in; after "not fixed" nothing — that is one reading.
        wait = {
            None: self.timings.after_fix,
            "fixed": self.timings.owner_grace,
            "not_fixed": 0.0,
        }[owner_says]
        result = self._run(
            verify(
                self.target,
                self.credentials,
                self.last,
                kb=session.engine.kb,
                step=step,
                causes=causes,
                timings=self.timings,
                wait_for_camera=wait,
                strict=owner_says == "fixed",
                progress=progress,
            )
        )
        if result.checks is not None:
            self.last = result.checks
        return result

    def record(self, session: Session, verification: Verification, *, evidence: bool) -> None:
        from kasa_doctor.fixes.verify import record_after_step

        if verification.checks is not None:
            record_after_step(session, verification.checks, evidence=evidence, at=self._clock())
