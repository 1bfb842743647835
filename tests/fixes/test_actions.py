"""Each automated repair against an emulated camera, and the check after it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from kasa_doctor.emulator import ThreadedCamera
from kasa_doctor.engine.model import default_model
from kasa_doctor.engine.session import Session
from kasa_doctor.fixes.firmware import update_firmware
from kasa_doctor.fixes.led import enable_led
from kasa_doctor.fixes.model import FAST_FIX_TIMINGS, FixProgress, FixTimings
from kasa_doctor.fixes.reboot import reboot
from kasa_doctor.fixes.verify import verify
from kasa_doctor.fixes.wifi import join_network, scan_networks
from kasa_doctor.live import gather_live_checks, record_live_checks
from tests.fixes.conftest import C210, login, target_of

Start = Callable[..., ThreadedCamera]


async def test_reboot_goes_away_comes_back_and_the_session_verifies_it(
    start_camera: Start,
) -> None:
    cam = start_camera()
    target = target_of(cam)
    session = Session(engine=default_model())
    before = await gather_live_checks(target, login(), timeout=3)
    record_live_checks(session, before)
    assert cam.state.uptime > 3600  # the emulator starts three days into its uptime
    seen: list[FixProgress] = []

    result = await reboot(target, login(), timings=FAST_FIX_TIMINGS, progress=seen.append)

    assert result.done, result.message
    assert result.raw["went_away"] and result.raw["came_back"]
    state = cam.state
    assert state.reboots == 1 and not state.down
    assert state.uptime < 30  # a fresh start
    assert {p.phase for p in seen} >= {"login", "restart", "away", "back"}
    readings = sum(1 for e in session.history if e.kind == "probe")
    check = await verify(
        target,
        login(),
        before,
        session=session,
        step="power_cycle_camera",
        timings=FAST_FIX_TIMINGS,
    )
    assert check.reachable and check.login_ok and check.healthy
    # nothing pointed at a fault before, so the camera cannot say the restart fixed it
    assert check.verdict == "unknown"
    assert "answers on the network" in check.facts
    # the new readings are evidence in the session now …
    assert sum(1 for e in session.history if e.kind == "probe") > readings
    # … except the uptime, which the restart itself made short
    uptime = [e for e in session.history if e.id == "camera_uptime"][-1]
    assert uptime.value is None


async def test_firmware_update_installs_the_offered_version(start_camera: Start) -> None:
    cam = start_camera(C210, "update_available")
    old, offered = cam.state.firmware, cam.state.update_offered
    assert offered is not None and offered != old
    target = target_of(cam)
    before = await gather_live_checks(target, login(), timeout=3)
    seen: list[FixProgress] = []

    result = await update_firmware(target, login(), timings=FAST_FIX_TIMINGS, progress=seen.append)

    assert result.done, result.message
    assert cam.state.firmware == offered
    assert result.raw["from_version"] == old and result.raw["to_version"] == offered
    assert any(p.phase == "update" and "do not unplug" in p.message for p in seen)
    check = await verify(target, login(), before, step="update_firmware", timings=FAST_FIX_TIMINGS)
    assert check.verdict == "fixed"
    assert [s.probe for s in check.cleared] == ["camera_update_available"]


async def test_firmware_update_with_nothing_offered_changes_nothing(start_camera: Start) -> None:
    cam = start_camera()
    old = cam.state.firmware
    result = await update_firmware(target_of(cam), login(), timings=FAST_FIX_TIMINGS)
    assert result.outcome == "not_needed"
    assert "newest" in result.message
    assert cam.state.firmware == old and cam.state.reboots == 0


async def test_camera_vanishing_mid_update_is_never_done_and_says_what_is_safe(
    start_camera: Start,
) -> None:
    cam = start_camera(C210, "update_available")
    target = target_of(cam)

    def pull_the_plug(update: FixProgress) -> None:
        # the moment the camera reports the update running, it drops off the network
        if update.phase == "update" and "offline" not in cam.faults:
            cam.set_fault("offline")

    timings = FixTimings(request=2, poll=0.1, away=2, back=2, upgrade=2.5, settle=1)
    result = await update_firmware(target, login(), timings=timings, progress=pull_the_plug)

    assert result.outcome == "interrupted" and not result.done
    assert "stopped answering in the middle of the firmware update" in result.message
    assert "Do not unplug" in result.message
    assert result.next_step == "wait_for_update"
    assert [(o.probe, o.value) for o in result.observations] == [("camera_updating", "yes")]
    check = await verify(target, login(), step="update_firmware", timings=timings)
    assert check.verdict == "not_fixed" and not check.reachable


async def test_enable_led_switches_the_light_on(start_camera: Start) -> None:
    cam = start_camera(C210, "led_off")
    assert cam.state.led == "off"
    target = target_of(cam)
    before = await gather_live_checks(target, login(), timeout=3)

    result = await enable_led(target, login(), timings=FAST_FIX_TIMINGS)

    assert result.done, result.message
    assert cam.state.led == "on" and "led_off" not in cam.faults
    again = await enable_led(target, login(), timings=FAST_FIX_TIMINGS)
    assert again.outcome == "not_needed"
    check = await verify(target, login(), before, step="enable_led", timings=FAST_FIX_TIMINGS)
    assert check.verdict == "fixed"
    assert [(s.probe, s.value) for s in check.cleared] == [("camera_led_setting", "off")]


async def test_wifi_join_moves_the_camera_to_a_network_from_its_own_scan(
    start_camera: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cam = start_camera()
    target = target_of(cam)
    scan = await scan_networks(target, login(), timings=FAST_FIX_TIMINGS)
    assert scan.ok, scan.message
    # strongest first; all 2.4 GHz and secured; not the network it is on
    assert [c.ssid for c in scan.choices] == ["KasaDoctorHome", "KasaDoctorGuest", "Neighbour-2G"]
    assert all(c.band == "2.4" and c.secured and not c.current for c in scan.choices)
    assert scan.current == cam.state.ssid

    home = scan.choices[0]
    result = await join_network(target, login(), home, "correct-horse", timings=FAST_FIX_TIMINGS)

    assert result.done, result.message
    assert cam.state.ssid == "KasaDoctorHome"
    assert cam.state.rssi == -58
    assert "correct-horse" not in repr(result) and "correct-horse" not in caplog.text


async def test_wifi_join_with_a_wrong_password_comes_back_on_the_old_network(
    start_camera: Start, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cam = start_camera()
    old = cam.state.ssid
    target = target_of(cam)
    scan = await scan_networks(target, login(), timings=FAST_FIX_TIMINGS)
    guest = next(c for c in scan.choices if c.ssid == "KasaDoctorGuest")

    result = await join_network(target, login(), guest, "wrong-pass-123", timings=FAST_FIX_TIMINGS)

    assert result.outcome == "incomplete"
    assert "password was probably wrong" in result.message
    assert cam.state.ssid == old
    assert "wrong-pass-123" not in repr(result) and "wrong-pass-123" not in caplog.text


async def test_actions_refuse_a_wrong_login_after_one_attempt(start_camera: Start) -> None:
    from kasa_doctor.probes.credentials import CameraCredentials

    cam = start_camera()
    bad = CameraCredentials(cam.target.username, "not-the-password")
    results = await asyncio.gather(
        reboot(target_of(cam), bad, timings=FAST_FIX_TIMINGS),
        enable_led(target_of(cam), bad, timings=FAST_FIX_TIMINGS),
    )
    assert all(r.outcome == "not_started" and "refused the login" in r.message for r in results)
    assert cam.state.reboots == 0
    assert cam.state.failed_logins <= 2  # one attempt per action, no retries


async def test_waiting_for_a_restarting_camera_ends_when_it_answers(start_camera: Start) -> None:
    from kasa_doctor.fixes.wait import wait_for

    cam = start_camera()
    cam.reboot()  # the owner just plugged it back in
    result = await wait_for(
        target_of(cam), login(), step="wait_for_boot", action="wait_boot", timings=FAST_FIX_TIMINGS
    )
    assert result.done and "has started" in result.message
    assert not cam.state.down
    offline = start_camera(C210, "offline")
    # a camera started "offline" opens its port for a moment before the fault closes it
    for _ in range(50):
        if not offline.call(lambda: offline.target.listening):
            break
        await asyncio.sleep(0.05)
    never = await wait_for(
        target_of(offline), None, step="wait_for_boot", action="wait_boot", timings=FAST_FIX_TIMINGS
    )
    assert never.outcome == "incomplete" and "has not answered" in never.message
