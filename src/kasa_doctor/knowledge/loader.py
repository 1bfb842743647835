"""Load and validate the knowledge base.

Every problem is reported as ``file:line: message`` so a broken edit can be found
at once. Cross-file checks (ids resolve, every cause can be fixed, every family has
a light table) run after each file passed its own schema.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kasa_doctor.knowledge import schema as s
from kasa_doctor.yamlfile import YamlFile, YamlFileError, read_yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent


class KnowledgeError(Exception):
    """One or more problems in the knowledge files; ``str()`` gives one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Loaded:
    file: YamlFile

    @property
    def data(self) -> Any:
        return self.file.data

    def where(self, loc: Iterable[str | int]) -> str:
        """``file:line`` of the deepest part of ``loc`` that exists in the file."""
        return f"{self.file.path.name}:{self.file.line(loc)}"


def _read(path: Path) -> _Loaded:
    try:
        return _Loaded(read_yaml(path, label=path.name))
    except YamlFileError as exc:
        raise KnowledgeError([str(exc)]) from exc


def _validate(loaded: _Loaded, model: type[s.Strict]) -> s.Strict:
    try:
        return model.model_validate(loaded.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p == "values")]
            field_name = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{loaded.where(loc)}: {field_name}: {err['msg']}")
        raise KnowledgeError(problems) from exc


_REGION = re.compile(r"\s*\(.*?\)\s*")


def normalise_model(model: str) -> str:
    """``"C210(EU) 2.0"`` and ``" c210 "`` both become ``"C210"``."""
    cleaned = _REGION.sub(" ", model).strip().upper()
    return cleaned.split()[0] if cleaned else ""


@dataclass
class KnowledgeBase:
    causes: list[s.Cause]
    questions: list[s.Question]
    probes: list[s.Probe]
    steps: list[s.Step]
    fixes: dict[str, s.Fixes]
    patterns: list[s.LedPattern]
    families: list[s.Family]
    fallback: str
    tips: list[s.Tip]
    support: s.SupportChecklist
    faq: list[s.FaqEntry]
    attention: s.Attention | None = None
    _by_id: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for group in (self.causes, self.questions, self.probes, self.steps, self.tips):
            for item in group:
                self._by_id.setdefault(item.id, item)

    def cause(self, cause_id: str) -> s.Cause:
        return next(c for c in self.causes if c.id == cause_id)

    def step(self, step_id: str) -> s.Step:
        return next(c for c in self.steps if c.id == step_id)

    def question(self, question_id: str) -> s.Question:
        return next(c for c in self.questions if c.id == question_id)

    def probe(self, probe_id: str) -> s.Probe:
        return next(c for c in self.probes if c.id == probe_id)

    def pattern(self, led_id: str) -> s.LedPattern:
        return next(p for p in self.patterns if p.id == led_id)

    def family(self, family_id: str) -> s.Family:
        return next(f for f in self.families if f.id == family_id)

    def family_for_model(self, model: str | None) -> s.Family | None:
        """The family a model belongs to, or None when the model is unknown to us."""
        if not model or model.strip().lower() in {"unknown", "i don't know", "?"}:
            return None
        name = normalise_model(model)
        for family in self.families:
            for pattern in family.models:
                if fnmatch.fnmatchcase(name, pattern.upper()):
                    return family
        return None

    def instructions(self, step_id: str, family_id: str | None) -> s.Instructions:
        step = self.step(step_id)
        if family_id and family_id in step.per_family:
            return step.per_family[family_id]
        return step.instructions


def _cross_check(kb: KnowledgeBase, files: dict[str, _Loaded]) -> list[str]:
    problems: list[str] = []
    cause_ids = [c.id for c in kb.causes]
    causes = set(cause_ids)
    steps = {st.id for st in kb.steps}
    observable = {q.id: q for q in kb.questions} | {p.id: p for p in kb.probes}
    leds = {p.id for p in kb.patterns}
    families = {f.id for f in kb.families}
    tips = {t.id for t in kb.tips}

    def dupes(kind: str, file: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, item in enumerate(ids):
            if item in seen:
                problems.append(f"{files[file].where((kind, i))}: duplicate id {item!r}")
            seen.add(item)

    dupes("causes", "causes.yaml", cause_ids)
    dupes("questions", "questions.yaml", [q.id for q in kb.questions])
    dupes("probes", "probes.yaml", [p.id for p in kb.probes])
    dupes("steps", "steps.yaml", [st.id for st in kb.steps])
    dupes("families", "families.yaml", [f.id for f in kb.families])
    dupes("patterns", "leds.yaml", [p.id for p in kb.patterns])

    for i, cause_item in enumerate(kb.causes):
        for tip in cause_item.prevention:
            if tip not in tips:
                where = files["causes.yaml"].where(("causes", i, "prevention"))
                problems.append(f"{where}: unknown tip {tip!r}")
        for j, variant in enumerate(cause_item.variants):
            for var_id, dist in variant.likelihood.items():
                where = files["causes.yaml"].where(
                    ("causes", i, "variants", j, "likelihood", var_id)
                )
                if var_id not in observable:
                    problems.append(f"{where}: unknown question or probe {var_id!r}")
                elif set(dist.values) - set(observable[var_id].answers):
                    unknown = sorted(set(dist.values) - set(observable[var_id].answers))
                    problems.append(f"{where}: {var_id} has no answer(s) {unknown}")
    for kind, file, items in (
        ("questions", "questions.yaml", kb.questions),
        ("probes", "probes.yaml", kb.probes),
    ):
        for i, obs in enumerate(items):
            for cause in obs.likelihood:
                if cause not in causes:
                    where = files[file].where((kind, i, "likelihood", cause))
                    problems.append(f"{where}: unknown cause {cause!r}")
            conditions: list[tuple[str, dict[str, list[str]]]] = [("requires", obs.requires)]
            if isinstance(obs, s.Probe):
                conditions.append(("excluded_by", obs.excluded_by))
            for key, other, values in (
                (key, other, values) for key, table in conditions for other, values in table.items()
            ):
                if other not in observable:
                    where = files[file].where((kind, i, key, other))
                    problems.append(f"{where}: unknown question or probe {other!r}")
                elif set(values) - set(observable[other].answers):
                    where = files[file].where((kind, i, key, other))
                    problems.append(f"{where}: {other} has no answer {values!r}")
    for step_id, fix in kb.fixes.items():
        if step_id not in steps:
            where = files["fixes.yaml"].where(("fixes", step_id))
            problems.append(f"{where}: unknown step {step_id!r}")
        for cause in fix.causes:
            if cause not in causes:
                where = files["fixes.yaml"].where(("fixes", step_id, "causes", cause))
                problems.append(f"{where}: unknown cause {cause!r}")
        for cause in fix.harm:
            if cause not in causes:
                where = files["fixes.yaml"].where(("fixes", step_id, "harm", cause))
                problems.append(f"{where}: unknown cause {cause!r}")
        for j, cond in enumerate(fix.conditions):
            where = files["fixes.yaml"].where(("fixes", step_id, "conditions", j))
            for other, values in cond.when.items():
                if other not in observable:
                    problems.append(f"{where}: unknown question or probe {other!r}")
                elif set(values) - set(observable[other].answers):
                    problems.append(f"{where}: {other} has no answer {values!r}")
            for cause in cond.causes:
                if cause not in causes:
                    problems.append(f"{where}: unknown cause {cause!r}")
    for i, step in enumerate(kb.steps):
        for fam_id in step.per_family:
            if fam_id not in families:
                where = files["steps.yaml"].where(("steps", i, "per_family", fam_id))
                problems.append(f"{where}: unknown family {fam_id!r}")
        if step.id not in kb.fixes:
            where = files["steps.yaml"].where(("steps", i))
            problems.append(f"{where}: step {step.id!r} has no entry in fixes.yaml")
    for cause in cause_ids:
        best = max(
            (f.causes.get(cause, f.default) for sid, f in kb.fixes.items() if sid in steps),
            default=0.0,
        )
        if best <= 0.0:
            where = files["causes.yaml"].where(("causes", cause_ids.index(cause)))
            problems.append(f"{where}: no repair step can fix cause {cause!r}")
    if kb.fallback not in families:
        problems.append(
            f"{files['families.yaml'].where(('fallback',))}: unknown family {kb.fallback!r}"
        )
    for i, fam in enumerate(kb.families):
        if not fam.leds:
            problems.append(
                f"{files['families.yaml'].where(('families', i))}: family "
                f"{fam.id!r} has no light table"
            )
        for j, row in enumerate(fam.leds):
            if row.led not in leds:
                where = files["families.yaml"].where(("families", i, "leds", j, "led"))
                problems.append(f"{where}: unknown light {row.led!r}")
            for cause in row.weights:
                if cause not in causes:
                    where = files["families.yaml"].where(
                        ("families", i, "leds", j, "weights", cause)
                    )
                    problems.append(f"{where}: unknown cause {cause!r}")
        for cause in fam.prior_factor:
            if cause not in causes:
                where = files["families.yaml"].where(("families", i, "prior_factor", cause))
                problems.append(f"{where}: unknown cause {cause!r}")
    for i, tip_item in enumerate(kb.tips):
        for cause in tip_item.causes:
            if cause not in causes:
                where = files["tips.yaml"].where(("tips", i, "causes"))
                problems.append(f"{where}: unknown cause {cause!r}")
    if not any(st.ends_session for st in kb.steps):
        problems.append("steps.yaml:1: no step ends the session (contact_support is missing)")
    return problems


def load_knowledge(directory: Path | str | None = None) -> KnowledgeBase:
    """Read, validate and cross-check every knowledge file; raise KnowledgeError."""
    folder = Path(directory) if directory is not None else KNOWLEDGE_DIR
    files: dict[str, _Loaded] = {}
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    for name, model in s.FILES.items():
        path = folder / name
        if not path.exists():
            problems.append(f"{name}:1: missing knowledge file")
            continue
        try:
            files[name] = _read(path)
            parsed[name] = _validate(files[name], model)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
    if problems:
        raise KnowledgeError(problems)
    kb = KnowledgeBase(
        causes=parsed["causes.yaml"].causes,
        questions=parsed["questions.yaml"].questions,
        probes=parsed["probes.yaml"].probes,
        steps=parsed["steps.yaml"].steps,
        fixes=parsed["fixes.yaml"].fixes,
        patterns=parsed["leds.yaml"].patterns,
        families=parsed["families.yaml"].families,
        fallback=parsed["families.yaml"].fallback,
        tips=parsed["tips.yaml"].tips,
        support=parsed["tips.yaml"].support,
        faq=parsed["faq.yaml"].faq,
        attention=parsed["questions.yaml"].attention,
    )
    problems = _cross_check(kb, files)
    if problems:
        raise KnowledgeError(problems)
    return kb


@cache
def default_knowledge() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    return load_knowledge()
