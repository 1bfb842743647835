"""What to do next: ask, check, repair, or hand over to support.

Repair order follows the *updating efficiency* P(a fixes | e) / cost(a): take the
most efficient step, and if it fails, condition on that failure and choose again.
ECR*(e) is the expected cost of repair of that sequence. A question or check q is
worth its cost when (Heckerman, Breese & Rommelse 1995, myopic value of information)

    C_q + Σ_v P(q = v | e) · ECR*(e, q = v)  <  ECR*(e)

where a "don't know" (probability p_unknown) leaves e unchanged. contact_support
ends every run, so the sequence always terminates, and escalation is simply the
cheapest thing left to do once no home repair is worth its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from kasa_doctor.engine.belief import posterior, ranking
from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.explain import why_cause, why_observe
from kasa_doctor.engine.model import Matrix, Model, Variable, Vector

Kind = Literal["question", "probe", "step", "escalate"]

#: a question must save at least this many owner-minutes to be asked
MIN_SAVING = 1e-6


@dataclass(frozen=True)
class Proposal:
    kind: Kind
    id: str
    reason: str
    #: the cause this step mainly targets (steps), or the current favourite
    cause: str
    #: P(this step fixes it | evidence) for steps; P(cause) otherwise
    probability: float
    #: expected owner-minutes to repair from here (ECR*)
    expected_cost: float
    ranking: tuple[tuple[str, float], ...]


def expected_repair_costs(
    model: Model,
    masses: Matrix,
    fix: Matrix,
    taken: npt.NDArray[np.bool_],
) -> Vector:
    """ECR* for each row of ``masses`` (unnormalised beliefs), all rows at once.

    Unnormalised rows are what make one batch possible: ECR* scales linearly with the
    mass, so ECR*(b · P(v | ·)) = P(v | e) · ECR*(e, v).
    """
    fix = fix.copy()
    fix[model.ends] = 1.0  # escalation ends the run whatever the cause
    mass = masses.copy()
    rows = np.arange(mass.shape[0])
    used = np.broadcast_to(taken, (mass.shape[0], len(model.steps))).copy()
    total = np.zeros(mass.shape[0])
    for _ in range(len(model.steps)):
        alive = mass.sum(axis=1)
        if float(alive.max()) <= 1e-12:
            break
        efficiency = (mass @ fix.T) / model.plan_cost
        efficiency[used] = -np.inf
        choice = efficiency.argmax(axis=1)
        total += model.plan_cost[choice] * alive
        mass *= 1.0 - fix[choice]
        used[rows, choice] = True
    return total


def best_step(model: Model, belief: Vector, fix: Matrix, taken: npt.NDArray[np.bool_]) -> int:
    efficiency = (fix @ belief) / model.plan_cost
    efficiency[model.ends] = float(belief.sum()) / model.plan_cost[model.ends]
    efficiency[taken] = -np.inf
    return int(efficiency.argmax())


def askable(model: Model, evidence: Evidence, variable: Variable) -> bool:
    if evidence.settled(variable.id):
        return False
    for other, values in variable.requires.items():
        if evidence.observed.get(other) not in values:
            return False
    return not any(evidence.observed.get(o) in v for o, v in variable.excluded_by.items())


def _taken(model: Model, evidence: Evidence) -> npt.NDArray[np.bool_]:
    taken = np.zeros(len(model.steps), dtype=bool)
    for step in evidence.failed_steps:
        taken[model.step_index(step)] = True
    return taken


def propose(
    model: Model,
    evidence: Evidence,
    *,
    allow: frozenset[str] = frozenset({"question", "probe"}),
) -> Proposal:
    """The next action. ``allow`` limits which kinds of observation may be proposed
    (an owner without a computer gets no probes)."""
    belief = posterior(model, evidence)
    fix = model.fix_matrix(evidence.observed)
    taken = _taken(model, evidence)
    top = tuple(ranking(model, belief, top=5))

    candidates = [
        v for v in model.variables.values() if v.kind in allow and askable(model, evidence, v)
    ]
    rows = [belief]
    spans: list[tuple[Variable, int, int]] = []
    for variable in candidates:
        start = len(rows)
        rows.extend(belief * variable.table)
        spans.append((variable, start, len(rows)))
    costs = expected_repair_costs(model, np.vstack(rows), fix, taken)
    ecr_now = float(costs[0])

    best: tuple[float, Variable] | None = None
    for variable, start, end in spans:
        after = (1.0 - variable.p_unknown) * float(costs[start:end].sum())
        after += variable.p_unknown * ecr_now
        expected = variable.cost + after
        if best is None or expected < best[0]:
            best = (expected, variable)
    if best is not None and best[0] < ecr_now - MIN_SAVING:
        expected, variable = best
        favourite, p_fav = top[0]
        return Proposal(
            kind="question" if variable.kind == "question" else "probe",
            id=variable.id,
            reason=why_observe(model, variable, ecr_now - expected, top),
            cause=favourite,
            probability=p_fav,
            expected_cost=ecr_now,
            ranking=top,
        )

    step = best_step(model, belief, fix, taken)
    contributions = fix[step] * belief
    cause = int(contributions.argmax()) if not model.ends[step] else int(belief.argmax())
    p_fix = float(contributions.sum()) if not model.ends[step] else 1.0
    return Proposal(
        kind="escalate" if model.ends[step] else "step",
        id=model.steps[step],
        reason=why_cause(model, evidence, belief, model.steps[step], cause, p_fix),
        cause=model.causes[cause],
        probability=p_fix,
        expected_cost=ecr_now,
        ranking=top,
    )
