"""Switch the camera's status light back on (enable_led), with python-kasa's Led module.

python-kasa has an API for this one, so it is used rather than a raw request; the
light's setting is read back afterwards, because "the request went through" is not
the same as "the light is on".
"""

from __future__ import annotations

from kasa import Module
from kasa.exceptions import DeviceError, KasaException

from kasa_doctor.fixes.connection import CameraLink, Lost, error_words, open_link
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


async def _led_setting(link: CameraLink) -> str | None:
    answer = await link.query({"getLedStatus": {"led": {"name": ["config"]}}})
    config = answer.get("getLedStatus", {})
    value = (
        config.get("led", {}).get("config", {}).get("enabled") if isinstance(config, dict) else None
    )
    return value if isinstance(value, str) else None


async def enable_led(
    target: CameraTarget,
    credentials: CameraCredentials,
    *,
    step: str = "enable_led",
    timings: FixTimings = DEFAULT_FIX_TIMINGS,
    progress: ProgressFn = no_progress,
) -> FixResult:
    attempt = Attempt(step, "led")
    result = attempt.result
    link = await open_link(attempt, target, credentials, timings, progress)
    if isinstance(link, FixResult):
        return link
    try:
        progress(FixProgress("read", "reading the status light setting", 0.3))
        try:
            await link.call(link.device.update())
        except Lost as exc:
            return result("not_started", f"The camera stopped answering ({exc}).")
        except KasaException as exc:
            return result(
                "not_started",
                f"The camera's settings could not be read ({link.clean(error_words(exc))}).",
            )
        module = link.device.modules.get(Module.Led)
        if module is None:
            return result(
                "not_started",
                "This camera has no status light setting kasa-doctor can change; use the app.",
            )
        if module.led:
            return result("not_needed", "The status light is already switched on.", led="on")
        progress(FixProgress("switch", "switching the status light on", 0.6))
        try:
            await link.call(module.set_led(True))
            setting = await _led_setting(link)
        except Lost as exc:
            return result("incomplete", f"The camera stopped answering ({exc}).")
        except DeviceError as exc:
            return result(
                "not_started", f"The camera refused to switch its light on ({error_words(exc)})."
            )
        progress(FixProgress("switch", "done", 1.0))
        if setting == "on":
            return result("done", "The status light is switched on again.", led=setting)
        return result(
            "incomplete",
            f"The camera accepted the change, but its light setting reads {setting!r}.",
            led=setting,
        )
    finally:
        await link.close()
