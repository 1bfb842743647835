"""What the lights mean on a model, and the FAQ: the answers an owner can read without
starting a diagnosis (the web's /lights and /faq, as `kasa-doctor led` and `faq`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from kasa_doctor.faq_search import search
from kasa_doctor.knowledge.text import one_line
from kasa_doctor.service import views as v
from kasa_doctor.service.sessions import family_view, light_views

if TYPE_CHECKING:
    from kasa_doctor.knowledge.loader import KnowledgeBase

MODEL_MAX = 100
QUERY_MAX = 200


class LightRow(BaseModel):
    light: v.LightView
    meaning: str
    confidence: str
    source: str


class LightTable(BaseModel):
    #: the model asked about (None: none asked, the general table)
    model: str | None
    #: whether the model is in our tables; if not, the general meanings are shown
    known: bool
    note: str | None
    family: v.FamilyView
    rows: list[LightRow]
    reset: v.ResetView
    notes: list[str]
    families: list[v.FamilyView]


class FaqItem(BaseModel):
    id: str
    question: str
    answer: str
    see_also: list[v.Choice]


class FaqAnswer(BaseModel):
    query: str | None
    #: the entries that answer the query (all of them when there is none)
    results: list[FaqItem]
    #: True when a query found nothing and every question is listed instead
    fallback: bool = False


class ReferenceService:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def lights(self, model: str | None) -> LightTable:
        kb = self.kb
        model = model.strip()[:MODEL_MAX] if model and model.strip() else None
        family = kb.family_for_model(model)
        known = family is not None
        shown = family or kb.family(kb.fallback)
        note = None
        if model is not None and not known:
            note = (
                f"{model} is not in our tables; these are the general meanings (they differ "
                "between models, so treat them with care)."
            )
        by_id = {light.id: light for light in light_views(kb, shown)}
        return LightTable(
            model=model,
            known=known,
            note=note,
            family=family_view(shown),
            rows=[
                LightRow(
                    light=by_id[row.led],
                    meaning=one_line(row.meaning),
                    confidence=row.confidence,
                    source=one_line(row.source),
                )
                for row in shown.leds
            ],
            reset=v.ResetView(button=shown.reset.button, hold_seconds=shown.reset.hold_seconds),
            notes=[one_line(n) for n in shown.notes],
            families=[family_view(f) for f in kb.families if f.models],
        )

    def faq(self, query: str | None) -> FaqAnswer:
        entries = self.kb.faq
        by_id = {e.id: e for e in entries}
        query = query.strip()[:QUERY_MAX] if query and query.strip() else None
        if query is None:
            found, fallback = list(entries), False
        elif query in by_id:
            found, fallback = [by_id[query]], False
        else:
            found = [hit.entry for hit in search(list(entries), query)]
            fallback = not found
            found = found or list(entries)
        return FaqAnswer(
            query=query,
            fallback=fallback,
            results=[
                FaqItem(
                    id=e.id,
                    question=e.question,
                    answer=e.answer.strip(),
                    see_also=[
                        v.Choice(id=x, label=by_id[x].question) for x in e.see_also if x in by_id
                    ],
                )
                for e in found
            ],
        )
