"""Thresholds and words: signal bands, clock offsets, the uptime estimate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kasa_doctor.probes.camera import (
    build_epoch,
    clock_observations,
    human_duration,
    led_observation,
    signal_observation,
)
from kasa_doctor.probes.observation import Observation
from kasa_doctor.probes.verdicts import judge, worst


@pytest.mark.parametrize(
    ("rssi", "value", "verdict"),
    [(-40, "good", "ok"), (-60, "good", "ok"), (-61, "fair", "warning"), (-70, "fair", "warning"),
     (-71, "poor", "problem"), (-90, "poor", "problem")],
)  # fmt: skip
def test_signal_bands_follow_the_contract(rssi: int, value: str, verdict: str) -> None:
    obs = signal_observation(rssi, 3, "wifi")
    assert obs.value == value
    assert judge(obs).verdict == verdict
    assert judge(obs).reading == f"{rssi} dBm".replace("-", "−")


def test_no_usable_signal_reading() -> None:
    assert signal_observation(0, -1, "wifi").value is None  # a camera with no reading
    assert signal_observation(None, None, "ethernet").value is None
    assert judge(signal_observation(None, None, "ethernet")).verdict == "unknown"


def test_led_settings() -> None:
    assert led_observation("auto").value == "on"  # doorbells: the camera decides
    assert led_observation("off").value == "off"
    assert led_observation(None).value is None
    assert led_observation(["on"]).value is None  # a reply of the wrong type


def test_build_dates() -> None:
    assert (
        build_epoch("1.4.3 Build 241010 Rel.33858n")
        == datetime(2024, 10, 10, tzinfo=UTC).timestamp()
    )
    assert (
        build_epoch("1.3.6 Build 20240829 rel.71119")
        == datetime(2024, 8, 29, tzinfo=UTC).timestamp()
    )
    assert build_epoch("1.0") is None
    assert build_epoch(None) is None


FIRMWARE = "1.4.3 Build 241010 Rel.33858n"
BUILT = datetime(2024, 10, 10, tzinfo=UTC).timestamp()
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("device_time", "offset_verdict", "uptime"),
    [
        (NOW + 1, "ok", None),  # in sync: uptime cannot be estimated
        (NOW - 200, "warning", None),  # drifting: NTP lost lately
        (BUILT + 120, "problem", "short"),  # counts from the build date: started 2 min ago
        (BUILT + 3 * 86400, "problem", "long"),  # never reached NTP in 3 days
        (BUILT - 86400 * 400, "problem", None),  # some other default clock: no estimate
    ],
)
def test_clock_and_uptime(device_time: float, offset_verdict: str, uptime: str | None) -> None:
    offset, up = clock_observations(device_time, NOW, FIRMWARE, 0.01)
    assert offset.value is None  # report-only
    assert judge(offset).verdict == offset_verdict
    assert up.value == uptime


def test_clock_missing() -> None:
    offset, up = clock_observations(None, NOW, FIRMWARE)
    assert judge(offset).verdict == "unknown" and up.value is None


def test_human_duration() -> None:
    assert human_duration(12) == "12 s"
    assert human_duration(-300) == "5 min"
    assert human_duration(1800) == "30 min"
    assert human_duration(7200) == "2 h"
    assert human_duration(86400) == "24 h"
    assert human_duration(86400 * 1.6) == "2 days"
    assert human_duration(86400 * 437) == "437 days"


def test_unavailable_and_unsupported_are_unknown() -> None:
    gone = Observation.unknown("camera_signal", "unavailable: …", {"unavailable": True})
    assert judge(gone).verdict == "unknown"
    kasa = Observation.unknown("camera_cloud", "cannot be read", {"supported": False})
    assert judge(kasa).verdict == "unknown"


def test_engine_titles_come_from_the_knowledge_base() -> None:
    from kasa_doctor.knowledge.loader import default_knowledge

    title = default_knowledge().probe("camera_signal").title
    assert judge(signal_observation(-50, 4, "wifi")).title == title


def test_worst() -> None:
    readings = [judge(signal_observation(-50, 4, "wifi")), judge(led_observation("off"))]
    assert worst(readings) == "ok"
    readings.append(judge(signal_observation(-80, 1, "wifi")))
    assert worst(readings) == "problem"
    assert worst([]) == "unknown"
