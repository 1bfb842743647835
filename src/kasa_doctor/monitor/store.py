"""The monitor's database: cameras, polling rounds, samples and incidents.

SQLAlchemy 2 over SQLite (default, a file in the user data folder) or PostgreSQL
(``--db postgresql://…``, driven by psycopg 3). The schema is created and upgraded by
the Alembic migrations in ``monitor/migrations``, run at every start.

Crash safety: a round — its row, every camera's sample, the incidents it opened or
closed and the cameras' login back-off — is written in **one transaction**. A
``kill -9`` in the middle of a round therefore loses that round and nothing else.
SQLite runs in WAL mode with ``synchronous=FULL``: a committed round survives even a
power cut, and readers (``kasa-doctor history``) never block the watcher.

Times are stored as UNIX seconds (float) rather than DATETIME: the same column type
and the same arithmetic on both databases, and a year of one camera's samples is read
and bucketed without parsing 100 000 date strings.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

_LOGGER = logging.getLogger(__name__)

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"

# Constraint names fixed once, so Alembic migrations are the same on both databases.
NAMING: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only makes an INTEGER PRIMARY KEY the fast rowid alias; PostgreSQL wants BIGINT
# for a table that grows by a thousand rows every five minutes.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class StoreError(Exception):
    """The database cannot be opened, upgraded or written; the message is one line."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    host: Mapped[str] = mapped_column(String(300))
    model: Mapped[str | None] = mapped_column(String(100))
    firmware: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float)
    # Login back-off (see backoff.py). credential_fp is a keyed hash whose key is kept
    # outside the database, so the database alone says nothing about the login.
    login_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_login_at: Mapped[float | None] = mapped_column(Float)
    credential_fp: Mapped[str | None] = mapped_column(String(64))


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[float] = mapped_column(Float, index=True)
    finished_at: Mapped[float] = mapped_column(Float)
    cameras: Mapped[int] = mapped_column(Integer)
    reachable: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)


class Sample(Base):
    __tablename__ = "samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    ts: Mapped[float] = mapped_column(Float)
    reachable: Mapped[bool] = mapped_column(Boolean)
    #: ok, failed, locked, skipped (back-off), none (no login), n/a (Kasa); NULL unknown
    auth: Mapped[str | None] = mapped_column(String(16))
    rssi: Mapped[int | None] = mapped_column(Integer)
    signal: Mapped[str | None] = mapped_column(String(16))
    cloud: Mapped[str | None] = mapped_column(String(16))
    firmware: Mapped[str | None] = mapped_column(String(200))
    update_available: Mapped[bool | None] = mapped_column(Boolean)
    update_failed: Mapped[bool | None] = mapped_column(Boolean)
    overheated: Mapped[bool | None] = mapped_column(Boolean)
    reboot: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    reboot_method: Mapped[str | None] = mapped_column(String(16))
    uptime_s: Mapped[float | None] = mapped_column(Float)
    clock_offset_s: Mapped[float | None] = mapped_column(Float)
    response_ms: Mapped[float | None] = mapped_column(Float)
    probe_ms: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        # One camera's history by time: the query behind `history` and the charts. The
        # chart columns ride along so the bucketed read never touches the table.
        Index("ix_samples_camera_ts", "camera_id", "ts", "reachable", "rssi", "reboot"),
        Index("ix_samples_round", "round_id"),
    )


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[float] = mapped_column(Float)
    opened_round: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    closed_at: Mapped[float | None] = mapped_column(Float)
    closed_round: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    summary: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    close_summary: Mapped[str | None] = mapped_column(Text)
    #: notification outbox: pending → sent / failed / none (no notify URLs)
    notify_open: Mapped[str] = mapped_column(String(8), default="pending")
    notify_close: Mapped[str | None] = mapped_column(String(8))
    notify_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_incidents_camera_opened", "camera_id", "opened_at"),
        # "Opened once": at most one open incident of a kind per camera, enforced by
        # the database itself.
        Index(
            "uq_incidents_open",
            "camera_id",
            "kind",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )


# --- plain data handed between the watcher and the store -------------------------------


@dataclass
class SampleRow:
    """One camera's sample as the watcher made it (column names as in ``samples``)."""

    camera: str
    ts: float
    reachable: bool
    probe_ms: float
    auth: str | None = None
    rssi: int | None = None
    signal: str | None = None
    cloud: str | None = None
    firmware: str | None = None
    model: str | None = None
    update_available: bool | None = None
    update_failed: bool | None = None
    overheated: bool | None = None
    reboot: bool = False
    reboot_method: str | None = None
    uptime_s: float | None = None
    clock_offset_s: float | None = None
    response_ms: float | None = None
    error: str | None = None

    def columns(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "reachable": self.reachable,
            "auth": self.auth,
            "rssi": self.rssi,
            "signal": self.signal,
            "cloud": self.cloud,
            "firmware": self.firmware,
            "update_available": self.update_available,
            "update_failed": self.update_failed,
            "overheated": self.overheated,
            "reboot": self.reboot,
            "reboot_method": self.reboot_method,
            "uptime_s": self.uptime_s,
            "clock_offset_s": self.clock_offset_s,
            "response_ms": self.response_ms,
            "probe_ms": self.probe_ms,
            "error": self.error,
        }


SAMPLE_FIELDS: Final = (
    "ts",
    "reachable",
    "auth",
    "rssi",
    "signal",
    "cloud",
    "firmware",
    "update_available",
    "update_failed",
    "overheated",
    "reboot",
    "reboot_method",
    "uptime_s",
    "clock_offset_s",
    "response_ms",
    "probe_ms",
    "error",
)


@dataclass
class IncidentOpen:
    camera: str
    kind: str
    summary: str
    cause: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class IncidentClose:
    incident_id: int
    summary: str


@dataclass
class LoginState:
    failures: int = 0
    next_login_at: float | None = None
    credential_fp: str | None = None


@dataclass
class RoundWrite:
    """Everything one round changes, written in one transaction."""

    started_at: float
    finished_at: float
    samples: list[SampleRow]
    opened: list[IncidentOpen] = field(default_factory=list)
    closed: list[IncidentClose] = field(default_factory=list)
    logins: dict[str, LoginState] = field(default_factory=dict)
    notify: bool = True


@dataclass(frozen=True)
class OpenIncident:
    id: int
    camera: str
    kind: str
    opened_at: float
    summary: str


@dataclass(frozen=True)
class PendingNotice:
    incident_id: int
    camera: str
    host: str
    kind: str
    event: str  # "open" or "close"
    opened_at: float
    closed_at: float | None
    summary: str
    cause: str
    close_summary: str | None
    attempts: int


@dataclass
class CameraHistory:
    """What the watcher needs to resume one camera after a restart."""

    recent: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    reboots: list[float] = field(default_factory=list)  # unexpected ones only
    #: (ts, uptime_s, firmware) of the newest sample in which the camera's clock was read
    last_seen: tuple[float, float | None, str | None] | None = None
    login: LoginState = field(default_factory=LoginState)


# --- opening --------------------------------------------------------------------------


def normalise_url(url_or_path: str) -> URL:
    """A SQLAlchemy URL from what the user typed; a bare path means a SQLite file.

    ``postgresql://`` without a driver means psycopg 3 (SQLAlchemy's own default is
    psycopg2, which is not installed).
    """
    text_ = url_or_path.strip()
    if not text_:
        raise StoreError("the database URL is empty")
    if "://" not in text_:
        return URL.create("sqlite", database=str(Path(text_).expanduser()))
    try:
        url = make_url(text_)
    except ArgumentError:
        raise StoreError(f"{redact_url(text_)!r} is not a database URL") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        if url.get_driver_name() in ("psycopg2", "") or "+" not in url.drivername:
            url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise StoreError(
            f"database {backend!r} is not supported; use sqlite:///FILE or postgresql://…"
        )
    return url


def redact_url(url: str | URL) -> str:
    """The URL with any password hidden (for messages)."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers never block the watcher's write; FULL: a committed round is on disk.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10},
    )


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config
    from alembic.util.exc import CommandError

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic reports every step at INFO; the watcher's own log is for the cameras.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError as exc:
        if "Can't locate revision" in str(exc):
            raise StoreError(
                "the database was written by a newer kasa-doctor; upgrade kasa-doctor"
            ) from None
        raise StoreError(f"cannot upgrade the database schema: {exc}") from None


class Store:
    """The monitor's database; every method is one short transaction."""

    def __init__(self, url: str | Path | URL, *, create: bool = True) -> None:
        self.url = url if isinstance(url, URL) else normalise_url(str(url))
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite and not create:
            path = self.url.database
            if path and path != ":memory:" and not Path(path).exists():
                raise StoreError(f"no monitor database at {path} yet: run `kasa-doctor watch`")
        try:
            self.engine = make_engine(self.url)
        except OSError as exc:
            raise StoreError(f"cannot open {redact_url(self.url)}: {exc.strerror}") from None
        try:
            migrate(self.engine)
        except StoreError:
            self.engine.dispose()
            raise
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open {redact_url(self.url)}: {_reason(exc)}") from None
        except OSError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open {redact_url(self.url)}: {exc.strerror}") from None
        self._camera_ids: dict[str, int] = {}

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {_reason(exc)}") from None

    # --- cameras -------------------------------------------------------------------

    def ensure_cameras(self, cameras: Sequence[tuple[str, str]], now: float) -> dict[str, int]:
        """Make sure every (name, host) has a row; returns name -> id."""
        with self._begin() as conn:
            rows = conn.execute(select(Camera.id, Camera.name, Camera.host)).all()
            known = {r.name: (r.id, r.host) for r in rows}
            for name, host in cameras:
                if name not in known:
                    new_id = conn.execute(
                        insert(Camera)
                        .values(name=name, host=host, created_at=now, login_failures=0)
                        .returning(Camera.id)
                    ).scalar_one()
                    known[name] = (new_id, host)
                elif known[name][1] != host:
                    conn.execute(update(Camera).where(Camera.name == name).values(host=host))
        self._camera_ids = {name: ident for name, (ident, _) in known.items()}
        return dict(self._camera_ids)

    def camera_id(self, name: str) -> int:
        if name not in self._camera_ids:
            with self._begin() as conn:
                found = conn.execute(select(Camera.id).where(Camera.name == name)).scalar()
            if found is None:
                raise StoreError(f"no camera named {name!r} in the database")
            self._camera_ids[name] = found
        return self._camera_ids[name]

    def camera_names(self) -> list[str]:
        with self._begin() as conn:
            return list(conn.execute(select(Camera.name).order_by(Camera.name)).scalars())

    # --- resuming ------------------------------------------------------------------

    def load_history(
        self, names: Sequence[str], *, keep: int, reboot_window: float, now: float
    ) -> dict[str, CameraHistory]:
        """Per camera: the last ``keep`` samples, reboots within the window, back-off."""
        out: dict[str, CameraHistory] = {}
        columns = [getattr(Sample, f) for f in SAMPLE_FIELDS]
        with self._begin() as conn:
            for name in names:
                cam_id = self._camera_ids.get(name)
                if cam_id is None:
                    continue
                hist = CameraHistory()
                rows = conn.execute(
                    select(*columns)
                    .where(Sample.camera_id == cam_id)
                    .order_by(Sample.ts.desc(), Sample.id.desc())
                    .limit(keep)
                ).all()
                hist.recent = [dict(r._mapping) for r in reversed(rows)]
                hist.reboots = list(
                    conn.execute(
                        select(Sample.ts)
                        .where(
                            Sample.camera_id == cam_id,
                            Sample.ts >= now - reboot_window,
                            Sample.reboot.is_(True),
                            or_(Sample.reboot_method.is_(None), Sample.reboot_method != "update"),
                        )
                        .order_by(Sample.ts)
                    ).scalars()
                )
                seen = conn.execute(
                    select(Sample.ts, Sample.uptime_s, Sample.firmware)
                    .where(
                        Sample.camera_id == cam_id,
                        Sample.reachable.is_(True),
                        Sample.clock_offset_s.is_not(None),
                    )
                    .order_by(Sample.ts.desc())
                    .limit(1)
                ).first()
                if seen is not None:
                    firmware = conn.execute(
                        select(Camera.firmware).where(Camera.id == cam_id)
                    ).scalar()
                    hist.last_seen = (seen.ts, seen.uptime_s, seen.firmware or firmware)
                cam = conn.execute(
                    select(Camera.login_failures, Camera.next_login_at, Camera.credential_fp).where(
                        Camera.id == cam_id
                    )
                ).one()
                hist.login = LoginState(
                    cam.login_failures or 0, cam.next_login_at, cam.credential_fp
                )
                out[name] = hist
        return out

    def open_incidents(self, camera: str | None = None) -> list[OpenIncident]:
        query = (
            select(Incident.id, Camera.name, Incident.kind, Incident.opened_at, Incident.summary)
            .join(Camera, Camera.id == Incident.camera_id)
            .where(Incident.closed_at.is_(None))
            .order_by(Incident.opened_at)
        )
        if camera is not None:
            query = query.where(Camera.name == camera)
        with self._begin() as conn:
            return [OpenIncident(*row) for row in conn.execute(query).all()]

    # --- writing a round -------------------------------------------------------------

    def write_round(self, work: RoundWrite) -> tuple[int, list[int]]:
        """Commit one round atomically; returns (round id, ids of the opened incidents)."""
        ids = self._camera_ids
        reachable = sum(1 for s in work.samples if s.reachable)
        notice = "pending" if work.notify else "none"
        with self._begin() as conn:
            round_id = conn.execute(
                insert(Round)
                .values(
                    started_at=work.started_at,
                    finished_at=work.finished_at,
                    cameras=len(work.samples),
                    reachable=reachable,
                    duration_s=work.finished_at - work.started_at,
                )
                .returning(Round.id)
            ).scalar_one()
            if work.samples:
                conn.execute(
                    insert(Sample),
                    [
                        {"round_id": round_id, "camera_id": ids[s.camera], **s.columns()}
                        for s in work.samples
                    ],
                )
            for sample in work.samples:
                if sample.model or sample.firmware:
                    values: dict[str, Any] = {}
                    if sample.model:
                        values["model"] = sample.model
                    if sample.firmware:
                        values["firmware"] = sample.firmware
                    conn.execute(
                        update(Camera).where(Camera.id == ids[sample.camera]).values(values)
                    )
            for name, login in work.logins.items():
                conn.execute(
                    update(Camera)
                    .where(Camera.id == ids[name])
                    .values(
                        login_failures=login.failures,
                        next_login_at=login.next_login_at,
                        credential_fp=login.credential_fp,
                    )
                )
            for closing in work.closed:
                conn.execute(
                    update(Incident)
                    .where(Incident.id == closing.incident_id, Incident.closed_at.is_(None))
                    .values(
                        closed_at=work.finished_at,
                        closed_round=round_id,
                        close_summary=closing.summary,
                        notify_close=notice,
                    )
                )
            opened_ids: list[int] = []
            for opening in work.opened:
                opened_ids.append(
                    conn.execute(
                        insert(Incident)
                        .values(
                            camera_id=ids[opening.camera],
                            kind=opening.kind,
                            opened_at=work.finished_at,
                            opened_round=round_id,
                            summary=opening.summary,
                            cause=opening.cause,
                            detail=json.dumps(opening.detail, sort_keys=True, default=str),
                            notify_open=notice,
                            notify_attempts=0,
                        )
                        .returning(Incident.id)
                    ).scalar_one()
                )
        return round_id, opened_ids

    # --- notification outbox --------------------------------------------------------------

    def pending_notices(self) -> list[PendingNotice]:
        columns = (
            Incident.id,
            Camera.name,
            Camera.host,
            Incident.kind,
            Incident.opened_at,
            Incident.closed_at,
            Incident.summary,
            Incident.cause,
            Incident.close_summary,
            Incident.notify_attempts,
            Incident.notify_open,
            Incident.notify_close,
        )
        with self._begin() as conn:
            rows = conn.execute(
                select(*columns)
                .join(Camera, Camera.id == Incident.camera_id)
                .where((Incident.notify_open == "pending") | (Incident.notify_close == "pending"))
                .order_by(Incident.id)
            ).all()
        out: list[PendingNotice] = []
        for r in rows:
            # An opening is always announced before its closing.
            for event_name, status in (("open", r.notify_open), ("close", r.notify_close)):
                if status == "pending":
                    out.append(
                        PendingNotice(
                            r.id,
                            r.name,
                            r.host,
                            r.kind,
                            event_name,
                            r.opened_at,
                            r.closed_at,
                            r.summary,
                            r.cause,
                            r.close_summary,
                            r.notify_attempts,
                        )
                    )
        return out

    def mark_notice(self, incident_id: int, event_name: str, status: str) -> None:
        """Record a notification's outcome: sent, failed (given up), or pending (retry)."""
        column = Incident.notify_open if event_name == "open" else Incident.notify_close
        with self._begin() as conn:
            conn.execute(
                update(Incident)
                .where(Incident.id == incident_id)
                .values({column: status, Incident.notify_attempts: Incident.notify_attempts + 1})
            )

    # --- checks -------------------------------------------------------------------------

    def integrity_problems(self) -> list[str]:
        """Empty when the database is sound: the engine's own check, and every round whole."""
        problems: list[str] = []
        with self._begin() as conn:
            if self.is_sqlite:
                result = [row[0] for row in conn.execute(text("PRAGMA integrity_check"))]
                if result != ["ok"]:
                    problems.extend(f"sqlite: {line}" for line in result)
                fk = conn.execute(text("PRAGMA foreign_key_check")).all()
                problems.extend(f"foreign key: {tuple(row)}" for row in fk)
            counts = dict(
                conn.execute(select(Sample.round_id, func.count()).group_by(Sample.round_id)).all()
            )
            for round_id, cameras in conn.execute(select(Round.id, Round.cameras)).all():
                if counts.get(round_id, 0) != cameras:
                    problems.append(
                        f"round {round_id}: {counts.get(round_id, 0)} samples of {cameras}"
                    )
        return problems

    def round_ids(self) -> list[int]:
        with self._begin() as conn:
            return list(conn.execute(select(Round.id).order_by(Round.id)).scalars())


def _reason(exc: SQLAlchemyError) -> str:
    """One line about a database error, without the SQL and its parameters."""
    original = getattr(exc, "orig", None)
    text_ = str(original) if original is not None else type(exc).__name__
    if isinstance(exc, OperationalError) and "unable to open database" in text_:
        text_ = "unable to open the database file (check the folder exists and is writable)"
    return text_.strip().splitlines()[0][:300] if text_.strip() else type(exc).__name__
