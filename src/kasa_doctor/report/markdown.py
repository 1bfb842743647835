"""The support report as Markdown: readable as plain text in an e-mail, and rendered
properly where Markdown is (a support ticket, GitHub).

Device-supplied text is escaped so that it can neither break a table nor smuggle in
HTML; raw readings go into fenced JSON blocks whose fence is longer than any run of
backticks inside them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kasa_doctor.report.model import Report, detail_label

VERDICT_WORDS = {
    "ok": "✓ ok",
    "warning": "! warning",
    "problem": "✗ problem",
    "info": "i info",
    "unknown": "? unknown",
}


def _text(value: object) -> str:
    """Inline text: one line, no raw HTML."""
    text = " ".join(str(value).split())
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _cell(value: object) -> str:
    return _text(value).replace("|", "\\|") if value not in (None, "") else "—"


def _when(at: str | None) -> str:
    return at.replace("T", " ").replace("+00:00", " UTC") if at else "—"


def _fenced(data: Any) -> list[str]:
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}json", body, fence]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def to_markdown(report: Report) -> str:
    device, light = report.device, report.light
    privacy = (
        "addresses, network names, ids and names are hidden (`kasa-doctor report "
        "--no-redact` shows them)"
        if report.redacted
        else "**not redacted**: this report shows addresses, network names, ids and names"
    )
    out: list[str] = [
        f"# {_text(report.title)}",
        "",
        f"kasa-doctor {report.tool_version} · session `{report.session_id}` · "
        f"made {_when(report.created_at)} · {privacy}",
        "",
        "## Summary",
        "",
        _text(report.summary),
        "",
        "## The camera",
        "",
    ]
    rows = [
        ["Model", _cell(device.model)],
        ["Light table", _cell(device.family or "generic (model not in our tables)")],
        ["Hardware version", _cell(device.hardware_version or "not known")],
        ["Firmware", _cell(device.firmware or "not known")],
        ["Purchase date", _cell(device.purchase_date or "not given")],
    ]
    nested: dict[str, Any] = {}
    for key, value in device.details.items():
        if isinstance(value, dict | list):
            nested[key] = value
        else:
            rows.append([_cell(detail_label(key)), _cell(value)])
    out += _table(["Fact", "Value"], rows)
    if nested:
        out += ["", "More device data:", "", *_fenced(nested)]

    out += ["", "## The light", ""]
    if light.id:
        out.append(f"**{_text(light.words.capitalize())}** — {_text(light.looks_like)}")
        out += ["", f"What it means on this model: {_text(light.meaning)}"]
        if light.confidence:
            out.append(
                f"(confidence: {_text(light.confidence)}; source: {_text(light.source or '—')})"
            )
    else:
        out.append(_text(light.words).capitalize() + ".")

    out += ["", "## Result", "", f"**{_text(report.status_text)}**", ""]
    shown = [c for c in report.ranking if c.probability >= 0.01][:8] or report.ranking[:3]
    if shown:
        out += ["Most likely causes, given everything above:", ""]
        out += _table(
            ["#", "Cause", "Probability"],
            [
                [str(i), _cell(c.title), f"{c.probability:.0%}"]
                for i, c in enumerate(shown, start=1)
            ],
        )
        out += ["", f"{_text(shown[0].title)}: {_text(shown[0].explanation)}"]
        rest = len(report.ranking) - len(shown)
        if rest > 0:
            out += ["", f"{rest} other cause(s) are each under 1 % (all are in the JSON report)."]

    out += ["", "## Answers", ""]
    if report.answers:
        out += _table(
            ["Question", "Answer", "When"],
            [[_cell(a.question), _cell(a.answer_text), _cell(_when(a.at))] for a in report.answers],
        )
    else:
        out.append("No questions were answered.")

    out += ["", "## Live checks", ""]
    if report.readings:
        out += _table(
            ["Check", "Reading", "Verdict", "Detail", "When"],
            [
                [
                    _cell(r.title),
                    _cell(r.value_text),
                    VERDICT_WORDS.get(r.verdict, r.verdict),
                    _cell(r.detail),
                    _cell(_when(r.at)),
                ]
                for r in report.readings
            ],
        )
    else:
        out.append("No live checks were made (questions only).")
    if report.notes:
        out += ["", "Other readings (not used for the diagnosis):", ""]
        out += [f"- {_text(n.title)}: {_text(n.detail)}" for n in report.notes]

    out += ["", "## Repair steps", ""]
    if report.steps:
        out += _table(
            ["#", "Step", "Result", "When"],
            [
                [str(i), _cell(s.title), _cell(s.result_text), _cell(_when(s.at))]
                for i, s in enumerate(report.steps, start=1)
            ],
        )
    else:
        out.append("No repair steps were taken.")
    out += ["", "### What was tried", ""]
    out += [f"- {_text(t)}" for t in report.tried] or ["Nothing was tried without success."]

    out += ["", "## When to contact TP-Link support", ""]
    out += [f"- {_text(item)}" for item in report.support.when_to_contact]
    out += ["", "### Have this ready", ""]
    out += [f"- {_text(item)}" for item in report.support.have_ready]

    with_raw = [(r.title, r.id, r.raw) for r in report.readings if r.raw]
    with_raw += [(f"Step: {s.title}", s.id, s.raw) for s in report.steps if s.raw]
    if with_raw:
        out += ["", "## Appendix: raw readings", ""]
        for title, ident, raw in with_raw:
            out += [f"### {_text(title)} (`{ident}`)", "", *_fenced(raw), ""]
    return "\n".join(out).rstrip() + "\n"
