"""The knowledge base turned into arrays the engine computes with.

Built once per knowledge base; everything here is read-only afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

from kasa_doctor.knowledge.loader import KnowledgeBase, default_knowledge
from kasa_doctor.knowledge.schema import Family

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Variable:
    """A question or a probe: P(value | cause) as a (values x causes) matrix."""

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

    def likelihood(self, value: str) -> Vector:
        row: Vector = self.table[self.values.index(value)]
        return row


@dataclass(frozen=True)
class FixRule:
    when: dict[str, frozenset[str]]
    step: int
    cause_index: tuple[int, ...]
    chances: tuple[float, ...]


@dataclass(frozen=True)
class Model:
    kb: KnowledgeBase
    causes: tuple[str, ...]
    prior: Vector  # normalised over causes, before any family factor
    variables: dict[str, Variable]
    steps: tuple[str, ...]
    step_cost: Vector  # minutes the owner spends
    plan_cost: Vector  # minutes plus the risk of destroying settings/recordings
    #: steps x causes: what planning charges for a step under each cause — plan_cost
    #: plus the harm a step does when that is the cause
    cost_by_cause: Matrix
    fix: Matrix  # steps x causes: P(step fixes | cause)
    ends: npt.NDArray[np.bool_]  # steps that end the session (contact support)
    fix_rules: tuple[FixRule, ...]
    leds: tuple[str, ...]
    _led_tables: dict[str, Matrix] = field(default_factory=dict, repr=False)
    _family_priors: dict[str, Vector] = field(default_factory=dict, repr=False)

    def cause_index(self, cause: str) -> int:
        return self.causes.index(cause)

    def step_index(self, step: str) -> int:
        return self.steps.index(step)

    def led_table(self, family_id: str) -> Matrix:
        """(lights x causes): P(light | cause) within one family."""
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
        total = np.zeros(len(self.causes))
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


def compile_model(kb: KnowledgeBase) -> Model:
    causes = tuple(c.id for c in kb.causes)
    prior = np.array([c.prior for c in kb.causes], dtype=float)
    prior /= prior.sum()

    variables: dict[str, Variable] = {}
    for kind, items in (("question", kb.questions), ("probe", kb.probes)):
        for item in items:
            values = tuple(item.answers)
            table = np.array(
                [_distribution(values, item.likelihood.get(c, item.default)) for c in causes],
                dtype=float,
            ).T
            # Never let an answer be impossible: owners misremember and checks misread.
            table = np.clip(table, 1e-3, None)
            table /= table.sum(axis=0, keepdims=True)
            excluded = getattr(item, "excluded_by", {})
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
            )

    steps = tuple(st.id for st in kb.steps)
    step_cost = np.array([st.cost for st in kb.steps], dtype=float)
    plan_cost = np.array([st.cost + st.risk_cost for st in kb.steps], dtype=float)
    ends = np.array([st.ends_session for st in kb.steps], dtype=bool)
    fix = np.array(
        [[kb.fixes[sid].causes.get(c, kb.fixes[sid].default) for c in causes] for sid in steps],
        dtype=float,
    )
    harm = np.array(
        [[kb.fixes[sid].harm.get(c, 0.0) for c in causes] for sid in steps], dtype=float
    )
    rules = []
    for sid in steps:
        for cond in kb.fixes[sid].conditions:
            idx = tuple(causes.index(c) for c in cond.causes)
            rules.append(
                FixRule(
                    when={k: frozenset(v) for k, v in cond.when.items()},
                    step=steps.index(sid),
                    cause_index=idx,
                    chances=tuple(cond.causes[c] for c in cond.causes),
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
        led_tables[fam.id] = weights / np.where(column > 0, column, 1.0)
        factor = np.array([fam.prior_factor.get(c, 1.0) for c in causes], dtype=float)
        fam_prior = prior * factor
        family_priors[fam.id] = fam_prior / fam_prior.sum()

    return Model(
        kb=kb,
        causes=causes,
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
