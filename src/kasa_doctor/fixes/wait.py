"""Waiting with the owner (wait_for_boot, wait_for_update): check, show progress, repeat.

Waiting changes nothing on the camera, so it works for Tapo and Kasa cameras alike:
each check is the ordinary camera probe (one login when a login is given). Between
checks the camera is left alone — during an update that is the whole point.
"""

from __future__ import annotations

import asyncio
import time

from kasa_doctor.fixes.health import dropped
from kasa_doctor.fixes.model import (
    DEFAULT_FIX_TIMINGS,
    Action,
    FixProgress,
    FixResult,
    FixTimings,
    Outcome,
    ProgressFn,
    no_progress,
)
from kasa_doctor.probes.camera import CameraReport, CameraTarget, human_duration, probe_camera
from kasa_doctor.probes.credentials import CameraCredentials


def _up(report: CameraReport) -> bool:
    # A camera answers TLS a little before its login service is ready: one that drops
    # the login is still starting. A refused login is an answer, though — the camera is
    # up, the login is another matter (and is not tried again and again).
    return report.reachable and not dropped(report.observations)


async def wait_for(
    target: CameraTarget,
    credentials: CameraCredentials | None,
    *,
    step: str,
    action: Action,
    timings: FixTimings = DEFAULT_FIX_TIMINGS,
    progress: ProgressFn = no_progress,
) -> FixResult:
    """Poll until the camera has started (``wait_boot``) or finished updating
    (``wait_update``), or the time allowed for that has passed."""
    started = time.monotonic()
    limit = timings.boot if action == "wait_boot" else timings.upgrade
    checks = 0
    last: CameraReport | None = None

    def result(outcome: Outcome, message: str) -> FixResult:
        raw: dict[str, object] = {"checks": checks}
        if last is not None:
            raw["reachable"] = last.reachable
            raw["updating"] = last.value("camera_updating")
        return FixResult(step, action, outcome, message, time.monotonic() - started, raw)

    while True:
        last = await probe_camera(target, credentials, timeout=timings.request)
        checks += 1
        elapsed = time.monotonic() - started
        updating = last.value("camera_updating") == "yes"
        if _up(last) and not (action == "wait_update" and updating):
            progress(FixProgress("done", "the camera answers", 1.0))
            what = "has started" if action == "wait_boot" else "is back and no update is running"
            return result("done", f"The camera {what} (after {human_duration(elapsed)}).")
        if elapsed >= limit:
            if action == "wait_boot":
                return result(
                    "incomplete",
                    f"The camera has not answered within {human_duration(limit)}.",
                )
            return result(
                "incomplete",
                f"After {human_duration(limit)} the camera "
                + ("is still updating." if updating else "has still not come back.")
                + " An update that has not finished after about 30 minutes is stuck.",
            )
        reading = last.get("camera_updating")
        pct = reading.raw.get("progress") if reading is not None else None
        share = pct / 100 if isinstance(pct, int) and not isinstance(pct, bool) else None
        if updating:
            words = "the update is running — do not unplug the camera"
        elif last.reachable:
            words = "the camera answers; waiting for it to be ready"
        else:
            words = "the camera does not answer yet"
        progress(FixProgress("wait", words, share))
        await asyncio.sleep(min(timings.wait_poll, max(0.0, limit - elapsed)))
