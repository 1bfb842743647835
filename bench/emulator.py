"""Benchmark: N emulated cameras in one process, each queried once by python-kasa.

    .venv/bin/python bench/emulator.py [--count 1000] [--concurrency 50] [--fixture NAME]

The cameras run in a `kasa-doctor emulate` subprocess (one event loop, one port per
camera, all on 127.0.0.1); this process runs python-kasa clients with bounded
concurrency, each doing `Device.connect` (login + first full `update()`) and a
disconnect. Reported: the emulator's start-up time, wall time of the query phase,
CPU seconds and peak RSS of the emulator process and of the client process,
per-camera latency percentiles, and errors. Results go to bench/results/emulator.md
and emulator.json. Only loopback is used; the run is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from kasa import Credentials, Device, DeviceConfig
from kasa.deviceconfig import DeviceConnectionParameters, DeviceEncryptionType, DeviceFamily

from benchlib import percentile
from kasa_doctor.emulator import list_fixtures, load_fixture

RESULTS = Path(__file__).resolve().parent / "results"
USER, PASSWORD = "bench@example.com", "bench-password"


@dataclass
class Outcome:
    port: int
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Report:
    count: int
    concurrency: int
    fixtures: str
    emulator_start_s: float
    query_wall_s: float
    queries_per_s: float
    emulator_cpu_s: float
    emulator_peak_rss_mib: float
    client_cpu_s: float
    client_peak_rss_mib: float
    latency_ms_p50: float
    latency_ms_p90: float
    latency_ms_p99: float
    latency_ms_max: float
    errors: int
    error_kinds: dict[str, int]
    python: str
    cpus: int


def _raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _start_emulator(
    count: int, fixture: str, timeout: float
) -> tuple[subprocess.Popen[str], list[int], float]:
    cmd = [
        sys.executable, "-c", "from kasa_doctor.cli.main import main; main()", "emulate",
        "--count", str(count), "--fixture", fixture,
        "--username", USER, "--password", PASSWORD,
    ]  # fmt: skip
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ports: list[int] = []
    while len(ports) < count:
        if time.monotonic() - start > timeout:
            proc.kill()
            raise TimeoutError("emulator did not start in time")
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"emulator exited early: {err.strip()}")
        ports.append(int(line.split()[0].rsplit(":", 1)[1]))
    return proc, ports, time.monotonic() - start


async def _query(port: int, gate: asyncio.Semaphore, timeout: int) -> Outcome:
    config = DeviceConfig(
        host="127.0.0.1",
        port_override=port,
        credentials=Credentials(USER, PASSWORD),
        connection_type=DeviceConnectionParameters(
            DeviceFamily.SmartIpCamera, DeviceEncryptionType.Aes, https=True
        ),
        timeout=timeout,
    )
    async with gate:
        start = time.perf_counter()
        try:
            dev = await Device.connect(config=config)
            try:
                ok = bool(dev.model)
            finally:
                await dev.disconnect()
            return Outcome(port, time.perf_counter() - start, ok)
        except Exception as exc:  # every failure is counted, not raised
            return Outcome(port, time.perf_counter() - start, False, type(exc).__name__)


async def _query_all(ports: list[int], concurrency: int, timeout: int) -> list[Outcome]:
    gate = asyncio.Semaphore(concurrency)
    return await asyncio.gather(*(_query(p, gate, timeout) for p in ports))


def _stop(proc: subprocess.Popen[str]) -> tuple[float, float]:
    """SIGTERM the emulator; return its (CPU seconds, peak RSS MiB)."""
    proc.send_signal(signal.SIGTERM)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except ChildProcessError:  # pragma: no cover - already reaped
        return 0.0, 0.0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run(count: int, concurrency: int, fixture: str, timeout: float) -> Report:
    _raise_fd_limit(count * 2 + 512)
    proc, ports, startup = _start_emulator(count, fixture, timeout)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    try:
        outcomes = asyncio.run(asyncio.wait_for(_query_all(ports, concurrency, 10), timeout))
    finally:
        wall = time.monotonic() - start
        emu_cpu, emu_rss = _stop(proc)
    after = resource.getrusage(resource.RUSAGE_SELF)
    latencies = [o.seconds * 1000 for o in outcomes if o.ok]
    kinds: dict[str, int] = {}
    for o in outcomes:
        if not o.ok:
            kinds[o.error or "wrong answer"] = kinds.get(o.error or "wrong answer", 0) + 1
    return Report(
        count=count,
        concurrency=concurrency,
        fixtures=fixture,
        emulator_start_s=round(startup, 2),
        query_wall_s=round(wall, 2),
        queries_per_s=round(count / wall, 1) if wall else 0.0,
        emulator_cpu_s=round(emu_cpu, 2),
        emulator_peak_rss_mib=round(emu_rss, 1),
        client_cpu_s=round(
            (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 2
        ),
        client_peak_rss_mib=round(after.ru_maxrss / 1024, 1),
        latency_ms_p50=round(percentile(latencies, 50), 1),
        latency_ms_p90=round(percentile(latencies, 90), 1),
        latency_ms_p99=round(percentile(latencies, 99), 1),
        latency_ms_max=round(max(latencies, default=0.0), 1),
        errors=sum(kinds.values()),
        error_kinds=kinds,
        python=platform.python_version(),
        cpus=os.cpu_count() or 0,
    )


def to_markdown(report: Report) -> str:
    rows = [
        ("cameras", report.count),
        ("fixture", report.fixtures),
        ("client concurrency", report.concurrency),
        ("emulator start-up (all listening)", f"{report.emulator_start_s} s"),
        ("query phase wall time", f"{report.query_wall_s} s"),
        ("cameras queried per second", report.queries_per_s),
        ("emulator CPU (whole run)", f"{report.emulator_cpu_s} s"),
        ("emulator peak RSS", f"{report.emulator_peak_rss_mib} MiB"),
        ("client CPU (query phase)", f"{report.client_cpu_s} s"),
        ("client peak RSS", f"{report.client_peak_rss_mib} MiB"),
        ("latency p50 / p90 / p99 / max", (
            f"{report.latency_ms_p50} / {report.latency_ms_p90} / "
            f"{report.latency_ms_p99} / {report.latency_ms_max} ms"
        )),
        ("errors", f"{report.errors} {report.error_kinds or ''}".strip()),
    ]  # fmt: skip
    lines = [
        "# Emulator benchmark",
        "",
        f"`bench/emulator.py --count {report.count} --concurrency {report.concurrency}` on "
        f"{report.cpus} CPUs, Python {report.python}. One query = python-kasa's "
        "`Device.connect` (TLS, the two-step login, then the first full `update()`: for "
        "this fixture 3 encrypted multipleRequests carrying 13 methods) and a disconnect, "
        "against one emulated camera. Emulator and clients are separate processes.",
        "",
        "| measure | value |",
        "| --- | --- |",
        *[f"| {name} | {value} |" for name, value in rows],
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--fixture", default="C210(EU)_2.0_1.4.3.json",
                        choices=list_fixtures(kind="smartcam"))  # fmt: skip
    parser.add_argument("--timeout", type=float, default=600.0, help="whole-run limit, s")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    load_fixture(args.fixture)
    report = run(args.count, args.concurrency, args.fixture, args.timeout)
    text = to_markdown(report)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "emulator.md").write_text(text)
        (RESULTS / "emulator.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    return 0 if report.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
