"""`kasa-doctor faq [WORDS]`: answers from the FAQ (the search is `kasa_doctor.faq_search`)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from kasa_doctor.knowledge import schema as s


class FaqError(Exception):
    """The FAQ cannot be read; one line."""


def register(app: typer.Typer) -> None:
    app.command("faq")(faq)


def load_faq() -> list[s.FaqEntry]:
    import yaml
    from pydantic import ValidationError

    from kasa_doctor.knowledge import loader
    from kasa_doctor.knowledge import schema as s

    path = loader.KNOWLEDGE_DIR / "faq.yaml"
    hint = "(run `kasa-doctor kb check`)"
    try:
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FaqError(f"faq.yaml: cannot read the FAQ: {exc} {hint}") from exc
    try:
        return list(s.FaqFile.model_validate(data).faq)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise FaqError(f"faq.yaml: {where}: {err['msg']} {hint}") from exc


def faq(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="What you want to know, e.g. blinking red.", show_default=False),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """Answers to common questions; with no words, the list of questions."""
    from kasa_doctor.faq_search import Hit, search

    try:
        entries = load_faq()
    except FaqError as exc:
        sys.stderr.write(f"{exc}\n")
        raise typer.Exit(1) from None
    query = " ".join(words or []).strip()
    by_id = {e.id: e for e in entries}
    # An exact id (as listed with no words) shows that entry; anything else is searched.
    hits = [Hit(by_id[query], 1.0)] if query in by_id else search(entries, query)

    if json_output:
        data: dict[str, Any] = {"query": query or None}
        if query:
            data["results"] = [_entry_json(h.entry, by_id, h.score) for h in hits]
        else:
            data["questions"] = [{"id": e.id, "question": e.question} for e in entries]
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return

    from rich.console import Console
    from rich.markup import escape

    console = Console()
    if not query or not hits:
        if query:
            console.print(
                f"[yellow]No FAQ entry matches “{escape(query)}”.[/] Questions I can answer:"
            )
        for entry in entries:
            console.print(f"  • {escape(entry.question)} [dim]({entry.id})[/]")
        console.print("[dim]Ask with: kasa-doctor faq WORDS…  or  kasa-doctor faq ID[/]")
        return
    for number, hit in enumerate(hits):
        entry = hit.entry
        if number:
            console.print()
        console.print(f"[bold]{escape(entry.question)}[/] [dim]({entry.id})[/]")
        console.print(escape(entry.answer.strip()))
        if entry.see_also:
            also = [by_id[x].question if x in by_id else x for x in entry.see_also]
            console.print(f"[dim]See also: {escape('; '.join(also))}[/]")


def _entry_json(entry: s.FaqEntry, by_id: dict[str, s.FaqEntry], score: float) -> dict[str, Any]:
    return {
        "id": entry.id,
        "question": entry.question,
        "answer": entry.answer.strip(),
        "see_also": [
            {"id": x, "question": by_id[x].question} if x in by_id else {"id": x}
            for x in entry.see_also
        ],
        "score": round(score, 3),
    }
