"""Talking to one camera now, for the web: a live reading or a redacted check.

Synchronous on purpose: web handlers run in the thread pool, and each call runs its
own event loop (``asyncio.run``). Every network step is bounded by the server's check
timeout and the whole reading by a budget of a few such steps, so a camera that
stops answering half-way costs the owner seconds, not a hung page.

No login leaves this module in a view: a check is shown through the one redactor
(:mod:`kasa_doctor.redact`) and then scrubbed of every form of the login in use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from kasa_doctor.service import camera_views as cv

if TYPE_CHECKING:
    from kasa_doctor.live import LiveChecks
    from kasa_doctor.probes.camera import CameraReport, CameraTarget
    from kasa_doctor.probes.credentials import CameraCredentials

#: stages of one camera probe (reach, login, read, details) plus slack
PROBE_STAGES: Final = 6

LIVE_SUPPORT_WORDS: Final[dict[str, str]] = {
    "full": "Tapo camera: kasa-doctor logs in with python-kasa and reads every live check.",
    "sysinfo": (
        "Kasa KC/EC camera: python-kasa reads only its discovery sysinfo (signal, light "
        "setting, firmware, model). It cannot read the cloud connection, uptime or update "
        "state, nor reboot or update the camera for you."
    ),
    "none": "kasa-doctor cannot read this camera live; only whether it answers is watched.",
    "unknown": "What kasa-doctor can read from this camera is known after its first check.",
}
CHECK_SUPPORT_WORDS: Final[dict[str, str]] = {
    "full": LIVE_SUPPORT_WORDS["full"],
    "sysinfo": LIVE_SUPPORT_WORDS["sysinfo"],
    "none": (
        "Only whether the camera answers could be checked (it did not answer, no login "
        "was found, or the login was refused)."
    ),
}


def reading_budget(timeout: float) -> float:
    """The longest one live reading of a camera may take, given the per-step timeout."""
    return timeout * PROBE_STAGES + 2.0


def read_camera(
    target: CameraTarget, credentials: CameraCredentials | None, timeout: float
) -> LiveChecks | None:
    """The camera's live readings for a diagnosis; None when the budget ran out."""
    from kasa_doctor.live import gather_live_checks

    async def run() -> LiveChecks:
        return await asyncio.wait_for(
            gather_live_checks(target, credentials, timeout=timeout), reading_budget(timeout)
        )

    try:
        return asyncio.run(run())
    except TimeoutError:
        return None


def probe(
    target: CameraTarget, credentials: CameraCredentials | None, timeout: float
) -> CameraReport:
    """``kasa-doctor check`` of one camera; a check out of time says so as its reading."""
    from kasa_doctor.probes.camera import CameraReport, probe_camera
    from kasa_doctor.probes.observation import Observation

    budget = reading_budget(timeout)

    async def run() -> CameraReport:
        return await asyncio.wait_for(probe_camera(target, credentials, timeout=timeout), budget)

    try:
        return asyncio.run(run())
    except TimeoutError:
        report = CameraReport(target=target)
        report.observations.append(
            Observation.unknown(
                "camera_reachable", f"the check did not finish within {budget:.0f} s"
            )
        )
        report.elapsed_s = budget
        return report


def _scrubbed(value: Any, secrets: Sequence[str]) -> Any:
    """Every string in ``value`` without any form of the login (a second line of defence)."""
    from kasa_doctor.probes.credentials import scrub

    if not secrets:
        return value
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {_scrubbed(k, secrets): _scrubbed(x, secrets) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(x, secrets) for x in value]
    return value


def check_view(report: CameraReport, secrets: Sequence[str] = ()) -> cv.CheckView:
    """The report as `check --json` gives it, through the one redactor, then scrubbed."""
    from kasa_doctor.cli.check import report_dict
    from kasa_doctor.redact import redact

    data = report_dict(report)
    # The address the owner typed is shown as typed; everything the camera said
    # about itself (MAC, IP, network names, ids, alias) is redacted.
    camera, target = data.pop("camera"), data.pop("target")
    cleaned: dict[str, Any] = _scrubbed(redact(data), secrets)
    live = str(cleaned["live_support"])
    return cv.CheckView(
        camera=_scrubbed(str(camera), secrets),
        target=cv.TargetView.model_validate(_scrubbed(target, secrets)),
        identity=cleaned["identity"],
        live_support=cleaned["live_support"],
        live_support_words=CHECK_SUPPORT_WORDS.get(live, ""),
        verdict=cleaned["verdict"],
        reachable=report.reachable,
        notes=cleaned["notes"],
        elapsed_s=cleaned["elapsed_s"],
        credential_source=cleaned["credential_source"],
        readings=[cv.ReadingView.model_validate(r) for r in cleaned["readings"]],
    )
