"""`kasa-doctor demo`: an emulated camera with a fault, on loopback, and the wizard."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import Annotated

import typer

#: faults a real owner runs into; robustness-only faults (garbage, flaky, slow) are left out
REALISTIC_FAULTS = (
    "weak_signal",
    "offline",
    "reboot_loop",
    "update_failed",
    "update_available",
    "clock_skew",
    "auth_changed",
    "led_off",
    "privacy_mode",
    "overheated",
)


def _networks() -> str:
    from kasa_doctor.emulator.state import DEFAULT_NETWORKS

    return ", ".join(f"{n.ssid} / {n.password}" for n in DEFAULT_NETWORKS)


def register(app: typer.Typer) -> None:
    app.command(name="demo")(demo)


def demo(
    fault: Annotated[
        str | None, typer.Option(help="The fault to switch on (default: a random realistic one).")
    ] = None,
    fixture: Annotated[
        str, typer.Option(help="Which real device dump the camera answers from.")
    ] = "C210(EU)_2.0_1.4.3.json",
    led: Annotated[str | None, typer.Option(help="The light you pretend to see.")] = None,
    answers: Annotated[
        Path | None, typer.Option(help="Answer the wizard from a file (see diagnose --help).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    seed: Annotated[int | None, typer.Option(help="Seed for the random fault.")] = None,
    fast: Annotated[
        bool,
        typer.Option(
            "--fast", help="The camera restarts and updates in under a second (for scripts)."
        ),
    ] = False,
) -> None:
    """Start an emulated camera with a fault on 127.0.0.1 and diagnose it."""
    from kasa_doctor.cli.diagnose import Options, run
    from kasa_doctor.cli.live_options import LiveOptions
    from kasa_doctor.emulator import (
        DEFAULT_PASSWORD,
        DEFAULT_USERNAME,
        FAST_TIMINGS,
        FAULTS,
        FixtureError,
        Timings,
        run_in_thread,
    )
    from kasa_doctor.fixes.model import FAST_FIX_TIMINGS, FixTimings

    chosen = fault or random.Random(seed).choice(REALISTIC_FAULTS)
    if chosen not in FAULTS:
        sys.stderr.write(
            f"kasa-doctor demo: unknown fault {chosen!r}; valid: {', '.join(FAULTS)}\n"
        )
        raise typer.Exit(2)
    try:
        camera = run_in_thread(
            fixture,
            faults={chosen},
            host="127.0.0.1",
            port=0,
            timings=FAST_TIMINGS if fast else Timings(),
        )
    except (FixtureError, OSError) as exc:
        sys.stderr.write(f"kasa-doctor demo: cannot start the emulated camera: {exc}\n")
        raise typer.Exit(2) from None
    try:
        state = camera.state
        report = sys.stderr if json_output else sys.stdout
        report.write(
            f"Emulated {state.model} (firmware {state.firmware}) on {camera.host}:{camera.port}"
            f" with fault {chosen!r}: {FAULTS[chosen]}\n"
            f"  it reports: signal {state.rssi} dBm (level {state.signal_level}), light "
            f"{state.led}, privacy {state.privacy}, update offered {state.update_offered or 'none'}"
            f", {'not answering' if state.down else 'answering'}\n"
            "  kasa-doctor can restart it, update its firmware, switch its light on and move "
            "it to another Wi-Fi network it sees\n"
            f"  (the networks and their passwords: {_networks()})\n"
        )
        # The emulated camera's own login, for this process only: the live checks read
        # the login from the environment, as they would a real owner's.
        os.environ["KASA_USERNAME"] = DEFAULT_USERNAME
        os.environ["KASA_PASSWORD"] = DEFAULT_PASSWORD
        live = LiveOptions(host=f"{camera.host}:{camera.port}", timeout=5.0)
        options = Options(model=None, led=led, answers=answers, json=json_output, live=live)
        # The emulated camera restarts in seconds, not minutes: look more often, so
        # the demo does not sit idle between checks.
        waits = FAST_FIX_TIMINGS if fast else FixTimings(poll=0.5, wait_poll=1.0)
        code = run(options, fix_timings=waits)
    finally:
        camera.stop()
    if code:
        raise typer.Exit(code)
