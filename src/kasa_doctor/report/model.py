"""The support report as data: everything support needs from one session.

:func:`build_report` gathers the facts (the camera, the light, every answer, every
live check, every step, the final ranking, the support checklist), then redacts the
whole document once (:mod:`kasa_doctor.redact`) before any renderer sees it. The
renderers (Markdown, JSON, HTML) only format; none of them can leak what this module
already removed.

Text that comes from the knowledge base is marked ``TRUSTED`` so that redaction's
known-value net cannot garble our own sentences (an alias "Garage" must not blank out
"garage" in a step title); the pattern net (MAC, IP, e-mail) still runs over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from kasa_doctor import __version__
from kasa_doctor.knowledge.text import one_line
from kasa_doctor.redact import TRUSTED, Redactor

if TYPE_CHECKING:
    from kasa_doctor.engine.session import Entry, Session
    from kasa_doctor.knowledge.loader import KnowledgeBase

FORMAT_NAME: Final = "kasa-doctor support report"
SCHEMA_VERSION: Final = 1
#: session.meta key the wizard fills at escalation (and answers files may give)
PURCHASE_DATE: Final = "purchase_date"

# Where hardware/firmware/model hide in meta, in a probe's raw reading or in a device
# dump (python-kasa's smartcam and iot names, and our own probes' names).
HW_KEYS: Final = ("hardware_version", "hw_version", "hw_ver")
FW_KEYS: Final = ("firmware", "firmware_version", "sw_version", "sw_ver", "fw_ver")
MODEL_KEYS: Final = ("model", "device_model")
# meta keys that are not facts about the device
_META_INTERNAL: Final = frozenset({"led", PURCHASE_DATE, *HW_KEYS, *FW_KEYS, *MODEL_KEYS})
#: session.meta prefix of readings the engine does not use (kasa_doctor.live writes
#: "reading.camera_sd_card" and the like); "camera." prefixes what the camera says it is
READING_PREFIX: Final = "reading."
CAMERA_PREFIX: Final = "camera."

STATUS_TEXT: Final[dict[str, str]] = {
    "open": "Not finished — the troubleshooting stopped before it came to an end.",
    "fixed": "Fixed at home.",
    "escalated": "Not fixed at home — handed over to TP-Link support.",
    "gave_up": "Stopped after many steps without a fix — handed over to TP-Link support.",
}
RESULT_TEXT: Final[dict[str, str]] = {
    "fixed": "fixed it",
    "not_fixed": "did not fix it",
    "skipped": "skipped",
}
UNKNOWN_MODELS: Final = frozenset({"", "unknown", "?", "i don't know"})
#: how the renderers name common device facts (other keys: underscores become spaces)
DETAIL_LABELS: Final[dict[str, str]] = {
    "host": "Address",
    "ip": "IP address",
    "mac": "MAC address",
    "alias": "Name in the app",
    "ssid": "Wi-Fi name",
    "device_id": "Device id",
}


def detail_label(key: str) -> str:
    bare = key.removeprefix(CAMERA_PREFIX)
    return DETAIL_LABELS.get(bare) or bare.replace("_", " ").replace(".", " ").capitalize()


# --- the document -------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    #: as the owner gave it (or as the camera reported it when the owner did not know)
    model: str | None
    #: the light table used for this model
    family: str | None = field(metadata=TRUSTED)
    hardware_version: str | None
    firmware: str | None
    purchase_date: str | None
    #: every other fact known about the device (address, MAC, alias …), redacted by key
    details: dict[str, Any]


@dataclass(frozen=True)
class Light:
    id: str | None
    #: "red, slow blink", or why there is none
    words: str = field(metadata=TRUSTED)
    looks_like: str = field(metadata=TRUSTED)
    #: what it means on this model's family
    meaning: str = field(metadata=TRUSTED)
    confidence: str | None
    source: str | None = field(metadata=TRUSTED)


@dataclass(frozen=True)
class Answer:
    id: str
    question: str = field(metadata=TRUSTED)
    answer: str | None
    answer_text: str = field(metadata=TRUSTED)
    at: str | None
    #: why the engine asked, in its own words
    reason: str | None = field(metadata=TRUSTED)


@dataclass(frozen=True)
class Reading:
    id: str
    title: str = field(metadata=TRUSTED)
    value: str | None
    value_text: str = field(metadata=TRUSTED)
    #: ok | warning | problem | info | unknown (from probes.yaml)
    verdict: str
    #: the probe's own sentence; may name the network or an address, so it is redacted
    detail: str
    at: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class Note:
    """A reading the engine does not weigh (firmware string, SD card, clock)."""

    id: str
    title: str = field(metadata=TRUSTED)
    detail: str


@dataclass(frozen=True)
class StepRecord:
    id: str
    title: str = field(metadata=TRUSTED)
    #: fixed | not_fixed | skipped | declined | handed_over
    result: str
    result_text: str = field(metadata=TRUSTED)
    at: str | None
    loses: list[str] = field(metadata=TRUSTED)
    reason: str | None = field(metadata=TRUSTED)
    #: what else the wizard recorded (a check after the step, an automated fix)
    raw: dict[str, Any]


@dataclass(frozen=True)
class RankedCause:
    id: str
    title: str = field(metadata=TRUSTED)
    probability: float
    explanation: str = field(metadata=TRUSTED)


@dataclass(frozen=True)
class SupportChecklist:
    when_to_contact: list[str] = field(metadata=TRUSTED)
    have_ready: list[str] = field(metadata=TRUSTED)


@dataclass(frozen=True)
class Report:
    session_id: str
    status: str
    status_text: str = field(metadata=TRUSTED)
    created_at: str
    tool_version: str
    #: True when addresses, names and ids were hidden (secrets always are)
    redacted: bool
    #: a few plain sentences: what, what was tried, what is most likely
    summary: str
    device: Device
    light: Light
    answers: list[Answer]
    readings: list[Reading]
    #: other facts the live checks found, not used as evidence
    notes: list[Note]
    steps: list[StepRecord]
    ranking: list[RankedCause]
    #: titles of the repair steps that were taken and did not help
    tried: list[str] = field(metadata=TRUSTED)
    support: SupportChecklist
    format: str = FORMAT_NAME
    schema: int = SCHEMA_VERSION

    @property
    def title(self) -> str:
        model = self.device.model or "camera of unknown model"
        return f"Support report: {model} — {self.light.words}"


# --- building -------------------------------------------------------------------------


def _find(data: object, keys: Iterable[str]) -> str | None:
    """The first non-empty string under one of ``keys``, shallowest first."""
    wanted = set(keys)
    level: list[object] = [data]
    while level:
        deeper: list[object] = []
        for item in level:
            if isinstance(item, Mapping):
                for key, value in item.items():
                    bare = key.removeprefix(CAMERA_PREFIX) if isinstance(key, str) else key
                    if bare in wanted and isinstance(value, str) and value.strip():
                        return value.strip()
                    deeper.append(value)
            elif isinstance(item, list | tuple):
                deeper.extend(item)
        level = deeper
    return None


def _device(
    session: Session, kb: KnowledgeBase, extra: Mapping[str, Any] | None, readings: list[Entry]
) -> Device:
    meta = session.meta
    # Newest live reading first: it describes the camera as it is now.
    sources: list[object] = [meta, extra or {}, *[e.raw for e in reversed(readings)]]

    def first(keys: Iterable[str]) -> str | None:
        keys = tuple(keys)
        for source in sources:
            found = _find(source, keys)
            if found:
                return found
        return None

    model = session.model_name
    if model is None or model.strip().lower() in UNKNOWN_MODELS:
        model = first(MODEL_KEYS)
    family = kb.family_for_model(model)
    details: dict[str, Any] = {
        k: v
        for k, v in meta.items()
        if k.removeprefix(CAMERA_PREFIX) not in _META_INTERNAL and not k.startswith(READING_PREFIX)
    }
    if extra:
        details.update({str(k): v for k, v in extra.items()})
    return Device(
        model=model,
        family=family.title if family is not None else None,
        hardware_version=first(HW_KEYS),
        firmware=first(FW_KEYS),
        purchase_date=(meta.get(PURCHASE_DATE) or "").strip() or None,
        details=details,
    )


def _light(session: Session, kb: KnowledgeBase) -> Light:
    if session.led is None:
        could_not = session.meta.get("led") == "unknown"
        words = "the owner could not tell" if could_not else "not reported"
        return Light(None, f"light {words}", "", "", None, None)
    pattern = kb.pattern(session.led)
    family = kb.family_for_model(session.model_name)
    table = family if family is not None else kb.family(kb.fallback)
    row = next((r for r in table.leds if r.led == session.led), None)
    meaning = one_line(row.meaning) if row is not None else "not in the light table for this model"
    if family is None and row is not None:
        meaning = f"{meaning} (generic meaning: the model is not in our tables)"
    return Light(
        id=pattern.id,
        words=f"{pattern.colour} light, {pattern.rhythm}",
        looks_like=one_line(pattern.looks_like),
        meaning=meaning,
        confidence=row.confidence if row is not None else None,
        source=row.source if row is not None else None,
    )


def _answer(kb: KnowledgeBase, entry: Entry) -> Answer:
    question = kb.question(entry.id)
    text = question.answers.get(entry.value, entry.value) if entry.value else "don't know"
    reason = entry.raw.get("reason")
    return Answer(
        id=entry.id,
        question=one_line(question.text),
        answer=entry.value,
        answer_text=str(text),
        at=entry.at,
        reason=one_line(reason) if isinstance(reason, str) else None,
    )


def _reading(kb: KnowledgeBase, entry: Entry) -> Reading:
    probe = kb.probe(entry.id)
    if entry.value is None:
        value_text, verdict = "could not check", "unknown"
    else:
        value_text = probe.answers.get(entry.value, entry.value)
        verdict = probe.verdicts.get(entry.value, "unknown")
    detail = entry.raw.get("detail")
    # "reason" is the engine's, shown elsewhere; "detail" has its own field
    raw = {k: v for k, v in entry.raw.items() if k not in ("reason", "detail")}
    return Reading(
        id=entry.id,
        title=probe.title,
        value=entry.value,
        value_text=value_text,
        verdict=verdict,
        detail=one_line(detail) if isinstance(detail, str) else "",
        at=entry.at,
        raw=raw,
    )


def _notes(meta: Mapping[str, str]) -> list[Note]:
    found = [
        (key.removeprefix(READING_PREFIX), detail)
        for key, detail in meta.items()
        if key.startswith(READING_PREFIX) and detail.strip()
    ]
    if not found:
        return []
    # only now: the probes package pulls in asyncio, which a questions-only run never needs
    from kasa_doctor.probes.verdicts import REPORT_ONLY_TITLES

    return [
        Note(
            probe,
            REPORT_ONLY_TITLES.get(probe) or detail_label(probe.removeprefix("camera_")),
            one_line(detail),
        )
        for probe, detail in found
    ]


def _step(kb: KnowledgeBase, entry: Entry) -> StepRecord:
    step = kb.step(entry.id)
    result = entry.value or "skipped"
    text = RESULT_TEXT.get(result, result)
    if entry.raw.get("declined"):
        result, text = "declined", "declined by the owner (nothing was erased)"
    elif step.ends_session and result == "not_fixed":
        result, text = "handed_over", "handed over to support"
    reason = entry.raw.get("reason")
    return StepRecord(
        id=entry.id,
        title=step.title,
        result=result,
        result_text=text,
        at=entry.at,
        loses=list(step.loses),
        reason=one_line(reason) if isinstance(reason, str) else None,
        raw={k: v for k, v in entry.raw.items() if k not in ("reason", "declined")},
    )


def _summary(
    session: Session,
    device: Device,
    light: Light,
    counts: tuple[int, int, int],
    tried: list[str],
    ranking: list[RankedCause],
) -> str:
    answers, checks, steps = counts
    who = device.model or "A camera of unknown model"
    versions = ", ".join(
        part
        for part in (
            f"hardware {device.hardware_version}" if device.hardware_version else "",
            f"firmware {device.firmware}" if device.firmware else "",
        )
        if part
    )
    shows = f"shows a {light.words}" if light.id else f"— {light.words}"
    parts = [f"{who}{f' ({versions})' if versions else ''} {shows}."]
    parts.append(
        f"{answers} question(s) answered, {checks} live check(s) made, "
        f"{steps} repair step(s) taken."
    )
    if tried:
        parts.append(f"Tried without success: {'; '.join(tried)}.")
    parts.append(STATUS_TEXT.get(session.status, session.status))
    if ranking:
        top = ranking[0]
        lead = "What was wrong" if session.status == "fixed" else "Most likely cause"
        parts.append(f"{lead}: {top.title} ({top.probability:.0%}).")
    return " ".join(parts)


def build_report(
    session: Session,
    kb: KnowledgeBase | None = None,
    *,
    redact: bool = True,
    extra_device: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Report:
    """The support report for ``session``, redacted unless ``redact=False``.

    ``extra_device`` is whatever else is known about the camera (a live probe's
    identity, a device dump); it lands in the device details and goes through the
    same redaction. Secrets are removed even with ``redact=False``.
    """
    from kasa_doctor.wizard.summary import final_ranking

    kb = kb if kb is not None else session.engine.kb
    history = session.history
    readings = [e for e in history if e.kind == "probe"]
    device = _device(session, kb, extra_device, readings)
    light = _light(session, kb)
    answers = [_answer(kb, e) for e in history if e.kind == "question"]
    checks = [_reading(kb, e) for e in readings]
    steps = [_step(kb, e) for e in history if e.kind == "step"]
    ranking = [
        RankedCause(c, kb.cause(c).title, round(p, 4), one_line(kb.cause(c).explanation))
        for c, p in final_ranking(session)
    ]
    tried = [s.title for s in steps if s.result == "not_fixed"]
    report = Report(
        session_id=session.id,
        status=session.status,
        status_text=STATUS_TEXT.get(session.status, session.status),
        created_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        tool_version=__version__,
        redacted=redact,
        summary=_summary(
            session, device, light, (len(answers), len(checks), len(steps)), tried, ranking
        ),
        device=device,
        light=light,
        answers=answers,
        readings=checks,
        notes=_notes(session.meta),
        steps=steps,
        ranking=ranking,
        tried=tried,
        support=SupportChecklist(
            when_to_contact=[one_line(t) for t in kb.support.when_to_contact],
            have_ready=[one_line(t) for t in kb.support.have_ready],
        ),
    )
    # The one place redaction happens; every renderer formats this result.
    return Redactor(identifying=redact)(report)
