"""Plain-words reasons: which pieces of evidence moved the belief, and why we ask."""

from __future__ import annotations

import math

import numpy as np

from kasa_doctor.engine.belief import owner_unknown_odds
from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.model import Model, Variable, Vector


def describe_observation(model: Model, variable: str, value: str) -> str:
    """``"router or internet box replaced recently: yes"`` style wording."""
    var = model.variables[variable]
    label = (
        model.kb.question(variable).answers[value]
        if var.kind == "question"
        else model.kb.probe(variable).answers[value]
    )
    if var.kind == "question":
        text = model.kb.question(variable).text.rstrip("?")
        return f"“{text}” — {label}"
    return f"{model.kb.probe(variable).title.lower()}: {label}"


def _against_rest(model: Model, belief: Vector, likelihood: Vector, cause: int) -> float:
    """log of how much more likely this evidence is under ``cause`` than under the
    other causes as currently believed. ``belief`` and ``likelihood`` are over
    hypotheses: a cause with variants speaks through the mixture of its variants."""
    mine = model.parent == cause
    own = belief * mine
    rest = belief * ~mine
    own_total, rest_total = float(own.sum()), float(rest.sum())
    if rest_total <= 0.0:
        return 0.0
    other = float((rest * likelihood).sum()) / rest_total
    if own_total > 0.0:
        here = float((own * likelihood).sum()) / own_total
    else:  # ruled out: the plain average of its variants
        here = float(likelihood[mine].mean())
    return math.log(max(here, 1e-12) / max(other, 1e-12))


def evidence_for(
    model: Model, evidence: Evidence, belief: Vector, cause: int, limit: int = 3
) -> list[str]:
    """The pieces of evidence that speak most for ``cause`` (an index into
    ``model.causes``; ``belief`` is over hypotheses), strongest first."""
    scored: list[tuple[float, str]] = []
    if evidence.led is not None:
        family = model.kb.family_for_model(evidence.model)
        fams = [family] if family is not None else model.kb.families
        led = np.mean([model.led_table(f.id)[model.leds.index(evidence.led)] for f in fams], 0)
        name = model.kb.pattern(evidence.led).looks_like.split(";")[0].split(".")[0]
        scored.append((_against_rest(model, belief, led, cause), f"the light: {name.lower()}"))
    odds = owner_unknown_odds(model, evidence)
    for variable, value in evidence.observed.items():
        # the weight the belief gives it: an answer also says the owner knew
        var = model.variables[variable]
        likelihood = var.answered(value, odds if var.kind == "question" else 1.0)
        score = _against_rest(model, belief, likelihood, cause)
        scored.append((score, describe_observation(model, variable, value)))
    for name in sorted(evidence.unknown):
        var = model.variables[name]
        if var.kind == "question" and var.dont_know is not None:
            dont_know = var.unknown_given(odds)
            text = model.kb.question(name).text
            scored.append(
                (_against_rest(model, belief, dont_know, cause), f"you did not know: “{text}”")
            )
    fix = model.fix_matrix(evidence.observed)
    for step in evidence.failed_steps:
        failed = 1.0 - fix[model.step_index(step)]
        title = model.kb.step(step).title
        scored.append((_against_rest(model, belief, failed, cause), f"“{title}” did not help"))
    scored.sort(key=lambda item: -item[0])
    return [text for score, text in scored[:limit] if score > 0.05]


def why_cause(
    model: Model, evidence: Evidence, belief: Vector, step: str, cause: int, p_fix: float
) -> str:
    cause_id = model.causes[cause]
    title = model.kb.cause(cause_id).title
    p_cause = float(model.to_causes(belief)[cause])
    because = evidence_for(model, evidence, belief, cause)
    if model.kb.step(step).ends_session:
        head = (
            f"Nothing left to try at home is worth the time: most likely {title.lower()} "
            f"({p_cause:.0%})"
        )
    else:
        head = (
            f"Likely: {title.lower()} ({p_cause:.0%}); this step fixes it with "
            f"a {p_fix:.0%} chance for {model.kb.step(step).cost:g} minutes"
        )
    if because:
        return f"{head} — because {'; '.join(because)}."
    return f"{head} — from what is typical for this light."


def why_observe(
    model: Model, variable: Variable, saving: float, top: tuple[tuple[str, float], ...]
) -> str:
    names = [model.kb.cause(c).title.lower() for c, _ in top[:2]]
    what = "Asking" if variable.kind == "question" else "Checking"
    return (
        f"{what} this tells apart {names[0]} and {names[1]}; it is expected to save "
        f"about {saving:.1f} minutes of repairs."
    )
