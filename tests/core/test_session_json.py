"""A session survives a JSON round trip, and bad files are refused plainly."""

from __future__ import annotations

import pytest

from kasa_doctor.engine.session import Session, SessionError


def test_round_trip_keeps_evidence_history_and_plan() -> None:
    session = Session(model_name="C210", led="red_slow_blink")
    session.meta["purchase_date"] = "2024-05-01"
    session.observe("router_changed_recently", "yes")
    session.observe("camera_reachable", "no", raw={"host": "192.0.2.4"})
    session.observe("camera_hot", None)
    proposal = session.propose()
    while proposal.kind in ("question", "probe"):
        session.observe(proposal.id, None)
        proposal = session.propose()
    session.record_step(proposal.id, False)
    copy = Session.loads(session.dumps())
    assert copy.to_json() == session.to_json()
    assert copy.belief() == pytest.approx(session.belief())
    assert copy.propose() == session.propose()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"schema": 99}', "not a kasa-doctor session"),
        ('{"schema": 1, "id": "x", "led": "purple"}', "unknown light"),
        (
            '{"schema": 1, "id": "x", "history": [{"kind": "question", "id": "camera_hot",'
            ' "value": "maybe"}]}',
            "not an answer",
        ),
    ],
)
def test_bad_session_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(SessionError, match=message):
        Session.loads(text)


def test_fixed_session_proposes_nothing_more() -> None:
    session = Session(model_name="C210", led="off")
    session.record_step("enable_led", True)
    assert session.status == "fixed"
    with pytest.raises(SessionError):
        session.propose()
