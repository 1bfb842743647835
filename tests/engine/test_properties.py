"""Properties that must hold for any owner, any answers, any knowledge numbers."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasa_doctor.engine.belief import posterior
from kasa_doctor.engine.model import default_model
from kasa_doctor.engine.session import Session

MODEL = default_model()
MODELS = ["C210", "KC410S", "unknown", "D230", "EC60", "ZZ999"]


@st.composite
def evidence_and_answers(draw: st.DrawFn) -> tuple[str, str, dict[str, str | None]]:
    model = draw(st.sampled_from(MODELS))
    led = draw(st.sampled_from(MODEL.leds))
    answers: dict[str, str | None] = {}
    for var in MODEL.variables.values():
        answers[var.id] = draw(st.sampled_from([None, *var.values]))
    return model, led, answers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence_and_answers(), st.lists(st.sampled_from(MODEL.steps[:-1]), max_size=6))
def test_posterior_is_a_distribution(
    case: tuple[str, str, dict[str, str | None]], failed: list[str]
) -> None:
    model, led, answers = case
    session = Session(model_name=model, led=led, engine=MODEL)
    for var, value in answers.items():
        session.observe(var, value)
    evidence = session.evidence
    evidence.failed_steps.extend(dict.fromkeys(failed))
    belief = posterior(MODEL, evidence)
    assert np.all(belief >= 0)
    assert abs(float(belief.sum()) - 1.0) < 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence_and_answers(), st.sampled_from(MODEL.steps))
def test_a_run_always_ends_and_never_repeats_a_step(
    case: tuple[str, str, dict[str, str | None]], fixing_step: str
) -> None:
    """Whatever the owner answers, the engine never proposes a step twice, never asks
    twice, and reaches fixed or escalated within a bounded number of moves."""
    model, led, answers = case
    session = Session(model_name=model, led=led, engine=MODEL)
    steps: list[str] = []
    asked: list[str] = []
    for _ in range(len(MODEL.variables) + len(MODEL.steps) + 1):
        proposal = session.propose()
        if proposal.kind in ("question", "probe"):
            assert proposal.id not in asked
            asked.append(proposal.id)
            session.observe(proposal.id, answers[proposal.id])
            continue
        assert proposal.id not in steps
        steps.append(proposal.id)
        session.record_step(proposal.id, proposal.id == fixing_step)
        if session.status != "open":
            break
    assert session.status in ("fixed", "escalated")
