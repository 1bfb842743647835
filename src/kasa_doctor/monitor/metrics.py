"""Prometheus metrics of the watcher (``kasa-doctor watch --metrics-port N``).

Named like the Kasa exporters people already scrape (``kasa_online``, ``kasa_rssi``
with a device label), under one prefix, in a registry of our own so nothing else in
the process (python-kasa, a test runner) leaks into the page:

==========================================  =====================================
kasa_doctor_camera_up{camera,host}          1 answered in the last round, else 0
kasa_doctor_camera_rssi_dbm{camera,host}    Wi-Fi signal of the last reading
kasa_doctor_camera_reboots_total{camera}    unexpected restarts seen
kasa_doctor_camera_open_incidents{camera}   incidents open now
kasa_doctor_open_incidents{kind}            incidents open now, by kind
kasa_doctor_camera_poll_duration_seconds    the camera's last poll, {camera}
kasa_doctor_camera_response_seconds         TLS/UDP answer time, {camera}
kasa_doctor_camera_info{camera,host,model,firmware}  always 1
kasa_doctor_round_duration_seconds          histogram of whole rounds
kasa_doctor_rounds_total                    rounds completed
kasa_doctor_last_round_timestamp_seconds    when the last round finished
==========================================  =====================================

The HTTP server binds 127.0.0.1 unless told otherwise, like the rest of kasa-doctor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from kasa_doctor.monitor.config import INCIDENT_KINDS
from kasa_doctor.monitor.store import SampleRow

PREFIX = "kasa_doctor"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.up = Gauge(
            f"{PREFIX}_camera_up",
            "1 if the camera answered in the last round",
            ["camera", "host"],
            registry=r,
        )
        self.rssi = Gauge(
            f"{PREFIX}_camera_rssi_dbm",
            "Wi-Fi signal strength (dBm)",
            ["camera", "host"],
            registry=r,
        )
        self.reboots = Counter(
            f"{PREFIX}_camera_reboots", "Unexpected restarts detected", ["camera"], registry=r
        )
        self.camera_incidents = Gauge(
            f"{PREFIX}_camera_open_incidents",
            "Incidents open for the camera",
            ["camera"],
            registry=r,
        )
        self.open_incidents = Gauge(
            f"{PREFIX}_open_incidents", "Incidents open, by kind", ["kind"], registry=r
        )
        self.poll_duration = Gauge(
            f"{PREFIX}_camera_poll_duration_seconds",
            "How long the camera's last poll took",
            ["camera"],
            registry=r,
        )
        self.response = Gauge(
            f"{PREFIX}_camera_response_seconds",
            "How long the camera took to answer the reachability check",
            ["camera"],
            registry=r,
        )
        self.info = Gauge(
            f"{PREFIX}_camera_info",
            "Camera model and firmware (value always 1)",
            ["camera", "host", "model", "firmware"],
            registry=r,
        )
        self.round_duration = Histogram(
            f"{PREFIX}_round_duration_seconds",
            "How long a polling round over all cameras took",
            buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, float("inf")),
            registry=r,
        )
        self.rounds = Counter(f"{PREFIX}_rounds", "Polling rounds completed", registry=r)
        self.last_round = Gauge(
            f"{PREFIX}_last_round_timestamp_seconds", "When the last round finished", registry=r
        )
        self._info_labels: dict[str, tuple[str, str, str, str]] = {}
        for kind in INCIDENT_KINDS:
            self.open_incidents.labels(kind).set(0)

    def observe_round(
        self,
        samples: Iterable[tuple[SampleRow, str]],
        *,
        duration_s: float,
        finished_at: float,
        open_by_camera: Mapping[str, Iterable[str]],
    ) -> None:
        """Update everything from one committed round: (sample, host) per camera."""
        for sample, host in samples:
            name = sample.camera
            self.up.labels(name, host).set(1 if sample.reachable else 0)
            if sample.rssi is not None:
                self.rssi.labels(name, host).set(sample.rssi)
            # Touch the counter so a camera that never restarted still shows 0.
            self.reboots.labels(name).inc(
                1 if sample.reboot and sample.reboot_method != "update" else 0
            )
            self.poll_duration.labels(name).set(sample.probe_ms / 1000)
            if sample.response_ms is not None:
                self.response.labels(name).set(sample.response_ms / 1000)
            if sample.model or sample.firmware:
                labels = (name, host, sample.model or "", sample.firmware or "")
                previous = self._info_labels.get(name)
                if previous != labels:
                    if previous is not None:
                        self.info.remove(*previous)
                    self.info.labels(*labels).set(1)
                    self._info_labels[name] = labels
        by_kind: dict[str, int] = dict.fromkeys(INCIDENT_KINDS, 0)
        for name, kinds in open_by_camera.items():
            kinds = list(kinds)
            self.camera_incidents.labels(name).set(len(kinds))
            for kind in kinds:
                by_kind[kind] = by_kind.get(kind, 0) + 1
        for kind, count in by_kind.items():
            self.open_incidents.labels(kind).set(count)
        self.round_duration.observe(duration_s)
        self.rounds.inc()
        self.last_round.set(finished_at)

    def render(self) -> bytes:
        """The exposition text (what a scrape gets)."""
        return generate_latest(self.registry)

    def serve(self, port: int, addr: str = "127.0.0.1") -> Any:
        """Start the HTTP endpoint in a daemon thread; returns the server (``shutdown()``).

        Raises OSError when the port cannot be bound.
        """
        from prometheus_client import start_http_server

        result = start_http_server(port, addr=addr, registry=self.registry)
        return result[0] if isinstance(result, tuple) else result
