"""How a run ended, what was most likely wrong, and the JSON document for ``--json``."""

from __future__ import annotations

from typing import Any

from kasa_doctor.engine.session import Entry, Session
from kasa_doctor.knowledge import schema as s
from kasa_doctor.knowledge.text import one_line
from kasa_doctor.wizard.ui import CauseView, Summary


def final_ranking(session: Session) -> list[tuple[str, float]]:
    """P(cause | everything), including the step that fixed it (the session's belief
    counts that step as the strongest evidence of all)."""
    return session.belief()


def prevention_tips(kb_tips: list[s.Tip], cause: s.Cause) -> list[s.Tip]:
    """The cause's own prevention tips first, then any tip that names the cause."""
    by_id = {t.id: t for t in kb_tips}
    chosen = [by_id[t] for t in cause.prevention if t in by_id]
    chosen += [t for t in kb_tips if cause.id in t.causes and t not in chosen]
    return chosen


def summarise(session: Session) -> Summary:
    kb = session.engine.kb
    ranking = [CauseView(kb.cause(c), p) for c, p in final_ranking(session)]
    diagnosis = ranking[0] if ranking else None
    fixed_steps = [e.id for e in session.steps_taken() if e.value == "fixed"]
    fixed_by = kb.step(fixed_steps[-1]) if session.status == "fixed" and fixed_steps else None
    tips = prevention_tips(kb.tips, diagnosis.cause) if diagnosis is not None else []
    support = kb.support if session.status in ("escalated", "gave_up") else None
    notes: list[str] = []
    if session.status == "open":
        notes.append("The run stopped before it finished.")
    return Summary(
        session_id=session.id,
        status=session.status,
        model=session.model_name,
        family=kb.family_for_model(session.model_name),
        led=session.led,
        diagnosis=diagnosis,
        fixed_by=fixed_by,
        ranking=ranking,
        prevention=tips,
        support=support,
        steps_taken=len(session.steps_taken()),
        notes=notes,
    )


# --- JSON -------------------------------------------------------------------------------


def _entry_json(session: Session, entry: Entry) -> dict[str, Any]:
    kb = session.engine.kb
    reason = entry.raw.get("reason")
    if entry.kind == "question":
        question = kb.question(entry.id)
        return {
            "kind": "question",
            "id": entry.id,
            "text": question.text,
            "answer": entry.value,
            "answer_text": question.answers[entry.value] if entry.value else "don't know",
            "reason": reason,
        }
    if entry.kind == "probe":
        probe = kb.probe(entry.id)
        return {
            "kind": "probe",
            "id": entry.id,
            "title": probe.title,
            "value": entry.value,
            "detail": entry.raw.get("detail"),
            "reason": reason,
        }
    step = kb.step(entry.id)
    data: dict[str, Any] = {
        "kind": "step",
        "id": entry.id,
        "title": step.title,
        "result": entry.value,
        "reason": reason,
    }
    if step.loses:
        data["loses"] = list(step.loses)
    if entry.raw.get("declined"):
        data["declined"] = True
    # what kasa-doctor did itself and what the camera said afterwards (docs/fixes.md)
    for key in ("automated", "verification", "owner_overruled"):
        if key in entry.raw:
            data[key] = entry.raw[key]
    return data


def _cause_json(view: CauseView) -> dict[str, Any]:
    return {
        "cause": view.cause.id,
        "title": view.cause.title,
        "probability": round(view.probability, 4),
    }


def to_json(session: Session, summary: Summary) -> dict[str, Any]:
    """The one document ``diagnose --json`` prints."""
    diagnosis: dict[str, Any] | None = None
    if summary.diagnosis is not None:
        cause = summary.diagnosis.cause
        diagnosis = {
            **_cause_json(summary.diagnosis),
            "explanation": one_line(cause.explanation),
            "is_fault": cause.is_fault,
        }
    return {
        "session": session.id,
        "model": session.model_name,
        "family": summary.family.id if summary.family else None,
        "led": session.led,
        "status": summary.status,
        "fixed_by": summary.fixed_by.id if summary.fixed_by else None,
        "diagnosis": diagnosis,
        "ranking": [_cause_json(v) for v in summary.ranking],
        "history": [_entry_json(session, e) for e in session.history],
        "prevention": [
            {"id": t.id, "title": t.title, "text": one_line(t.text)} for t in summary.prevention
        ],
        "support": (
            {
                "when_to_contact": list(summary.support.when_to_contact),
                "have_ready": list(summary.support.have_ready),
            }
            if summary.support
            else None
        ),
        "resume": f"kasa-doctor diagnose --resume {session.id}",
    }
