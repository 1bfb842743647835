"""Prometheus metrics: what a scrape shows after rounds, and the HTTP endpoint."""

from __future__ import annotations

import asyncio
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera
from kasa_doctor.monitor.metrics import Metrics
from kasa_doctor.monitor.store import Store
from kasa_doctor.monitor.watcher import Watcher
from tests.monitor.support import ENV, LOOP_TIMINGS, PASSWORD, USER, config_for


def _values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_follow_the_rounds(sqlite_url: str) -> None:
    async with (
        EmulatedCamera(
            username=USER, password=PASSWORD, faults={"weak_signal"}, timings=FAST_TIMINGS
        ) as weak,
        EmulatedCamera(
            username=USER, password=PASSWORD, faults={"offline"}, timings=LOOP_TIMINGS
        ) as gone,
    ):
        config = config_for(
            {"weak": weak.port, "gone": gone.port},
            thresholds={"weak_signal_rounds": 1, "offline_rounds": 1},
        )
        metrics = Metrics()
        store = Store(sqlite_url)
        watcher = Watcher(config, store, key=b"k" * 32, environ=ENV, metrics=metrics)
        try:
            while gone.listening:  # the offline camera closes its port just after start
                await asyncio.sleep(0.02)
            await watcher.run_round()
            await watcher.run_round()
        finally:
            store.close()
    values = _values(metrics.render().decode())
    weak_labels = (("camera", "weak"), ("host", f"127.0.0.1:{weak.port}"))
    gone_labels = (("camera", "gone"), ("host", f"127.0.0.1:{gone.port}"))
    assert values[("kasa_doctor_camera_up", weak_labels)] == 1
    assert values[("kasa_doctor_camera_up", gone_labels)] == 0
    assert values[("kasa_doctor_camera_rssi_dbm", weak_labels)] == -80
    assert values[("kasa_doctor_camera_reboots_total", (("camera", "weak"),))] == 0
    assert values[("kasa_doctor_camera_open_incidents", (("camera", "weak"),))] == 1
    assert values[("kasa_doctor_open_incidents", (("kind", "weak_signal"),))] == 1
    assert values[("kasa_doctor_open_incidents", (("kind", "offline"),))] == 1
    assert values[("kasa_doctor_rounds_total", ())] == 2
    assert values[("kasa_doctor_round_duration_seconds_count", ())] == 2
    assert values[("kasa_doctor_camera_poll_duration_seconds", (("camera", "weak"),))] > 0
    info = [k for k in values if k[0] == "kasa_doctor_camera_info"]
    assert [dict(k[1])["model"] for k in info] == ["C210"]


def test_metrics_endpoint_serves_on_loopback() -> None:
    metrics = Metrics()
    server = metrics.serve(0, "127.0.0.1")
    try:
        port = server.server_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            body = reply.read().decode()
        assert "kasa_doctor_open_incidents" in body
        assert "python_gc" not in body  # our own registry only
    finally:
        server.shutdown()
        server.server_close()
