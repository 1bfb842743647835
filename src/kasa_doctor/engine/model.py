"""The knowledge base turned into arrays the engine computes with.

Built once per knowledge base; everything here is read-only afterwards.

Internally the engine reasons over *hypotheses*: one per cause, or one per variant of a
cause that declares variants (causes.yaml). A variant carries its share of the cause's
prior and its own P(answer | variant) for some questions and probes; everything else
(light tables, fix chances, harm) it inherits from its cause. Every array below with a
cause axis is over hypotheses; ``parent`` maps each hypothesis to its cause and
``to_causes`` sums a belief back to the causes, which is all the outside world sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

from kasa_doctor.knowledge.loader import KnowledgeBase, default_knowledge
from kasa_doctor.knowledge.schema import Attention, Family, Variant

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Variable:
    """A question or a probe: P(value | hypothesis) as a (values x hypotheses) matrix."""

    id: str
    kind: str  # "question" | "probe"
    values: tuple[str, ...]
    table: Matrix
    cost: float
    p_unknown: float
    requires: dict[str, frozenset[str]]
    excluded_by: dict[str, frozenset[str]]
    group: str | None
    #: readable on cameras python-kasa only knows by their discovery sysinfo
    sysinfo: bool = False
    #: P(don't know | hypothesis) from the question itself (questions.yaml `attention`);
    #: None: p_unknown whatever the cause, so a "don't know" carries no evidence
    dont_know: Vector | None = None

    def likelihood(self, value: str) -> Vector:
        row: Vector = self.table[self.values.index(value)]
        return row

    def unknown_given(self, odds: float = 1.0) -> Vector:
        """P(don't know | h) from the question itself, its odds times ``odds`` (an
        owner's own readiness to answer: below 1 for one who answers everything)."""
        rates = (
            self.dont_know
            if self.dont_know is not None
            else np.full(self.table.shape[1], self.p_unknown)
        )
        if odds == 1.0:
            return rates
        scaled = rates / np.maximum(1.0 - rates, 1e-12) * odds
        result: Vector = scaled / (1.0 + scaled)
        return result

    def answered(self, value: str, odds: float = 1.0) -> Vector:
        """P(the owner answers ``value`` | h): P(v | h) · (1 − P(don't know | h))."""
        row: Vector = self.likelihood(value) * (1.0 - self.unknown_given(odds))
        return row

    def outcomes(self, odds: float = 1.0) -> Matrix:
        """(values + 1) x hypotheses: P(answer v | h) for each value, then P(don't know | h),
        with the odds of "don't know" scaled by the owner's ``odds``. The belief's model,
        so planning and updating agree."""
        unknown = self.unknown_given(odds)
        return np.vstack([self.table * (1.0 - unknown), unknown])


@dataclass(frozen=True)
class FixRule:
    when: dict[str, frozenset[str]]
    step: int
    #: the hypotheses (every variant of each cause named) and their chances
    cause_index: tuple[int, ...]
    chances: tuple[float, ...]


@dataclass(frozen=True)
class Model:
    kb: KnowledgeBase
    causes: tuple[str, ...]
    #: "cause" or "cause/variant", one per hypothesis
    hypotheses: tuple[str, ...]
    #: hypothesis -> index of its cause in ``causes``
    parent: npt.NDArray[np.intp]
    prior: Vector  # over hypotheses, normalised, before any family factor
    variables: dict[str, Variable]
    steps: tuple[str, ...]
    step_cost: Vector  # minutes the owner spends
    plan_cost: Vector  # minutes plus the risk of destroying settings/recordings
    #: steps x hypotheses: what planning charges for a step under each cause — plan_cost
    #: plus the harm a step does when that is the cause
    cost_by_cause: Matrix
    fix: Matrix  # steps x hypotheses: P(step fixes | cause)
    ends: npt.NDArray[np.bool_]  # steps that end the session (contact support)
    fix_rules: tuple[FixRule, ...]
    leds: tuple[str, ...]
    _led_tables: dict[str, Matrix] = field(default_factory=dict, repr=False)
    _family_priors: dict[str, Vector] = field(default_factory=dict, repr=False)

    def cause_index(self, cause: str) -> int:
        return self.causes.index(cause)

    def to_causes(self, belief: Vector) -> Vector:
        """A belief over hypotheses summed up to the causes (variants folded in)."""
        if len(self.hypotheses) == len(self.causes):
            return belief
        folded = np.bincount(self.parent, weights=belief, minlength=len(self.causes))
        return np.asarray(folded, dtype=np.float64)

    def step_index(self, step: str) -> int:
        return self.steps.index(step)

    def led_table(self, family_id: str) -> Matrix:
        """(lights x hypotheses): P(light | cause) within one family."""
        return self._led_tables[family_id]

    def family_prior(self, family_id: str) -> Vector:
        return self._family_priors[family_id]

    def prior_and_led(self, family: Family | None, led: str | None) -> Vector:
        """P(cause, light) up to a constant: the starting point of every belief.

        For an unknown model it is a mixture over the families weighted by their share,
        so a light that means different things on different models stays ambiguous.
        """
        families = [family] if family is not None else self.kb.families
        weights = np.array([f.share for f in families] if family is None else [1.0])
        weights = weights / weights.sum()
        total = np.zeros(len(self.hypotheses))
        for weight, fam in zip(weights, families, strict=True):
            part = self._family_priors[fam.id].copy()
            if led is not None:
                part = part * self._led_tables[fam.id][self.leds.index(led)]
            total += weight * part
        return total

    def fix_matrix(self, observed: dict[str, str]) -> Matrix:
        """P(step fixes | cause) given what is already known."""
        if not self.fix_rules:
            return self.fix
        fix = self.fix
        for rule in self.fix_rules:
            if all(observed.get(var) in values for var, values in rule.when.items()):
                if fix is self.fix:
                    fix = self.fix.copy()
                fix[rule.step, list(rule.cause_index)] = rule.chances
        return fix


def _distribution(values: tuple[str, ...], dist: object) -> list[float]:
    from kasa_doctor.knowledge.schema import Distribution

    assert isinstance(dist, Distribution)
    full = dist.complete(list(values))
    return [full[v] for v in values]


def _dont_know_rates(
    attention: Attention, p_unknown: float, values: tuple[str, ...], default: object, table: Matrix
) -> Vector:
    """P(don't know | h) when owners know what touches their own problem
    (schema.Attention): the odds of p_unknown, times odds_ratio for a cause that leaves
    the answer as it would be anyway, in proportion to how little it moves it."""
    base = np.array(_distribution(values, default), dtype=float)
    base = np.clip(base, 1e-3, None)
    base /= base.sum()
    distance = 0.5 * np.abs(table - base[:, None]).sum(axis=0)
    untouched = 1.0 - np.minimum(1.0, distance / attention.full_at)
    p = min(max(p_unknown, 1e-6), 1.0 - 1e-6)
    odds = p / (1.0 - p) * attention.odds_ratio**untouched
    rates: Vector = odds / (1.0 + odds)
    return rates


def compile_model(kb: KnowledgeBase) -> Model:
    causes = tuple(c.id for c in kb.causes)
    # hypotheses: (cause index, variant or None, share of the cause's prior)
    hyps: list[tuple[int, Variant | None, float]] = []
    for i, cause_item in enumerate(kb.causes):
        if cause_item.variants:
            hyps.extend((i, v, v.share) for v in cause_item.variants)
        else:
            hyps.append((i, None, 1.0))
    parent = np.array([i for i, _, _ in hyps], dtype=np.intp)
    hypotheses = tuple(causes[i] if v is None else f"{causes[i]}/{v.id}" for i, v, _ in hyps)
    prior = np.array([kb.causes[i].prior * share for i, _, share in hyps], dtype=float)
    prior /= prior.sum()

    variables: dict[str, Variable] = {}
    for kind, items in (("question", kb.questions), ("probe", kb.probes)):
        for item in items:
            values = tuple(item.answers)
            table = np.array(
                [
                    _distribution(
                        values,
                        v.likelihood[item.id]
                        if v is not None and item.id in v.likelihood
                        else item.likelihood.get(causes[i], item.default),
                    )
                    for i, v, _ in hyps
                ],
                dtype=float,
            ).T
            # Never let an answer be impossible: owners misremember and checks misread.
            table = np.clip(table, 1e-3, None)
            table /= table.sum(axis=0, keepdims=True)
            excluded = getattr(item, "excluded_by", {})
            dont_know = None
            if kind == "question" and kb.attention is not None:
                dont_know = _dont_know_rates(
                    kb.attention, item.p_unknown, values, item.default, table
                )
            variables[item.id] = Variable(
                id=item.id,
                kind=kind,
                values=values,
                table=table,
                cost=item.cost,
                p_unknown=item.p_unknown,
                requires={k: frozenset(v) for k, v in item.requires.items()},
                excluded_by={k: frozenset(v) for k, v in excluded.items()},
                group=getattr(item, "group", None),
                sysinfo=getattr(item, "sysinfo", False),
                dont_know=dont_know,
            )

    steps = tuple(st.id for st in kb.steps)
    step_cost = np.array([st.cost for st in kb.steps], dtype=float)
    plan_cost = np.array([st.cost + st.risk_cost for st in kb.steps], dtype=float)
    ends = np.array([st.ends_session for st in kb.steps], dtype=bool)
    fix = np.array(
        [[kb.fixes[sid].causes.get(c, kb.fixes[sid].default) for c in causes] for sid in steps],
        dtype=float,
    )[:, parent]
    harm = np.array(
        [[kb.fixes[sid].harm.get(c, 0.0) for c in causes] for sid in steps], dtype=float
    )[:, parent]
    rules = []
    for sid in steps:
        for cond in kb.fixes[sid].conditions:
            # a condition on a cause applies to every variant of it
            pairs = [
                (h, cond.causes[c])
                for c in cond.causes
                for h in np.flatnonzero(parent == causes.index(c))
            ]
            rules.append(
                FixRule(
                    when={k: frozenset(v) for k, v in cond.when.items()},
                    step=steps.index(sid),
                    cause_index=tuple(int(h) for h, _ in pairs),
                    chances=tuple(p for _, p in pairs),
                )
            )

    leds = tuple(p.id for p in kb.patterns)
    led_tables: dict[str, Matrix] = {}
    family_priors: dict[str, Vector] = {}
    for fam in kb.families:
        weights = np.full((len(leds), len(causes)), fam.default_weight, dtype=float)
        for row in fam.leds:
            for cause, weight in row.weights.items():
                weights[leds.index(row.led), causes.index(cause)] = weight
        column = weights.sum(axis=0, keepdims=True)
        led_tables[fam.id] = (weights / np.where(column > 0, column, 1.0))[:, parent]
        factor = np.array([fam.prior_factor.get(c, 1.0) for c in causes], dtype=float)[parent]
        fam_prior = prior * factor
        family_priors[fam.id] = fam_prior / fam_prior.sum()

    return Model(
        kb=kb,
        causes=causes,
        hypotheses=hypotheses,
        parent=parent,
        prior=prior,
        variables=variables,
        steps=steps,
        step_cost=step_cost,
        plan_cost=plan_cost,
        cost_by_cause=plan_cost[:, None] + harm,
        fix=fix,
        ends=ends,
        fix_rules=tuple(rules),
        leds=leds,
        _led_tables=led_tables,
        _family_priors=family_priors,
    )


@cache
def default_model() -> Model:
    return compile_model(default_knowledge())
