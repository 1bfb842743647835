"""Reading the monitor's history: incident timelines, per-camera series, charts.

The charts never load a camera's raw samples: :func:`series` asks the database for
at most a few hundred time buckets (availability, mean and lowest signal, restarts
per bucket), which the covering index ``ix_samples_camera_ts`` answers without
touching the table — a year of five-minute samples (105 000 rows) comes back in
milliseconds. Terminal charts use plotext, PNG files matplotlib; both are imported
only when a chart is drawn.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Float, Integer, case, cast, func, select

from kasa_doctor.monitor.rules import TITLES
from kasa_doctor.monitor.store import Camera, Incident, Sample, Store
from kasa_doctor.probes.camera import human_duration

DEFAULT_SINCE: Final = "7d"
DEFAULT_BUCKETS: Final = 120
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_since(text: str, now: float) -> float:
    """``30m``, ``24h``, ``7d``, ``2w`` (ago), or an ISO date/time (UTC unless given).

    Raises ValueError with a one-line reason.
    """
    match = _RELATIVE.match(text)
    if match:
        amount = float(match.group(1)) * _UNITS[match.group(2).lower()]
        return now - amount
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use e.g. 30m, 24h, 7d, 2w or 2026-01-31[T12:00]"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    camera: str
    kind: str
    opened_at: float
    closed_at: float | None
    summary: str
    cause: str
    close_summary: str | None

    @property
    def title(self) -> str:
        return TITLES.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["opened"] = iso(self.opened_at)
        out["closed"] = iso(self.closed_at)
        out["open"] = self.closed_at is None
        return out


@dataclass(frozen=True)
class Bucket:
    start: float
    samples: int
    up: int
    rssi_mean: float | None
    rssi_min: int | None
    reboots: int

    @property
    def availability(self) -> float:
        return self.up / self.samples if self.samples else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["time"] = iso(self.start)
        out["availability"] = round(self.availability, 4)
        if self.rssi_mean is not None:
            out["rssi_mean"] = round(self.rssi_mean, 1)
        return out


@dataclass(frozen=True)
class CameraSummary:
    camera: str
    host: str
    model: str | None
    samples: int
    availability: float | None
    rssi_mean: float | None
    reboots: int
    open_incidents: int
    last_seen: float | None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["last_seen"] = iso(self.last_seen)
        if self.availability is not None:
            out["availability"] = round(self.availability, 4)
        if self.rssi_mean is not None:
            out["rssi_mean"] = round(self.rssi_mean, 1)
        return out


# --- queries -----------------------------------------------------------------------------


def incidents(store: Store, camera: str | None, since: float) -> list[IncidentRecord]:
    """Incidents that were open at some point since ``since`` (still-open ones included)."""
    query = (
        select(
            Incident.id,
            Camera.name,
            Incident.kind,
            Incident.opened_at,
            Incident.closed_at,
            Incident.summary,
            Incident.cause,
            Incident.close_summary,
        )
        .join(Camera, Camera.id == Incident.camera_id)
        .where((Incident.closed_at.is_(None)) | (Incident.closed_at >= since))
        .order_by(Incident.opened_at, Incident.id)
    )
    if camera is not None:
        query = query.where(Camera.name == camera)
    with store.engine.connect() as conn:
        return [IncidentRecord(*row) for row in conn.execute(query).all()]


def series(
    store: Store,
    camera: str,
    since: float,
    until: float,
    buckets: int = DEFAULT_BUCKETS,
) -> list[Bucket]:
    """One camera's samples in ``[since, until)`` folded into at most ``buckets`` buckets."""
    camera_id = store.camera_id(camera)
    width = max((until - since) / max(buckets, 1), 1e-6)
    offset = (Sample.ts - since) / width
    # Both databases truncate towards zero on a cast for non-negative numbers except
    # PostgreSQL, which rounds: floor() there, a cast on SQLite (whose floor() needs
    # the optional math functions).
    index = func.floor(offset) if not store.is_sqlite else cast(offset, Integer)
    bucket = index.label("bucket")
    up = func.sum(case((Sample.reachable.is_(True), 1), else_=0))
    reboots = func.sum(case((Sample.reboot.is_(True), 1), else_=0))
    query = (
        select(
            bucket,
            func.count(),
            up,
            func.avg(cast(Sample.rssi, Float)),
            func.min(Sample.rssi),
            reboots,
        )
        .where(Sample.camera_id == camera_id, Sample.ts >= since, Sample.ts < until)
        .group_by(bucket)
        .order_by(bucket)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Bucket(
            start=since + int(row[0]) * width,
            samples=int(row[1]),
            up=int(row[2] or 0),
            rssi_mean=None if row[3] is None else float(row[3]),
            rssi_min=None if row[4] is None else int(row[4]),
            reboots=int(row[5] or 0),
        )
        for row in rows
    ]


def sample_span(store: Store, camera: str, since: float) -> tuple[float, float] | None:
    """(first, last) sample time of ``camera`` since ``since``; None without samples.

    Charts are drawn over the span that has data, so a camera watched for an hour is
    not squeezed into the right edge of a seven-day axis.
    """
    camera_id = store.camera_id(camera)
    where = (Sample.camera_id == camera_id, Sample.ts >= since)
    # Two single-ended lookups: each is one step down the index, where min() and max()
    # in one statement make SQLite walk every row in between.
    with store.engine.connect() as conn:
        first = conn.execute(select(Sample.ts).where(*where).order_by(Sample.ts).limit(1)).scalar()
        last = conn.execute(
            select(Sample.ts).where(*where).order_by(Sample.ts.desc()).limit(1)
        ).scalar()
    if first is None or last is None:
        return None
    return float(first), float(last)


def summaries(store: Store, since: float) -> list[CameraSummary]:
    """Per camera since ``since``: availability, mean signal, restarts, open incidents."""
    up = func.sum(case((Sample.reachable.is_(True), 1), else_=0))
    reboots = func.sum(case((Sample.reboot.is_(True), 1), else_=0))
    stats = (
        select(
            Sample.camera_id,
            func.count().label("n"),
            up.label("up"),
            func.avg(cast(Sample.rssi, Float)).label("rssi"),
            reboots.label("reboots"),
            func.max(case((Sample.reachable.is_(True), Sample.ts))).label("last_seen"),
        )
        .where(Sample.ts >= since)
        .group_by(Sample.camera_id)
        .subquery()
    )
    open_counts = (
        select(Incident.camera_id, func.count().label("open"))
        .where(Incident.closed_at.is_(None))
        .group_by(Incident.camera_id)
        .subquery()
    )
    query = (
        select(
            Camera.name,
            Camera.host,
            Camera.model,
            stats.c.n,
            stats.c.up,
            stats.c.rssi,
            stats.c.reboots,
            open_counts.c.open,
            stats.c.last_seen,
        )
        .outerjoin(stats, stats.c.camera_id == Camera.id)
        .outerjoin(open_counts, open_counts.c.camera_id == Camera.id)
        .order_by(Camera.name)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        CameraSummary(
            camera=r[0],
            host=r[1],
            model=r[2],
            samples=int(r[3] or 0),
            availability=(int(r[4] or 0) / int(r[3])) if r[3] else None,
            rssi_mean=None if r[5] is None else float(r[5]),
            reboots=int(r[6] or 0),
            open_incidents=int(r[7] or 0),
            last_seen=r[8],
        )
        for r in rows
    ]


# --- text ----------------------------------------------------------------------------------


def _short(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def timeline_lines(records: Sequence[IncidentRecord], now: float) -> list[str]:
    """The incidents as plain lines, oldest first (one per incident)."""
    lines = []
    for r in records:
        end = r.closed_at if r.closed_at is not None else now
        span = human_duration(end - r.opened_at)
        state = f"→ {_short(r.closed_at)} ({span})" if r.closed_at is not None else f"OPEN ({span})"
        lines.append(f"{_short(r.opened_at)} {state}  {r.camera}: {r.title} — {r.summary}")
    return lines


def to_json(
    *,
    since: float,
    now: float,
    records: Sequence[IncidentRecord],
    cameras: Sequence[CameraSummary],
    camera_series: dict[str, list[Bucket]],
) -> str:
    document = {
        "since": iso(since),
        "until": iso(now),
        "cameras": [c.to_dict() for c in cameras],
        "incidents": [r.to_dict() for r in records],
        "series": {name: [b.to_dict() for b in buckets] for name, buckets in camera_series.items()},
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# --- charts --------------------------------------------------------------------------------


def terminal_charts(
    camera: str,
    buckets: Sequence[Bucket],
    *,
    width: int = 100,
    height: int = 24,
    color: bool = False,
) -> str:
    """Signal and availability of one camera as text (plotext), ready to print.

    ``color`` False gives plain characters (for pipes, files and logs).
    """
    # plotext ships no type information; it is used through this one Any-typed handle.
    plt: Any = importlib.import_module("plotext")
    plt.clear_figure()
    if not color:
        plt.theme("clear")
    plt.plot_size(max(40, width), max(12, height))
    plt.subplots(2, 1)
    xs = [b.start for b in buckets]
    labels = _tick_labels(xs)
    rssi = [(x, b.rssi_mean) for x, b in zip(xs, buckets, strict=True) if b.rssi_mean is not None]
    plt.subplot(1, 1)
    plt.title(f"{camera}: Wi-Fi signal (dBm, mean per interval)")
    if rssi:
        plt.plot([x for x, _ in rssi], [v for _, v in rssi], marker="braille")
    plt.xticks(*labels)
    plt.subplot(2, 1)
    plt.title(f"{camera}: answering (% of polls) and restarts (×)")
    plt.plot(xs, [100 * b.availability for b in buckets], marker="braille")
    boots = [(x, 100 * b.availability) for x, b in zip(xs, buckets, strict=True) if b.reboots]
    if boots:
        plt.scatter([x for x, _ in boots], [y for _, y in boots], marker="x")
    plt.ylim(0, 105)
    plt.xticks(*labels)
    text: str = plt.build()
    plt.clear_figure()
    # Even the "clear" theme leaves reset codes behind; plain text has none at all.
    return text if color else str(plt.uncolorize(text))


def _tick_labels(xs: Sequence[float], count: int = 5) -> tuple[list[float], list[str]]:
    if not xs:
        return [], []
    lo, hi = xs[0], xs[-1]
    if hi <= lo:
        return [lo], [_short(lo)]
    ticks = [lo + (hi - lo) * i / (count - 1) for i in range(count)]
    fmt = "%m-%d %H:%M" if hi - lo < 3 * 86400 else "%Y-%m-%d"
    return ticks, [datetime.fromtimestamp(t, UTC).strftime(fmt) for t in ticks]


def png_charts(
    path: Path,
    camera: str,
    buckets: Sequence[Bucket],
    records: Sequence[IncidentRecord],
    now: float,
) -> None:
    """Signal, availability with restarts, and incident spans of one camera, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and never a window
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    date2num: Callable[[datetime], float] = mdates.date2num  # untyped in matplotlib

    def when(ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC)

    fig, (ax_sig, ax_up, ax_inc) = plt.subplots(
        3, 1, figsize=(11, 8), sharex=True, gridspec_kw={"height_ratios": [3, 3, 2]}
    )
    try:
        sig = [(when(b.start), b.rssi_mean) for b in buckets if b.rssi_mean is not None]
        if sig:
            ax_sig.plot([t for t, _ in sig], [v for _, v in sig], label="mean")
            low = [(when(b.start), b.rssi_min) for b in buckets if b.rssi_min is not None]
            ax_sig.plot([t for t, _ in low], [v for _, v in low], alpha=0.5, label="lowest")
            ax_sig.legend(loc="lower left")
        ax_sig.set_ylabel("Wi-Fi signal (dBm)")
        ax_sig.set_title(f"{camera}")
        ax_sig.grid(alpha=0.3)

        ax_up.plot([when(b.start) for b in buckets], [100 * b.availability for b in buckets])
        boots = [(when(b.start), 100 * b.availability) for b in buckets if b.reboots]
        if boots:
            ax_up.scatter(
                [t for t, _ in boots],
                [v for _, v in boots],
                marker="x",
                color="red",
                label="restart",
            )
            ax_up.legend(loc="lower left")
        ax_up.set_ylim(0, 105)
        ax_up.set_ylabel("answering (%)")
        ax_up.grid(alpha=0.3)

        kinds = sorted({r.kind for r in records})
        for row, kind in enumerate(kinds):
            for r in (r for r in records if r.kind == kind):
                start = when(r.opened_at)
                end = when(r.closed_at if r.closed_at is not None else now)
                width = date2num(end) - date2num(start)
                ax_inc.barh(row, max(width, 1e-4), left=date2num(start), height=0.6)
        ax_inc.set_yticks(range(len(kinds)), [TITLES.get(k, k) for k in kinds])
        ax_inc.set_xlabel("time (UTC)")
        ax_inc.xaxis_date()
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
