"""Benchmark: `kasa-doctor check` logic across many emulated cameras in one process.

    .venv/bin/python bench/check.py [--count 200] [--concurrency 50] [--timeout 5]

An emulator farm (every bundled Tapo camera fixture plus the Kasa EC60, in turn, all
on 127.0.0.1) runs in a background thread of this process; the main thread runs
`probe_many` — exactly what `check --host` does per camera: TLS reachability and the
Kasa sysinfo datagram at once, one login, python-kasa's update, the raw detail
request — with at most `--concurrency` cameras at a time, then judges every reading
as the report does. Both sides share one interpreter (and its GIL), so the numbers
are a worst case for the client.

Reported: wall and CPU time of the check phase, per-camera latency percentiles, and
failures (a camera not reached, a login not accepted, a reading left unavailable).
Target: ≤ 10 s wall for 200 cameras. Written to bench/results/check.md and check.json.
Only loopback is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchlib import percentile
from kasa_doctor.emulator import FAST_TIMINGS, list_fixtures, run_farm_in_thread
from kasa_doctor.probes.camera import CameraReport, CameraTarget, probe_camera
from kasa_doctor.probes.credentials import CameraCredentials
from kasa_doctor.probes.verdicts import judge_all

RESULTS = Path(__file__).resolve().parent / "results"
USER, PASSWORD = "bench@example.com", "bench-password"
TARGET_WALL_S = 10.0


@dataclass
class Result:
    count: int
    concurrency: int
    timeout_s: float
    fixtures: int
    farm_start_s: float
    check_wall_s: float
    cameras_per_s: float
    cpu_s: float
    peak_rss_mib: float
    latency_ms_p50: float
    latency_ms_p90: float
    latency_ms_p99: float
    latency_ms_max: float
    readings: int
    failures: int
    failure_kinds: dict[str, int]
    target_wall_s: float
    target_met: bool
    python: str
    cpus: int


def _failure(report: CameraReport) -> str | None:
    """Why a camera's check is not a full success, or None."""
    if report.value("camera_reachable") != "yes":
        return "not reached"
    if report.identity.family == "tapo" and report.value("camera_auth") != "ok":
        return "login not accepted"
    if any(o.raw.get("unavailable") for o in report.observations):
        return "reading unavailable"
    return None


async def _check_all(
    ports: list[int], concurrency: int, timeout: float
) -> tuple[list[CameraReport], list[float], int]:
    creds = CameraCredentials(USER, PASSWORD, "environment")
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    readings = 0

    async def one(port: int) -> CameraReport:
        nonlocal readings
        async with gate:
            start = time.perf_counter()
            report = await probe_camera(CameraTarget("127.0.0.1", port), creds, timeout=timeout)
            readings += len(judge_all(report.observations))
            latencies.append(time.perf_counter() - start)
            return report

    reports = await asyncio.gather(*(one(p) for p in ports))
    return list(reports), latencies, readings


def run(count: int, concurrency: int, timeout: float) -> Result:
    fixtures = list_fixtures("smartcam") + list_fixtures("iotcam")
    start = time.monotonic()
    farm = run_farm_in_thread(
        count, fixtures=fixtures, username=USER, password=PASSWORD, timings=FAST_TIMINGS, seed=7
    )
    farm_start = time.monotonic() - start
    try:
        ports = [cam.port for cam in farm.target.cameras]
        before = time.process_time()
        start = time.monotonic()
        reports, latencies, readings = asyncio.run(_check_all(ports, concurrency, timeout))
        wall = time.monotonic() - start
        cpu = time.process_time() - before
    finally:
        farm.stop()
    kinds: dict[str, int] = {}
    for report in reports:
        why = _failure(report)
        if why:
            kinds[why] = kinds.get(why, 0) + 1
    millis = [s * 1000 for s in latencies]
    return Result(
        count=count,
        concurrency=concurrency,
        timeout_s=timeout,
        fixtures=len(fixtures),
        farm_start_s=round(farm_start, 2),
        check_wall_s=round(wall, 2),
        cameras_per_s=round(count / wall, 1) if wall else 0.0,
        cpu_s=round(cpu, 2),
        peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        latency_ms_p50=round(percentile(millis, 50), 1),
        latency_ms_p90=round(percentile(millis, 90), 1),
        latency_ms_p99=round(percentile(millis, 99), 1),
        latency_ms_max=round(max(millis, default=0.0), 1),
        readings=readings,
        failures=sum(kinds.values()),
        failure_kinds=kinds,
        target_wall_s=TARGET_WALL_S,
        target_met=wall <= TARGET_WALL_S,
        python=platform.python_version(),
        cpus=os.cpu_count() or 0,
    )


def to_markdown(result: Result) -> str:
    verdict = "PASS" if result.target_met else "FAIL"
    rows = [
        ("cameras", result.count),
        ("fixtures (used in turn)", f"{result.fixtures} (every Tapo camera dump + Kasa EC60)"),
        ("concurrency", result.concurrency),
        ("timeout per step", f"{result.timeout_s:g} s"),
        ("emulator farm start-up", f"{result.farm_start_s} s"),
        ("check phase wall time", f"{result.check_wall_s} s"),
        ("cameras checked per second", result.cameras_per_s),
        ("CPU, check phase (client + emulator, one process)", f"{result.cpu_s} s"),
        ("peak RSS", f"{result.peak_rss_mib} MiB"),
        (
            "latency per camera p50 / p90 / p99 / max",
            f"{result.latency_ms_p50} / {result.latency_ms_p90} / "
            f"{result.latency_ms_p99} / {result.latency_ms_max} ms",
        ),
        ("readings judged", result.readings),
        ("failures", result.failures),
        (f"target: wall ≤ {result.target_wall_s:g} s", verdict),
    ]
    lines = ["| measure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    if result.failure_kinds:
        lines += ["", "| failure | cameras |", "| --- | --- |"]
        lines += [f"| {kind} | {n} |" for kind, n in sorted(result.failure_kinds.items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    # python-kasa warns for each optional module a fixture lacks; `check` hides that too.
    logging.getLogger("kasa").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args()
    result = run(args.count, args.concurrency, args.timeout)
    intro = (
        f"`bench/check.py --count {result.count} --concurrency {result.concurrency}` on "
        f"{result.cpus} CPUs, Python {result.python}. One check = `probe_camera` (TLS "
        "reachability and the Kasa datagram at once, one login, python-kasa's update, one "
        "raw detail request) plus judging every reading. Emulator farm and checks share "
        "one process."
    )
    table = to_markdown(result)
    print(table)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "check.md").write_text(f"# Check benchmark\n\n{intro}\n\n{table}")
        (RESULTS / "check.json").write_text(json.dumps(asdict(result), indent=2) + "\n")


if __name__ == "__main__":
    main()
