"""What to do next: ask, check, repair, or hand over to support.

Repair order follows the *updating efficiency* P(a fixes | e) / cost(a): take the
most efficient step, and if it fails, condition on that failure and choose again.
ECR*(e) is the expected cost of repair of that sequence. A question or check q is
worth its cost when (Heckerman, Breese & Rommelse 1995, myopic value of information)

    C_q + Σ_v P(q = v | e) · ECR*(e, q = v)  <  ECR*(e)

where "don't know" is one of the outcomes v, with the probabilities the belief uses
(belief.py): P(v | e) = Σ_h P(h | e) P(v | h)(1 − r(h)), the odds of r(h) scaled by the
owner's λ. contact_support ends every run, so the sequence always terminates, and
escalation is simply the cheapest thing left to do once no home repair is worth its time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from kasa_doctor.engine.belief import hypothesis_posterior, owner_unknown_odds, ranking
from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.explain import why_cause, why_observe
from kasa_doctor.engine.model import Matrix, Model, Variable, Vector

Kind = Literal["question", "probe", "step", "escalate"]

#: a question must save at least this many owner-minutes (a few seconds, not rounding noise)
MIN_SAVING = 0.05
#: questions considered for the second step of the look-ahead
LOOKAHEAD_WIDTH = 6


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
        expected = mass @ model.cost_by_cause.T  # mass-weighted cost of each step
        efficiency = (mass @ fix.T) / np.maximum(expected, 1e-12)
        efficiency[used] = -np.inf
        choice = efficiency.argmax(axis=1)
        total += expected[rows, choice]
        mass *= 1.0 - fix[choice]
        used[rows, choice] = True
    return total


def _two_step_values(
    model: Model,
    belief: Vector,
    fix: Matrix,
    taken: npt.NDArray[np.bool_],
    shortlist: list[tuple[Variable, int, int]],
    costs: Vector,
    outcomes: Callable[[Variable], Matrix],
) -> dict[str, float]:
    """Expected cost of asking q1 and then, for each of its outcomes ("don't know"
    included), the better of repairing at once or asking one more question q2 — a
    two-step look-ahead.

    Myopic value of information undervalues questions that only pay off together
    (the band *and* the security mode); looking one question further catches most of
    them at a cost of a few hundred extra ECR rows. Rows stay unnormalised, so every
    cost below is already weighted by the probability of reaching it.
    ``outcomes(q)``: q's (answers + "don't know") x hypotheses outcome matrix.
    """
    rows: list[Vector] = []
    index: dict[tuple[str, int, str], tuple[int, int]] = {}
    first_rows: dict[str, Matrix] = {}
    for first, _, _ in shortlist:
        first_rows[first.id] = belief * outcomes(first)
        for k, after_first in enumerate(first_rows[first.id]):
            for second, _, _ in shortlist:
                if second.id == first.id:
                    continue
                start = len(rows)
                rows.extend(after_first * outcomes(second))
                index[(first.id, k, second.id)] = (start, len(rows))
    deep = expected_repair_costs(model, np.vstack(rows), fix, taken) if rows else np.zeros(0)
    values: dict[str, float] = {}
    for first, s1, _ in shortlist:
        expected = 0.0
        for k, after_first in enumerate(first_rows[first.id]):
            mass = float(after_first.sum())
            stop = float(costs[s1 + k])
            best = stop
            for second, _, _ in shortlist:
                if second.id == first.id:
                    continue
                start, end = index[(first.id, k, second.id)]
                best = min(best, second.cost * mass + float(deep[start:end].sum()))
            expected += best
        values[first.id] = first.cost + expected
    return values


def best_step(model: Model, belief: Vector, fix: Matrix, taken: npt.NDArray[np.bool_]) -> int:
    expected = model.cost_by_cause @ belief
    efficiency = (fix @ belief) / expected
    efficiency[model.ends] = float(belief.sum()) / expected[model.ends]
    efficiency[taken] = -np.inf
    return int(efficiency.argmax())


def askable(model: Model, evidence: Evidence, variable: Variable) -> bool:
    if evidence.settled(variable.id):
        return False
    if variable.group == "camera":
        family = model.kb.family_for_model(evidence.model)
        support = family.live_support if family is not None else "full"
        if support == "none" or (support == "sysinfo" and not variable.sysinfo):
            return False
    for other, values in variable.requires.items():
        if evidence.observed.get(other) not in values:
            return False
    return not any(evidence.observed.get(o) in v for o, v in variable.excluded_by.items())


def _taken(model: Model, evidence: Evidence) -> npt.NDArray[np.bool_]:
    taken = np.zeros(len(model.steps), dtype=bool)
    for step in (*evidence.failed_steps, *evidence.skipped_steps):
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
    odds = owner_unknown_odds(model, evidence)
    belief = hypothesis_posterior(model, evidence, odds)  # over hypotheses (variants apart)
    fix = model.fix_matrix(evidence.observed)
    taken = _taken(model, evidence)
    top = tuple(ranking(model, model.to_causes(belief), top=5))

    candidates = [
        v for v in model.variables.values() if v.kind in allow and askable(model, evidence, v)
    ]

    # P(outcome | h) for each answer and "don't know" (last row): the belief's model
    table = {v.id: v.outcomes(odds if v.kind == "question" else 1.0) for v in candidates}

    def outcomes(variable: Variable) -> Matrix:
        return table[variable.id]

    rows = [belief]
    spans: list[tuple[Variable, int, int]] = []
    for variable in candidates:
        start = len(rows)
        rows.extend(belief * outcomes(variable))
        spans.append((variable, start, len(rows)))
    costs = expected_repair_costs(model, np.vstack(rows), fix, taken)
    ecr_now = float(costs[0])

    myopic: dict[str, float] = {}
    for variable, start, end in spans:
        myopic[variable.id] = variable.cost + float(costs[start:end].sum())
    shortlist = sorted(spans, key=lambda span: myopic[span[0].id])[:LOOKAHEAD_WIDTH]
    values = _two_step_values(model, belief, fix, taken, shortlist, costs, outcomes)
    best: tuple[float, Variable] | None = None
    for variable, _, _ in shortlist:
        if best is None or values[variable.id] < best[0]:
            best = (values[variable.id], variable)
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
    contributions = model.to_causes(fix[step] * belief)
    cause = (
        int(contributions.argmax())
        if not model.ends[step]
        else int(model.to_causes(belief).argmax())
    )
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
