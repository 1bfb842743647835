"""Restart the camera remotely: the remote twin of unplugging it (power_cycle_camera).

python-kasa's own ``reboot()`` sends the plug method ``device_reboot``, which cameras
reject; Tapo cameras restart on ``rebootDevice``, sent raw through python-kasa's
protocol. The restart is only believed once the camera has been seen to go away and
to answer again.
"""

from __future__ import annotations

import time
from typing import Final

from kasa.exceptions import DeviceError

from kasa_doctor.fixes.connection import Lost, error_words, open_link, wait_back, wait_gone
from kasa_doctor.fixes.model import (
    DEFAULT_FIX_TIMINGS,
    Attempt,
    FixProgress,
    FixResult,
    FixTimings,
    ProgressFn,
    no_progress,
)
from kasa_doctor.probes.camera import CameraTarget
from kasa_doctor.probes.credentials import CameraCredentials

REBOOT: Final = {"rebootDevice": {"system": {"reboot": "null"}}}


async def reboot(
    target: CameraTarget,
    credentials: CameraCredentials,
    *,
    step: str = "power_cycle_camera",
    timings: FixTimings = DEFAULT_FIX_TIMINGS,
    progress: ProgressFn = no_progress,
) -> FixResult:
    attempt = Attempt(step, "reboot")
    result = attempt.result
    link = await open_link(attempt, target, credentials, timings, progress)
    if isinstance(link, FixResult):
        return link
    try:
        progress(FixProgress("restart", "asking the camera to restart", 0.05))
        try:
            await link.query(REBOOT)
        except Lost:
            pass  # a camera may drop the connection as it goes down: the restart began
        except DeviceError as exc:
            return result(
                "not_started",
                f"The camera refused to restart ({error_words(exc)}). Nothing was changed.",
            )
    finally:
        await link.close()

    progress(FixProgress("away", "waiting for the camera to go away", 0.1))
    gone = await wait_gone(target, timings, progress, "waiting for the camera to go away")
    if not gone:
        return result(
            "incomplete",
            f"The camera accepted the restart but kept answering for {timings.away:g} s; "
            "it may not have restarted.",
            went_away=False,
        )
    away_at = time.monotonic()
    progress(FixProgress("back", "the camera is restarting; waiting for it to answer", 0.3))
    back = await wait_back(
        target, timings, progress, "the camera is restarting; waiting for it to answer"
    )
    if not back:
        return result(
            "incomplete",
            f"The camera went away to restart and has not answered again within "
            f"{timings.back:g} s.",
            went_away=True,
            came_back=False,
        )
    progress(FixProgress("back", "the camera answers again", 1.0))
    down_s = round(time.monotonic() - away_at, 1)
    return result(
        "done",
        f"The camera restarted: it went away and answers again (after about {down_s:g} s).",
        went_away=True,
        came_back=True,
        down_s=down_s,
    )
