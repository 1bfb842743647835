"""P(cause | evidence) under the single-fault assumption.

P(c | e) ∝ P(c) · P(light | c) · Π_j P(e_j | c) · Π_failed (1 − P(a fixes | c)),
times P(a fixes | c) for the step that fixed it, if one did.

A "don't know" to a question is an outcome like any answer: P(don't know | c) =
1 − (1 − θ)(1 − r(c)), where r(c) is how often an owner whose cause is c cannot say
(questions.yaml `attention`: owners know what touches their own problem) and θ is this
owner's own excess rate of "don't know"s; an answer v carries P(v | c)(1 − r(c)).
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


def unnormalised(model: Model, evidence: Evidence, *, dont_knows: bool = True) -> Vector:
    family = model.kb.family_for_model(evidence.model)
    belief = model.prior_and_led(family, evidence.led)
    for name, value in evidence.observed.items():
        belief = belief * model.variables[name].answered(value)
    if dont_knows:
        unknown = [model.variables[v] for v in sorted(evidence.unknown)]
        telling = [v for v in unknown if v.kind == "question" and v.dont_know is not None]
        if telling:
            theta = owner_unknown_rate(model, evidence)
            for variable in telling:
                belief = belief * (1.0 - (1.0 - theta) * (1.0 - variable.unknown_given()))
    if evidence.failed_steps or evidence.fixed_by:
        fix = model.fix_matrix(evidence.observed)
        for step in evidence.failed_steps:
            belief = belief * (1.0 - fix[model.step_index(step)])
        if evidence.fixed_by and not model.ends[model.step_index(evidence.fixed_by)]:
            belief = belief * fix[model.step_index(evidence.fixed_by)]
    return belief


def owner_unknown_rate(model: Model, evidence: Evidence) -> float:
    """θ: how much more often than the questions themselves predict this owner says
    "don't know", shrunk towards zero.

    An owner who is away from home or new to the camera cannot answer most questions;
    learning that from their own answers stops us from asking question after question.
    Only the "don't know"s beyond what each question predicts count as the owner's (its
    P(don't know) under what the answers so far say), or a question that few owners can
    answer would be charged twice.
    """
    asked = [
        model.variables[v]
        for v in (*evidence.observed, *evidence.unknown)
        if model.variables[v].kind == "question"
    ]
    if not asked:
        return 0.0
    if any(v.dont_know is not None for v in asked):
        base = unnormalised(model, evidence, dont_knows=False)
        total = float(base.sum())
        base = base / total if total > 0.0 and np.isfinite(total) else model.prior
        expected = [float(v.unknown_given() @ base) for v in asked]
    else:
        expected = [v.p_unknown for v in asked]
    unknown = sum(1 for v in asked if v.id in evidence.unknown)
    excess = unknown - sum(expected)
    room = sum(1.0 - e for e in expected)
    return max(0.0, excess) / (room + OWNER_PRIOR_ANSWERS)


def hypothesis_posterior(model: Model, evidence: Evidence) -> Vector:
    """P(hypothesis | e): over causes and the variants of causes that have them."""
    belief = unnormalised(model, evidence)
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
