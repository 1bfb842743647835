"""Finding FAQ answers by simple word overlap (`kasa-doctor faq` and the web's /faq).

Scoring is deliberately plain: a query word counts for more when it is rare across
the FAQ (so "camera" barely matters, "wpa3" decides), and for more when it hits an
entry's keywords than its question, and its question than its answer. No search
library is needed for a few dozen entries.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
