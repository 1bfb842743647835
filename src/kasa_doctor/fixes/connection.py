"""One logged-in connection to a Tapo camera, and waiting for it to go and come back.

Connecting works exactly like the camera probe (`probes.camera.tapo_camera_device`):
one login attempt, no retries. A camera counts failed and abandoned logins towards a
lockout of about 30 minutes; a repair tool that locks the owner out of their own
camera would be worse than none. Every call has a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Final

from kasa.exceptions import (
    AuthenticationError,
    DeviceError,
    KasaException,
    SmartErrorCode,
    _ConnectionError,
    _RetryableError,
)
from kasa.smartcam import SmartCamDevice

from kasa_doctor.fixes.model import (
    Attempt,
    FixProgress,
    FixResult,
    FixTimings,
    ProgressFn,
    no_progress,
)
from kasa_doctor.probes.camera import (
    DEFAULT_TAPO_PORT,
    CameraTarget,
    tapo_camera_device,
    tls_answers,
)
from kasa_doctor.probes.credentials import CameraCredentials, scrub

#: how often to look while the camera is about to go away: a restart can close the
#: port for only a few seconds, and a slower look could miss it entirely
AWAY_POLL: Final = 0.25


class FixError(Exception):
    """The action could not talk to the camera; the message is for the owner."""


class Lost(FixError):
    """The connection went away (timeout, closed, refused) — often the camera restarting."""


class LoginRefused(FixError):
    """The camera answered and said no. Never retried: it counts towards a lockout."""


class CameraLink:
    """A logged-in session with one camera. Use :func:`connect`; close with ``close()``."""

    def __init__(
        self,
        device: SmartCamDevice,
        target: CameraTarget,
        credentials: CameraCredentials,
        timeout: float,
    ) -> None:
        self.device = device
        self.target = target
        self.timeout = timeout
        self._secrets = credentials.secrets()

    async def query(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """One raw request (python-kasa wraps several methods in a multipleRequest).

        Raises `Lost` when the camera does not answer or the connection drops, and
        python-kasa's `DeviceError` when the camera answers with an error code.
        """
        answer: dict[str, Any] = await self.call(self.device.protocol.query(request), timeout)
        return answer

    async def call(self, awaitable: Any, timeout: float | None = None) -> Any:
        try:
            return await asyncio.wait_for(awaitable, timeout or self.timeout)
        except TimeoutError as exc:
            raise Lost("no reply in time") from exc
        except (OSError, _ConnectionError, _RetryableError) as exc:
            raise Lost("connection lost") from exc

    def clean(self, text: str) -> str:
        return scrub(text, self._secrets)[:300]

    async def close(self) -> None:
        # The camera may be gone already (restarting); closing must never hang.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.device.disconnect(), 1.0)


def tapo_port(target: CameraTarget) -> int:
    return target.port or DEFAULT_TAPO_PORT


async def connect(
    target: CameraTarget, credentials: CameraCredentials, timeout: float
) -> CameraLink:
    """Log in once. Raises `FixError` with words for the owner when that fails."""
    device, transport, _ = tapo_camera_device(target.host, tapo_port(target), credentials, timeout)
    link = CameraLink(device, target, credentials, timeout)
    try:
        await link.call(transport.perform_handshake())
    except Lost as exc:
        await link.close()
        raise Lost(f"The camera did not answer the login ({exc}).") from exc
    except AuthenticationError as exc:
        await link.close()
        raise LoginRefused(
            "The camera refused the login (wrong e-mail or password, or Third-Party "
            "Compatibility is off in the Tapo app)."
        ) from exc
    except DeviceError as exc:
        await link.close()
        if exc.error_code is SmartErrorCode.DEVICE_BLOCKED:
            raise LoginRefused(
                "The camera has locked the login after too many failed attempts; wait "
                "about 30 minutes, then try once with the right password."
            ) from exc
        raise LoginRefused(f"The camera refused the login ({link.clean(str(exc))}).") from exc
    except KasaException as exc:
        await link.close()
        raise FixError(f"The login failed ({link.clean(type(exc).__name__)}).") from exc
    return link


async def open_link(
    attempt: Attempt,
    target: CameraTarget,
    credentials: CameraCredentials,
    timings: FixTimings,
    progress: ProgressFn,
) -> CameraLink | FixResult:
    """The login an action starts with; when it fails, the action's (final) result."""
    progress(FixProgress("login", "logging in to the camera", 0.0))
    try:
        return await connect(target, credentials, timings.request)
    except FixError as exc:
        return attempt.result("not_started", f"{exc} Nothing was changed on the camera.")


def error_words(exc: BaseException) -> str:
    """A device error as a short phrase: "FIRMWARE_VER_ERROR_ERROR (-1402)"."""
    code = getattr(exc, "error_code", None)
    if isinstance(code, SmartErrorCode):
        return f"{code.name} ({code.value})"
    return type(exc).__name__


async def wait_until(
    target: CameraTarget,
    *,
    up: bool,
    timeout: float,
    poll: float,
    request: float,
    progress: ProgressFn = no_progress,
    phase: str = "waiting",
    message: str = "",
) -> bool:
    """Poll until the camera's HTTPS port answers (``up``) or stops answering.

    Returns whether that happened within ``timeout``. Each poll is one TLS handshake,
    which costs the camera nothing like a login does.
    """
    started = time.monotonic()
    deadline = started + timeout
    port = tapo_port(target)
    while True:
        answers = await tls_answers(target.host, port, min(request, max(0.2, poll * 5)))
        if answers == up:
            return True
        now = time.monotonic()
        if now >= deadline:
            return False
        progress(FixProgress(phase, message or ("waiting" if up else "restarting"), None))
        await asyncio.sleep(min(poll, max(0.0, deadline - now)))


async def wait_gone(
    target: CameraTarget, timings: FixTimings, progress: ProgressFn, message: str
) -> bool:
    """Whether the camera, told to restart or change network, went away in time."""
    return await wait_until(
        target,
        up=False,
        timeout=timings.away,
        poll=min(timings.poll, AWAY_POLL),
        request=timings.request,
        progress=progress,
        phase="away",
        message=message,
    )


async def wait_back(
    target: CameraTarget, timings: FixTimings, progress: ProgressFn, message: str
) -> bool:
    """Whether the camera, once gone, answers again in time."""
    return await wait_until(
        target,
        up=True,
        timeout=timings.back,
        poll=timings.poll,
        request=timings.request,
        progress=progress,
        phase="back",
        message=message,
    )
