"""Running the operating system's own tools (nmcli, netsh, route …) for the probes.

Probes never call :mod:`subprocess` directly: they take a :data:`CommandRunner`, so
tests can replay recorded output and the real runner can enforce one policy for
every tool — look the tool up first, never wait longer than the timeout, and turn
"missing", "hung" and "could not start" into ``None`` instead of an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandOutput:
    """What a finished command printed. A non-zero exit still has output worth parsing."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


# (argv, timeout seconds) -> output, or None when the tool is missing, timed out or
# could not be started.
CommandRunner = Callable[[Sequence[str], float], Awaitable[CommandOutput | None]]


def decode_output(data: bytes) -> str:
    """Bytes from a tool -> text, without ever failing.

    Linux and macOS tools print UTF-8. Windows console tools such as netsh print in
    the OEM code page (cp850 on German, French and Spanish systems), which is not
    what Python assumes there, so try that before giving up on accents.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if sys.platform == "win32":
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            return data.decode("oem")
    return data.decode("utf-8", errors="replace")


def _tool_environment() -> dict[str, str]:
    # Untranslated messages make the Linux tools' output predictable, but the
    # character set must stay as it is or nmcli would mangle non-ASCII SSIDs.
    env = dict(os.environ)
    lc_all = env.pop("LC_ALL", None)
    if lc_all and "LC_CTYPE" not in env:
        env["LC_CTYPE"] = lc_all
    env.pop("LANGUAGE", None)
    env["LC_MESSAGES"] = "C"
    return env


async def run_command(argv: Sequence[str], timeout: float) -> CommandOutput | None:
    """Run a tool with a hard timeout; ``None`` if it is missing, hangs or cannot start."""
    if not argv:
        return None
    executable = shutil.which(argv[0])
    if executable is None:
        return None
    try:
        process = await asyncio.create_subprocess_exec(
            executable,
            *argv[1:],
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_tool_environment(),
            # No console window flashing up when the GUI runs netsh on Windows.
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, ValueError):
        return None
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(Exception):
            await process.wait()
        return None
    return CommandOutput(
        argv=tuple(argv),
        returncode=process.returncode if process.returncode is not None else -1,
        stdout=decode_output(stdout),
        stderr=decode_output(stderr),
    )


def recorded_runner(
    outputs: Mapping[tuple[str, ...], CommandOutput | str | None],
) -> CommandRunner:
    """A runner that replays recorded outputs (for tests and ``demo``).

    Keys are argv tuples; a ``str`` value is stdout with exit code 0; a missing key or
    ``None`` behaves like a missing tool.
    """

    async def runner(argv: Sequence[str], timeout: float) -> CommandOutput | None:
        del timeout
        found = outputs.get(tuple(argv))
        if isinstance(found, str):
            return CommandOutput(argv=tuple(argv), returncode=0, stdout=found)
        return found

    return runner
