"""`kasa-doctor kb check`: validate the knowledge base."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

kb_app = typer.Typer(help="The knowledge base (YAML files with a schema).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")


@kb_app.command("check")
def check(
    directory: Annotated[
        Path | None, typer.Argument(help="A knowledge folder (default: the bundled one).")
    ] = None,
) -> None:
    """Validate every knowledge file: schema, ids, probabilities, coverage."""
    from kasa_doctor.knowledge.loader import KNOWLEDGE_DIR, KnowledgeError, load_knowledge

    folder = directory or KNOWLEDGE_DIR
    try:
        kb = load_knowledge(folder)
    except KnowledgeError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"{folder / problem}\n" if directory else f"{problem}\n")
        raise typer.Exit(2) from None
    print(
        f"knowledge OK: {len(kb.causes)} causes, {len(kb.questions)} questions, "
        f"{len(kb.probes)} probes, {len(kb.steps)} steps, {len(kb.families)} model families, "
        f"{len(kb.faq)} FAQ entries"
    )
