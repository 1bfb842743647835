"""`kasa-doctor check`: a one-shot health report of one camera, or of all found.

Exit codes: 0 every camera was reached; 1 no camera found, or one did not answer;
2 bad input (malformed host, port out of range, no address to look at).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

if TYPE_CHECKING:
    from kasa_doctor.probes.camera import CameraReport, CameraTarget
    from kasa_doctor.probes.credentials import CameraCredentials
    from kasa_doctor.probes.discovery import FoundCamera
    from kasa_doctor.probes.verdicts import Reading

# Shown as <redacted> unless --show-private: identifiers that single out a household.
PRIVATE_KEYS: Final = frozenset(
    {"mac", "last_known_mac", "ssid", "bssid", "device_id", "dev_id", "hw_id", "oem_id"}
)
REDACTED: Final = "<redacted>"

NO_TARGET_HELP: Final = (
    "kasa-doctor check: give --host HOST[:PORT] for one camera, or --target with your "
    "network's broadcast address (e.g. --target 192.168.1.255) to look for cameras; "
    "kasa-doctor never scans a network unless told where."
)


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"kasa-doctor check: {message}\n")
    return typer.Exit(code)


def check(
    host: Annotated[
        str | None,
        typer.Option("--host", help="One camera: HOST or HOST:PORT (IPv6 as [ADDR]:PORT)."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="Discovery: the broadcast address to ask (e.g. 192.168.1.255); "
            "every camera that answers is checked.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (a list).")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds each network step may take.")
    ] = 5.0,
    username_env: Annotated[
        str, typer.Option("--username-env", help="Variable holding the TP-Link e-mail.")
    ] = "KASA_USERNAME",
    password_env: Annotated[
        str, typer.Option("--password-env", help="Variable holding the TP-Link password.")
    ] = "KASA_PASSWORD",
    use_keyring: Annotated[
        bool, typer.Option("--keyring/--no-keyring", help="Look for a saved login.")
    ] = True,
    prompt: Annotated[
        bool,
        typer.Option(
            "--prompt/--no-prompt",
            help="Ask for the login (hidden input) when none is found, in a terminal.",
        ),
    ] = True,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Cameras checked at the same time.")
    ] = 16,
    show_private: Annotated[
        bool, typer.Option("--show-private", help="Do not hide MAC addresses and SSIDs.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug log on stderr (login hidden).")
    ] = False,
) -> None:
    """Health report: every reading of each camera with a verdict and what it means."""
    import asyncio

    from kasa_doctor.probes.camera import CameraTarget
    from kasa_doctor.probes.discovery import check_discovery_target

    if host is not None and target is not None:
        raise _fail("give either --host or --target, not both")
    if host is None and target is None:
        sys.stderr.write(NO_TARGET_HELP + "\n")
        raise typer.Exit(2)
    if not 0 < timeout <= 300:
        raise _fail(f"--timeout must be between 0 and 300 seconds, not {timeout:g}")
    if not 1 <= concurrency <= 256:
        raise _fail(f"--concurrency must be between 1 and 256, not {concurrency}")
    one: CameraTarget | None = None
    if host is not None:
        try:
            one = CameraTarget.parse(host)
        except ValueError as exc:
            raise _fail(f"bad --host {host!r}: {exc}") from None
    address: str | None = None
    if target is not None:
        try:
            address = check_discovery_target(target)
        except ValueError as exc:
            raise _fail(f"bad --target: {exc}") from None

    credentials = _credentials(
        username_env, password_env, use_keyring, prompt and not as_json and sys.stdin.isatty()
    )
    secrets = credentials.secrets() if credentials else ()
    try:
        with _logging(verbose, secrets):
            found, reports = asyncio.run(
                _run(one, address, credentials, timeout=timeout, concurrency=concurrency)
            )
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if address is not None and not found:
        if as_json:
            print("[]")
        raise _fail(
            f"no camera answered discovery at {address} — check that this computer is on the "
            "same network as the cameras, and that the address is that network's broadcast "
            "address",
            1,
        )
    if as_json:
        _print_json(reports, secrets, show_private)
    else:
        _print_tables(found, reports, secrets, show_private)
    if not all(r.reachable for r in reports):
        raise typer.Exit(1)


class _ScrubFilter(logging.Filter):
    """Replaces any form of the login in a log record before it is written."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        from kasa_doctor.probes.credentials import scrub

        if self.secrets:
            record.msg = scrub(record.getMessage(), self.secrets)
            record.args = None
        return True


@contextlib.contextmanager
def _logging(verbose: bool, secrets: Sequence[str]) -> Iterator[None]:
    """Quiet python-kasa's warnings about camera features a model lacks, or show all.

    python-kasa warns for every optional module a camera does not have; that is
    noise in a health report. With --verbose the whole debug log goes to stderr
    through a filter that hides the login.
    """
    kasa_logger = logging.getLogger("kasa")
    root = logging.getLogger()
    saved = (kasa_logger.level, root.level)
    handler: logging.Handler | None = None
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_ScrubFilter(secrets))
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
    else:
        kasa_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        kasa_logger.setLevel(saved[0])
        root.setLevel(saved[1])
        if handler is not None:
            root.removeHandler(handler)


def _credentials(
    username_env: str, password_env: str, use_keyring: bool, interactive: bool
) -> CameraCredentials | None:
    from kasa_doctor.probes.credentials import (
        ask_credentials,
        resolve_credentials,
        save_to_keyring,
    )

    found = resolve_credentials(
        username_env=username_env, password_env=password_env, use_keyring=use_keyring
    )
    if found is not None or not interactive:
        return found

    def ask(question: str, hidden: bool) -> str:
        answer: str = typer.prompt(question, default="", hide_input=hidden, show_default=False)
        return answer

    typer.echo(
        "No saved login. Enter your TP-Link (Tapo app) account to read more than whether "
        "the camera answers; leave empty to skip.",
        err=True,
    )
    asked = ask_credentials(ask)
    save = asked is not None and use_keyring
    if save and typer.confirm("Save this login in the system keyring?", default=False, err=True):
        assert asked is not None
        if save_to_keyring(asked):
            typer.echo("Saved in the keyring.", err=True)
        else:
            typer.echo("The keyring is not available; the login was not saved.", err=True)
    return asked


async def _run(
    one: CameraTarget | None,
    address: str | None,
    credentials: CameraCredentials | None,
    *,
    timeout: float,
    concurrency: int,
) -> tuple[list[FoundCamera], list[CameraReport]]:
    from kasa_doctor.probes.camera import probe_many
    from kasa_doctor.probes.discovery import discover_cameras

    found: list[FoundCamera] = []
    if one is not None:
        targets = [one]
    else:
        assert address is not None
        found = await discover_cameras(address, timeout)
        targets = [f.target() for f in found]
    reports = await probe_many(targets, credentials, timeout=timeout, concurrency=concurrency)
    return found, reports


def _redact(value: Any, show_private: bool) -> Any:
    if show_private:
        return value
    if isinstance(value, dict):
        return {
            k: (REDACTED if k in PRIVATE_KEYS and v is not None else _redact(v, False))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v, False) for v in value]
    return value


def report_dict(report: CameraReport, show_private: bool = False) -> dict[str, object]:
    """One camera of ``check --json``."""
    from kasa_doctor.probes.verdicts import judge_all, worst

    readings = judge_all(report.observations)
    out: dict[str, object] = {
        "camera": str(report.target),
        "target": report.target.to_dict(),
        "identity": report.identity.to_dict(),
        "live_support": report.live_support,
        "verdict": worst(readings),
        "notes": list(report.notes),
        "elapsed_s": round(report.elapsed_s, 3),
        "credential_source": report.credential_source,
        "readings": [r.to_dict() for r in readings],
    }
    redacted: dict[str, object] = _redact(out, show_private)
    return redacted


def _print_json(
    reports: Sequence[CameraReport], secrets: Sequence[str], show_private: bool
) -> None:
    import json

    from kasa_doctor.probes.credentials import scrub

    text = json.dumps([report_dict(r, show_private) for r in reports], indent=2, ensure_ascii=False)
    # Nothing the probes keep should contain the login; this makes sure of it.
    print(scrub(text, secrets))


_STYLE: Final = {"ok": "green", "warning": "yellow", "problem": "bold red", "unknown": "dim"}


def _print_tables(
    found: Sequence[FoundCamera],
    reports: Sequence[CameraReport],
    secrets: Sequence[str],
    show_private: bool,
) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from kasa_doctor.probes.credentials import scrub
    from kasa_doctor.probes.verdicts import judge_all, worst

    console = Console()

    def clean(text: str | None) -> str:
        # Readings contain brackets ("[::1]:443") that Rich would take for markup.
        return escape(scrub(text or "", secrets))

    if found:
        console.print(f"Found {len(found)} camera(s):")
        for camera in found:
            console.print(f"  • {clean(camera.label())}")
        console.print()
    for report in reports:
        readings: list[Reading] = judge_all(report.observations)
        ident = report.identity
        version = f"v{ident.hardware_version}" if ident.hardware_version else None
        name = " ".join(p for p in (ident.model, version) if p)
        title = clean(f"{name or 'Camera'} at {report.target}")
        overall = worst(readings)
        table = Table(title=f"{title} — {overall}", title_justify="left", expand=False)
        table.add_column("Check")
        table.add_column("Reading")
        table.add_column("Verdict")
        table.add_column("What it means", overflow="fold")
        for reading in readings:
            style = _STYLE[reading.verdict]
            table.add_row(
                clean(reading.title),
                clean(reading.reading or "—"),
                f"[{style}]{reading.verdict}[/{style}]",
                clean(reading.detail),
            )
        console.print(table)
        for note in report.notes:
            console.print(f"[dim]{clean(note)}[/dim]")
        if not show_private and ident.mac:
            console.print("[dim]MAC address hidden (--show-private shows it).[/dim]")
        elif ident.mac:
            console.print(f"[dim]MAC address: {clean(ident.mac)}[/dim]")
        console.print()
