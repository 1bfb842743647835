"""`kasa-doctor sessions`: the saved troubleshooting runs, newest first.

Each row says when the run was last saved, which camera and light it was about, how
it stands and what is most likely wrong — enough to pick the one to continue
(`diagnose --resume ID`) or to send (`report ID`). A session file that cannot be
understood is listed as damaged instead of stopping the listing.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from kasa_doctor.engine.model import Model
    from kasa_doctor.sessions_store import SavedSession


@dataclass(frozen=True)
class Row:
    saved: SavedSession
    top_id: str | None = None
    top_title: str | None = None
    top_probability: float | None = None
    #: why the file could not be read as a session (it is listed anyway)
    damaged: str | None = None

    def to_json(self) -> dict[str, Any]:
        s = self.saved
        top = (
            {"cause": self.top_id, "title": self.top_title, "probability": self.top_probability}
            if self.top_id is not None
            else None
        )
        return {
            "id": s.id,
            "saved_at": s.saved_at.isoformat(timespec="seconds"),
            "model": s.model,
            "led": s.led,
            "status": s.status,
            "top_cause": top,
            "damaged": self.damaged,
            "path": str(s.path),
            "resume": f"kasa-doctor diagnose --resume {s.id}" if s.status == "open" else None,
            "report": f"kasa-doctor report {s.id}",
        }


def register(app: typer.Typer) -> None:
    app.command("sessions")(sessions)


def sessions(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """List saved troubleshooting sessions (continue one with `diagnose --resume ID`)."""
    from kasa_doctor import sessions_store
    from kasa_doctor.engine.model import default_model
    from kasa_doctor.knowledge.loader import KnowledgeError

    saved = sessions_store.list_sessions()
    try:
        engine = default_model() if saved else None
    except KnowledgeError as exc:
        sys.stderr.write(f"kasa-doctor sessions: the knowledge base is broken: {exc.problems[0]}\n")
        raise typer.Exit(1) from None
    rows = [_row(s, engine) for s in saved]

    if json_output:
        document = {
            "folder": str(sessions_store.sessions_dir()),
            "sessions": [r.to_json() for r in rows],
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    _print(rows, str(sessions_store.sessions_dir()))


def _row(saved: SavedSession, engine: Model | None) -> Row:
    from kasa_doctor.engine.session import Session, SessionError
    from kasa_doctor.wizard.summary import final_ranking

    try:
        session = Session.loads(saved.path.read_text(encoding="utf-8"), engine)
        ranking = final_ranking(session)
    except (OSError, UnicodeDecodeError, SessionError) as exc:
        return Row(saved, damaged=str(exc))
    if not ranking:
        return Row(saved)
    cause, probability = ranking[0]
    return Row(
        saved, cause, engine.kb.cause(cause).title if engine else cause, round(probability, 4)
    )


def _print(rows: list[Row], folder: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    # Two lines per session instead of a table: a cause title is long, and a table
    # squeezed into 80 columns (or a pipe) wraps it into unreadable slivers.
    console = Console(highlight=False)
    if not rows:
        console.print(
            f"No saved sessions in {escape(folder)}. Start one with: kasa-doctor diagnose"
        )
        return
    console.print(f"[dim]Saved sessions in {escape(folder)}, newest first:[/]")
    for row in rows:
        s = row.saved
        what = escape(f"{s.model or 'model unknown'} · {s.led or 'light unknown'}").replace(
            "_", " "
        )
        console.print(
            f"[bold cyan]{s.id}[/]  {s.saved_at.astimezone():%Y-%m-%d %H:%M}  "
            f"[bold]{escape(s.status.replace('_', ' '))}[/]  {what}",
            soft_wrap=True,
        )
        if row.damaged:
            console.print(f"    [red]damaged:[/] {escape(_short(row.damaged))}", soft_wrap=True)
        elif row.top_title is not None and row.top_probability is not None:
            console.print(
                f"    most likely: {escape(row.top_title)} ({row.top_probability:.0%})",
                soft_wrap=True,
            )
    console.print(
        "[dim]Continue an open one: kasa-doctor diagnose --resume ID · "
        "report for support: kasa-doctor report ID \\[--format html][/]",
        soft_wrap=True,
    )


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
