"""`kasa-doctor led [MODEL]`: what each light means on that model, and how sure we are.

This command must start fast (it is what an owner runs first), so it reads only the
two files it shows — leds.yaml and families.yaml — with the C YAML parser, and never
imports the engine or numpy. `kasa-doctor kb check` validates the whole base.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from kasa_doctor.knowledge import schema as s
    from kasa_doctor.knowledge.loader import KnowledgeBase

CONFIDENCE_STYLE = {"high": "green", "medium": "yellow", "low": "red", "none": "dim"}


class TablesError(Exception):
    """The light tables cannot be read; one line."""


def register(app: typer.Typer) -> None:
    app.command("led")(led)


def led(
    model: Annotated[
        str | None,
        typer.Argument(help="The model on the camera's label, e.g. C210 or KC410S."),
    ] = None,
    light: Annotated[
        str | None,
        typer.Option("--light", "-l", help="Show only this light, e.g. red_slow_blink."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """What each status light means on a model, with confidence and sources."""
    from kasa_doctor.wizard.lights import normalise_led, unknown_led_message

    try:
        kb = load_tables()
    except TablesError as exc:
        sys.stderr.write(f"{exc}\n")
        raise typer.Exit(1) from None

    wanted: str | None = None
    if light is not None:
        wanted = normalise_led(light)
        if wanted not in {p.id for p in kb.patterns}:
            sys.stderr.write(unknown_led_message(light, [p.id for p in kb.patterns]) + "\n")
            raise typer.Exit(2)

    family = kb.family_for_model(model)
    known = family is not None
    if family is None:
        family = kb.family(kb.fallback)
    note = None
    if model is not None and not known:
        note = (
            f"model {model} is not in our tables; these are the general meanings "
            "(they differ between models, so treat them with care)"
        )
    rows = [r for r in family.leds if wanted is None or r.led == wanted]

    if json_output:
        sys.stdout.write(
            json.dumps(
                _as_json(kb, model, family, known, note, rows, wanted), indent=2, ensure_ascii=False
            )
            + "\n"
        )
        return
    from rich.console import Console

    _print(Console(), kb, model, family, note, rows, wanted)


def load_tables() -> KnowledgeBase:
    """Only the light patterns and model families, validated by their schema."""
    import yaml
    from pydantic import ValidationError

    from kasa_doctor.knowledge import loader
    from kasa_doctor.knowledge import schema as s

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def read(name: str, model: type[s.Strict]) -> Any:
        path = loader.KNOWLEDGE_DIR / name
        hint = "(run `kasa-doctor kb check`)"
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader_cls)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise TablesError(f"{name}: cannot read the light tables: {exc} {hint}") from exc
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            raise TablesError(f"{name}: {where}: {err['msg']} {hint}") from exc

    leds: s.LedsFile = read("leds.yaml", s.LedsFile)
    families: s.FamiliesFile = read("families.yaml", s.FamiliesFile)
    kb = loader.KnowledgeBase(
        causes=[],
        questions=[],
        probes=[],
        steps=[],
        fixes={},
        patterns=list(leds.patterns),
        families=list(families.families),
        fallback=families.fallback,
        tips=[],
        support=s.SupportChecklist(when_to_contact=[], have_ready=[]),
        faq=[],
    )
    if families.fallback not in {f.id for f in kb.families}:
        raise TablesError(f"families.yaml: fallback {families.fallback!r} is not a family")
    patterns = {p.id for p in kb.patterns}
    for fam in kb.families:
        for row in fam.leds:
            if row.led not in patterns:
                raise TablesError(f"families.yaml: {fam.id}: unknown light {row.led!r}")
    return kb


def _as_json(
    kb: KnowledgeBase,
    model: str | None,
    family: s.Family,
    known: bool,
    note: str | None,
    rows: list[s.LedRow],
    wanted: str | None,
) -> dict[str, Any]:
    patterns = {p.id: p for p in kb.patterns}
    data: dict[str, Any] = {
        "model": model,
        "known": known,
        "note": note,
        "family": {
            "id": family.id,
            "brand": family.brand,
            "title": family.title,
            "models": list(family.models),
        },
        "lights": [
            {
                "led": row.led,
                "colour": patterns[row.led].colour,
                "rhythm": patterns[row.led].rhythm,
                "looks_like": " ".join(patterns[row.led].looks_like.split()),
                "meaning": row.meaning,
                "confidence": row.confidence,
                "source": row.source,
            }
            for row in rows
        ],
        "reset": family.reset.model_dump(),
        "notes": list(family.notes),
    }
    if wanted is not None:
        data["light"] = wanted
    if model is None:
        data["families"] = [
            {"id": f.id, "brand": f.brand, "title": f.title, "models": list(f.models)}
            for f in kb.families
            if f.models
        ]
    return data


def _print(
    console: Console,
    kb: KnowledgeBase,
    model: str | None,
    family: s.Family,
    note: str | None,
    rows: list[s.LedRow],
    wanted: str | None,
) -> None:
    from rich.markup import escape
    from rich.table import Table

    patterns = {p.id: p for p in kb.patterns}
    heading = f"{family.brand} — {family.title}" if family.brand else family.title
    if model is not None and note is None:
        heading = f"{model}: {heading}"
    console.print(f"[bold]{escape(heading)}[/]")
    if family.models:
        console.print(f"[dim]Models: {escape(', '.join(family.models))}[/]")
    if note:
        console.print(f"[yellow]Note: {escape(note)}.[/]")

    if wanted is not None and not rows:
        pattern = patterns[wanted]
        console.print(
            f"Our table for this model says nothing about “{pattern.colour}, {pattern.rhythm}”. "
            f"It looks like: {escape(' '.join(pattern.looks_like.split()))}"
        )
        return

    # Sources are long URLs; numbering them keeps the table readable in 80 columns.
    sources: list[str] = []
    table = Table(show_header=True, header_style="bold")
    table.add_column("Light", no_wrap=True)
    table.add_column("Meaning")
    table.add_column("Confidence", no_wrap=True)
    table.add_column("Source", justify="right", no_wrap=True)
    for row in rows:
        pattern = patterns[row.led]
        if row.source not in sources:
            sources.append(row.source)
        style = CONFIDENCE_STYLE.get(row.confidence, "")
        table.add_row(
            f"{escape(pattern.colour)}, {escape(pattern.rhythm)}\n[dim]{row.led}[/]",
            escape(row.meaning.strip()),
            f"[{style}]{row.confidence}[/]" if style else row.confidence,
            f"[{sources.index(row.source) + 1}]",
        )
    console.print(table)
    if wanted is not None:
        looks = " ".join(patterns[wanted].looks_like.split())
        console.print(f"[dim]It looks like: {escape(looks)}[/]")
    for number, source in enumerate(sources, start=1):
        console.print(f"[dim]\\[{number}] {escape(source)}[/]", soft_wrap=True)

    reset = family.reset
    console.print("\n[bold]Factory reset[/]")
    console.print(f"  Button: {escape(reset.button.strip())}")
    console.print(f"  Hold: {escape(reset.hold_seconds.strip())}")
    console.print(f"  Then: {escape(reset.after.strip())}")
    console.print(f"  [dim](confidence: {reset.confidence}; source: {escape(reset.source)})[/]")
    if family.wifi_hint:
        console.print(f"[bold]Wi-Fi:[/] {escape(family.wifi_hint.strip())}")
    if family.notes:
        # The notes are about the sources and how the table was weighed; useful, but
        # long, so only pointed to here.
        target = model if model is not None and note is None else ""
        console.print(f"[dim]Notes on the sources: kasa-doctor led {escape(target)} --json[/]")

    if model is None:
        console.print("\n[bold]Models in our tables[/] (kasa-doctor led MODEL):")
        for fam in kb.families:
            if fam.models:
                console.print(f"  {escape(fam.title)}: {escape(', '.join(fam.models))}")
