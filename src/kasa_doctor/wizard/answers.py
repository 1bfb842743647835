"""Answers files: the owner's side of a whole run, written down in advance.

```yaml
model: C210                 # or "unknown"
led: red_slow_blink         # a light id (kasa-doctor led)
answers:                    # question id -> answer id; a question left out = "don't know"
  router_changed_recently: "yes"
steps:                      # step id -> fixed | not_fixed | skip; left out = not fixed
  restart_router: not_fixed
  reconnect_in_app: fixed
```

JSON with the same keys works too. Everything is checked against the knowledge base
before the run starts, so a typo fails at once with ``file:line: reason`` instead of
silently becoming "don't know".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kasa_doctor.knowledge.loader import KnowledgeBase
from kasa_doctor.wizard.lights import normalise_led, unknown_led_message
from kasa_doctor.wizard.ui import StepResult

KEYS = ("model", "led", "answers", "steps")
#: words an owner may write for "I don't know"
DONT_KNOW = frozenset({"unknown", "?", "don't know", "dont know", "i don't know", "idk"})
_STEP_WORDS: dict[str, StepResult] = {
    "fixed": "fixed",
    "yes": "fixed",
    "not_fixed": "not_fixed",
    "not fixed": "not_fixed",
    "no": "not_fixed",
    "skip": "skip",
    "skipped": "skip",
}


class AnswersError(Exception):
    """One line: ``file[:line]: reason``."""


@dataclass(frozen=True)
class Answers:
    path: Path
    model: str | None = None
    led: str | None = None
    answers: dict[str, str | None] = field(default_factory=dict)
    steps: dict[str, StepResult] = field(default_factory=dict)

    def answer(self, question: str) -> str | None:
        return self.answers.get(question)

    def step(self, step: str) -> StepResult:
        return self.steps.get(step, "not_fixed")


def _lines(text: str) -> dict[tuple[str, ...], int]:
    """Line of every mapping key, by its path; empty when the text is not YAML."""
    out: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                out[child] = key.start_mark.line + 1
                walk(value, child)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out
    if root is not None:
        walk(root, ())
    return out


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise AnswersError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "cannot parse"
        raise AnswersError(f"{where}: not valid YAML: {problem}") from exc


def _word(value: Any) -> str | None:
    """A scalar as the answer word it stands for.

    YAML 1.1 reads an unquoted yes/no as a boolean; owners should not have to know
    that, so booleans mean the answers "yes" and "no".
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value).strip()
    raise TypeError(type(value).__name__)


def load_answers(path: Path, kb: KnowledgeBase) -> Answers:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AnswersError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersError(f"{path}: cannot read: {exc}") from exc
    data = _parse(path, text)
    lines = _lines(text)

    def fail(loc: tuple[str, ...], reason: str) -> AnswersError:
        while loc and loc not in lines:
            loc = loc[:-1]
        where = f"{path}:{lines[loc]}" if loc else str(path)
        return AnswersError(f"{where}: {reason}")

    if data is None:
        raise fail((), "the file is empty")
    if not isinstance(data, dict):
        raise fail((), f"expected a mapping with the keys {', '.join(KEYS)}")
    for key in data:
        if key not in KEYS:
            raise fail((str(key),), f"unknown key {key!r}; expected {', '.join(KEYS)}")

    model: str | None = None
    if data.get("model") is not None:
        try:
            model = _word(data["model"])
        except TypeError as exc:
            raise fail(("model",), "model must be a model name such as C210") from exc

    led: str | None = None
    if data.get("led") is not None:
        valid = [p.id for p in kb.patterns]
        raw_led = data["led"]
        if not isinstance(raw_led, str):
            # YAML reads an unquoted `off` as false.
            raw_led = "off" if raw_led is False else str(raw_led)
        if raw_led.strip().lower() not in DONT_KNOW:
            led = normalise_led(raw_led)
            if led not in valid:
                raise fail(("led",), unknown_led_message(raw_led, valid))

    answers: dict[str, str | None] = {}
    table = data.get("answers") or {}
    if not isinstance(table, dict):
        raise fail(("answers",), "answers must map question ids to answers")
    questions = {q.id: q for q in kb.questions}
    probes = {p.id for p in kb.probes}
    for key, value in table.items():
        qid = str(key)
        if qid not in questions:
            why = (
                "is an automatic check, not a question" if qid in probes else "is not a question id"
            )
            raise fail(("answers", qid), f"{qid!r} {why}; questions: {', '.join(questions)}")
        try:
            word = _word(value)
        except TypeError as exc:
            raise fail(("answers", qid), f"{qid}: the answer must be a single word") from exc
        valid_answers = list(questions[qid].answers)
        if word is None or word.lower() in DONT_KNOW:
            answers[qid] = None
        elif word.lower() in valid_answers:
            answers[qid] = word.lower()
        else:
            raise fail(
                ("answers", qid),
                f"{qid}: {word!r} is not an answer; valid: {', '.join(valid_answers)}",
            )

    steps: dict[str, StepResult] = {}
    step_table = data.get("steps") or {}
    if not isinstance(step_table, dict):
        raise fail(("steps",), "steps must map step ids to fixed, not_fixed or skip")
    step_ids = [st.id for st in kb.steps]
    for key, value in step_table.items():
        sid = str(key)
        if sid not in step_ids:
            raise fail(("steps", sid), f"{sid!r} is not a step id; steps: {', '.join(step_ids)}")
        try:
            word = _word(value)
        except TypeError:
            word = None
        result = _STEP_WORDS.get((word or "").lower())
        if result is None:
            raise fail(("steps", sid), f"{sid}: {value!r} must be fixed, not_fixed or skip")
        steps[sid] = result

    return Answers(path=path, model=model, led=led, answers=answers, steps=steps)
