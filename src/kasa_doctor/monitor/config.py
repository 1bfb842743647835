"""The monitor's YAML configuration: which cameras to watch, how often, what counts as trouble.

Every problem is reported as ``file:line: field: message`` (like the knowledge base
loader), so a broken edit is found at once. A camera's login is never written here:
``credentials`` names where it comes from (``env``, ``env:PREFIX``, ``keyring``,
``keyring:SERVICE`` or ``none``) and :func:`resolve_reference` reads it at run time
through :mod:`kasa_doctor.probes.credentials`.

Example (docs/monitor.md has the full list)::

    interval: 300
    notify: ["json://127.0.0.1:8080/hooks/kasa"]
    thresholds: {offline_rounds: 3}
    cameras:
      - {name: porch, host: 192.168.1.20, credentials: env}
      - {name: garage, host: "192.168.1.21:443", credentials: "keyring:kasa-doctor"}
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kasa_doctor.probes.camera import CameraTarget
from kasa_doctor.probes.credentials import (
    KEYRING_SERVICE,
    PASSWORD_ENV,
    USERNAME_ENV,
    CameraCredentials,
    from_environment,
    from_keyring,
)

# one data folder for sessions, reports and the monitor
from kasa_doctor.sessions_store import HOME_ENV, data_dir
from kasa_doctor.yamlfile import Location, YamlFile, YamlFileError, parse_yaml

CONFIG_NAME: Final = "monitor.yaml"
DATABASE_NAME: Final = "monitor.db"
KEY_NAME: Final = "monitor.key"
#: a keyring back-end talking to D-Bus can hang; a login look-up never waits longer
KEYRING_TIMEOUT_S: Final = 10.0

IncidentKind = Literal[
    "offline",
    "reboot_loop",
    "weak_signal",
    "overheated",
    "update_available",
    "update_failed",
    "clock_drift",
    "login_failing",
]
INCIDENT_KINDS: Final[tuple[str, ...]] = get_args(IncidentKind)

# Keys that would mean somebody pasted a login into the file. Refused with a pointer
# to the right place, so the secret never gets as far as a log line or the database.
_SECRET_KEYS: Final = frozenset({"password", "username", "user", "pass", "passwd", "email"})
_REFERENCE = re.compile(r"^(none|env|keyring)(?::([A-Za-z0-9_.@-]{1,100}))?$")
_ENV_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

PositiveInt = Annotated[int, Field(ge=1, le=10_000)]


class ConfigError(Exception):
    """One or more problems in the configuration; ``str()`` gives one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    """When a condition becomes an incident. Rounds are consecutive polling rounds."""

    offline_rounds: PositiveInt = 3
    weak_signal_rounds: PositiveInt = 3
    #: below this RSSI (dBm) the signal counts as weak; −70 is where `check` says "poor"
    weak_signal_dbm: Annotated[int, Field(ge=-120, le=0)] = -70
    reboot_loop_count: Annotated[int, Field(ge=2, le=1000)] = 3
    #: seconds over which unexpected reboots are counted
    reboot_loop_window: Annotated[float, Field(gt=0, le=30 * 86400)] = 3600.0
    #: a camera that was unreachable for at most this many rounds and is back, and whose
    #: clock cannot tell, is counted as having rebooted (a power blip looks like this)
    reboot_outage_rounds: Annotated[int, Field(ge=0, le=100)] = 1
    overheated_rounds: PositiveInt = 1
    update_available_rounds: PositiveInt = 1
    update_failed_rounds: PositiveInt = 1
    #: the camera's clock this far off (seconds, either way) is drift
    clock_drift_s: Annotated[float, Field(gt=0)] = 300.0
    clock_drift_rounds: PositiveInt = 3
    #: right after a start the clock is wrong until NTP answers; not drift yet
    clock_grace_s: Annotated[float, Field(ge=0)] = 600.0
    login_failures: Annotated[int, Field(ge=1, le=4)] = 1


class ThresholdOverrides(_Strict):
    """The same fields as :class:`Thresholds`, each optional, for one camera."""

    offline_rounds: PositiveInt | None = None
    weak_signal_rounds: PositiveInt | None = None
    weak_signal_dbm: Annotated[int, Field(ge=-120, le=0)] | None = None
    reboot_loop_count: Annotated[int, Field(ge=2, le=1000)] | None = None
    reboot_loop_window: Annotated[float, Field(gt=0, le=30 * 86400)] | None = None
    reboot_outage_rounds: Annotated[int, Field(ge=0, le=100)] | None = None
    overheated_rounds: PositiveInt | None = None
    update_available_rounds: PositiveInt | None = None
    update_failed_rounds: PositiveInt | None = None
    clock_drift_s: Annotated[float, Field(gt=0)] | None = None
    clock_drift_rounds: PositiveInt | None = None
    clock_grace_s: Annotated[float, Field(ge=0)] | None = None
    login_failures: Annotated[int, Field(ge=1, le=4)] | None = None

    def apply(self, base: Thresholds) -> Thresholds:
        changes = {k: v for k, v in self.model_dump().items() if v is not None}
        return base.model_copy(update=changes) if changes else base


class LoginBackoff(_Strict):
    """How a camera whose login fails is left alone.

    Tapo cameras lock the account out for about 30 minutes after five failed logins
    in a row, so the watcher makes at most ``max_attempts`` (fewer than five) failed
    attempts and then none at all until the login it would use changes.
    """

    initial: Annotated[float, Field(gt=0, le=7 * 86400)] = 300.0
    factor: Annotated[float, Field(ge=1, le=100)] = 3.0
    max: Annotated[float, Field(gt=0, le=30 * 86400)] = 6 * 3600.0
    max_attempts: Annotated[int, Field(ge=1, le=4)] = 3


class CameraConfig(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    host: Annotated[str, Field(min_length=1, max_length=300)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    family: Literal["tapo", "kasa"] | None = None
    credentials: str = "env"
    thresholds: ThresholdOverrides = ThresholdOverrides()
    #: incident kinds never raised for this camera
    ignore: list[IncidentKind] = []

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        CameraTarget.parse(value)  # raises ValueError with a one-line reason
        return value.strip()

    @field_validator("credentials")
    @classmethod
    def _credentials(cls, value: str) -> str:
        match = _REFERENCE.match(value.strip())
        if not match:
            raise ValueError(
                "expected none, env, env:PREFIX, keyring or keyring:SERVICE "
                "(the login itself never goes in this file)"
            )
        kind, arg = match.groups()
        if kind == "none" and arg:
            raise ValueError("'none' takes no name")
        if kind == "env" and arg and not _ENV_PREFIX.match(arg):
            raise ValueError(f"{arg!r} is not a valid environment variable prefix")
        return value.strip()

    def target(self) -> CameraTarget:
        parsed = CameraTarget.parse(self.host)
        port = self.port if self.port is not None else parsed.port
        return CameraTarget(parsed.host, port, family=self.family)

    @property
    def label(self) -> str:
        """The camera's name in the database, messages and metrics."""
        return self.name or str(self.target())


class MonitorConfig(_Strict):
    #: seconds from the start of one round to the start of the next
    interval: Annotated[float, Field(gt=0, le=86400)] = 300.0
    #: cameras polled at the same time
    concurrency: Annotated[int, Field(ge=1, le=512)] = 16
    #: seconds each network step of one camera's poll may take
    timeout: Annotated[float, Field(gt=0, le=120)] = 5.0
    #: SQLAlchemy URL or a file path; default: monitor.db in the user data folder
    database: str | None = None
    #: apprise URLs; every incident opening and closing goes to each
    notify: list[Annotated[str, Field(min_length=3, max_length=2000)]] = []
    #: seconds one notification may take before it is given up for this round
    notify_timeout: Annotated[float, Field(gt=0, le=300)] = 15.0
    thresholds: Thresholds = Thresholds()
    login_backoff: LoginBackoff = LoginBackoff()
    cameras: Annotated[list[CameraConfig], Field(min_length=1, max_length=100_000)]

    def thresholds_for(self, camera: CameraConfig) -> Thresholds:
        return camera.thresholds.apply(self.thresholds)


# --- reading ------------------------------------------------------------------------

_Path = Location


def _where(name: str, loaded: YamlFile, loc: Iterable[str | int]) -> str:
    return f"{name}:{loaded.line(loc)}"


def _secret_keys(data: object, path: _Path = ()) -> list[_Path]:
    found: list[_Path] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key.lower() in _SECRET_KEYS:
                found.append((*path, key))
            found.extend(_secret_keys(value, (*path, str(key))))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found.extend(_secret_keys(item, (*path, i)))
    return found


def parse_config(text: str, name: str = "monitor.yaml") -> MonitorConfig:
    """Validate the YAML ``text``; :class:`ConfigError` lists every problem by line."""
    try:
        loaded = parse_yaml(text, Path(name), label=name)
    except YamlFileError as exc:
        raise ConfigError([str(exc)]) from None
    data = loaded.data
    if not isinstance(data, dict):
        raise ConfigError([f"{name}:1: expected a mapping with at least 'cameras:'"])
    secret_paths = _secret_keys(data)
    if secret_paths:
        raise ConfigError(
            [
                f"{_where(name, loaded, p)}: {'.'.join(map(str, p))}: a login does not belong "
                "in the config file; use credentials: env, env:PREFIX or keyring:SERVICE"
                for p in secret_paths
            ]
        )
    try:
        config = MonitorConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = list(err["loc"])
            field_name = ".".join(str(p) for p in loc) or "(top level)"
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{_where(name, loaded, loc)}: {field_name}: {message}")
        raise ConfigError(problems) from None
    seen: dict[str, int] = {}
    problems = []
    for i, camera in enumerate(config.cameras):
        label = camera.label
        if label in seen:
            problems.append(
                f"{_where(name, loaded, ('cameras', i))}: cameras.{i}: camera {label!r} is "
                f"listed twice (also cameras.{seen[label]}); give each a distinct name"
            )
        seen.setdefault(label, i)
    if problems:
        raise ConfigError(problems)
    return config


def load_config(path: Path) -> MonitorConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file (see docs/monitor.md for an example)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {type(exc).__name__}"]) from None
    return parse_config(text, str(path))


# --- where things live -----------------------------------------------------------------


def default_config_path() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser() / CONFIG_NAME
    import platformdirs

    return platformdirs.user_config_path("kasa-doctor") / CONFIG_NAME


def default_database_path() -> Path:
    return data_dir() / DATABASE_NAME


# --- credentials by reference -------------------------------------------------------------


def resolve_reference(
    reference: str, environ: Mapping[str, str] | None = None
) -> CameraCredentials | None:
    """The login a ``credentials:`` reference points at, or None (not set, or ``none``).

    ``env`` reads KASA_USERNAME / KASA_PASSWORD, ``env:PORCH`` reads PORCH_USERNAME /
    PORCH_PASSWORD; ``keyring`` reads kasa-doctor's own keyring entry (the one
    ``kasa-doctor check`` saves) and ``keyring:SERVICE`` the one under that service.
    """
    match = _REFERENCE.match(reference)
    if not match:
        return None
    kind, arg = match.groups()
    if kind == "env":
        if arg:
            return from_environment(
                environ, username_env=f"{arg}_USERNAME", password_env=f"{arg}_PASSWORD"
            )
        return from_environment(environ, username_env=USERNAME_ENV, password_env=PASSWORD_ENV)
    if kind == "keyring":
        return from_keyring(arg or KEYRING_SERVICE)
    return None


def resolve_reference_bounded(
    reference: str,
    environ: Mapping[str, str] | None = None,
    timeout: float = KEYRING_TIMEOUT_S,
) -> CameraCredentials | None:
    """``resolve_reference``, giving up on a keyring that does not answer in ``timeout``.

    Some keyring back-ends talk to D-Bus and can hang. The look-up runs in a daemon
    thread, not an executor: ``asyncio.run`` and thread pools wait for their threads
    at exit, so a hung keyring would hang the watcher or the web request with it.
    A broken keyring means "no login", as in ``probes.credentials``.
    """
    if not reference.startswith("keyring"):
        return resolve_reference(reference, environ)
    found: list[CameraCredentials | None] = []

    def look_up() -> None:
        try:
            found.append(resolve_reference(reference, environ))
        except Exception:
            return

    thread = threading.Thread(target=look_up, name="kasa-doctor-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    return found[0] if found else None


def describe_reference(reference: str) -> str:
    """Where a reference looks, in words, for "no login found" messages."""
    match = _REFERENCE.match(reference)
    kind, arg = match.groups() if match else ("none", None)
    if kind == "env":
        prefix = arg or "KASA"
        return f"environment variables {prefix}_USERNAME and {prefix}_PASSWORD"
    if kind == "keyring":
        return f"keyring service {arg or KEYRING_SERVICE!r}"
    return "no login (credentials: none)"


def example_config() -> dict[str, Any]:
    """A minimal valid config as data (used by tests and docs)."""
    return {"interval": 300, "cameras": [{"name": "porch", "host": "192.0.2.10"}]}
