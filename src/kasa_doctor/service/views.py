"""The data the web page and the JSON API show: pydantic models, one per thing.

They carry plain words and ids only, never a credential: everything here may be
rendered into a page or returned by the API.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PromptKind = Literal["model", "led", "question", "step", "escalate"]
StepOutcome = Literal["fixed", "not_fixed", "skip", "declined"]
SessionStatus = Literal["open", "fixed", "escalated", "gave_up"]
ReportFormat = Literal["md", "html", "json"]
JobState = Literal["running", "done", "failed"]
#: what a finished job came to: the step fixed it / did not (checked on the camera), not
#: counted either way, the camera cannot tell so the owner is asked, or the owner takes
#: the step by hand (kasa-doctor could not)
JobResult = Literal["fixed", "not_fixed", "not_counted", "ask_owner", "manual"]


class Choice(BaseModel):
    id: str
    label: str


class FamilyView(BaseModel):
    id: str
    title: str
    brand: str
    models: list[str]
    #: how much python-kasa can read from this family: full, sysinfo or none
    live_support: str


class LightView(BaseModel):
    """A light the owner can pick; ``colours`` and ``rhythm`` drive its animation."""

    id: str
    colour: str
    colours: list[str]
    rhythm: str
    looks_like: str
    #: what it means on the session's model (None when the model is unknown)
    meaning: str | None = None


class InstructionsView(BaseModel):
    do: str
    expect: str
    wait: str = ""


class ResetView(BaseModel):
    button: str
    hold_seconds: str


class Automation(BaseModel):
    """Whether kasa-doctor can take this step itself on the session's camera, or why not."""

    available: bool
    #: reboot, firmware, led, wait_boot, wait_update (None: no action for this step)
    action: str | None = None
    #: what it would do, in the owner's words
    what: str = ""
    #: about how long it takes on a real camera
    seconds: float | None = None
    takes: str = ""
    why_not: str = ""


class JobView(BaseModel):
    """kasa-doctor at work on the camera: taking a step, or checking it after the owner's."""

    kind: Literal["automate", "check"]
    step: str
    state: JobState
    #: the action (reboot, firmware, led, wait_boot, wait_update) or "check"
    action: str
    #: the latest progress message, or what it came to
    message: str = ""
    fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    started_at: str
    finished_at: str | None = None
    result: JobResult | None = None
    #: what kasa-doctor did and what the check found, in plain words
    did: list[str] = []


class Prompt(BaseModel):
    """What the owner is asked now; the fields used depend on ``kind``."""

    kind: PromptKind
    #: question, step or escalation id; empty for the model and the light
    id: str = ""
    title: str
    text: str = ""
    help: str = ""
    #: why this, now — in plain words, naming the evidence that moved it
    reason: str = ""
    answers: list[Choice] = []
    lights: list[LightView] = []
    families: list[FamilyView] = []
    instructions: InstructionsView | None = None
    #: the cause a step mainly targets and P(it fixes the problem)
    target: str | None = None
    probability: float | None = None
    destructive: bool = False
    #: a destructive step: the owner must confirm before saying how it went
    confirm: bool = False
    loses: list[str] = []
    reset: ResetView | None = None
    notes: list[str] = []
    #: escalation: when to contact support and what to have ready
    when_to_contact: list[str] = []
    have_ready: list[str] = []
    #: a step in a session started for a watched camera: "Let kasa-doctor do it"
    automation: Automation | None = None


class CauseRank(BaseModel):
    id: str
    title: str
    probability: float = Field(ge=0.0, le=1.0)


class HistoryItem(BaseModel):
    kind: Literal["model", "led", "question", "probe", "step"]
    id: str
    title: str
    #: the answer, reading or step result in plain words
    value: str
    at: str | None = None


class TipView(BaseModel):
    id: str
    title: str
    text: str


class Outcome(BaseModel):
    """How a finished session ended."""

    status: SessionStatus
    diagnosis: CauseRank | None
    explanation: str = ""
    fixed_by: str | None = None
    prevention: list[TipView] = []
    when_to_contact: list[str] = []
    have_ready: list[str] = []
    #: report formats that can be downloaded (escalated and given-up sessions)
    reports: list[ReportFormat] = []


class SessionView(BaseModel):
    id: str
    status: SessionStatus
    model: str | None
    family: FamilyView | None
    led: str | None
    #: the camera this session was started for (dashboard), by name
    camera: str | None = None
    prompt: Prompt | None
    ranking: list[CauseRank]
    history: list[HistoryItem]
    outcome: Outcome | None = None
    #: kasa-doctor's job on the camera: running, or just finished
    job: JobView | None = None


class SessionSummary(BaseModel):
    id: str
    status: str
    model: str | None
    led: str | None
    saved_at: str


# --- requests -------------------------------------------------------------------------


class NewSession(BaseModel):
    model: str | None = Field(default=None, max_length=100)
    led: str | None = Field(default=None, max_length=60)


class ModelAnswer(BaseModel):
    #: None or "" = I don't know
    model: str | None = Field(default=None, max_length=100)


class LedAnswer(BaseModel):
    #: None = I can't tell
    led: str | None = Field(default=None, max_length=60)


class QuestionAnswer(BaseModel):
    question: str = Field(max_length=100)
    #: None = I don't know
    answer: str | None = Field(default=None, max_length=100)


class StepReport(BaseModel):
    step: str = Field(max_length=100)
    outcome: StepOutcome
    #: required (true) for a step that erases data, unless declined
    confirm: bool = False


class Escalation(BaseModel):
    #: when the camera was bought, for the warranty (free text, e.g. 2025-03)
    purchase_date: str | None = Field(default=None, max_length=40)
