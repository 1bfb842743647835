"""The data the camera dashboard and its JSON API show: pydantic models, one per thing.

Like :mod:`kasa_doctor.service.views` they carry plain words, names, addresses and
readings only — never a login, and not even the configuration's ``credentials``
reference (where a login is looked up says nothing the owner needs on a page).
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CameraStatus = Literal["ok", "warning", "offline", "never_checked"]
SignalRating = Literal["good", "fair", "poor", "unknown"]
LiveSupport = Literal["full", "sysinfo", "none", "unknown"]
Verdict = Literal["ok", "warning", "problem", "unknown"]


class SignalView(BaseModel):
    """The newest Wi-Fi signal reading of a camera, with what it means."""

    #: RSSI in dBm; None when the camera never reported one
    rssi_dbm: int | None = None
    rating: SignalRating = "unknown"
    #: the rating in plain words ("strong", "weak — move the camera closer …")
    words: str = ""
    #: when it was read (ISO 8601, UTC)
    at: str | None = None


class IncidentView(BaseModel):
    """One incident the watcher opened (and maybe closed) for a camera."""

    id: int
    camera: str
    kind: str
    title: str
    summary: str
    #: the likely cause, in plain words
    cause: str
    opened: str
    closed: str | None = None
    open: bool
    #: how long it lasted (or has lasted so far), in words
    duration: str
    close_summary: str | None = None


class CameraView(BaseModel):
    """One camera on the dashboard: the configuration and the watcher's database merged."""

    name: str
    #: HOST[:PORT] from the configuration, or the one the watcher last used
    address: str | None = None
    model: str | None = None
    firmware: str | None = None
    #: the knowledge base's family of the model (e.g. tapo_indoor), when known
    family: str | None = None
    family_title: str | None = None
    #: how much python-kasa reads from this camera: full (Tapo), sysinfo (Kasa KC/EC:
    #: signal, light, firmware and model only), none, or unknown before a first check
    live_support: LiveSupport = "unknown"
    live_support_words: str = ""
    status: CameraStatus
    status_words: str
    #: listed in the watch configuration / seen by the watcher
    configured: bool
    watched: bool
    signal: SignalView = SignalView()
    #: the last time the camera answered, and the last time it was polled
    last_seen: str | None = None
    last_seen_words: str | None = None
    last_checked: str | None = None
    #: the newest poll is older than three polling intervals: is the watcher running?
    stale: bool = False
    #: share of polls answered over the dashboard's window (0–1), restarts in it
    availability: float | None = Field(default=None, ge=0.0, le=1.0)
    reboots: int = 0
    window: str = "7d"
    open_incidents: list[IncidentView] = []
    last_incident: IncidentView | None = None
    #: mean signal (dBm) per hour over the last day, oldest first (None: no reading)
    recent_signal: list[float | None] = []


class CameraList(BaseModel):
    """Every watched camera, and what to do when there is nothing to show yet."""

    cameras: list[CameraView]
    #: how to set up ``kasa-doctor watch`` when no camera is watched yet
    hint: str | None = None
    #: problems reading the configuration or the database, one line each
    problems: list[str] = []
    #: the configuration file the dashboard reads
    config_file: str
    #: the weak-signal threshold (dBm) the sparklines mark
    weak_signal_dbm: int = -70
    generated: str


class SeriesPoint(BaseModel):
    """One time bucket of a camera's history."""

    #: start of the bucket (ISO 8601, UTC) and the same as UNIX seconds
    time: str
    ts: float
    samples: int
    #: share of polls the camera answered in the bucket (0–1)
    availability: float = Field(ge=0.0, le=1.0)
    rssi_mean: float | None = None
    rssi_min: int | None = None
    reboots: int = 0


class CameraHistory(BaseModel):
    """A camera's signal, availability and restarts over time, and its incidents."""

    camera: CameraView
    #: what was asked for (``24h``, ``7d``, an ISO date …) and the window it means
    since: str
    start: str
    until: str
    bucket_seconds: float
    points: list[SeriesPoint]
    incidents: list[IncidentView]
    #: below this RSSI the watcher counts the signal as weak (the charts draw it)
    weak_signal_dbm: int = -70
    problem: str | None = None


# --- a live check of one camera ---------------------------------------------------------


class CheckRequest(BaseModel):
    """Check one camera now. ``credentials`` names where its login is, as in the watch
    configuration: ``none``, ``env``, ``env:PREFIX``, ``keyring`` or ``keyring:SERVICE``;
    a login itself is never accepted here."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(
        min_length=1,
        max_length=300,
        pattern=r"^\s*[0-9A-Za-z.:%_\[\]-]+\s*$",
        description="HOST, HOST:PORT or [IPv6]:PORT",
        examples=["192.168.1.20", "192.168.1.21:443", "[fe80::1]:443"],
    )
    port: int | None = Field(default=None, ge=1, le=65535)
    family: Literal["tapo", "kasa"] | None = None
    credentials: str = Field(
        default="none",
        max_length=120,
        pattern=r"^(none|env|keyring)(:[A-Za-z0-9_.@-]{1,100})?$",
        description="where the login is: none, env, env:PREFIX, keyring or keyring:SERVICE",
        examples=["none", "env", "env:GARAGE", "keyring"],
    )

    @model_validator(mode="after")
    def _valid(self) -> Self:
        # The watch configuration's own rules, so a check accepts what a config accepts.
        from kasa_doctor.monitor.config import CameraConfig

        try:
            CameraConfig(
                host=self.host, port=self.port, family=self.family, credentials=self.credentials
            )
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(p) for p in e['loc'])}: "
                f"{str(e['msg']).removeprefix('Value error, ')}"
                for e in exc.errors(include_url=False, include_input=False)
            ]
            raise ValueError("; ".join(problems)) from None
        return self


class TargetView(BaseModel):
    host: str
    port: int | None = None
    family: str | None = None


class ReadingView(BaseModel):
    """One reading of a live check with its verdict and plain words."""

    probe: str
    title: str
    value: str | None = None
    #: a short form for a table ("−58 dBm")
    reading: str | None = None
    verdict: Verdict
    detail: str
    #: what the probe read, redacted (addresses, network names and ids hidden)
    raw: dict[str, Any] = {}
    #: the reading is evidence for the troubleshooter
    feeds_engine: bool = False


class CheckView(BaseModel):
    """A live check of one camera (``kasa-doctor check --json``), redacted."""

    camera: str
    target: TargetView
    #: what the camera says it is; MAC and address hidden
    identity: dict[str, Any]
    live_support: Literal["full", "sysinfo", "none"]
    live_support_words: str
    verdict: Verdict
    reachable: bool
    notes: list[str]
    elapsed_s: float
    #: where the login came from (environment, keyring) — never the login
    credential_source: str | None = None
    readings: list[ReadingView]
