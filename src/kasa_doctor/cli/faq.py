"""`kasa-doctor faq [WORDS]`: answers from the FAQ, found by simple word overlap.

Scoring is deliberately plain: a query word counts for more when it is rare across
the FAQ (so "camera" barely matters, "wpa3" decides), and for more when it hits an
entry's keywords than its question, and its question than its answer. No search
library is needed for a few dozen entries, and the command stays fast.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from kasa_doctor.knowledge import schema as s

_WORD = re.compile(r"[a-z0-9][a-z0-9.]*[a-z0-9]|[a-z0-9]")
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "and", "are", "at", "be", "can", "do", "does", "for", "from", "how", "i",
    "in", "is", "it", "its", "me", "my", "of", "on", "or", "that", "the", "there", "this",
    "to", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
})
# fmt: on
#: where a query word is found, and what that is worth
WEIGHTS = {"keywords": 3.0, "question": 2.0, "answer": 1.0}
#: entries scoring below this share of the best one are left out as noise
RELATIVE_CUTOFF = 0.5
MAX_RESULTS = 3


class FaqError(Exception):
    """The FAQ cannot be read; one line."""


def register(app: typer.Typer) -> None:
    app.command("faq")(faq)


def tokens(text: str) -> list[str]:
    words = _WORD.findall(text.lower())
    return [_stem(w) for w in words if w not in STOPWORDS]


def _stem(word: str) -> str:
    # "lights" should find "light"; anything cleverer is not worth a dependency.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _matches(a: str, b: str) -> bool:
    """Same word, or one is a prefix of the other ("blink" / "blinking")."""
    if a == b:
        return True
    return min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a))


@dataclass(frozen=True)
class Hit:
    entry: s.FaqEntry
    score: float


def search(entries: list[s.FaqEntry], query: str) -> list[Hit]:
    fields = [
        {
            "keywords": set(tokens(" ".join(e.keywords))),
            "question": set(tokens(e.question)),
            "answer": set(tokens(e.answer)),
        }
        for e in entries
    ]
    words = list(dict.fromkeys(tokens(query)))
    if not words or not entries:
        return []

    def found(word: str, bag: set[str]) -> bool:
        return any(_matches(word, other) for other in bag)

    hits: list[Hit] = []
    for entry, bags in zip(entries, fields, strict=True):
        score = 0.0
        for word in words:
            df = sum(1 for f in fields if any(found(word, bag) for bag in f.values()))
            rarity = math.log(1.0 + len(entries) / (1.0 + df))
            best = max((WEIGHTS[name] for name, bag in bags.items() if found(word, bag)), default=0)
            score += best * rarity
        # A keyword phrase typed as it is written ("factory reset") is a strong signal.
        score += sum(
            1.0 for k in entry.keywords if len(k.split()) > 1 and k.lower() in query.lower()
        )
        if score > 0:
            hits.append(Hit(entry, score))
    if not hits:
        return []
    top = max(h.score for h in hits)
    hits = [h for h in hits if h.score >= RELATIVE_CUTOFF * top]
    hits.sort(key=lambda h: -h.score)
    return hits[:MAX_RESULTS]


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
