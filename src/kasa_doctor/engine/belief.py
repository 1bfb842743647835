"""P(cause | evidence) under the single-fault assumption.

P(c | e) ∝ P(c) · P(light | c) · Π_j P(e_j | c) · Π_failed (1 − P(a fixes | c)),
times P(a fixes | c) for the step that fixed it, if one did.
"Don't know" answers add nothing.

The sums run over hypotheses (a cause, or each variant of a cause with variants);
``posterior`` folds them back into causes, so a cause's probability is the mixture of
its variants. ``hypothesis_posterior`` is what the planner computes with.
"""

from __future__ import annotations

import numpy as np

from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.model import Model, Vector


def unnormalised(model: Model, evidence: Evidence) -> Vector:
    family = model.kb.family_for_model(evidence.model)
    belief = model.prior_and_led(family, evidence.led)
    for variable, value in evidence.observed.items():
        belief = belief * model.variables[variable].likelihood(value)
    if evidence.failed_steps or evidence.fixed_by:
        fix = model.fix_matrix(evidence.observed)
        for step in evidence.failed_steps:
            belief = belief * (1.0 - fix[model.step_index(step)])
        if evidence.fixed_by and not model.ends[model.step_index(evidence.fixed_by)]:
            belief = belief * fix[model.step_index(evidence.fixed_by)]
    return belief


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
