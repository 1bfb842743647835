"""The engine's maths against small cases computed by hand."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from kasa_doctor.engine.belief import owner_unknown_odds, posterior
from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.planner import expected_repair_costs, propose
from tests.engine.kbfactory import tiny_model


def test_posterior_follows_bayes_rule(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        priors={"a": 0.7, "b": 0.3},
        steps={"fix_a": (1, {"a": 1.0}), "fix_b": (1, {"b": 1.0})},
        questions={"q": {"a": 0.2, "b": 0.9}},
    )
    belief = posterior(model, Evidence(observed={"q": "yes"}))
    # P(a | yes) = 0.7*0.2 / (0.7*0.2 + 0.3*0.9)
    assert belief[model.cause_index("a")] == pytest.approx(0.14 / 0.41)
    assert belief.sum() == pytest.approx(1.0)


def test_dont_know_adds_nothing(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        priors={"a": 0.7, "b": 0.3},
        steps={"fix_a": (1, {"a": 1.0}), "fix_b": (1, {"b": 1.0})},
        questions={"q": {"a": 0.2, "b": 0.9}},
    )
    before = posterior(model, Evidence())
    after = posterior(model, Evidence(unknown={"q"}))
    assert np.allclose(before, after)
    assert before[model.cause_index("a")] == pytest.approx(0.7)


def test_failed_step_is_evidence(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        priors={"a": 0.5, "b": 0.5},
        steps={"s": (1, {"a": 0.8, "b": 0.1})},
    )
    belief = posterior(model, Evidence(failed_steps=["s"]))
    # P(a | s failed) = 0.5*0.2 / (0.5*0.2 + 0.5*0.9)
    assert belief[model.cause_index("a")] == pytest.approx(0.1 / 0.55)


def test_expected_cost_of_repair_by_hand(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        priors={"a": 0.6, "b": 0.4},
        steps={"fix_a": (10, {"a": 1.0}), "fix_b": (2, {"b": 1.0})},
    )
    belief = posterior(model, Evidence())
    taken = np.zeros(len(model.steps), dtype=bool)
    ecr = expected_repair_costs(model, belief[None, :], model.fix, taken)[0]
    # efficiencies: fix_a 0.6/10 = 0.06, fix_b 0.4/2 = 0.2 -> fix_b first, then fix_a
    assert ecr == pytest.approx(2 + 0.6 * 10)
    first = propose(model, Evidence())
    assert (first.kind, first.id) == ("step", "fix_b")


@pytest.mark.parametrize("seed", range(20))
def test_efficiency_order_is_optimal_without_questions(tmp_path: Path, seed: int) -> None:
    """Single fault, each step fixes exactly one cause: p/c order minimises the
    expected cost (Kadane & Simon), so it must equal the best of all orders."""
    rng = np.random.default_rng(seed)
    n = 5
    priors = {f"c{i}": float(p) for i, p in enumerate(rng.dirichlet(np.ones(n)))}
    costs = [float(c) for c in rng.uniform(1, 20, n)]
    steps = {f"s{i}": (costs[i], {f"c{i}": 1.0}) for i in range(n)}
    model = tiny_model(tmp_path, priors=priors, steps=steps)
    belief = posterior(model, Evidence())
    taken = np.zeros(len(model.steps), dtype=bool)
    ecr = expected_repair_costs(model, belief[None, :], model.fix, taken)[0]

    def cost_of(order: tuple[int, ...]) -> float:
        remaining, total = 1.0, 0.0
        for i in order:
            total += costs[i] * remaining
            remaining -= priors[f"c{i}"]
        return total

    best = min(cost_of(order) for order in itertools.permutations(range(n)))
    assert ecr == pytest.approx(best)


def test_question_asked_only_when_worth_its_cost(tmp_path: Path) -> None:
    steps = {"fix_a": (10, {"a": 1.0}), "fix_b": (10, {"b": 1.0})}
    question = {"q": {"a": 0.95, "b": 0.05}}
    cheap = tiny_model(
        tmp_path / "cheap",
        priors={"a": 0.5, "b": 0.5},
        steps=steps,
        questions=question,
        question_cost=0.5,
    )
    # Without q: ECR = 10 + 0.5*10 = 15; with q: 0.5 + ~10.5 -> ask.
    assert propose(cheap, Evidence()).kind == "question"
    dear = tiny_model(
        tmp_path / "dear",
        priors={"a": 0.5, "b": 0.5},
        steps=steps,
        questions=question,
        question_cost=6.0,
    )
    assert propose(dear, Evidence()).kind == "step"


def test_voi_matches_hand_computation(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        priors={"a": 0.5, "b": 0.5},
        steps={"fix_a": (10, {"a": 1.0}), "fix_b": (10, {"b": 1.0})},
        questions={"q": {"a": 0.9, "b": 0.1}},
        question_cost=0.5,
    )
    proposal = propose(model, Evidence())
    assert proposal.kind == "question"
    # ECR*(e) = 10 + 0.5 * 10 = 15
    assert proposal.expected_cost == pytest.approx(15.0)
    # after yes (P=0.5): P(a)=0.9 -> 10 + 0.1*10 = 11; after no: the same by symmetry
    # so the expected saving is 15 - (0.5 + 11) = 3.5 minutes
    assert "3.5 minutes" in proposal.reason


def test_escalates_when_nothing_at_home_is_worth_it(tmp_path: Path) -> None:
    model = tiny_model(
        tmp_path,
        priors={"a": 0.5, "broken": 0.5},
        steps={"fix_a": (5, {"a": 0.9})},
        support_cost=15.0,
        support_fixes={"broken": 1.0},
    )
    first = propose(model, Evidence())
    assert first.kind == "step"
    after = propose(model, Evidence(failed_steps=["fix_a"]))
    assert (after.kind, after.id) == ("escalate", "contact_support")


def test_an_owner_is_judged_by_dont_knows_beyond_what_questions_predict(tmp_path: Path) -> None:
    questions = {f"q{i}": {"a": 0.9, "b": 0.1} for i in range(6)}
    model = tiny_model(
        tmp_path,
        priors={"a": 0.5, "b": 0.5},
        steps={"fix_a": (10, {"a": 1.0}), "fix_b": (10, {"b": 1.0})},
        questions=questions,
        p_unknown=0.5,
    )
    # Half "don't know" to questions half of all owners cannot answer is ordinary:
    # it must not be charged again as a forgetful owner.
    ordinary = Evidence(observed={"q0": "yes", "q1": "no"}, unknown={"q2", "q3"})
    assert owner_unknown_odds(model, ordinary) == pytest.approx(1.0)
    # Four of four is two more than predicted: odds (4 + 3) / (2 + 3), shrunk by 3.
    forgetful = Evidence(unknown={"q0", "q1", "q2", "q3"})
    assert owner_unknown_odds(model, forgetful) == pytest.approx(7.0 / 5.0)
    # One who answers all four: (0 + 3) / (2 + 3); later questions expect answers.
    diligent = Evidence(observed={f"q{i}": "yes" for i in range(4)})
    assert owner_unknown_odds(model, diligent) == pytest.approx(3.0 / 5.0)
    assert model.variables["q5"].outcomes(3.0 / 5.0)[-1] == pytest.approx(3 / 8)


def test_dont_know_is_evidence_when_owners_know_their_own_problem(tmp_path: Path) -> None:
    import dataclasses

    from kasa_doctor.engine.model import compile_model
    from kasa_doctor.knowledge.schema import Attention

    plain = tiny_model(
        tmp_path,
        priors={"a": 0.5, "b": 0.5},
        steps={"fix_a": (1, {"a": 1.0}), "fix_b": (1, {"b": 1.0})},
        questions={"q": {"a": 0.9}},  # b keeps the default yes 0.5: q is not about b
        p_unknown=0.1,
    )
    attention = Attention(reason="test", odds_ratio=5.0, full_at=0.2)
    model = compile_model(dataclasses.replace(plain.kb, attention=attention))
    a, b = model.cause_index("a"), model.cause_index("b")
    rho = model.variables["q"].unknown_given()
    # a moves the answer by 0.4 >= full_at: p_unknown; b not at all: odds x 5
    assert rho[a] == pytest.approx(0.1)
    assert rho[b] == pytest.approx(5 / 14)
    evidence = Evidence(unknown={"q"})
    odds = owner_unknown_odds(model, evidence)
    # λ counts the don't-knows against the predicted 0.5·0.1 + 0.5·5/14
    expected = 0.5 * 0.1 + 0.5 * 5 / 14
    assert odds == pytest.approx((1 + 3.0) / (expected + 3.0))
    dk = rho / (1 - rho) * odds / (1 + rho / (1 - rho) * odds)
    after = posterior(model, evidence)
    assert after[a] == pytest.approx(dk[a] / (dk[a] + dk[b]))
    assert after[a] < 0.5
    # the planner's outcome model: rows sum to one, "don't know" last, same P(dk | h)
    outcomes = model.variables["q"].outcomes(odds)
    assert np.allclose(outcomes.sum(axis=0), 1.0)
    assert np.allclose(outcomes[-1], dk)
    # an answer's weight under each cause is P(v | h)(1 − r(h)), as in the belief, with
    # r's odds scaled by this owner's λ (answering all so far: below 1)
    answered = Evidence(observed={"q": "yes"})
    odds = owner_unknown_odds(model, answered)
    # expected "don't know"s under what the answers say: P(a | yes) = 0.9·0.9 / (… + 0.5·9/14)
    p_a = 0.9 * 0.9 / (0.9 * 0.9 + 0.5 * (1 - 5 / 14))
    assert odds == pytest.approx(3.0 / (p_a * 0.1 + (1 - p_a) * 5 / 14 + 3.0))
    r = model.variables["q"].unknown_given(odds)
    yes = posterior(model, answered)
    assert yes[a] == pytest.approx(0.9 * (1 - r[a]) / (0.9 * (1 - r[a]) + 0.5 * (1 - r[b])))
    # a diligent owner's answer favours the cause the question is about less
    assert 0.9 * (1 - r[a]) / (0.5 * (1 - r[b])) < 0.9 * 0.9 / (0.5 * (1 - 5 / 14))


def test_a_telling_dont_know_is_named_among_the_reasons(tmp_path: Path) -> None:
    import dataclasses

    from kasa_doctor.engine.belief import hypothesis_posterior
    from kasa_doctor.engine.explain import evidence_for
    from kasa_doctor.engine.model import compile_model
    from kasa_doctor.knowledge.schema import Attention

    plain = tiny_model(
        tmp_path,
        priors={"a": 0.5, "b": 0.5},
        steps={"fix_a": (1, {"a": 1.0}), "fix_b": (1, {"b": 1.0})},
        questions={"q": {"a": 0.9}},  # about a only
        p_unknown=0.1,
    )
    attention = Attention(reason="test", odds_ratio=5.0, full_at=0.2)
    model = compile_model(dataclasses.replace(plain.kb, attention=attention))
    evidence = Evidence(unknown={"q"})
    belief = hypothesis_posterior(model, evidence)
    # an owner whose problem were a would likely have known: the don't-know speaks for b
    assert any("did not know" in r for r in evidence_for(model, evidence, belief, 1))
    assert not any("did not know" in r for r in evidence_for(model, evidence, belief, 0))
