"""Running emulated cameras in a background thread, for synchronous callers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Self, TypeVar

from .camera import CameraSnapshot, EmulatedCamera
from .farm import EmulatorFarm

_T = TypeVar("_T", EmulatedCamera, EmulatorFarm)
STARTUP_TIMEOUT = 60.0


class ThreadedEmulator(Generic[_T]):
    """Runs one camera or farm on its own event loop in a daemon thread.

    Every method is safe to call from any other thread; `stop()` is idempotent.
    """

    def __init__(self, target: _T) -> None:
        self.target: _T = target
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kasa-doctor-emulator", daemon=True)
        self._stopped = False

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.target.start())
        except BaseException as exc:  # hand any start failure to the caller
            self._error = exc
            self._ready.set()
            self._loop.close()
            return
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self.target.stop())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def start(self) -> Self:
        self._thread.start()
        if not self._ready.wait(STARTUP_TIMEOUT):
            raise TimeoutError("emulator did not start in time")
        if self._error is not None:
            raise self._error
        return self

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the emulator's loop and return its result."""

        async def wrapper() -> Any:
            return fn()

        return self.run(wrapper())

    def run(self, coro: Awaitable[Any], timeout: float = 30.0) -> Any:
        future: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(
            _as_coro(coro), self._loop
        )
        return future.result(timeout)

    def stop(self) -> None:
        if self._stopped or self._error is not None:
            return
        self._stopped = True
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30.0)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _as_coro(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class ThreadedCamera(ThreadedEmulator[EmulatedCamera]):
    """One camera in a background thread: `host`, `port`, `set_fault()`, `state`, `stop()`."""

    @property
    def host(self) -> str:
        return self.target.host

    @property
    def port(self) -> int:
        return self.target.port

    @property
    def faults(self) -> frozenset[str]:
        return frozenset(self.call(lambda: self.target.faults))

    @property
    def state(self) -> CameraSnapshot:
        snapshot: CameraSnapshot = self.call(lambda: self.target.state)
        return snapshot

    def set_fault(self, name: str, on: bool = True) -> None:
        self.call(lambda: self.target.set_fault(name, on))

    def reboot(self) -> None:
        self.call(self.target.reboot)


def run_in_thread(*args: Any, **kwargs: Any) -> ThreadedCamera:
    """Start ``EmulatedCamera(*args, **kwargs)`` in a background thread; returns once it listens."""
    return ThreadedCamera(EmulatedCamera(*args, **kwargs)).start()


def run_farm_in_thread(count: int, **kwargs: Any) -> ThreadedEmulator[EmulatorFarm]:
    """Start ``EmulatorFarm(count, **kwargs)`` in a background thread."""
    return ThreadedEmulator(EmulatorFarm(count, **kwargs)).start()
