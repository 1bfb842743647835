"""For every device dump the emulator knows: a redacted report, in every format, holds
no MAC, IP, SSID, device id, alias or e-mail of that device; --no-redact shows them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kasa_doctor.knowledge.loader import KnowledgeBase
from kasa_doctor.report import FORMATS, build_report, render

from .support import ALL_FIXTURES, basic_info, fixture_session, load, sensitive_values

IDS = [
    str(p.relative_to(p.parents[1])) if p.parent.name in ("iotcam", "child") else p.name
    for p in ALL_FIXTURES
]


def test_every_fixture_is_covered() -> None:
    names = {p.name for p in ALL_FIXTURES}
    assert len(ALL_FIXTURES) >= 25
    assert "EC60(US)_4.0_2.3.22.json" in names  # iotcam/
    assert "D230(EU)_1.20_1.1.19.json" in names  # child/


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=IDS)
def test_redacted_report_leaks_nothing(path: Path, kb: KnowledgeBase) -> None:
    data = load(path)
    secrets = sensitive_values(data)
    assert secrets, "a fixture without a single MAC, IP or id would test nothing"
    session = fixture_session(path)
    report = build_report(session, kb, extra_device=basic_info(data))
    for fmt in FORMATS:
        text = render(report, fmt)
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{fmt} report leaks {leaked[:5]}"
    # what support needs is still there
    md = render(report, "md")
    assert session.model_name is not None and session.model_name in md
    assert "2024-05-01" in md
    assert "**REDACTED-MAC-1**" in md
    info = basic_info(data)
    firmware = info.get("sw_version") or info.get("sw_ver")
    assert firmware and str(firmware) in md
    assert json.loads(render(report, "json"))["redacted"] is True


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=IDS)
def test_no_redact_shows_addresses_and_names(path: Path, kb: KnowledgeBase) -> None:
    session = fixture_session(path)
    report = build_report(session, kb, redact=False)
    for fmt in FORMATS:
        text = render(report, fmt)
        for key in ("host", "camera.mac", "alias"):
            assert session.meta[key] in text, (fmt, key)
        assert "**REDACTED-" not in text.replace("**REDACTED-SECRET**", "")
        assert "REDACTED-MAC" not in text


def test_the_report_has_every_part(kb: KnowledgeBase) -> None:
    path = next(p for p in ALL_FIXTURES if p.name == "C210(EU)_2.0_1.4.3.json")
    session = fixture_session(path)
    report = build_report(session, kb)
    assert report.device.model == "C210(EU)"
    assert report.device.hardware_version == "2.0"
    assert report.device.firmware == "1.4.3 Build 241010 Rel.33858n"
    assert report.device.purchase_date == "2024-05-01"
    assert report.light.id == "red_slow_blink" and report.light.meaning
    assert [a.id for a in report.answers] == ["router_changed_recently"]
    assert [r.id for r in report.readings] == ["camera_reachable", "camera_signal", "camera_cloud"]
    assert {r.verdict for r in report.readings} <= {"ok", "warning", "problem", "info", "unknown"}
    assert [s.result for s in report.steps] == ["not_fixed", "handed_over"]
    assert report.tried == [kb.step("restart_router").title]
    check_after = report.steps[0].raw["check_after"]
    assert check_after["host"].startswith("**REDACTED-IP-")
    assert check_after["detail"].endswith("still answers poorly")
    assert report.ranking and abs(sum(c.probability for c in report.ranking) - 1) < 0.01
    assert report.support.when_to_contact == [
        " ".join(t.split()) for t in kb.support.when_to_contact
    ]
    assert report.notes and report.notes[0].title == "Firmware"
    assert "REDACTED-IP" in report.notes[0].detail
    md = render(report, "md")
    for heading in (
        "## Summary",
        "## The camera",
        "## The light",
        "## Result",
        "## Answers",
        "## Live checks",
        "## Repair steps",
        "## When to contact TP-Link support",
        "### Have this ready",
    ):
        assert heading in md
    data = json.loads(render(report, "json"))
    assert data["format"] == "kasa-doctor support report" and data["schema"] == 1
    assert data["status"] == "escalated"


def test_a_questions_only_session_renders(kb: KnowledgeBase) -> None:
    from kasa_doctor.engine.session import Session

    session = Session()
    for fmt in FORMATS:
        text = render(build_report(session, kb), fmt)
        assert text.strip()
    report = build_report(session, kb)
    assert report.device.model is None and report.light.id is None
    assert "not reported" in report.light.words


def test_html_is_self_contained(kb: KnowledgeBase) -> None:
    session = fixture_session(ALL_FIXTURES[0])
    html = render(build_report(session, kb), "html")
    lowered = html.lower()
    for external in ("<script", "<link", "<img", "@import", "url(", "http://", "src="):
        assert external not in lowered, external
    # the only https:// is a light-table source printed as text, never fetched
    assert "content-security-policy" in lowered and "default-src 'none'" in html
    assert "@media print" in html and "@page" in html


def test_device_text_cannot_inject_markup(kb: KnowledgeBase) -> None:
    from kasa_doctor.engine.session import Session

    session = Session(model_name="C210", led="red_solid")
    session.meta["note"] = "<script>alert(1)</script> | pipe"
    report = build_report(session, kb)
    assert "<script>" not in render(report, "html")
    md = render(report, "md")
    assert "<script>" not in md and "\\| pipe" in md
