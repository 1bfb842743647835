"""The watched cameras for the dashboard and the API: status, history, checks.

Reads the same two sources as `kasa-doctor history`: the watch configuration
(which cameras, where, how each logs in) and the watcher's database (what it saw).
A camera in either one is shown; with neither, the dashboard is empty and says how
to start watching. Nothing here writes the database.

Live work (``diagnose``, ``check``) finds the camera and its login here and reads it
through :mod:`kasa_doctor.service.camera_live`. No login is kept: credentials are
resolved from the configuration's *reference* at the moment of a check, used, and
dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from kasa_doctor.service import camera_live
from kasa_doctor.service import camera_views as cv
from kasa_doctor.service import views as v
from kasa_doctor.service.errors import Invalid, NotFound
from kasa_doctor.service.sessions import CAMERA_META_KEY, SessionService

if TYPE_CHECKING:
    from kasa_doctor.engine.session import Session
    from kasa_doctor.live import LiveChecks
    from kasa_doctor.monitor.config import CameraConfig, MonitorConfig
    from kasa_doctor.monitor.history import Bucket, CameraSummary, IncidentRecord
    from kasa_doctor.monitor.store import Store
    from kasa_doctor.probes.camera import CameraTarget
    from kasa_doctor.probes.credentials import CameraCredentials
    from kasa_doctor.service.live_steps import LiveSteps

#: the dashboard's summary window (availability, restarts) and the sparkline's
WINDOW: Final = "7d"
WINDOW_S: Final = 7 * 86400.0
SPARK_S: Final = 86400.0
SPARK_BUCKETS: Final = 24
#: incidents closed longer ago than this are not the dashboard's "last incident"
INCIDENT_LOOKBACK_S: Final = 30 * 86400.0
HISTORY_BUCKETS: Final = 96
MAX_SINCE_LEN: Final = 40
DEFAULT_WEAK_DBM: Final = -70

SETUP_HINT: Final = (
    "No camera is watched yet. List your cameras in {config} (see docs/monitor.md: "
    "name, host and where the login comes from, e.g. credentials: env), then run "
    "`kasa-doctor watch`. The dashboard fills in after its first round."
)
NO_DATABASE_HINT: Final = (
    "The watcher has not run yet: start `kasa-doctor watch{config_arg}` to fill in "
    "status, signal and history. Until then the cameras show as never checked."
)

STATUS_WORDS: Final[dict[str, str]] = {
    "ok": "working",
    "warning": "needs attention",
    "offline": "offline — not answering",
    "never_checked": "never checked",
}


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _ago(ts: float | None, now: float) -> str | None:
    from kasa_doctor.probes.camera import human_duration

    if ts is None:
        return None
    if now - ts < 5:
        return "just now"
    return f"{human_duration(now - ts)} ago"


@dataclass
class _Sources:
    """The configuration and the database, as far as they could be read."""

    config_file: Path
    config: MonitorConfig | None = None
    store: Store | None = None
    problems: list[str] = field(default_factory=list)
    config_exists: bool = False
    database_exists: bool = False

    def camera_config(self, name: str) -> CameraConfig | None:
        if self.config is None:
            return None
        return next((c for c in self.config.cameras if c.label == name), None)

    def weak_dbm(self, camera: CameraConfig | None) -> int:
        if self.config is None:
            return DEFAULT_WEAK_DBM
        thresholds = (
            self.config.thresholds_for(camera) if camera is not None else self.config.thresholds
        )
        return thresholds.weak_signal_dbm

    def interval(self) -> float | None:
        return self.config.interval if self.config is not None else None


@dataclass
class _Latest:
    """The newest sample of a camera and its newest signal reading."""

    ts: float | None = None
    reachable: bool | None = None
    auth: str | None = None
    rssi: int | None = None
    signal: str | None = None
    rssi_ts: float | None = None
    firmware: str | None = None
    last_seen: float | None = None


class CameraService:
    def __init__(
        self,
        sessions: SessionService,
        *,
        config_path: Path | None = None,
        database: str | None = None,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.sessions = sessions
        self.config_path = config_path
        self.database = database
        self.timeout = timeout
        self.clock = clock
        #: "Let kasa-doctor do it" and the check after an owner's step, as jobs
        #: (set by `live_steps.connect`; None: the dashboard only reads)
        self.live_steps: LiveSteps | None = None

    # --- the two sources --------------------------------------------------------------

    @contextmanager
    def _sources(self) -> Iterator[_Sources]:
        from kasa_doctor.monitor.config import (
            ConfigError,
            default_config_path,
            default_database_path,
            load_config,
        )
        from kasa_doctor.monitor.store import Store, StoreError, normalise_url

        path = self.config_path or default_config_path()
        sources = _Sources(config_file=path)
        if path.is_file():
            sources.config_exists = True
            try:
                sources.config = load_config(path)
            except ConfigError as exc:
                sources.problems.extend(exc.problems)
        url = self.database or (sources.config.database if sources.config else None)
        url = url or str(default_database_path())
        try:
            parsed = normalise_url(url)
            missing = (
                parsed.get_backend_name() == "sqlite"
                and parsed.database not in (None, "", ":memory:")
                and not Path(str(parsed.database)).is_file()
            )
            if not missing:
                # create=False: the dashboard only reads; it never makes a database
                sources.store = Store(parsed, create=False)
                sources.database_exists = True
        except StoreError as exc:
            sources.problems.append(f"the watcher's database: {exc}")
        try:
            yield sources
        finally:
            if sources.store is not None:
                sources.store.close()

    # --- the dashboard ------------------------------------------------------------------

    def cameras(self) -> cv.CameraList:
        """Every camera of the configuration and the database, with its state now."""
        from kasa_doctor.monitor.store import StoreError

        now = self.clock()
        with self._sources() as src:
            weak = src.weak_dbm(None)
            try:
                views = self._camera_views(src, now)
            except StoreError as exc:
                src.problems.append(f"the watcher's database: {exc}")
                views = self._camera_views(src, now, use_store=False)
            hint = None
            config_arg = f" --config {src.config_file}" if self.config_path else ""
            if not views:
                hint = SETUP_HINT.format(config=src.config_file)
            elif src.store is None and not src.database_exists:
                hint = NO_DATABASE_HINT.format(config_arg=config_arg)
            return cv.CameraList(
                cameras=views,
                hint=hint,
                problems=src.problems,
                config_file=str(src.config_file),
                weak_signal_dbm=weak,
                generated=_iso(now) or "",
            )

    def camera(self, name: str) -> cv.CameraView:
        """One camera as on the dashboard; NotFound when neither source knows it."""

        with self._sources() as src:
            return self._one_camera(src, name, self.clock())

    def _one_camera(self, src: _Sources, name: str, now: float) -> cv.CameraView:
        """``name``'s view from the open sources (without the history when the database
        cannot be read); NotFound when neither source knows it."""
        from kasa_doctor.monitor.store import StoreError

        try:
            views = self._camera_views(src, now, only=name)
        except StoreError:
            views = self._camera_views(src, now, only=name, use_store=False)
        if not views:
            raise NotFound(f"no camera named {name!r} in the watch configuration or history")
        return views[0]

    def _camera_views(
        self, src: _Sources, now: float, *, only: str | None = None, use_store: bool = True
    ) -> list[cv.CameraView]:
        from kasa_doctor.monitor import history as h

        store = src.store if use_store else None
        configured = {c.label: c for c in src.config.cameras} if src.config else {}
        names = list(configured)
        summaries: dict[str, h.CameraSummary] = {}
        records: list[h.IncidentRecord] = []
        latest: dict[str, _Latest] = {}
        if store is not None:
            if only is None:
                summaries = {s.camera: s for s in h.summaries(store, now - WINDOW_S)}
            else:
                # one camera's page must not aggregate every camera's week
                one = self._summary(store, only, now)
                summaries = {only: one} if one is not None else {}
            names += [
                n for n in (summaries if only else store.camera_names()) if n not in configured
            ]
            records = h.incidents(store, only, now - INCIDENT_LOOKBACK_S)
        if only is not None:
            names = [n for n in names if n == only]
        if store is not None:
            latest = self._latest(store, [n for n in names if n in summaries])
        views = []
        for name in names:
            summary = summaries.get(name)
            spark: list[float | None] = []
            if store is not None and summary is not None:
                spark = self._sparkline(store, name, now)
            views.append(
                self._camera_view(
                    src,
                    name,
                    configured.get(name),
                    summary,
                    latest.get(name, _Latest()),
                    [r for r in records if r.camera == name],
                    spark,
                    now,
                )
            )
        return views

    @staticmethod
    def _summary(store: Store, name: str, now: float) -> CameraSummary | None:
        """What :func:`history.summaries` says of one camera, from that camera's rows only."""
        from sqlalchemy import select

        from kasa_doctor.monitor import history as h
        from kasa_doctor.monitor.store import Camera, Incident

        with store.engine.connect() as conn:
            row = conn.execute(
                select(Camera.id, Camera.host, Camera.model).where(Camera.name == name)
            ).first()
            if row is None:
                return None
            open_count = len(
                conn.execute(
                    select(Incident.id).where(
                        Incident.camera_id == row[0], Incident.closed_at.is_(None)
                    )
                ).all()
            )
        start = now - WINDOW_S
        buckets = h.series(store, name, start, now + 1e-3, buckets=1)
        samples = sum(b.samples for b in buckets)
        up = sum(b.up for b in buckets)
        return h.CameraSummary(
            camera=name,
            host=row[1],
            model=row[2],
            samples=samples,
            availability=up / samples if samples else None,
            rssi_mean=buckets[0].rssi_mean if buckets else None,
            reboots=sum(b.reboots for b in buckets),
            open_incidents=open_count,
            last_seen=None,
        )

    def _latest(self, store: Store, names: Sequence[str]) -> dict[str, _Latest]:
        """Newest sample, newest signal reading and the last answer of each camera."""
        from sqlalchemy import select

        from kasa_doctor.monitor.store import Sample

        out: dict[str, _Latest] = {}
        with store.engine.connect() as conn:
            for name in names:
                camera_id = store.camera_id(name)
                # three single-ended walks down ix_samples_camera_ts, never a scan
                row = conn.execute(
                    select(Sample.ts, Sample.reachable, Sample.auth, Sample.firmware)
                    .where(Sample.camera_id == camera_id)
                    .order_by(Sample.ts.desc(), Sample.id.desc())
                    .limit(1)
                ).first()
                signal = conn.execute(
                    select(Sample.ts, Sample.rssi, Sample.signal)
                    .where(Sample.camera_id == camera_id, Sample.rssi.is_not(None))
                    .order_by(Sample.ts.desc(), Sample.id.desc())
                    .limit(1)
                ).first()
                seen = conn.execute(
                    select(Sample.ts)
                    .where(Sample.camera_id == camera_id, Sample.reachable.is_(True))
                    .order_by(Sample.ts.desc())
                    .limit(1)
                ).scalar()
                latest = _Latest(last_seen=None if seen is None else float(seen))
                if row is not None:
                    latest.ts, latest.reachable, latest.auth, latest.firmware = (
                        float(row[0]),
                        bool(row[1]),
                        row[2],
                        row[3],
                    )
                if signal is not None:
                    latest.rssi_ts = float(signal[0])
                    latest.rssi, latest.signal = signal[1], signal[2]
                out[name] = latest
        return out

    def _sparkline(self, store: Store, name: str, now: float) -> list[float | None]:
        from kasa_doctor.monitor import history as h

        start = now - SPARK_S
        buckets = h.series(store, name, start, now + 1e-3, buckets=SPARK_BUCKETS)
        width = (now + 1e-3 - start) / SPARK_BUCKETS
        values: list[float | None] = [None] * SPARK_BUCKETS
        for b in buckets:
            index = min(SPARK_BUCKETS - 1, max(0, round((b.start - start) / width)))
            values[index] = None if b.rssi_mean is None else round(b.rssi_mean, 1)
        return values

    def _camera_view(
        self,
        src: _Sources,
        name: str,
        config: CameraConfig | None,
        summary: CameraSummary | None,
        latest: _Latest,
        records: Sequence[IncidentRecord],
        spark: list[float | None],
        now: float,
    ) -> cv.CameraView:
        kb = self.sessions.kb
        model = summary.model if summary is not None else None
        family = kb.family_for_model(model) if model else None
        if family is not None and family.id != "generic":
            live_support: cv.LiveSupport = family.live_support
        elif config is not None and config.family == "kasa":
            live_support = "sysinfo"
        elif config is not None and config.family == "tapo":
            live_support = "full"
        elif family is not None:
            live_support = family.live_support
        else:
            live_support = "unknown"
        address = str(config.target()) if config is not None else None
        if address is None and summary is not None:
            address = summary.host
        incidents = [self._incident(r, now) for r in records]
        open_now = [i for i in incidents if i.open]
        last = max(incidents, key=lambda i: (i.opened, i.id)) if incidents else None
        status = self._status(latest, open_now, config, src.weak_dbm(config))
        stale = False
        interval = src.interval()
        if latest.ts is not None and interval is not None:
            stale = now - latest.ts > 3 * interval + 60
        words = STATUS_WORDS[status]
        if status == "warning" and open_now:
            words = f"needs attention: {', '.join(i.title for i in open_now)}"
        elif status == "warning" and latest.auth in ("failed", "locked"):
            words = "needs attention: the login is refused"
        elif status == "warning":
            words = "needs attention: weak Wi-Fi signal"
        return cv.CameraView(
            name=name,
            address=address,
            model=model,
            firmware=latest.firmware,
            family=family.id if family is not None else config.family if config else None,
            family_title=family.title if family is not None else None,
            live_support=live_support,
            live_support_words=camera_live.LIVE_SUPPORT_WORDS[live_support],
            status=status,
            status_words=words,
            configured=config is not None,
            watched=latest.ts is not None,
            signal=self._signal(latest),
            last_seen=_iso(latest.last_seen),
            last_seen_words=_ago(latest.last_seen, now),
            last_checked=_iso(latest.ts),
            stale=stale,
            availability=round(summary.availability, 4)
            if summary is not None and summary.availability is not None
            else None,
            reboots=summary.reboots if summary is not None else 0,
            window=WINDOW,
            open_incidents=open_now,
            last_incident=last,
            recent_signal=spark,
        )

    @staticmethod
    def _status(
        latest: _Latest,
        open_now: Sequence[cv.IncidentView],
        config: CameraConfig | None,
        weak_dbm: int,
    ) -> cv.CameraStatus:
        if latest.ts is None:
            return "never_checked"
        if latest.reachable is False or any(i.kind == "offline" for i in open_now):
            return "offline"
        weak_now = (
            latest.rssi is not None and latest.rssi_ts == latest.ts and latest.rssi < weak_dbm
        )
        if open_now or weak_now or latest.auth in ("failed", "locked"):
            return "warning"
        return "ok"

    @staticmethod
    def _signal(latest: _Latest) -> cv.SignalView:
        from kasa_doctor.probes.camera import signal_observation
        from kasa_doctor.probes.verdicts import MEANING

        if latest.rssi is None:
            return cv.SignalView()
        rating = latest.signal
        if rating not in ("good", "fair", "poor"):
            rating = signal_observation(latest.rssi, None).value
        if rating not in ("good", "fair", "poor"):
            return cv.SignalView(rssi_dbm=latest.rssi, at=_iso(latest.rssi_ts))
        return cv.SignalView(
            rssi_dbm=latest.rssi,
            rating=rating,
            words=MEANING.get(("camera_signal", rating), rating),
            at=_iso(latest.rssi_ts),
        )

    @staticmethod
    def _incident(record: IncidentRecord, now: float) -> cv.IncidentView:
        from kasa_doctor.probes.camera import human_duration

        end = record.closed_at if record.closed_at is not None else now
        return cv.IncidentView(
            id=record.id,
            camera=record.camera,
            kind=record.kind,
            title=record.title,
            summary=record.summary,
            cause=record.cause,
            opened=_iso(record.opened_at) or "",
            closed=_iso(record.closed_at),
            open=record.closed_at is None,
            duration=human_duration(end - record.opened_at),
            close_summary=record.close_summary,
        )

    # --- one camera's history -------------------------------------------------------------

    def history(self, name: str, since: str = WINDOW) -> cv.CameraHistory:
        """Signal, availability and restarts of one camera in time buckets, and incidents.

        ``since``: ``30m``, ``24h``, ``7d``, ``2w`` or an ISO date/time (as for
        `kasa-doctor history`); anything else is Invalid.
        """
        from kasa_doctor.monitor import history as h
        from kasa_doctor.monitor.store import StoreError

        now = self.clock()
        start = self._parse_since(since, now)
        with self._sources() as src:
            camera = self._one_camera(src, name, now)
            weak = src.weak_dbm(src.camera_config(name))
            points: list[cv.SeriesPoint] = []
            records: list[IncidentRecord] = []
            problem: str | None = None
            first = start
            width = (now - start) / HISTORY_BUCKETS
            store = src.store
            if store is not None and camera.watched:
                try:
                    span = h.sample_span(store, name, start)
                    if span is not None:
                        # drawn over the span that has data: an hour of watching is not
                        # squeezed into the right edge of a month
                        first = span[0]
                        until = max(now, span[1] + 1e-3)
                        width = max((until - first) / HISTORY_BUCKETS, 1e-3)
                        points = [
                            self._point(b)
                            for b in h.series(store, name, first, until, HISTORY_BUCKETS)
                        ]
                    records = h.incidents(store, name, start)
                except StoreError as exc:
                    problem = f"the watcher's database: {exc}"
            elif store is None:
                problem = src.problems[0] if src.problems else None
        return cv.CameraHistory(
            camera=camera,
            since=since,
            start=_iso(first) or "",
            until=_iso(now) or "",
            bucket_seconds=round(width, 3),
            points=points,
            incidents=[self._incident(r, now) for r in records],
            weak_signal_dbm=weak,
            problem=problem,
        )

    @staticmethod
    def _parse_since(since: str, now: float) -> float:
        from kasa_doctor.monitor.history import parse_since

        if len(since) > MAX_SINCE_LEN:
            raise Invalid(f"since: at most {MAX_SINCE_LEN} characters (e.g. 24h, 7d, 30d)")
        try:
            start = parse_since(since, now)
        except (ValueError, OverflowError, OSError) as exc:
            raise Invalid(f"since: {exc}" if str(exc) else "since: not a time") from None
        if not start < now:
            raise Invalid("since: lies in the future; use e.g. 24h, 7d or 30d")
        if start < 0:
            raise Invalid("since: before 1970; use e.g. 24h, 7d or 30d")
        return start

    @staticmethod
    def _point(bucket: Bucket) -> cv.SeriesPoint:
        return cv.SeriesPoint(
            time=_iso(bucket.start) or "",
            ts=round(bucket.start, 3),
            samples=bucket.samples,
            availability=round(min(1.0, max(0.0, bucket.availability)), 4),
            rssi_mean=None if bucket.rssi_mean is None else round(bucket.rssi_mean, 1),
            rssi_min=bucket.rssi_min,
            reboots=bucket.reboots,
        )

    # --- live work ---------------------------------------------------------------------------

    def reading_budget(self) -> float:
        """The longest one live reading of a camera may take."""
        return camera_live.reading_budget(self.timeout)

    def camera_access(self, name: str) -> tuple[CameraTarget, CameraCredentials | None]:
        """Where the camera is and its login (resolved from the configuration's
        reference now, never stored); NotFound / Invalid as for ``diagnose``."""
        from kasa_doctor.monitor.config import resolve_reference_bounded
        from kasa_doctor.probes.camera import CameraTarget

        with self._sources() as src:
            config = src.camera_config(name)
            host: str | None = None
            if config is None and src.store is not None:
                host = self._stored_host(src.store, name)
        if config is None and host is None:
            raise NotFound(f"no camera named {name!r} in the watch configuration or history")
        if config is not None:
            return config.target(), resolve_reference_bounded(config.credentials)
        assert host is not None
        try:
            return CameraTarget.parse(host), None
        except ValueError as exc:
            raise Invalid(f"{name}: the watcher's address is not usable: {exc}") from None

    def read_camera(
        self, target: CameraTarget, credentials: CameraCredentials | None
    ) -> LiveChecks | None:
        """The camera's live readings, within the budget (None when it ran out)."""
        return camera_live.read_camera(target, credentials, self.timeout)

    def diagnose(self, name: str) -> v.SessionView:
        """Check the camera live and start a troubleshooting session with the readings.

        The session is tagged with the camera's name; python-kasa's readings become
        evidence, so the wizard asks only what the checks could not answer.
        """
        from kasa_doctor.live import LiveChecks, record_live_checks

        target, credentials = self.camera_access(name)
        meta = {CAMERA_META_KEY: name, "camera.source": "dashboard"}
        read = self.read_camera(target, credentials)
        checks = read if read is not None else LiveChecks()
        if read is None:
            meta["camera.notes"] = (
                f"The live check of {name} did not finish within {self.reading_budget():.0f} s."
            )
        if checks.camera is not None and checks.camera.live_support == "sysinfo":
            meta["camera.live_support"] = camera_live.LIVE_SUPPORT_WORDS["sysinfo"]
        at = _iso(self.clock())

        def prepare(session: Session) -> None:
            record_live_checks(session, checks, at=at)

        view = self.sessions.create(v.NewSession(), meta=meta, prepare=prepare)
        if self.live_steps is not None:
            self.live_steps.remember(view.id, checks)
        return view

    @staticmethod
    def _stored_host(store: Store, name: str) -> str | None:
        from sqlalchemy import select

        from kasa_doctor.monitor.store import Camera

        with store.engine.connect() as conn:
            found = conn.execute(select(Camera.host).where(Camera.name == name)).scalar()
        return None if found is None else str(found)

    def check(self, request: cv.CheckRequest) -> cv.CheckView:
        """A live check of one camera, as `kasa-doctor check --json`, redacted."""
        from kasa_doctor.monitor.config import CameraConfig, resolve_reference_bounded

        config = CameraConfig(
            host=request.host,
            port=request.port,
            family=request.family,
            credentials=request.credentials,
        )
        credentials = resolve_reference_bounded(config.credentials)
        report = camera_live.probe(config.target(), credentials, self.timeout)
        return camera_live.check_view(report, credentials.secrets() if credentials else ())
