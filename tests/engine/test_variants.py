"""Cause variants: a cause may come in sub-types with their own answer rows; the engine
reasons with the mixture and only ever names the cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kasa_doctor.engine.belief import hypothesis_posterior, posterior, ranking
from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.model import default_model
from kasa_doctor.engine.planner import propose
from kasa_doctor.engine.session import Session
from kasa_doctor.knowledge.loader import KnowledgeError, load_knowledge
from tests.engine.kbfactory import tiny_model, write_kb

#: cause a shows either both signs (a1) or neither (a2); b answers at random
VARIANTS = {
    "a": [
        {"id": "a1", "share": 0.5, "likelihood": {"q1": {"yes": 0.9}, "q2": {"yes": 0.9}}},
        {"id": "a2", "share": 0.5, "likelihood": {"q1": {"yes": 0.1}, "q2": {"yes": 0.1}}},
    ]
}


def _model(folder: Path, **extra: Any) -> Any:
    return tiny_model(
        folder,
        priors={"a": 0.5, "b": 0.5},
        steps={"fix_a": (1, {"a": 1.0}), "fix_b": (2, {"b": 1.0})},
        # the cause's own rows: the marginal of its two variants (0.5 each)
        questions={"q1": {"a": 0.5, "b": 0.5}, "q2": {"a": 0.5, "b": 0.5}},
        variants=VARIANTS,
        **extra,
    )


def test_posterior_is_the_mixture_of_the_variants(tmp_path: Path) -> None:
    model = _model(tmp_path)
    assert model.causes == ("a", "b")
    assert model.hypotheses == ("a/a1", "a/a2", "b")
    belief = posterior(model, Evidence(observed={"q1": "yes", "q2": "yes"}))
    # P(yes, yes | a) = 0.5·0.9·0.9 + 0.5·0.1·0.1 = 0.41; P(yes, yes | b) = 0.25
    assert belief[model.cause_index("a")] == pytest.approx(0.41 / 0.66)
    assert belief.sum() == pytest.approx(1.0)
    # one answer alone says nothing: each variant's share balances the other
    one = posterior(model, Evidence(observed={"q1": "yes"}))
    assert one[model.cause_index("a")] == pytest.approx(0.5)
    # inside the cause, the variant that explains both answers takes over
    inner = hypothesis_posterior(model, Evidence(observed={"q1": "yes", "q2": "yes"}))
    assert inner[0] / inner[1] == pytest.approx(81.0)


def test_without_variants_the_answers_would_count_twice(tmp_path: Path) -> None:
    flat = tiny_model(
        tmp_path,
        priors={"a": 0.5, "b": 0.5},
        steps={"fix_a": (1, {"a": 1.0}), "fix_b": (2, {"b": 1.0})},
        questions={"q1": {"a": 0.5, "b": 0.5}, "q2": {"a": 0.5, "b": 0.5}},
    )
    assert flat.hypotheses == flat.causes
    belief = posterior(flat, Evidence(observed={"q1": "yes", "q2": "yes"}))
    assert belief[flat.cause_index("a")] == pytest.approx(0.5)


def test_failed_step_lowers_every_variant_of_its_cause(tmp_path: Path) -> None:
    model = _model(tmp_path)
    belief = posterior(model, Evidence(failed_steps=["fix_a"]))
    assert belief[model.cause_index("a")] == pytest.approx(0.0, abs=1e-12)


def test_rankings_and_proposals_name_causes_only(tmp_path: Path) -> None:
    model = _model(tmp_path)
    evidence = Evidence(observed={"q1": "yes"})
    ranked = ranking(model, posterior(model, evidence))
    assert sorted(c for c, _ in ranked) == ["a", "b"]
    # a belief over hypotheses is folded before ranking
    assert ranking(model, hypothesis_posterior(model, evidence)) == pytest.approx(ranked)
    proposal = propose(model, evidence)
    assert {c for c, _ in proposal.ranking} <= set(model.causes)
    assert proposal.cause in model.causes
    assert "/" not in proposal.reason
    session = Session(engine=model)
    session.observe("q1", "yes")
    assert [c for c, _ in session.belief()] == [c for c, _ in ranked]


def test_knowledge_base_variants_stay_behind_the_causes() -> None:
    model = default_model()
    assert len(model.hypotheses) > len(model.causes)  # causes.yaml declares variants
    belief = hypothesis_posterior(model, Evidence(model="C200", led="red_slow_blink"))
    assert np.allclose(
        model.to_causes(belief), posterior(model, Evidence("C200", "red_slow_blink"))
    )
    for cause, _ in Session(model_name="C200", led="red_slow_blink").belief():
        assert cause in model.causes
    proposal = Session(model_name="KC410S", led="amber_blink").propose()
    assert proposal.cause in model.causes
    assert all(c in model.causes for c, _ in proposal.ranking)


def _broken(tmp_path: Path, variants: list[dict[str, Any]]) -> str:
    folder = write_kb(
        tmp_path,
        priors={"a": 0.5, "b": 0.5},
        steps={"fix_a": (1, {"a": 1.0}), "fix_b": (2, {"b": 1.0})},
        questions={"q1": {"a": 0.5}},
        variants={"a": variants},
    )
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(folder)
    problems = info.value.problems
    assert all(p.startswith("causes.yaml:") for p in problems)
    return "\n".join(problems)


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ([{"id": "x", "share": 0.5}, {"id": "y", "share": 0.3}], "shares add up to 0.8"),
        ([{"id": "x", "share": 1.0}], "at least two"),
        ([{"id": "x", "share": 0.5}, {"id": "x", "share": 0.5}], "duplicate variant id"),
        (
            [
                {"id": "x", "share": 0.5, "likelihood": {"nope": {"yes": 0.5}}},
                {"id": "y", "share": 0.5},
            ],
            "unknown question or probe 'nope'",
        ),
        (
            [
                {"id": "x", "share": 0.5, "likelihood": {"q1": {"maybe": 0.5}}},
                {"id": "y", "share": 0.5},
            ],
            "q1 has no answer(s) ['maybe']",
        ),
        (
            [
                {"id": "x", "share": 0.5, "likelihood": {"q1": {"yes": 1.5}}},
                {"id": "y", "share": 0.5},
            ],
            "less than or equal to 1",
        ),
    ],
)
def test_kb_check_refuses_broken_variants(
    tmp_path: Path, variants: list[dict[str, Any]], message: str
) -> None:
    assert message in _broken(tmp_path, variants)


def test_kb_check_names_the_line(tmp_path: Path) -> None:
    text = _broken(
        tmp_path,
        [
            {"id": "x", "share": 0.5, "likelihood": {"nope": {"yes": 0.5}}},
            {"id": "y", "share": 0.5},
        ],
    )
    lines = (tmp_path / "causes.yaml").read_text().splitlines()
    line = int(text.split(":")[1])
    assert lines[line - 1].strip() == "nope:"
    # a share problem names the cause that declares the variants
    text = _broken(tmp_path / "shares", [{"id": "x", "share": 0.5}, {"id": "y", "share": 0.3}])
    lines = (tmp_path / "shares" / "causes.yaml").read_text().splitlines()
    assert lines[int(text.split(":")[1]) - 1].strip() == "- id: a"
