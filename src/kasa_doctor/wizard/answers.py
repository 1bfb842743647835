"""Answers files: the owner's side of a whole run, written down in advance.

```yaml
model: C210                 # or "unknown"
led: red_slow_blink         # a light id (kasa-doctor led)
answers:                    # question id -> answer id; a question left out = "don't know"
  router_changed_recently: "yes"
steps:                      # step id -> fixed | not_fixed | skip; left out = not fixed
  restart_router: not_fixed
  reconnect_in_app: fixed
purchase_date: 2024-05-01   # optional; goes into the support report
automate: yes               # with a live camera (--host): let kasa-doctor take the steps
                            # it can (restart, firmware, light, Wi-Fi); default yes
wifi: MyHome-2G             # the network to move the camera to if a Wi-Fi step comes up;
                            # its password comes from KASA_DOCTOR_WIFI_PASSWORD, never a file
```

With a live camera, a step kasa-doctor takes itself is judged by checking the camera,
not by this file, and a step the file calls "fixed" counts as not fixed when the
camera contradicts it (docs/fixes.md).

JSON with the same keys works too. Everything is checked against the knowledge base
before the run starts, so a typo fails at once with ``file:line: reason`` instead of
silently becoming "don't know".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kasa_doctor.knowledge.loader import KnowledgeBase
from kasa_doctor.wizard.lights import normalise_led, unknown_led_message
from kasa_doctor.wizard.ui import StepResult
from kasa_doctor.yamlfile import YamlFileError, read_yaml

KEYS = ("model", "led", "answers", "steps", "purchase_date", "automate", "wifi")
#: a purchase date is a date, not an essay
PURCHASE_DATE_MAX = 40
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
    purchase_date: str | None = None
    #: let kasa-doctor take the steps it can (None = the default: yes, with a camera)
    automate: bool | None = None
    #: the Wi-Fi network (its name) to move the camera to when a Wi-Fi step comes up
    wifi: str | None = None

    def answer(self, question: str) -> str | None:
        return self.answers.get(question)

    def step(self, step: str) -> StepResult:
        return self.steps.get(step, "not_fixed")


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
    if not path.exists():
        raise AnswersError(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        # YAML reads most JSON but forgives mistakes JSON does not: hold it to JSON first
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise AnswersError(f"{path}: cannot read: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise AnswersError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    try:
        loaded = read_yaml(path)  # valid JSON is YAML, so this also gives JSON key lines
    except YamlFileError as exc:
        raise AnswersError(f"{path}:{exc.line}: {exc.reason}") from exc
    data = loaded.data

    def fail(loc: tuple[str, ...], reason: str) -> AnswersError:
        where = f"{path}:{loaded.line(loc)}" if loc else str(path)
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

    purchase_date: str | None = None
    raw_date = data.get("purchase_date")
    if raw_date is not None:
        # YAML reads an unquoted 2024-05-01 as a date; the report wants the text.
        if isinstance(raw_date, date):
            purchase_date = raw_date.isoformat()
        elif isinstance(raw_date, str | int) and not isinstance(raw_date, bool):
            purchase_date = str(raw_date).strip() or None
        else:
            raise fail(("purchase_date",), "purchase_date must be a date such as 2024-05-01")
        if purchase_date is not None and len(purchase_date) > PURCHASE_DATE_MAX:
            raise fail(
                ("purchase_date",),
                f"purchase_date is longer than {PURCHASE_DATE_MAX} characters",
            )

    automate: bool | None = None
    if data.get("automate") is not None:
        raw_automate = data["automate"]
        word = _word(raw_automate) if isinstance(raw_automate, bool | str) else None
        if (word or "").lower() not in ("yes", "no", "true", "false"):
            raise fail(("automate",), "automate must be yes or no")
        automate = (word or "").lower() in ("yes", "true")

    wifi: str | None = None
    if data.get("wifi") is not None:
        if not isinstance(data["wifi"], str) or not data["wifi"].strip():
            raise fail(("wifi",), "wifi must be the name of a Wi-Fi network")
        wifi = data["wifi"].strip()

    return Answers(
        path=path,
        model=model,
        led=led,
        answers=answers,
        steps=steps,
        purchase_date=purchase_date,
        automate=automate,
        wifi=wifi,
    )
