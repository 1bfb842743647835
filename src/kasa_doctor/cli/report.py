"""`kasa-doctor report [SESSION]`: the support report of a saved session.

Redacted by default (addresses, network names, ids, names); ``--no-redact`` shows
them, secrets never. Markdown, JSON or one self-contained HTML file, on stdout or
into ``--output FILE`` (written atomically: an existing file is never left half
overwritten). Bad input — an unknown session, a damaged session file, an output that
cannot be written — is one line on stderr and exit code 2.

Only typer is imported at module level; the engine loads when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from kasa_doctor.engine.session import Session

FORMATS = ("md", "json", "html")


class _Stop(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    session: Annotated[
        str,
        typer.Argument(
            metavar="[SESSION]",
            help="A session id from `kasa-doctor sessions`, 'last' (the newest), "
            "or the path of a session file.",
            show_default=False,
        ),
    ] = "last",
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="md|json|html", help="The report's format."),
    ] = "md",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the report here instead of stdout."
        ),
    ] = None,
    no_redact: Annotated[
        bool,
        typer.Option(
            "--no-redact",
            help="Show MAC and IP addresses, Wi-Fi names, ids and names (never passwords).",
        ),
    ] = False,
) -> None:
    """The report for TP-Link support: the camera, the light, every answer, check and step."""
    try:
        _run(session, fmt.strip().lower(), output, redact=not no_redact)
    except _Stop as stop:
        sys.stderr.write(f"kasa-doctor report: {stop}\n")
        raise typer.Exit(stop.code) from None


def _load(ref: str) -> Session:
    from kasa_doctor import sessions_store
    from kasa_doctor.engine.session import Session, SessionError

    path = Path(ref).expanduser()
    # A path (for a session file someone mailed) when it is one; otherwise a store id.
    if ref.endswith(".json") or path.parent != Path("."):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise _Stop(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _Stop(f"{path}: cannot read: {exc}") from None
        try:
            return Session.loads(text)
        except SessionError as exc:
            raise _Stop(f"{path}: {exc}") from None
    try:
        return sessions_store.load(ref)
    except sessions_store.StoreError as exc:
        raise _Stop(str(exc)) from None


def _run(ref: str, fmt: str, output: Path | None, *, redact: bool) -> None:
    if fmt not in FORMATS:
        raise _Stop(f"unknown format {fmt!r}; use md, json or html")
    if output is not None and output.is_dir():
        raise _Stop(f"{output} is a folder; give a file name")

    from kasa_doctor.knowledge.loader import KnowledgeError
    from kasa_doctor.report import build_report, render
    from kasa_doctor.report.files import write_atomic

    try:
        session = _load(ref.strip())
        text = render(build_report(session, redact=redact), fmt)
    except KnowledgeError as exc:
        raise _Stop(f"the knowledge base is broken: {exc.problems[0]}", 1) from None

    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomic(output.expanduser(), text)
    except OSError as exc:
        raise _Stop(f"cannot write {output}: {exc.strerror or exc}") from None
    sys.stderr.write(f"Report written to {output}\n")
