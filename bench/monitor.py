"""Benchmark: the monitor — a round over many cameras, and a year of one camera's history.

    .venv/bin/python bench/monitor.py [--count 1000] [--concurrency 64] [--rounds 3]
                                      [--pg URL] [--no-save]

1. **Round.** `kasa-doctor emulate --count N --fast` runs in a child process (its own
   interpreter, as real cameras would be); this process runs the watcher's rounds
   over all N cameras exactly as `kasa-doctor watch` does — one `probe_camera` per
   camera with bounded concurrency, the rules, one transaction per round into a
   SQLite file (WAL) — and measures each round's wall and CPU time, the time of its
   database commit, and the process's peak memory.
2. **History.** A fresh SQLite database gets a synthetic year of 5-minute samples for
   one camera (365 × 288 = 105 120 rows) plus the same for a few other cameras, so the
   camera's rows are interleaved as in a real database. Then the queries `kasa-doctor
   history` runs are timed (median of 20 after a warm-up): the chart series over the
   whole year (120 buckets) and over the last week, the incident timeline and the
   per-camera summary, and — for reference — reading every raw row of that camera.
   With ``--pg URL`` (or ``KASA_DOCTOR_TEST_PG_URL``) the same on PostgreSQL.

Targets (reported, never enforced): the year's chart series ≤ 50 ms.
Results go to bench/results/monitor.md and monitor.json. Only loopback is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from kasa_doctor.monitor import history
from kasa_doctor.monitor.config import parse_config
from kasa_doctor.monitor.store import Camera, Incident, Round, Sample, Store
from kasa_doctor.monitor.watcher import Watcher

RESULTS = Path(__file__).resolve().parent / "results"
USER, PASSWORD = "bench@example.com", "bench-password"
ENTRY = [sys.executable, "-c", "from kasa_doctor.cli.main import main; main()"]
YEAR_SAMPLES = 365 * 288
TARGET_QUERY_MS = 50.0


# --- 1. a round over many cameras --------------------------------------------------------


def _start_farm(count: int) -> tuple[subprocess.Popen[str], list[int], float]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            *ENTRY,
            "emulate",
            "--count",
            str(count),
            "--fast",
            "--username",
            USER,
            "--password",
            PASSWORD,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    ports: list[int] = []
    deadline = time.monotonic() + 120
    timer = threading.Timer(120, proc.kill)  # a farm that never comes up must not hang us
    timer.start()
    try:
        for line in proc.stdout:
            if line.startswith("127.0.0.1:"):
                ports.append(int(line.split()[0].rsplit(":", 1)[1]))
            if len(ports) == count or time.monotonic() > deadline:
                break
    finally:
        timer.cancel()
    if len(ports) != count:
        proc.kill()
        raise SystemExit(f"the emulator farm started {len(ports)} of {count} cameras")
    return proc, ports, time.monotonic() - started


def _child_cpu(pid: int) -> float:
    """CPU seconds used so far by a child process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        return 0.0


def bench_round(count: int, concurrency: int, rounds: int, timeout: float) -> dict[str, Any]:
    proc, ports, farm_start = _start_farm(count)
    try:
        text = yaml.safe_dump(
            {
                "interval": 300,
                "concurrency": concurrency,
                "timeout": timeout,
                "cameras": [
                    {"name": f"cam{i:04}", "host": f"127.0.0.1:{p}", "credentials": "env:BENCH"}
                    for i, p in enumerate(ports)
                ],
            }
        )
        config = parse_config(text)
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "monitor.db")
            env = {"BENCH_USERNAME": USER, "BENCH_PASSWORD": PASSWORD}
            watcher = Watcher(config, store, key=os.urandom(32), environ=env)
            commit_s: list[float] = []
            real_write = store.write_round

            def timed_write(work: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return real_write(work)
                finally:
                    commit_s.append(time.perf_counter() - t0)

            store.write_round = timed_write  # type: ignore[method-assign]
            per_round: list[dict[str, Any]] = []

            async def go() -> None:
                await asyncio.to_thread(watcher.start)
                for _ in range(rounds):
                    cpu0, emu0, wall0 = (
                        time.process_time(),
                        _child_cpu(proc.pid),
                        time.perf_counter(),
                    )
                    report = await watcher.run_round()
                    per_round.append(
                        {
                            "wall_s": round(time.perf_counter() - wall0, 3),
                            "cpu_s": round(time.process_time() - cpu0, 3),
                            "emulator_cpu_s": round(_child_cpu(proc.pid) - emu0, 3),
                            "answered": report.reachable,
                            "saved": report.saved,
                        }
                    )

            asyncio.run(go())
            with store.engine.connect() as conn:
                ok = conn.execute(
                    sa.select(sa.func.count()).where(Sample.auth == "ok")
                ).scalar_one()
                rows = conn.execute(sa.select(sa.func.count()).select_from(Sample)).scalar_one()
            problems = store.integrity_problems()
            store.close()
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    steady = per_round[1:] or per_round
    return {
        "cameras": count,
        "concurrency": concurrency,
        "timeout_s": timeout,
        "rounds": per_round,
        "farm_start_s": round(farm_start, 2),
        "wall_s_first": per_round[0]["wall_s"],
        "wall_s_median": round(statistics.median(r["wall_s"] for r in steady), 3),
        "cpu_s_median": round(statistics.median(r["cpu_s"] for r in steady), 3),
        "emulator_cpu_s_median": round(statistics.median(r["emulator_cpu_s"] for r in steady), 3),
        "commit_ms_median": round(1000 * statistics.median(commit_s[1:] or commit_s), 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "samples_saved": rows,
        "logins_ok": ok,
        "integrity_problems": problems,
    }


# --- 2. a year of history ------------------------------------------------------------------


def _populate(store: Store, others: int, seed: int = 5) -> tuple[str, float, float]:
    """A year of 5-minute samples for ``porch`` and ``others`` more cameras."""
    rng = random.Random(seed)
    names = ["porch", *[f"other{i}" for i in range(others)]]
    end = math.floor(time.time() / 300) * 300
    start = end - YEAR_SAMPLES * 300
    with store.engine.begin() as conn:
        for name in names:
            conn.execute(
                sa.insert(Camera).values(name=name, host=f"192.0.2.{len(name)}", created_at=start)
            )
        ids = dict(conn.execute(sa.select(Camera.name, Camera.id)).all())
    chunk = 288 * 7  # one week per transaction: a week of rounds
    for first in range(0, YEAR_SAMPLES, chunk):
        rounds_rows = []
        sample_rows = []
        with store.engine.begin() as conn:
            for i in range(first, min(first + chunk, YEAR_SAMPLES)):
                ts = start + i * 300
                rounds_rows.append(
                    {
                        "id": i + 1,
                        "started_at": ts,
                        "finished_at": ts + 2,
                        "cameras": len(names),
                        "reachable": len(names),
                        "duration_s": 2.0,
                    }
                )
                for name in names:
                    up = rng.random() > 0.01
                    sample_rows.append(
                        {
                            "round_id": i + 1,
                            "camera_id": ids[name],
                            "ts": ts + 1,
                            "reachable": up,
                            "auth": "ok" if up else None,
                            "rssi": int(-55 - 10 * math.sin(i / 2000) + rng.gauss(0, 3))
                            if up
                            else None,
                            "signal": "good" if up else None,
                            "firmware": "1.4.3 Build 241010 Rel.33858n",
                            "update_available": False if up else None,
                            "update_failed": False if up else None,
                            "overheated": None,
                            "reboot": up and rng.random() < 0.002,
                            "clock_offset_s": 0.3 if up else None,
                            "response_ms": 3.0 if up else None,
                            "probe_ms": 40.0,
                        }
                    )
            conn.execute(sa.insert(Round), rounds_rows)
            conn.execute(sa.insert(Sample), sample_rows)
    with store.engine.begin() as conn:
        for k in range(40):  # some incidents over the year
            opened = start + rng.random() * (end - start)
            conn.execute(
                sa.insert(Incident).values(
                    camera_id=ids["porch"],
                    kind=rng.choice(["offline", "weak_signal", "reboot_loop"]),
                    opened_at=opened,
                    opened_round=1,
                    closed_at=opened + 3600,
                    closed_round=1,
                    summary=f"synthetic {k}",
                    cause="synthetic",
                    detail="{}",
                    notify_open="none",
                    notify_attempts=0,
                )
            )
    if store.is_sqlite:
        with store.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    return "porch", float(start), float(end)


def _timed(fn: Callable[[], object], repeat: int = 20) -> float:
    fn()  # warm-up: page cache and statement cache
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(1000 * statistics.median(times), 2)


def bench_history(url: str, others: int) -> dict[str, Any]:
    store = Store(url)
    try:
        t0 = time.perf_counter()
        camera, start, end = _populate(store, others)
        populate_s = time.perf_counter() - t0
        camera_id = store.camera_id(camera)
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sa.func.count()).where(Sample.camera_id == camera_id)
            ).scalar_one()
            total = conn.execute(sa.select(sa.func.count()).select_from(Sample)).scalar_one()

        def raw() -> int:
            with store.engine.connect() as conn:
                result = conn.execute(
                    sa.select(Sample.ts, Sample.reachable, Sample.rssi)
                    .where(Sample.camera_id == camera_id, Sample.ts >= start)
                    .order_by(Sample.ts)
                )
                return len(result.all())

        def year_series() -> None:
            span = history.sample_span(store, camera, start)
            assert span is not None
            buckets = history.series(store, camera, span[0], span[1] + 1e-3)
            assert len(buckets) == history.DEFAULT_BUCKETS

        queries = {
            "series_year_120_buckets_ms": _timed(year_series),
            "series_week_ms": _timed(lambda: history.series(store, camera, end - 7 * 86400, end)),
            "incidents_year_ms": _timed(lambda: history.incidents(store, camera, start)),
            "summaries_year_all_cameras_ms": _timed(lambda: history.summaries(store, start), 5),
            "raw_rows_year_ms": _timed(raw, 5),
        }
        return {
            "backend": store.url.get_backend_name(),
            "camera_rows": rows,
            "total_rows": total,
            "cameras": 1 + others,
            "populate_s": round(populate_s, 1),
            **queries,
            "target_query_ms": TARGET_QUERY_MS,
            "target_met": queries["series_year_120_buckets_ms"] <= TARGET_QUERY_MS,
        }
    finally:
        store.close()


# --- report --------------------------------------------------------------------------------


def to_markdown(result: dict[str, Any]) -> str:
    r = result["round"]
    lines = [
        "## A round over many cameras",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| cameras | {r['cameras']} (C210 fixture, `emulate --fast` in a child process) |",
        f"| concurrency / timeout per step | {r['concurrency']} / {r['timeout_s']:g} s |",
        f"| rounds | {len(r['rounds'])} (first one includes python-kasa's warm-up) |",
        f"| wall, first round | {r['wall_s_first']} s |",
        f"| wall per round (median of the others) | {r['wall_s_median']} s |",
        f"| watcher CPU per round | {r['cpu_s_median']} s |",
        f"| emulator CPU per round (child process) | {r['emulator_cpu_s_median']} s |",
        f"| database commit per round (1 transaction) | {r['commit_ms_median']} ms |",
        f"| watcher peak RSS | {r['peak_rss_mib']} MiB |",
        f"| samples saved / logins accepted | {r['samples_saved']} / {r['logins_ok']} |",
        f"| integrity problems | {len(r['integrity_problems'])} |",
    ]
    for h in result["history"]:
        verdict = "PASS" if h["target_met"] else "FAIL"
        lines += [
            "",
            f"## A year of one camera's history — {h['backend']}",
            "",
            "| measure | value |",
            "| --- | --- |",
            f"| rows of the camera (365 days × 288) | {h['camera_rows']} |",
            f"| rows in the database ({h['cameras']} cameras) | {h['total_rows']} |",
            f"| filling the database | {h['populate_s']} s |",
            f"| chart series, whole year, 120 buckets | {h['series_year_120_buckets_ms']} ms |",
            f"| chart series, last 7 days | {h['series_week_ms']} ms |",
            f"| incident timeline, whole year | {h['incidents_year_ms']} ms |",
            "| per-camera summary, whole year, all cameras | "
            f"{h['summaries_year_all_cameras_ms']} ms |",
            f"| (reference) every raw row of the camera, 3 columns | {h['raw_rows_year_ms']} ms |",
            f"| target: year's chart series ≤ {h['target_query_ms']:g} ms | {verdict} |",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    logging.getLogger("kasa").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--others", type=int, default=4, help="other cameras in the year DB")
    parser.add_argument("--pg", default=os.environ.get("KASA_DOCTOR_TEST_PG_URL"))
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args()

    result: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count() or 0,
        "round": bench_round(args.count, args.concurrency, max(1, args.rounds), args.timeout),
        "history": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        result["history"].append(bench_history(f"sqlite:///{tmp}/year.db", args.others))
    if args.pg:
        with sa.create_engine(
            args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        ).begin() as conn:
            # A clean schema: the benchmark owns this throwaway database.
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        result["history"].append(bench_history(args.pg, args.others))

    intro = (
        f"`bench/monitor.py --count {args.count} --concurrency {args.concurrency}` on "
        f"{result['cpus']} CPUs, Python {result['python']}."
    )
    table = to_markdown(result)
    print(intro + "\n\n" + table)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "monitor.md").write_text(f"# Monitor benchmark\n\n{intro}\n\n{table}")
        (RESULTS / "monitor.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
