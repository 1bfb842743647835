"""The live-check part of `diagnose` and `demo`: find the camera, get the login, run
the checks with a spinner, record them in the session and show what they found."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Console
from rich.prompt import Confirm, Prompt
from rich.table import Table

from kasa_doctor.cli.live_options import LiveOptions
from kasa_doctor.engine.session import Session
from kasa_doctor.live import LiveChecks, gather_live_checks, record_live_checks
from kasa_doctor.probes.camera import CameraTarget
from kasa_doctor.probes.credentials import (
    CameraCredentials,
    ask_credentials,
    resolve_credentials,
    save_to_keyring,
)
from kasa_doctor.probes.discovery import discover_cameras
from kasa_doctor.probes.network import Endpoint, NetworkProbeConfig
from kasa_doctor.probes.verdicts import judge

VERDICT_STYLE = {"ok": "green", "warning": "yellow", "problem": "bold red", "unknown": "dim"}


class LiveCheckError(Exception):
    """Bad input for the live checks (host, target, gateway …): one line for the owner."""


def network_config(options: LiveOptions) -> NetworkProbeConfig | None:
    if not options.network:
        return None
    try:
        targets = tuple(Endpoint.parse(t) for t in options.internet)
    except ValueError as exc:
        raise LiveCheckError(f"--internet-target: {exc}") from exc
    config = NetworkProbeConfig(gateway=options.gateway)
    if targets:
        config = NetworkProbeConfig(gateway=options.gateway, internet_targets=targets)
    return config


def find_target(options: LiveOptions, console: Console, tty: bool) -> CameraTarget | None:
    if options.host:
        try:
            return CameraTarget.parse(options.host)
        except ValueError as exc:
            raise LiveCheckError(f"--host: {exc}") from exc
    if not options.target:
        return None
    with console.status(f"Looking for cameras at {options.target} …"):
        try:
            found = asyncio.run(discover_cameras(options.target, options.timeout))
        except ValueError as exc:
            raise LiveCheckError(f"--target: {exc}") from exc
    if not found:
        raise LiveCheckError(f"no camera answered discovery at {options.target}")
    if len(found) == 1:
        return found[0].target()
    if not tty:
        listing = "; ".join(f"{c.label()} (port {c.port})" for c in found)
        raise LiveCheckError(f"{len(found)} cameras answered — pick one with --host: {listing}")
    for i, cam in enumerate(found, 1):
        console.print(f"  {i}. {cam.label()}")
    choice = Prompt.ask(
        "Which camera?", choices=[str(i) for i in range(1, len(found) + 1)], console=console
    )
    return found[int(choice) - 1].target()


def get_credentials(console: Console, tty: bool) -> CameraCredentials | None:
    credentials = resolve_credentials()
    if credentials is not None or not tty:
        return credentials

    def prompt(text: str, secret: bool) -> str:
        return Prompt.ask(text, password=secret, default="", show_default=False, console=console)

    console.print(
        "To read the camera, kasa-doctor logs in with your TP-Link account "
        "(Enter to skip; only whether the camera answers is checked then)."
    )
    credentials = ask_credentials(prompt)
    if credentials is not None and Confirm.ask(
        "Save the login in this computer's keyring?", default=False, console=console
    ):
        save_to_keyring(credentials)
    return credentials


@dataclass(frozen=True)
class LiveRun:
    """What the first checks found, and where and how the camera was reached — what
    the wizard needs to take steps on the camera and check it again after each."""

    checks: LiveChecks
    target: CameraTarget | None
    credentials: CameraCredentials | None


def run_live_checks(
    session: Session,
    options: LiveOptions,
    console: Console,
    *,
    tty: bool,
    credentials: CameraCredentials | None = None,
    clock: Callable[[], str] = lambda: datetime.now(UTC).isoformat(timespec="seconds"),
) -> LiveRun:
    """Run the requested checks and record them; raises LiveCheckError on bad input."""
    target = find_target(options, console, tty)
    if target is not None and credentials is None:
        credentials = get_credentials(console, tty)
    config = network_config(options)
    with console.status("Checking the camera and your network (a few seconds) …"):
        checks = asyncio.run(
            gather_live_checks(
                target,
                credentials,
                network=config,
                host_wifi=options.network,
                timeout=options.timeout,
            )
        )
    record_live_checks(session, checks, at=clock())
    show_checks(checks, console)
    return LiveRun(checks, target, credentials)


def show_checks(checks: LiveChecks, console: Console) -> None:
    table = Table(title="What the checks found", show_lines=False)
    table.add_column("check")
    table.add_column("result")
    table.add_column("")
    for obs in checks.observations:
        reading = judge(obs)
        if reading.verdict == "unknown" and not reading.detail:
            continue
        style = VERDICT_STYLE.get(reading.verdict, "")
        table.add_row(reading.title, reading.detail, f"[{style}]{reading.verdict}[/]")
    console.print(table)
    if checks.camera is not None:
        for note in checks.camera.notes:
            console.print(f"[dim]{note}[/]")
