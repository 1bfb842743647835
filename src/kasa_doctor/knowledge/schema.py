"""The shape of the knowledge base: what each YAML file in this folder may say.

Probabilities are written the way an expert thinks about them: for each question or
probe, how likely each answer is *under a given cause*, with a per-variable default
so that only the causes that matter need a row. A distribution may leave answers
out; the mass left over is shared equally among them (``{yes: 0.9}`` means
``no: 0.1``). The loader checks that every id resolves.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
Confidence = Literal["high", "medium", "low", "none"]
Risk = Literal["none", "low", "destructive"]
ProbeGroup = Literal["camera", "network", "host"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(Strict):
    """P(answer | cause) for one question or probe, possibly partial."""

    values: dict[str, Prob]

    @model_validator(mode="before")
    @classmethod
    def _wrap(cls, data: object) -> object:
        # YAML writes a distribution as a plain mapping; accept it as such.
        if isinstance(data, dict) and "values" not in data:
            return {"values": data}
        return data

    def complete(self, answers: list[str]) -> dict[str, float]:
        """Fill in the answers left out with an equal share of what is left."""
        given = sum(self.values.values())
        missing = [a for a in answers if a not in self.values]
        rest = max(0.0, 1.0 - given) / len(missing) if missing else 0.0
        return {a: self.values.get(a, rest) for a in answers}


class Variant(Strict):
    """One way a cause shows itself (a sub-type): its share of the cause's prior and
    P(answer | this variant) for the questions and probes where it differs from the
    cause's own row. Evidence that hangs together (a router whose 2.4 GHz radio hung
    leaves phones, DNS and internet all fine) is then explained once, by one variant,
    instead of being charged against the cause check by check."""

    id: str
    title: str = ""
    share: Annotated[float, Field(gt=0.0, le=1.0)]
    #: question or probe id -> P(answer | this variant); others use the cause's row
    likelihood: dict[str, Distribution] = {}

    @model_validator(mode="after")
    def _distributions(self) -> Variant:
        for where, dist in self.likelihood.items():
            if sum(dist.values.values()) > 1.0 + 1e-6:
                raise ValueError(f"{where}: probabilities add up to more than 1")
        return self


class Cause(Strict):
    id: str
    title: str
    explanation: str
    prior: Annotated[float, Field(gt=0.0)]
    category: Literal["wifi", "network", "power", "firmware", "setup", "environment", "camera"]
    is_fault: bool = True
    #: what the owner should do so it does not happen again (tip ids)
    prevention: list[str] = []
    #: sub-types of this cause; the engine reasons with the mixture, but rankings,
    #: reasons and fixes always name the cause itself
    variants: list[Variant] = []

    @model_validator(mode="after")
    def _variants(self) -> Cause:
        if not self.variants:
            return self
        if len(self.variants) < 2:
            raise ValueError("variants: a cause with variants needs at least two")
        ids = [v.id for v in self.variants]
        if len(set(ids)) != len(ids):
            raise ValueError(f"variants: duplicate variant id in {ids}")
        total = sum(v.share for v in self.variants)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"variants: shares add up to {total:g}, not 1")
        return self


class Observable(Strict):
    """Shared by questions (asked) and probes (measured)."""

    id: str
    answers: dict[str, str]  # answer id -> plain words shown to the owner
    cost: Annotated[float, Field(ge=0.0)]
    #: chance the owner does not know / the check cannot be made
    p_unknown: Prob = 0.1
    default: Distribution
    likelihood: dict[str, Distribution] = {}  # cause id -> P(answer | cause)
    #: asked/run only when an earlier observation has one of these values (camera
    #: readings need a camera that answers)
    requires: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _answers_known(self) -> Observable:
        for where, dist in [("default", self.default), *self.likelihood.items()]:
            unknown = set(dist.values) - set(self.answers)
            if unknown:
                raise ValueError(f"{where}: unknown answer(s) {sorted(unknown)}")
            if sum(dist.values.values()) > 1.0 + 1e-6:
                raise ValueError(f"{where}: probabilities add up to more than 1")
        return self


class Question(Observable):
    text: str
    help: str = ""


class Probe(Observable):
    title: str
    group: ProbeGroup
    explanation: str = ""
    #: readable from a Kasa KC/EC camera's discovery sysinfo (python-kasa cannot log in
    #: to those, so every other camera check is impossible on them)
    sysinfo: bool = False
    #: never run when an earlier reading has one of these values (a failed login
    #: yields nothing else)
    excluded_by: dict[str, list[str]] = {}
    #: what each value means for the owner, used by `check`
    verdicts: dict[str, Literal["ok", "warning", "problem", "info"]] = {}


class Instructions(Strict):
    do: str
    expect: str
    wait: str = ""


class Step(Strict):
    id: str
    title: str
    guide_step: int | None = None
    cost: Annotated[float, Field(ge=0.0)]
    risk: Risk = "none"
    #: minutes-equivalent of what a destructive step costs beyond time (lost settings,
    #: recordings, re-adding every rule); used only for planning
    risk_cost: Annotated[float, Field(ge=0.0)] = 0.0
    confirm: bool = False
    loses: list[str] = []
    automatable: bool = False
    ends_session: bool = False
    instructions: Instructions
    #: family id -> instructions that differ for that family
    per_family: dict[str, Instructions] = {}

    @model_validator(mode="after")
    def _destructive_confirms(self) -> Step:
        if self.risk == "destructive" and not (self.confirm and self.loses):
            raise ValueError("a destructive step must need confirmation and say what is lost")
        return self


class FixCondition(Strict):
    """Other fix chances once a reading is known (a camera that cannot be reached
    cannot be updated over the network)."""

    when: dict[str, list[str]]
    causes: dict[str, Prob]


class Fixes(Strict):
    """P(step fixes the problem | cause)."""

    default: Prob = 0.0
    causes: dict[str, Prob]
    conditions: list[FixCondition] = []
    #: extra owner-minutes this step costs when the cause is this one (unplugging a
    #: camera in the middle of a firmware update can brick it)
    harm: dict[str, Annotated[float, Field(ge=0.0)]] = {}


class LedPattern(Strict):
    id: str
    colour: str
    rhythm: str
    looks_like: str  # how the owner recognises it


class LedRow(Strict):
    led: str
    meaning: str
    source: str
    confidence: Confidence
    #: relative weight of this light under each cause; normalised per cause over the table
    weights: dict[str, Annotated[float, Field(ge=0.0)]]


class Reset(Strict):
    button: str
    hold_seconds: str
    after: str
    source: str
    confidence: Confidence


class Family(Strict):
    id: str
    brand: str
    title: str
    models: list[str]
    #: weight of this family in the mixture used when the model is unknown
    share: Annotated[float, Field(ge=0.0)]
    battery: bool = False
    #: python-kasa drives it fully (Tapo) or reads only discovery sysinfo (Kasa KC/EC)
    live_support: Literal["full", "sysinfo", "none"] = "full"
    #: multiplies the cause priors for this family (e.g. battery causes on battery models)
    prior_factor: dict[str, Annotated[float, Field(ge=0.0)]] = {}
    wifi_hint: str = ""
    reset: Reset
    #: weight for (light, cause) pairs the table does not name
    default_weight: Annotated[float, Field(ge=0.0)] = 0.02
    leds: list[LedRow]
    notes: list[str] = []


class Tip(Strict):
    id: str
    title: str
    text: str
    causes: list[str] = []


class FaqEntry(Strict):
    id: str
    question: str
    answer: str
    keywords: list[str] = []
    see_also: list[str] = []


class SupportChecklist(Strict):
    when_to_contact: list[str]
    have_ready: list[str]


# --- the files -------------------------------------------------------------------


class CausesFile(Strict):
    causes: list[Cause]


class Attention(Strict):
    """Owners know about what touches their own problem. A question's ``p_unknown`` is
    how often an owner whose problem the question is about cannot say; when the
    owner's cause leaves the answer as it would be anyway, the odds of "don't know"
    are ``odds_ratio`` times higher. How much a cause touches a question is the total
    variation distance between its answer distribution and the question's ``default``:
    fully at ``full_at`` or more, in proportion below (the factor is
    odds_ratio ** (1 − min(1, distance / full_at)))."""

    reason: str
    odds_ratio: Annotated[float, Field(ge=1.0)]
    full_at: Annotated[float, Field(gt=0.0, le=1.0)]


class QuestionsFile(Strict):
    attention: Attention | None = None
    questions: list[Question]


class ProbesFile(Strict):
    probes: list[Probe]


class StepsFile(Strict):
    steps: list[Step]


class FixesFile(Strict):
    fixes: dict[str, Fixes]


class LedsFile(Strict):
    patterns: list[LedPattern]


class FamiliesFile(Strict):
    fallback: str  # the family used for unknown models in tables
    families: list[Family]


class TipsFile(Strict):
    tips: list[Tip]
    support: SupportChecklist


class FaqFile(Strict):
    faq: list[FaqEntry]


FILES: dict[str, type[Strict]] = {
    "causes.yaml": CausesFile,
    "questions.yaml": QuestionsFile,
    "probes.yaml": ProbesFile,
    "steps.yaml": StepsFile,
    "fixes.yaml": FixesFile,
    "leds.yaml": LedsFile,
    "families.yaml": FamiliesFile,
    "tips.yaml": TipsFile,
    "faq.yaml": FaqFile,
}
