"""Play troubleshooting policies against scenario files and score them.

The contract is shared/scenarios/FORMAT.md: every question, probe and step is charged
from the fixed price list, a run ends on a step in ``fixed_by``, on contact_support,
or after ``max_steps`` repair steps (gave up, charged like contact_support).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kasa_doctor.engine.model import Model
from kasa_doctor.engine.session import Session
from kasa_doctor.yamlfile import YamlFile, YamlFileError, read_yaml

GUIDE_ORDER = (
    "reseat_power",
    "swap_power_supply",
    "restart_router",
    "use_24ghz_network",
    "move_closer_or_extender",
    "reconnect_in_app",
    "update_firmware",
    "factory_reset",
    "cool_down",
    "contact_support",
)
ESCALATE = "contact_support"
DESTRUCTIVE = frozenset({"factory_reset"})
POLICIES = ("adaptive", "guide", "oracle")


class ScenarioError(ValueError):
    """A scenario or price-list problem, worded as ``file:line: reason``."""


@dataclass(frozen=True)
class Costs:
    question: float
    probe: float
    steps: dict[str, float]
    max_steps: int = 40


@dataclass(frozen=True)
class Scenario:
    id: str
    model: str
    led: str
    truth: str
    answers: dict[str, str]
    probes: dict[str, str]
    fixed_by: tuple[str, ...]
    source: str = ""


@dataclass
class Result:
    scenario: Scenario
    policy: str
    cost: float = 0.0
    steps: int = 0
    outcome: str = "gave_up"
    top3: list[str] = field(default_factory=list)
    needless_reset: bool = False
    actions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.scenario.id,
            "policy": self.policy,
            "truth": self.scenario.truth,
            "cost": round(self.cost, 3),
            "steps": self.steps,
            "outcome": self.outcome,
            "top3": self.top3,
            "needless_reset": self.needless_reset,
            "actions": self.actions,
        }


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def load_costs(path: Path, model: Model) -> Costs:
    loaded = _load(path)
    data = loaded.data
    if not isinstance(data, dict) or not isinstance(data.get("steps"), dict):
        raise ScenarioError(f"{path}:1: costs must be a mapping with a `steps` mapping")
    for key in ("question", "probe"):
        if not _number(data.get(key)):
            raise ScenarioError(f"{path}:{loaded.line((key,))}: {key} must be a number ≥ 0")
    steps = data["steps"]
    for step in model.steps:
        if not _number(steps.get(step)):
            raise ScenarioError(
                f"{path}:{loaded.line(('steps', step))}: steps.{step} must be a number ≥ 0"
            )
    max_steps = data.get("max_steps", 40)
    if not isinstance(max_steps, int) or isinstance(max_steps, bool) or max_steps < 1:
        raise ScenarioError(f"{path}:{loaded.line(('max_steps',))}: max_steps must be ≥ 1")
    return Costs(
        float(data["question"]),
        float(data["probe"]),
        {s: float(steps[s]) for s in model.steps},
        max_steps,
    )


def _load(path: Path) -> YamlFile:
    try:
        return read_yaml(path)
    except YamlFileError as exc:
        raise ScenarioError(str(exc)) from exc


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        elif path.exists():
            yield path
        else:
            raise ScenarioError(f"{path}: no such file or folder")


def load_scenarios(paths: Iterable[Path], model: Model) -> list[Scenario]:
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for path in _files(paths):
        loaded = _load(path)
        if not isinstance(loaded.data, list):
            raise ScenarioError(f"{path}:1: a scenario file is a list of scenarios")
        for i, item in enumerate(loaded.data):
            scenarios.append(_scenario(loaded, i, item, model, seen))
    if not scenarios:
        raise ScenarioError("no scenarios found in " + ", ".join(map(str, paths)))
    return scenarios


def _scenario(loaded: YamlFile, i: int, item: Any, model: Model, seen: dict[str, str]) -> Scenario:
    def fail(loc: tuple[str | int, ...], reason: str) -> ScenarioError:
        return ScenarioError(f"{loaded.path}:{loaded.line((i, *loc))}: {reason}")

    if not isinstance(item, dict):
        raise fail((), "a scenario must be a mapping")
    for key in ("id", "model", "led", "truth", "fixed_by"):
        if key not in item:
            raise fail((), f"missing `{key}`")
    ident = str(item["id"])
    if ident in seen:
        raise fail(("id",), f"duplicate scenario id {ident!r} (also in {seen[ident]})")
    seen[ident] = str(loaded.path)
    if item["led"] not in model.leds:
        raise fail(("led",), f"unknown light {item['led']!r}")
    if item["truth"] not in model.causes:
        raise fail(("truth",), f"unknown cause {item['truth']!r}")
    tables: dict[str, dict[str, str]] = {}
    for key, kind in (("answers", "question"), ("probes", "probe")):
        table = item.get(key) or {}
        if not isinstance(table, dict):
            raise fail((key,), f"`{key}` must be a mapping")
        for var, value in table.items():
            variable = model.variables.get(str(var))
            if variable is None or variable.kind != kind:
                raise fail((key, var), f"unknown {kind} {var!r}")
            if str(value) not in variable.values:
                raise fail((key, var), f"{var}: {value!r} is not one of {list(variable.values)}")
        tables[key] = {str(k): str(v) for k, v in table.items()}
    fixed_by = item["fixed_by"]
    if not isinstance(fixed_by, list) or not fixed_by:
        raise fail(("fixed_by",), "`fixed_by` must be a non-empty list of steps")
    for step in fixed_by:
        if step not in model.steps:
            raise fail(("fixed_by",), f"unknown step {step!r}")
    return Scenario(
        id=ident,
        model=str(item["model"]),
        led=str(item["led"]),
        truth=str(item["truth"]),
        answers=tables["answers"],
        probes=tables["probes"],
        fixed_by=tuple(fixed_by),
        source=f"{loaded.path}:{loaded.line((i,))}",
    )


# --- policies ---------------------------------------------------------------------------


def _take_step(result: Result, step: str, costs: Costs) -> bool:
    """Charge a step; True when the run ends."""
    scn = result.scenario
    result.cost += costs.steps[step]
    result.steps += 1
    result.actions.append(f"step:{step}")
    if step in DESTRUCTIVE and any(s not in DESTRUCTIVE and s != ESCALATE for s in scn.fixed_by):
        result.needless_reset = True
    if step in scn.fixed_by:
        result.outcome = "fixed"
        return True
    if step == ESCALATE:
        result.outcome = "escalated"
        return True
    if result.steps >= costs.max_steps:
        result.outcome = "gave_up"
        result.cost += costs.steps[ESCALATE]
        return True
    return False


def run_guide(scn: Scenario, costs: Costs, model: Model) -> Result:
    result = Result(scn, "guide")
    for step in GUIDE_ORDER:
        if _take_step(result, step, costs):
            break
    return result


def run_oracle(scn: Scenario, costs: Costs, model: Model) -> Result:
    result = Result(scn, "oracle", top3=[scn.truth])
    step = min(
        scn.fixed_by,
        key=lambda s: (costs.steps[s], s in DESTRUCTIVE, scn.fixed_by.index(s)),
    )
    _take_step(result, step, costs)
    return result


def run_adaptive(scn: Scenario, costs: Costs, model: Model) -> Result:
    result = Result(scn, "adaptive")
    session = Session(model_name=scn.model, led=scn.led, engine=model)
    # Bounded: every question and probe is asked at most once, and steps are capped.
    for _ in range(len(model.variables) + costs.max_steps + 1):
        proposal = session.propose()
        if proposal.kind in ("question", "probe"):
            table = scn.answers if proposal.kind == "question" else scn.probes
            result.cost += costs.question if proposal.kind == "question" else costs.probe
            value = table.get(proposal.id)
            result.actions.append(f"{proposal.kind}:{proposal.id}={value or '?'}")
            session.observe(proposal.id, value)
            continue
        if not result.top3:
            result.top3 = [cause for cause, _ in proposal.ranking[:3]]
        ended = _take_step(result, proposal.id, costs)
        if ended:
            break
        session.record_step(proposal.id, False)
    return result


def run_informed(scn: Scenario, costs: Costs, model: Model) -> Result:
    """The engine told every answer and reading the scenario holds, free, before the
    first step, then repairing only: what the knowledge allows when nothing is left to
    ask. Not one of FORMAT.md's policies; the benchmark uses it to tell a policy that
    asks badly from knowledge that cannot tell the causes apart."""
    result = Result(scn, "informed")
    session = Session(model_name=scn.model, led=scn.led, engine=model)
    for variable, value in (*scn.answers.items(), *scn.probes.items()):
        session.observe(variable, value)
    for _ in range(costs.max_steps):
        proposal = session.propose(allow=frozenset())
        if not result.top3:
            result.top3 = [cause for cause, _ in proposal.ranking[:3]]
        if _take_step(result, proposal.id, costs):
            break
        session.record_step(proposal.id, False)
    return result


RUNNERS = {"adaptive": run_adaptive, "guide": run_guide, "oracle": run_oracle}


def simulate(scenarios: list[Scenario], policy: str, costs: Costs, model: Model) -> list[Result]:
    runner = RUNNERS[policy]
    return [runner(scn, costs, model) for scn in scenarios]


def summary(results: list[Result]) -> dict[str, Any]:
    n = len(results)
    ranked = [r for r in results if r.top3]
    return {
        "policy": results[0].policy if results else None,
        "n": n,
        "mean_cost": round(sum(r.cost for r in results) / n, 3) if n else 0.0,
        "fix_rate": round(sum(r.outcome == "fixed" for r in results) / n, 4) if n else 0.0,
        "top1": (
            round(sum(r.top3[0] == r.scenario.truth for r in ranked) / len(ranked), 4)
            if ranked
            else None
        ),
        "top3": (
            round(sum(r.scenario.truth in r.top3 for r in ranked) / len(ranked), 4)
            if ranked
            else None
        ),
        "needless_resets": sum(r.needless_reset for r in results),
        "escalated": sum(r.outcome == "escalated" for r in results),
        "gave_up": sum(r.outcome == "gave_up" for r in results),
        "mean_steps": round(sum(r.steps for r in results) / n, 3) if n else 0.0,
    }
