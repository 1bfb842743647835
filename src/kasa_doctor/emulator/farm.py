"""Many emulated cameras in one event loop, on successive ports."""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from .camera import DEFAULT_FIXTURE, EmulatedCamera
from .fixtures import Fixture, load_fixture

START_BATCH = 100
# Each camera needs one listening socket, plus one per client connection.
FDS_PER_CAMERA = 3


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards `wanted` (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class EmulatorFarm:
    """`count` cameras; camera i listens on `base_port + i` (or any free port if 0).

    `fixtures` may name one fixture for all cameras or several, used in turn.
    Extra keyword arguments go to every `EmulatedCamera`.
    """

    def __init__(
        self,
        count: int,
        *,
        fixtures: str | Path | Fixture | Sequence[str | Path | Fixture] = DEFAULT_FIXTURE,
        host: str = "127.0.0.1",
        base_port: int = 0,
        faults: Iterable[str] = (),
        **camera_kwargs: Any,
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        items = [fixtures] if isinstance(fixtures, str | Path | Fixture) else list(fixtures)
        if not items:
            raise ValueError("at least one fixture is needed")
        loaded = [f if isinstance(f, Fixture) else load_fixture(f) for f in items]
        wanted = list(faults)
        self.cameras: list[EmulatedCamera] = [
            EmulatedCamera(
                loaded[i % len(loaded)],
                host=host,
                port=base_port + i if base_port else 0,
                faults=wanted,
                **camera_kwargs,
            )
            for i in range(count)
        ]

    def __len__(self) -> int:
        return len(self.cameras)

    def __iter__(self) -> Any:
        return iter(self.cameras)

    async def start(self) -> None:
        """Start every camera; if one fails (port in use), stop all and re-raise."""
        raise_fd_limit(len(self.cameras) * FDS_PER_CAMERA + 256)
        try:
            for i in range(0, len(self.cameras), START_BATCH):
                batch = self.cameras[i : i + START_BATCH]
                await asyncio.gather(*(cam.start() for cam in batch))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for i in range(0, len(self.cameras), START_BATCH):
            batch = self.cameras[i : i + START_BATCH]
            await asyncio.gather(*(cam.stop() for cam in batch), return_exceptions=True)

    async def __aenter__(self) -> EmulatorFarm:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def start_many(count: int, **kwargs: Any) -> EmulatorFarm:
    """An `EmulatorFarm`; use as ``async with start_many(100) as farm:``."""
    return EmulatorFarm(count, **kwargs)
