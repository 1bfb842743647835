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


def test_a_skipped_step_is_not_evidence_and_not_proposed_again() -> None:
    session = Session(model_name="C200", led="red_solid")
    before = session.belief()
    session.record_step("reseat_power", None)
    assert session.belief() == pytest.approx(before)
    proposal = session.propose()
    assert proposal.id != "reseat_power"
    # the ranking shown with a proposal is the session's own belief
    assert dict(proposal.ranking) == pytest.approx(dict(session.belief()[: len(proposal.ranking)]))


def test_the_step_that_fixed_it_tells_what_was_wrong() -> None:
    session = Session(model_name="C210", led="red_solid")
    session.record_step("cool_down", False)
    session.record_step("swap_power_supply", True)
    top, p = session.belief()[0]
    assert top == "power_supply"
    assert p > 0.5
