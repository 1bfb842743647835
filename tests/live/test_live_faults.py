"""Each emulator fault shows up as the observation a real camera with it would give."""

from __future__ import annotations

import asyncio
import time

import pytest

from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera, Timings
from kasa_doctor.probes.camera import CameraReport, CameraTarget, probe_camera
from kasa_doctor.probes.verdicts import judge
from tests.live.support import EC60, creds_for

C210 = "C210(EU)_2.0_1.4.3.json"
C460 = "C460(CA)_1.0_1.2.0.json"  # a battery camera that reports overheating
TD21 = "TD21(EU)_2.0_1.1.5.json"  # a battery doorbell that reports overheating


async def _probe(cam: EmulatedCamera, *, timeout: float = 3.0) -> CameraReport:
    return await probe_camera(CameraTarget("127.0.0.1", cam.port), creds_for(cam), timeout=timeout)


def _camera(fixture: str, *faults: str, timings: Timings = FAST_TIMINGS) -> EmulatedCamera:
    return EmulatedCamera(fixture, faults=faults, timings=timings, seed=3)


@pytest.mark.parametrize("fixture", [C210, EC60])
async def test_weak_signal_is_poor(fixture: str) -> None:
    async with _camera(fixture, "weak_signal") as cam:
        report = await _probe(cam)
    signal = report.get("camera_signal")
    assert signal is not None and signal.value == "poor"
    assert signal.raw["rssi_dbm"] == -80
    reading = judge(signal)
    assert reading.verdict == "problem"
    assert reading.detail.startswith("signal −80 dBm")
    assert reading.detail.endswith(": weak — move the camera closer or add an extender")


@pytest.mark.parametrize("fixture", [C210, EC60])
async def test_offline_camera_gives_only_reachable_no(fixture: str) -> None:
    async with _camera(fixture, "offline") as cam:
        await asyncio.sleep(0.2)  # the camera closes its port just after it starts
        started = time.perf_counter()
        report = await _probe(cam, timeout=0.5)
        elapsed = time.perf_counter() - started
    assert [(o.probe, o.value) for o in report.observations] == [("camera_reachable", "no")]
    assert report.live_support == "none"
    assert elapsed < 1.5


async def test_update_failed() -> None:
    async with _camera(C210, "update_failed") as cam:
        report = await _probe(cam)
    failed = report.get("camera_last_update_failed")
    assert failed is not None and failed.value == "yes"
    assert judge(failed).verdict == "problem"


async def test_update_available_names_the_version() -> None:
    async with _camera(C210, "update_available") as cam:
        report = await _probe(cam)
    update = report.get("camera_update_available")
    assert update is not None and update.value == "yes"
    assert isinstance(update.raw["new_version"], str)
    assert update.raw["new_version"] != report.identity.firmware
    assert report.value("camera_last_update_failed") == "no"
    assert report.value("camera_updating") == "no"


@pytest.mark.parametrize("fixture", [C460, TD21])
async def test_overheated_where_the_model_reports_it(fixture: str) -> None:
    async with _camera(fixture, "overheated") as cam:
        report = await _probe(cam)
    assert report.value("camera_overheated") == "yes"


async def test_overheat_not_reported_without_the_field() -> None:
    async with _camera(C210, "overheated") as cam:
        report = await _probe(cam)
    hot = report.get("camera_overheated")
    assert hot is not None and hot.value is None
    assert "does not report" in hot.detail


async def test_not_overheated_reads_no() -> None:
    async with _camera(C460) as cam:
        report = await _probe(cam)
    assert report.value("camera_overheated") == "no"
    assert report.value("camera_battery") == "ok"


@pytest.mark.parametrize("fixture", [C210, EC60])
async def test_clock_skew_is_a_large_offset(fixture: str) -> None:
    async with _camera(fixture, "clock_skew") as cam:
        report = await _probe(cam)
    clock = report.get("camera_clock_offset")
    assert clock is not None
    offset = clock.raw["offset_s"]
    assert isinstance(offset, float) and offset < -3600
    assert judge(clock).verdict == "problem"
    assert "NTP" in clock.detail
    # The camera counts from its firmware date, so its uptime can be estimated: long.
    assert report.value("camera_uptime") == "long"


async def test_healthy_clock_is_ok() -> None:
    async with _camera(C210) as cam:
        report = await _probe(cam)
    clock = report.get("camera_clock_offset")
    assert clock is not None and judge(clock).verdict == "ok"
    assert report.value("camera_uptime") is None  # not reported, and cannot be estimated


async def test_auth_changed_gives_auth_failed_and_nothing_else() -> None:
    async with _camera(C210, "auth_changed") as cam:
        report = await _probe(cam)
    assert [(o.probe, o.value) for o in report.observations] == [
        ("camera_reachable", "yes"),
        ("camera_auth", "failed"),
    ]
    assert report.evidence() == {"camera_reachable": "yes", "camera_auth": "failed"}


@pytest.mark.parametrize("fixture", [C210, EC60])
async def test_led_off(fixture: str) -> None:
    async with _camera(fixture, "led_off") as cam:
        report = await _probe(cam)
    led = report.get("camera_led_setting")
    assert led is not None and led.value == "off"
    assert judge(led).verdict == "ok"  # a choice, not a fault; the words explain it


async def test_reboot_loop_gives_short_uptime() -> None:
    timings = Timings(reboot_downtime=0.2, reboot_loop_uptime=30.0, ntp_sync_delay=0.2)
    async with _camera(C210, "reboot_loop", timings=timings) as cam:
        # It reboots as soon as it starts (it has been up for days); wait until it is back.
        for _ in range(50):
            await asyncio.sleep(0.05)
            if cam.state.reboots and not cam.state.down:
                break
        await asyncio.sleep(0.15)  # the port reopens just after the camera is back
        report = await _probe(cam)
    uptime = report.get("camera_uptime")
    assert uptime is not None and uptime.value == "short", report.observations
    estimate = uptime.raw["uptime_s_estimate"]
    assert isinstance(estimate, float) and estimate < 60
    assert judge(uptime).verdict == "warning"


@pytest.mark.parametrize("fixture", [C460, EC60])
async def test_privacy_mode(fixture: str) -> None:
    async with _camera(fixture, "privacy_mode") as cam:
        report = await _probe(cam)
    privacy = report.get("camera_privacy_mode")
    assert privacy is not None and privacy.raw["enabled"] is True
    assert privacy.value is None  # report-only: never engine evidence
    assert judge(privacy).verdict == "warning"


async def test_sd_card_error() -> None:
    async with _camera(C460, "sd_card_error") as cam:
        report = await _probe(cam)
    card = report.get("camera_sd_card")
    assert card is not None and card.raw["status"] == "abnormal"
    assert judge(card).verdict == "problem"


async def test_ip_changed_against_last_known_address() -> None:
    async with _camera(C210) as cam:
        creds = creds_for(cam)
        moved = await probe_camera(
            CameraTarget("127.0.0.1", cam.port, last_known_ip="127.0.0.9"), creds, timeout=3
        )
        same = await probe_camera(
            CameraTarget("127.0.0.1", cam.port, last_known_ip="127.0.0.1"), creds, timeout=3
        )
        other = await probe_camera(
            CameraTarget("127.0.0.1", cam.port, last_known_mac="AA-BB-CC-00-00-01"),
            creds,
            timeout=3,
        )
        plain = await _probe(cam)
    assert moved.value("camera_ip_changed") == "yes"
    assert same.value("camera_ip_changed") == "no"
    assert other.value("camera_ip_changed") == "yes"
    assert plain.get("camera_ip_changed") is None  # nothing to compare with


@pytest.mark.parametrize("fault", ["garbage", "flaky"])
async def test_broken_replies_never_crash_or_hang(fault: str) -> None:
    async with _camera(C210, fault) as cam:
        for _ in range(4):
            started = time.perf_counter()
            report = await _probe(cam, timeout=1.0)
            assert time.perf_counter() - started < 4.0
            assert report.value("camera_reachable") == "yes"
            for obs in report.observations:
                judge(obs)  # every observation can be shown


async def test_kasa_camera_says_what_cannot_be_read() -> None:
    async with _camera(EC60) as cam:
        report = await probe_camera(CameraTarget("127.0.0.1", cam.port), None, timeout=2)
    assert report.live_support == "sysinfo"
    assert report.identity.model == "EC60(US)"
    for probe in ("camera_cloud", "camera_update_available", "camera_last_update_failed"):
        obs = report.get(probe)
        assert obs is not None and obs.value is None and "cannot be read" in obs.detail
    assert report.value("camera_signal") == "good"
    assert report.value("camera_updating") == "no"
    assert any("python-kasa reads only" in n for n in report.notes)


async def test_clock_offset_against_a_given_now() -> None:
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(hours=2)
    async with _camera(C210) as cam:
        report = await probe_camera(
            CameraTarget("127.0.0.1", cam.port), creds_for(cam), timeout=3, now=later
        )
    clock = report.get("camera_clock_offset")
    assert clock is not None
    offset = clock.raw["offset_s"]
    assert isinstance(offset, float) and -7300 < offset < -7100
    assert "2 h behind" in clock.detail
