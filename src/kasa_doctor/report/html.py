"""The support report as one self-contained HTML file that prints well.

Everything is inline: one ``<style>`` element, no scripts, no fonts, no images, no
links to fetch. A Content-Security-Policy forbids loading anything at all, so a
device-supplied string can never make the page reach out (it is escaped anyway).

Printing: A4 pages, a print stylesheet that drops colour backgrounds except the
probability bars, keeps table rows and headings with their content, repeats table
headers on each page and starts the raw-readings appendix on a new page. Every
verdict is a word and a symbol as well as a colour, so a black-and-white print
loses nothing.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from kasa_doctor.report.model import Report, detail_label

VERDICTS = {
    "ok": ("✓", "ok"),
    "warning": ("!", "warning"),
    "problem": ("✗", "problem"),
    "info": ("i", "info"),
    "unknown": ("?", "unknown"),
}

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

CSS = """
:root { --ink: #111; --muted: #555; --line: #bbb; --soft: #f3f4f6; --bar: #333; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem 2rem 3rem; color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Liberation Sans", sans-serif; line-height: 1.45; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid var(--ink); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0; }
.meta { color: var(--muted); font-size: .85rem; margin-bottom: 1rem; }
.privacy { display: inline-block; border: 1px solid var(--ink); padding: 0 .4rem;
  font-size: .8rem; }
.summary { font-size: 1.05rem; border-left: 4px solid var(--ink); padding: .5rem .9rem;
  background: var(--soft); }
.status { font-weight: 700; }
table { width: 100%; border-collapse: collapse; margin: .4rem 0; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { border-bottom: 2px solid var(--ink); font-weight: 600; }
table.facts th { width: 12rem; border-bottom: 1px solid var(--line); font-weight: 600; }
th.num, td.num { text-align: right; white-space: nowrap; width: 2.5rem; }
td.pct { white-space: nowrap; width: 15rem; }
.redacted { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas,
  monospace; font-size: .85em; border: 1px dashed var(--muted); padding: 0 .25rem;
  color: var(--muted); white-space: nowrap; }
td.when { white-space: nowrap; color: var(--muted); width: 11rem; }
.verdict { display: inline-block; min-width: 6.5rem; padding: 0 .35rem; border: 1px solid;
  border-radius: 3px; font-weight: 600; white-space: nowrap; }
.v-ok { color: #14532d; background: #dcfce7; }
.v-warning { color: #713f12; background: #fef9c3; }
.v-problem { color: #7f1d1d; background: #fee2e2; border-width: 2px; }
.v-info, .v-unknown { color: #374151; background: #f3f4f6; border-style: dashed; }
.bar { display: inline-block; width: 10rem; height: .75rem; border: 1px solid var(--ink);
  vertical-align: middle; margin-right: .4rem; }
.bar > span { display: block; height: 100%; background: var(--bar);
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
ul { margin: .3rem 0; padding-left: 1.4rem; }
li { margin: .15rem 0; }
.light { font-weight: 700; }
.muted { color: var(--muted); }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .78rem; line-height: 1.3;
  background: var(--soft); border: 1px solid var(--line); padding: .5rem .7rem; margin: .3rem 0;
  font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas,
  monospace; }
code { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas,
  monospace; font-size: .9em; }
footer { margin-top: 2rem; color: var(--muted); font-size: .8rem; border-top: 1px solid
  var(--line); padding-top: .5rem; }
@page { size: A4; margin: 15mm 14mm 16mm; }
@media print {
  html { font-size: 10.5pt; }
  body { max-width: none; padding: 0; }
  .summary, pre { background: none; }
  .verdict { background: none !important; color: #000 !important; }
  h2, h3 { break-after: avoid-page; page-break-after: avoid; }
  tr, li, .summary, .keep { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  section.appendix { break-before: page; page-break-before: always; }
  pre { break-inside: auto; }
}
"""


# Placeholders from kasa_doctor.redact, after HTML escaping (which leaves them alone).
_PLACEHOLDER = re.compile(r"\*\*(REDACTED-[A-Z]+(?:-\d+)?)\*\*")


def _e(value: object) -> str:
    """Escaped text; a redaction placeholder is shown as a marked box, not asterisks."""
    return _PLACEHOLDER.sub(r'<span class="redacted">\1</span>', escape(str(value), quote=True))


def _or(value: object, fallback: str) -> str:
    return _e(value) if value not in (None, "") else f'<span class="muted">{_e(fallback)}</span>'


def _when(at: str | None) -> str:
    return _e(at.replace("T", " ").replace("+00:00", " UTC")) if at else "—"


def _verdict(verdict: str) -> str:
    symbol, word = VERDICTS.get(verdict, ("?", verdict))
    return f'<span class="verdict v-{_e(verdict)}">{symbol} {_e(word)}</span>'


def _bar(probability: float) -> str:
    width = max(0.0, min(100.0, probability * 100))
    return f'<span class="bar"><span style="width:{width:.1f}%"></span></span>'


def _json(data: Any) -> str:
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return f"<pre>{_e(text)}</pre>"


def _rows(rows: list[str]) -> str:
    return "\n".join(rows)


def to_html(report: Report) -> str:
    device, light = report.device, report.light
    privacy = (
        "Addresses, network names, ids and names are hidden"
        if report.redacted
        else "NOT redacted: addresses, network names, ids and names are shown"
    )
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light">',
        f"<title>{_e(report.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(report.title)}</h1>",
        f'<p class="meta">kasa-doctor {_e(report.tool_version)} · session '
        f"<code>{_e(report.session_id)}</code> · made {_when(report.created_at)} · "
        f'<span class="privacy">{_e(privacy)}</span></p>',
        "</header>",
        '<section class="keep">',
        "<h2>Summary</h2>",
        f'<p class="summary">{_e(report.summary)}</p>',
        "</section>",
    ]

    facts = [
        ("Model", _or(device.model, "not known")),
        ("Light table", _or(device.family, "generic (model not in our tables)")),
        ("Hardware version", _or(device.hardware_version, "not known")),
        ("Firmware", _or(device.firmware, "not known")),
        ("Purchase date", _or(device.purchase_date, "not given")),
    ]
    nested: dict[str, Any] = {}
    for key, value in device.details.items():
        if isinstance(value, dict | list):
            nested[key] = value
        else:
            facts.append((detail_label(key), _or(value, "—")))
    parts += [
        "<section>",
        "<h2>The camera</h2>",
        '<table class="facts"><tbody>',
        _rows([f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in facts]),
        "</tbody></table>",
    ]
    if nested:
        parts += ["<h3>More device data</h3>", _json(nested)]
    parts.append("</section>")

    parts += ['<section class="keep">', "<h2>The light</h2>"]
    if light.id:
        parts += [
            f'<p><span class="light">{_e(light.words.capitalize())}</span> — '
            f"{_e(light.looks_like)}</p>",
            f"<p>What it means on this model: {_e(light.meaning)}</p>",
        ]
        if light.confidence:
            parts.append(
                f'<p class="muted">Confidence: {_e(light.confidence)}; '
                f"source: {_e(light.source or '—')}</p>"
            )
    else:
        parts.append(f"<p>{_e(light.words.capitalize())}.</p>")
    parts.append("</section>")

    parts += [
        "<section>",
        "<h2>Result</h2>",
        f'<p class="status">{_e(report.status_text)}</p>',
    ]
    shown = [c for c in report.ranking if c.probability >= 0.01][:8] or report.ranking[:3]
    if shown:
        parts += [
            "<p>Most likely causes, given everything in this report:</p>",
            '<table><thead><tr><th class="num">#</th><th>Cause</th><th>Probability</th></tr>'
            "</thead><tbody>",
            _rows(
                [
                    f'<tr><td class="num">{i}</td><td>{_e(c.title)}</td>'
                    f'<td class="pct">{_bar(c.probability)}{c.probability:.0%}</td></tr>'
                    for i, c in enumerate(shown, start=1)
                ]
            ),
            "</tbody></table>",
            f"<p><strong>{_e(shown[0].title)}:</strong> {_e(shown[0].explanation)}</p>",
        ]
        rest = len(report.ranking) - len(shown)
        if rest > 0:
            parts.append(
                f'<p class="muted">{rest} other cause(s) are each under 1 % '
                "(all are in the JSON report).</p>"
            )
    parts.append("</section>")

    parts += ["<section>", "<h2>Answers</h2>"]
    if report.answers:
        parts += [
            "<table><thead><tr><th>Question</th><th>Answer</th><th>When</th></tr></thead><tbody>",
            _rows(
                [
                    f"<tr><td>{_e(a.question)}</td><td>{_e(a.answer_text)}</td>"
                    f'<td class="when">{_when(a.at)}</td></tr>'
                    for a in report.answers
                ]
            ),
            "</tbody></table>",
        ]
    else:
        parts.append("<p>No questions were answered.</p>")
    parts.append("</section>")

    parts += ["<section>", "<h2>Live checks</h2>"]
    if report.readings:
        parts += [
            "<table><thead><tr><th>Check</th><th>Reading</th><th>Verdict</th><th>Detail</th>"
            "<th>When</th></tr></thead><tbody>",
            _rows(
                [
                    f"<tr><td>{_e(r.title)}</td><td>{_e(r.value_text)}</td>"
                    f"<td>{_verdict(r.verdict)}</td><td>{_or(r.detail, '—')}</td>"
                    f'<td class="when">{_when(r.at)}</td></tr>'
                    for r in report.readings
                ]
            ),
            "</tbody></table>",
        ]
    else:
        parts.append("<p>No live checks were made (questions only).</p>")
    if report.notes:
        parts += [
            "<h3>Other readings</h3>",
            '<p class="muted">Not used for the diagnosis.</p>',
            "<ul>",
            _rows(
                [f"<li><strong>{_e(n.title)}:</strong> {_e(n.detail)}</li>" for n in report.notes]
            ),
            "</ul>",
        ]
    parts.append("</section>")

    parts += ["<section>", "<h2>Repair steps</h2>"]
    if report.steps:
        parts += [
            '<table><thead><tr><th class="num">#</th><th>Step</th><th>Result</th><th>When</th></tr>'
            "</thead><tbody>",
            _rows(
                [
                    f'<tr><td class="num">{i}</td><td>{_e(s.title)}</td>'
                    f"<td>{_e(s.result_text)}</td>"
                    f'<td class="when">{_when(s.at)}</td></tr>'
                    for i, s in enumerate(report.steps, start=1)
                ]
            ),
            "</tbody></table>",
        ]
    else:
        parts.append("<p>No repair steps were taken.</p>")
    parts.append("<h3>What was tried</h3>")
    if report.tried:
        parts += ["<ul>", _rows([f"<li>{_e(t)}</li>" for t in report.tried]), "</ul>"]
    else:
        parts.append("<p>Nothing was tried without success.</p>")
    parts.append("</section>")

    parts += [
        '<section class="keep">',
        "<h2>When to contact TP-Link support</h2>",
        "<ul>",
        _rows([f"<li>{_e(item)}</li>" for item in report.support.when_to_contact]),
        "</ul>",
        "<h3>Have this ready</h3>",
        "<ul>",
        _rows([f"<li>{_e(item)}</li>" for item in report.support.have_ready]),
        "</ul>",
        "</section>",
    ]

    with_raw = [(r.title, r.id, r.raw) for r in report.readings if r.raw]
    with_raw += [(f"Step: {s.title}", s.id, s.raw) for s in report.steps if s.raw]
    if with_raw:
        parts += ['<section class="appendix">', "<h2>Appendix: raw readings</h2>"]
        for title, ident, raw in with_raw:
            parts += [f"<h3>{_e(title)} <code>({_e(ident)})</code></h3>", _json(raw)]
        parts.append("</section>")

    parts += [
        "<footer>Made by kasa-doctor from a saved troubleshooting session. "
        f"Session <code>{_e(report.session_id)}</code>; the same report as JSON: "
        f"<code>kasa-doctor report {_e(report.session_id)} --format json</code></footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
