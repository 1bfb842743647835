"""`kasa-doctor emulate`: run emulated cameras until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import signal
import sys
from typing import Annotated

import typer

# Argument metadata lives at module level so the command signature stays readable.
_FIXTURE = typer.Option(
    "--fixture", "-f", help="Fixture name (see --list-fixtures) or path to a python-kasa dump."
)
_FAULT = typer.Option("--fault", help="Fault to switch on (repeatable; see --list-faults).")
_HOST = typer.Option("--host", help="Address to listen on (loopback unless you mean it).")
_PORT = typer.Option("--port", help="Port of the first camera; 0 picks free ports.", min=0)
_COUNT = typer.Option("--count", help="How many cameras, on successive ports.", min=1)
_USER = typer.Option("--username", help="Account the cameras accept.")
_PASSWORD = typer.Option("--password", help="Password the cameras accept (a test value).")
_DISCOVERY = typer.Option(
    "--discovery", help="Also answer Tapo discovery on UDP 20002 at --host (fixed port)."
)
_FAST = typer.Option("--fast", help="Test timings: reboots and upgrades take under a second.")
_LIST_FIXTURES = typer.Option("--list-fixtures", help="List the bundled fixtures and exit.")
_LIST_FAULTS = typer.Option("--list-faults", help="List the faults and exit.")


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"kasa-doctor emulate: {message}\n")
    return typer.Exit(code)


def emulate(
    fixture: Annotated[str | None, _FIXTURE] = None,
    fault: Annotated[list[str] | None, _FAULT] = None,
    host: Annotated[str, _HOST] = "127.0.0.1",
    port: Annotated[int, _PORT] = 0,
    count: Annotated[int, _COUNT] = 1,
    username: Annotated[str | None, _USER] = None,
    password: Annotated[str | None, _PASSWORD] = None,
    discovery: Annotated[bool, _DISCOVERY] = False,
    fast: Annotated[bool, _FAST] = False,
    list_fixtures: Annotated[bool, _LIST_FIXTURES] = False,
    list_faults: Annotated[bool, _LIST_FAULTS] = False,
) -> None:
    """Run emulated Tapo/Kasa cameras that python-kasa can talk to."""
    from kasa_doctor import emulator

    if list_fixtures:
        for name in emulator.list_fixtures():
            typer.echo(name)
        return
    if list_faults:
        for name, text in emulator.FAULTS.items():
            typer.echo(f"{name:18} {text}")
        return
    try:
        faults = emulator.check_faults(fault or [])
        chosen = emulator.load_fixture(fixture or emulator.DEFAULT_FIXTURE)
    except (emulator.UnknownFaultError, emulator.FixtureError) as exc:
        raise _fail(str(exc)) from None
    if port and port + count - 1 > 65535:
        raise _fail(f"ports {port}..{port + count - 1} do not fit below 65536")
    if discovery and count > 1:
        raise _fail("--discovery works with one camera per address; use --count 1")
    farm = emulator.EmulatorFarm(
        count,
        fixtures=chosen,
        host=host,
        base_port=port,
        faults=faults,
        username=username or emulator.DEFAULT_USERNAME,
        password=password or emulator.DEFAULT_PASSWORD,
        timings=emulator.FAST_TIMINGS if fast else None,
        discovery=discovery,
    )
    try:
        asyncio.run(_serve(farm))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise _fail(f"cannot listen on {host}: port already in use ({exc})", 1) from None
        raise _fail(f"cannot listen on {host}: {exc.strerror or exc}", 1) from None


async def _serve(farm: object) -> None:
    from kasa_doctor.emulator import EmulatorFarm

    assert isinstance(farm, EmulatorFarm)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await farm.start()
        lines = [
            f"{cam.host}:{cam.port} {cam.model} {cam.fixture.name}"
            + (f" faults={','.join(sorted(cam.faults))}" if cam.faults else "")
            for cam in farm.cameras
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await farm.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def register(app: typer.Typer) -> None:
    app.command("emulate")(emulate)
