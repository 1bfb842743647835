"""The support report as JSON: the complete document, for tools and for support
staff who want every reading (the Markdown and HTML show the top of the ranking)."""

from __future__ import annotations

import dataclasses
import json

from kasa_doctor.report.model import Report


def to_json(report: Report) -> str:
    data = dataclasses.asdict(report)
    # format and schema first: whoever opens the file sees what it is at once
    ordered = {"format": data.pop("format"), "schema": data.pop("schema"), **data}
    ordered["title"] = report.title
    return json.dumps(ordered, indent=2, ensure_ascii=False, default=str) + "\n"
