"""Install the newest firmware (update_firmware): check, apply, wait — never interrupt.

python-kasa has no camera firmware API, so these are raw Tapo camera methods sent
through its protocol: ``checkFirmwareVersionByCloud`` + ``getCloudConfig`` (is a
newer version offered?), ``startFirmwareUpgrade``, then ``getFirmwareUpdateStatus``
for progress. While the update runs nothing but that read is sent; at the end the
camera restarts by itself, and the update only counts once the camera answers again
with a new version.

A camera that stops answering in the middle and does not come back is the one case
where a wrong move (unplugging it) can break it for good, so the result says so
plainly, is never "done", records that an update was running (evidence that steers
the engine away from cutting the power) and names the safe next step:
wait_for_update.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Final

from kasa.exceptions import DeviceError

from kasa_doctor.fixes.connection import (
    CameraLink,
    FixError,
    LoginRefused,
    Lost,
    connect,
    error_words,
    open_link,
    wait_until,
)
from kasa_doctor.fixes.model import (
    DEFAULT_FIX_TIMINGS,
    Attempt,
    FixProgress,
    FixResult,
    FixTimings,
    ProgressFn,
    no_progress,
)
from kasa_doctor.probes.camera import UPDATING_STATES, CameraTarget, human_duration
from kasa_doctor.probes.credentials import CameraCredentials
from kasa_doctor.probes.observation import Observation

STATUS_QUERY: Final[dict[str, Any]] = {
    "getFirmwareUpdateStatus": {"cloud_config": {"name": "upgrade_status"}}
}
CHECK_QUERY: Final[dict[str, Any]] = {
    "checkFirmwareVersionByCloud": {"cloud_config": {"check_fw_version": "null"}},
    "getCloudConfig": {"cloud_config": {"name": ["upgrade_info"]}},
    **STATUS_QUERY,
}
VERSION_QUERY: Final[dict[str, Any]] = {"getDeviceInfo": {"device_info": {"name": ["basic_info"]}}}
START_QUERY: Final[dict[str, Any]] = {
    "startFirmwareUpgrade": {"cloud_config": {"fw_download": "null"}}
}
#: a camera may take a moment to report "downloading" after accepting the start
START_GRACE_S: Final = 10.0

INTERRUPTED_ADVICE: Final = (
    "Do not unplug it or press any of its buttons: cutting the power during an update "
    "can break the camera for good. It may still be installing (its light blinks while "
    "it does). Next: leave it alone for at least 10 more minutes — kasa-doctor can wait "
    "and check with you."
)


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _status(answer: dict[str, Any]) -> tuple[str | None, int | None, str | None]:
    """(state, progress %, offered version) from a getFirmwareUpdateStatus answer."""
    cloud = _dig(answer, "getFirmwareUpdateStatus", "cloud_config")
    state = _dig(cloud, "upgrade_status", "state")
    pct = _dig(cloud, "upgrade_status", "progress")
    offered = _dig(cloud, "new_version")
    return (
        state if isinstance(state, str) else None,
        pct if isinstance(pct, int) and not isinstance(pct, bool) else None,
        offered if isinstance(offered, str) and offered else None,
    )


def _running(state: str | None) -> bool:
    return state is not None and state.lower() in UPDATING_STATES


def _offered(answer: dict[str, Any], installed: str | None) -> str | None:
    """The newer version the cloud check offers (``upgrade_info`` type > 0), if any."""
    info = _dig(answer, "getCloudConfig", "cloud_config", "upgrade_info")
    version, kind = _dig(info, "version"), _dig(info, "type")
    newer = isinstance(version, str) and bool(version) and version != installed
    if newer and (not isinstance(kind, int) or kind > 0):
        return str(version)
    return _status(answer)[2]


async def _version(link: CameraLink) -> str | None:
    answer = await link.query(VERSION_QUERY)
    version = _dig(answer, "getDeviceInfo", "device_info", "basic_info", "sw_version")
    return version if isinstance(version, str) else None


@dataclass
class _Run(Attempt):
    """One update run: the update's last state and progress seen, for the words."""

    state: str | None = None
    pct: int | None = None

    def interrupted(self, why: str) -> FixResult:
        """The camera is gone (or still busy) mid-update: never "done", wait next."""
        at = f" (last seen at {self.pct} %)" if self.pct is not None else ""
        seen = Observation(
            "camera_updating",
            "yes",
            {"source": "update_firmware", "state": self.state, "progress": self.pct},
            "a firmware update was running when kasa-doctor last heard from the camera",
        )
        return self.result(
            "interrupted",
            f"{why}{at}. {INTERRUPTED_ADVICE}",
            next_step="wait_for_update",
            observations=(seen,),
        )


async def update_firmware(
    target: CameraTarget,
    credentials: CameraCredentials,
    *,
    step: str = "update_firmware",
    timings: FixTimings = DEFAULT_FIX_TIMINGS,
    progress: ProgressFn = no_progress,
) -> FixResult:
    run = _Run(step, "firmware")
    link = await open_link(run, target, credentials, timings, progress)
    if isinstance(link, FixResult):
        return link
    try:
        progress(FixProgress("check", "asking TP-Link's cloud for newer firmware", 0.02))
        try:
            installed = await _version(link)
            answer = await link.query(CHECK_QUERY)
        except Lost as exc:
            return run.result("not_started", f"The camera stopped answering ({exc}).")
        except DeviceError as exc:
            return run.result(
                "not_started", f"The firmware check failed ({error_words(exc)}); nothing changed."
            )
        offered = _offered(answer, installed)
        run.raw.update(from_version=installed, offered=offered)
        if not _running(_status(answer)[0]):
            if offered is None:
                return run.result(
                    "not_needed",
                    f"No newer firmware is offered: {installed or 'the installed version'} is "
                    "the newest TP-Link has for this camera.",
                )
            progress(FixProgress("start", f"starting the update to {offered}", 0.05))
            try:
                await link.query(START_QUERY)
            except Lost as exc:
                return run.result("not_started", f"The camera stopped answering ({exc}).")
            except DeviceError as exc:
                return run.result(
                    "not_needed",
                    f"The camera says there is nothing to install ({error_words(exc)}).",
                )
        # else: an update is already running (started in the app?) — just follow it
        went_away = await _watch(link, run, timings, progress)
    finally:
        await link.close()
    return await _finish(target, credentials, run, installed, went_away, timings, progress)


async def _watch(link: CameraLink, run: _Run, timings: FixTimings, progress: ProgressFn) -> bool:
    """Read the update status until the camera goes away (True) or stops updating."""
    deadline = run.started + timings.upgrade
    watch_started = time.monotonic()
    seen_running = False
    while time.monotonic() < deadline:
        try:
            state, pct, _ = _status(await link.query(STATUS_QUERY))
        except Lost:
            return True  # the restart that ends an update — or a camera that vanished
        except DeviceError:
            state, pct = run.state, None  # a busy camera may answer a read with an error
        if _running(state):
            seen_running = True
            run.state, run.pct = state, pct if pct is not None else run.pct
            words = f"{state} {pct} %" if pct is not None else str(state)
            progress(
                FixProgress(
                    "update", f"{words} — do not unplug the camera", 0.05 + 0.85 * (pct or 0) / 100
                )
            )
        elif seen_running or time.monotonic() - watch_started > START_GRACE_S:
            break
        await asyncio.sleep(timings.poll)
    run.raw["seen_running"] = seen_running
    return False


async def _finish(
    target: CameraTarget,
    credentials: CameraCredentials,
    run: _Run,
    installed: str | None,
    went_away: bool,
    timings: FixTimings,
    progress: ProgressFn,
) -> FixResult:
    deadline = run.started + timings.upgrade
    if not went_away:
        if time.monotonic() >= deadline and _running(run.state):
            return run.interrupted(
                f"The update is still running after {human_duration(timings.upgrade)}"
            )
        if run.state is None:
            return run.result(
                "incomplete",
                "The camera accepted the update but did not start it; its firmware is unchanged.",
            )
    else:
        progress(FixProgress("restart", "the camera restarts to finish the update", 0.92))
        back = await wait_until(
            target,
            up=True,
            timeout=max(0.0, deadline - time.monotonic()),
            poll=timings.poll,
            request=timings.request,
            progress=progress,
            phase="restart",
            message="the camera restarts to finish the update — do not unplug it",
        )
        if not back:
            return run.interrupted(
                "The camera stopped answering in the middle of the firmware update and has "
                f"not come back within {human_duration(timings.upgrade)}"
            )
    version = await _version_when_ready(target, credentials, timings, deadline)
    run.raw["to_version"] = version
    if version is None:
        return run.interrupted(
            "The camera answers again after the update, but does not accept a login yet"
        )
    if installed is not None and version != installed:
        progress(FixProgress("done", f"firmware {version}", 1.0))
        return run.result("done", f"The firmware was updated from {installed} to {version}.")
    offered = run.raw.get("offered")
    return run.result(
        "incomplete",
        f"The camera restarted but still runs {version}; the update did not install"
        + (f" (offered: {offered})." if offered else "."),
    )


async def _version_when_ready(
    target: CameraTarget, credentials: CameraCredentials, timings: FixTimings, deadline: float
) -> str | None:
    """The version once the camera accepts a login again.

    A camera that has just started answers TLS a little before its login service is
    ready, so a login that gets no answer is tried again; a *refused* one is not
    (that would count towards the lockout).
    """
    while True:
        try:
            link = await connect(target, credentials, timings.request)
        except LoginRefused:
            return None
        except FixError:
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(timings.poll)
            continue
        try:
            return await _version(link)
        except (Lost, DeviceError):
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(timings.poll)
        finally:
            await link.close()
