"""`kasa-doctor history`: what the watcher saw — incidents as a timeline, signal and uptime charts.

Exit codes: 0 shown; 1 no history database, or it cannot be read; 2 bad input
(unknown camera, bad --since, a --png without a camera when several are watched).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from kasa_doctor.monitor.history import CameraSummary, IncidentRecord

PROG = "kasa-doctor history"


def register(app: typer.Typer) -> None:
    app.command("history")(history)


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"{PROG}: {message}\n")
    return typer.Exit(code)


def history(
    camera: Annotated[
        str | None, typer.Argument(help="One camera's name (default: every camera).")
    ] = None,
    since: Annotated[
        str,
        typer.Option(
            "--since", metavar="WHEN", help="30m, 24h, 7d, 2w, or a date like 2026-01-31."
        ),
    ] = "7d",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    png: Annotated[
        Path | None,
        typer.Option("--png", metavar="FILE", help="Write the charts to a PNG file."),
    ] = None,
    no_charts: Annotated[
        bool, typer.Option("--no-charts", help="Only the timeline, no terminal charts.")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="URL", help="The watcher's database (as for watch)."),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="Take the database from this config."),
    ] = None,
) -> None:
    """Show the incidents as a timeline, and signal/uptime charts of a camera."""
    from kasa_doctor.monitor import history as h
    from kasa_doctor.monitor.config import (
        ConfigError,
        default_config_path,
        default_database_path,
        load_config,
    )
    from kasa_doctor.monitor.store import Store, StoreError

    now = time.time()
    try:
        start = h.parse_since(since, now)
    except ValueError as exc:
        raise _fail(f"bad --since: {exc}") from None
    if start >= now:
        raise _fail("--since lies in the future")
    url = db
    if url is None:
        path = config_file or default_config_path()
        if config_file is not None or path.exists():
            try:
                url = load_config(path).database
            except ConfigError as exc:
                raise _fail(exc.problems[0]) from None
    url = url or str(default_database_path())
    if png is not None and png.exists() and png.is_dir():
        raise _fail(f"--png {png}: is a folder, not a file")

    try:
        store = Store(url, create=False)
    except StoreError as exc:
        raise _fail(str(exc), 1) from None
    try:
        try:
            names = store.camera_names()
            if camera is not None and camera not in names:
                known = ", ".join(names[:10]) or "none yet"
                raise _fail(f"no camera named {camera!r} in the history (known: {known})")
            chart_camera = camera or (names[0] if len(names) == 1 else None)
            if png is not None and chart_camera is None:
                raise _fail(
                    "--png draws one camera: name it (kasa-doctor history CAMERA --png FILE)"
                )
            records = h.incidents(store, camera, start)
            summaries = [
                s for s in h.summaries(store, start) if camera is None or s.camera == camera
            ]
            buckets: list[h.Bucket] = []
            if chart_camera is not None:
                span = h.sample_span(store, chart_camera, start)
                if span is not None:
                    first, last = span
                    buckets = h.series(store, chart_camera, first, last + 1e-3)
        except StoreError as exc:
            raise _fail(str(exc), 1) from None

        if as_json:
            series = {chart_camera: buckets} if chart_camera is not None else {}
            print(
                h.to_json(
                    since=start, now=now, records=records, cameras=summaries, camera_series=series
                )
            )
        else:
            _print_text(records, summaries, now, since)
            if chart_camera is not None and buckets and not no_charts and png is None:
                width = shutil.get_terminal_size((100, 30)).columns
                chart = h.terminal_charts(
                    chart_camera,
                    buckets,
                    width=min(width, 160),
                    height=24,
                    color=sys.stdout.isatty(),
                )
                print(chart)
        if png is not None and chart_camera is not None:
            try:
                h.png_charts(
                    png,
                    chart_camera,
                    buckets,
                    [r for r in records if r.camera == chart_camera],
                    now,
                )
            except OSError as exc:
                raise _fail(f"cannot write {png}: {exc.strerror}", 1) from None
            if not as_json:
                print(f"charts written to {png}")
    finally:
        store.close()


def _print_text(
    records: Sequence[IncidentRecord],
    summaries: Sequence[CameraSummary],
    now: float,
    since: str,
) -> None:
    from kasa_doctor.monitor.history import timeline_lines

    print(f"Cameras (last {since}):" if since[-1:].isalpha() else f"Cameras (since {since}):")
    for s in summaries:
        avail = (
            "no samples" if s.availability is None else f"{100 * s.availability:.1f} % answering"
        )
        rssi = "" if s.rssi_mean is None else f", signal {s.rssi_mean:.0f} dBm".replace("-", "−")
        extra = f", {s.reboots} restart{'s' if s.reboots != 1 else ''}" if s.reboots else ""
        plural = "s" if s.open_incidents != 1 else ""
        opened = f", {s.open_incidents} open incident{plural}" if s.open_incidents else ""
        model = f" {s.model}" if s.model else ""
        print(f"  {s.camera} ({s.host}{model}): {avail}{rssi}{extra}{opened}")
    print()
    if records:
        print("Incidents:")
        for line in timeline_lines(records, now):
            print(f"  {line}")
    else:
        print("No incidents in this period.")
