"""The support report: one session, everything support needs, redacted by default.

report = build_report(session)              # redacted once, here
text = render(report, "html")              # or "md", "json"
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from kasa_doctor.report.html import to_html
from kasa_doctor.report.jsonfmt import to_json
from kasa_doctor.report.markdown import to_markdown
from kasa_doctor.report.model import Report, build_report

RENDERERS: Final[dict[str, Callable[[Report], str]]] = {
    "md": to_markdown,
    "json": to_json,
    "html": to_html,
}
FORMATS: Final = tuple(RENDERERS)


def render(report: Report, fmt: str) -> str:
    """``report`` as ``md``, ``json`` or ``html``; KeyError for anything else."""
    return RENDERERS[fmt](report)


__all__ = [
    "FORMATS",
    "RENDERERS",
    "Report",
    "build_report",
    "render",
    "to_html",
    "to_json",
    "to_markdown",
]
