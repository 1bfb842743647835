"""P(cause | evidence) under the single-fault assumption.

P(c | e) ∝ P(c) · P(light | c) · Π_j P(e_j | c) · Π_failed (1 − P(a fixes | c)),
times P(a fixes | c) for the step that fixed it, if one did.

A "don't know" to a question is an outcome like any answer: P(don't know | c) = r(c),
how often an owner whose cause is c cannot say (questions.yaml `attention`: owners know
what touches their own problem), its odds scaled by λ, this owner's own readiness to
answer (``owner_unknown_odds``); an answer v carries P(v | c)(1 − r(c)).
Without `attention` r is the same for every cause and a "don't know" adds nothing. A
check that cannot run says nothing about the cause.

The sums run over hypotheses (a cause, or each variant of a cause with variants);
``posterior`` folds them back into causes, so a cause's probability is the mixture of
its variants. ``hypothesis_posterior`` is what the planner computes with.
"""

from __future__ import annotations

import numpy as np

from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.model import Model, Vector

#: pseudo-count of answered questions before we trust an owner's own "don't know" rate
OWNER_PRIOR_ANSWERS = 3.0


def unnormalised(
    model: Model, evidence: Evidence, *, dont_knows: bool = True, odds: float | None = None
) -> Vector:
    """``odds``: the owner's λ when the caller has it already (it costs a belief)."""
    family = model.kb.family_for_model(evidence.model)
    belief = model.prior_and_led(family, evidence.led)
    if not dont_knows:
        odds = 1.0
    elif odds is None:
        odds = owner_unknown_odds(model, evidence)
    for name, value in evidence.observed.items():
        variable = model.variables[name]
        belief = belief * variable.answered(value, odds if variable.kind == "question" else 1.0)
    if dont_knows:
        for name in sorted(evidence.unknown):
            variable = model.variables[name]
            if variable.kind == "question" and variable.dont_know is not None:
                belief = belief * variable.unknown_given(odds)
    if evidence.failed_steps or evidence.fixed_by:
        fix = model.fix_matrix(evidence.observed)
        for step in evidence.failed_steps:
            belief = belief * (1.0 - fix[model.step_index(step)])
        if evidence.fixed_by and not model.ends[model.step_index(evidence.fixed_by)]:
            belief = belief * fix[model.step_index(evidence.fixed_by)]
    return belief


def owner_unknown_odds(model: Model, evidence: Evidence) -> float:
    """λ, this owner's own odds of "don't know" relative to what the questions predict:
    (said + a) / (expected + a), shrunk towards 1 by a pseudo-count a.

    An owner away from home or new to the camera cannot answer much (λ > 1), so we stop
    asking question after question; one who answers everything (λ < 1) is not biased
    towards the causes the questions are about just for answering. "Expected" is
    Σ P(don't know | e) over the questions asked, from the answers so far, so a
    "don't know" a question predicts is not counted twice.
    """
    asked = [
        model.variables[v]
        for v in (*evidence.observed, *evidence.unknown)
        if model.variables[v].kind == "question"
    ]
    if not asked:
        return 1.0
    if any(v.dont_know is not None for v in asked):
        base = unnormalised(model, evidence, dont_knows=False)
        total = float(base.sum())
        base = base / total if total > 0.0 and np.isfinite(total) else model.prior
        expected = sum(float(v.unknown_given() @ base) for v in asked)
    else:
        expected = sum(v.p_unknown for v in asked)
    said = sum(1 for v in asked if v.id in evidence.unknown)
    return (said + OWNER_PRIOR_ANSWERS) / (expected + OWNER_PRIOR_ANSWERS)


def hypothesis_posterior(model: Model, evidence: Evidence, odds: float | None = None) -> Vector:
    """P(hypothesis | e): over causes and the variants of causes that have them."""
    belief = unnormalised(model, evidence, odds=odds)
    total = float(belief.sum())
    if total <= 0.0 or not np.isfinite(total):
        # Every cause ruled out (contradictory evidence): fall back to the prior rather
        # than divide by zero; the planner will then escalate.
        return model.prior.copy()
    return belief / total


def posterior(model: Model, evidence: Evidence) -> Vector:
    """P(cause | e), one entry per cause of ``model.causes`` (variants summed)."""
    return model.to_causes(hypothesis_posterior(model, evidence))


def ranking(model: Model, belief: Vector, top: int | None = None) -> list[tuple[str, float]]:
    """Causes by probability, most likely first (a belief over hypotheses is folded)."""
    if belief.shape[0] != len(model.causes):
        belief = model.to_causes(belief)
    order = np.argsort(-belief, kind="stable")
    chosen = order if top is None else order[:top]
    return [(model.causes[i], float(belief[i])) for i in chosen]
