"""Each fault, seen through python-kasa the way a real camera would show it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from emu_support import connected, fast_camera
from kasa import AuthenticationError, KasaException, Module
from kasa.exceptions import DeviceError

from kasa_doctor.emulator import FAST_TIMINGS, FAULTS, Timings
from kasa_doctor.emulator.state import bump_version

C210 = "C210(EU)_2.0_1.4.3.json"


def test_every_fault_has_a_description() -> None:
    assert len(FAULTS) == 14
    assert all(text and "\n" not in text for text in FAULTS.values())


async def test_weak_signal() -> None:
    async with fast_camera(C210, faults={"weak_signal"}) as cam, connected(cam) as dev:
        assert dev.rssi == -80
        assert int(dev.features["signal_level"].value) == 1


async def test_offline_refuses_then_comes_back() -> None:
    async with fast_camera(C210, faults={"offline"}) as cam:
        with pytest.raises(KasaException):
            async with connected(cam):
                pass
        assert cam.state.down
        cam.set_fault("offline", False)
        await asyncio.sleep(0.2)
        async with connected(cam) as dev:
            assert dev.model == "C210"


async def test_flaky_drops_some_requests() -> None:
    timings = Timings(flaky_drop_ratio=0.5)
    async with fast_camera(C210, timings=timings, seed=7) as cam:
        async with connected(cam) as dev:
            cam.set_fault("flaky")
            outcomes = []
            for _ in range(16):
                try:
                    await dev.protocol.query({"getLedStatus": {"led": {"name": ["config"]}}}, 0)
                    outcomes.append(True)
                except KasaException:
                    outcomes.append(False)
        assert any(outcomes) and not all(outcomes)


async def test_slow_delays_replies() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        start = time.monotonic()
        await dev.protocol.query({"getLedStatus": {"led": {"name": ["config"]}}})
        fast = time.monotonic() - start
        cam.set_fault("slow")
        start = time.monotonic()
        await dev.protocol.query({"getLedStatus": {"led": {"name": ["config"]}}})
        assert time.monotonic() - start >= FAST_TIMINGS.slow_delay > fast


async def test_reboot_loop_restarts_clock_and_uptime() -> None:
    timings = Timings(reboot_loop_uptime=1.5, reboot_downtime=0.3)
    async with fast_camera(C210, faults={"reboot_loop"}, timings=timings) as cam:
        await asyncio.sleep(0.05)
        await cam.wait_until_up(5)
        first = cam.state.reboots
        assert first >= 1
        async with connected(cam) as dev:
            device_time = dev.modules[Module.Time].time
        # Back from a reboot before NTP: the clock counts from the firmware build date.
        assert device_time.year == 2024
        assert cam.state.uptime < timings.reboot_loop_uptime
        await asyncio.sleep(timings.reboot_loop_uptime + timings.reboot_downtime)
        assert cam.state.reboots > first


async def test_overheated_where_the_model_reports_it() -> None:
    async with fast_camera("C460(CA)_1.0_1.2.0.json") as cam:
        async with connected(cam) as dev:
            assert dev.sys_info["battery_overheated"] is False
        cam.set_fault("overheated")
        async with connected(cam) as dev:
            assert dev.sys_info["battery_overheated"] is True


async def test_overheated_is_invisible_on_models_without_the_field() -> None:
    async with fast_camera(C210, faults={"overheated"}) as cam, connected(cam) as dev:
        assert "battery_overheated" not in dev.sys_info


async def test_update_failed() -> None:
    async with fast_camera(C210, faults={"update_failed"}) as cam, connected(cam) as dev:
        reply = await dev.protocol.query(
            {"getFirmwareUpdateStatus": {"cloud_config": {"name": "upgrade_status"}}}
        )
        status = reply["getFirmwareUpdateStatus"]["cloud_config"]["upgrade_status"]
        assert status["lastUpgradingSuccess"] is False


async def test_update_available() -> None:
    async with fast_camera(C210, faults={"update_available"}) as cam, connected(cam) as dev:
        reply = await dev.protocol.query(
            {
                "checkFirmwareVersionByCloud": {"cloud_config": {"check_fw_version": "null"}},
                "getCloudConfig": {"cloud_config": {"name": ["upgrade_info"]}},
            }
        )
        info = reply["getCloudConfig"]["cloud_config"]["upgrade_info"]
        assert info["version"] == bump_version(dev.hw_info["sw_ver"])
        assert info["version"].startswith("1.4.4 ")


async def test_no_update_offered_without_the_fault() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        reply = await dev.protocol.query(
            {"getCloudConfig": {"cloud_config": {"name": ["upgrade_info"]}}}
        )
        assert reply["getCloudConfig"]["cloud_config"]["upgrade_info"]["version"] == ""


async def test_clock_skew() -> None:
    async with fast_camera(C210) as cam:
        async with connected(cam) as dev:
            ok = dev.modules[Module.Time].time
        cam.set_fault("clock_skew")
        async with connected(cam) as dev:
            skewed = dev.modules[Module.Time].time
    now = datetime.now(UTC)
    assert abs((ok - now).total_seconds()) < 60
    assert (now - skewed).days > 30


async def test_auth_changed_rejects_the_configured_password() -> None:
    async with fast_camera(C210, faults={"auth_changed"}) as cam:
        with pytest.raises(AuthenticationError):
            async with connected(cam):
                pass
        cam.set_fault("auth_changed", False)
        async with connected(cam) as dev:
            assert dev.model == "C210"


async def test_led_off() -> None:
    async with fast_camera(C210, faults={"led_off"}) as cam, connected(cam) as dev:
        assert dev.modules[Module.Led].led is False


async def test_privacy_mode() -> None:
    async with fast_camera("C210(EU)_2.0_1.4.2.json") as cam:
        async with connected(cam) as dev:
            assert dev.modules[Module.LensMask].enabled is False
            assert dev.is_on is True
        cam.set_fault("privacy_mode")
        async with connected(cam) as dev:
            assert dev.modules[Module.LensMask].enabled is True
            assert dev.is_on is False


async def test_sd_card_error() -> None:
    async with fast_camera(C210, faults={"sd_card_error"}) as cam, connected(cam) as dev:
        reply = await dev.protocol.query(
            {"getSdCardStatus": {"harddisk_manage": {"table": ["hd_info"]}}}
        )
        disk = reply["getSdCardStatus"]["harddisk_manage"]["hd_info"][0]["hd_info_1"]
        assert disk["status"] == "abnormal"


async def test_garbage_breaks_the_client_not_the_camera() -> None:
    async with fast_camera(C210) as cam:
        cam.set_fault("garbage")
        failures = 0
        for _ in range(6):
            try:
                async with connected(cam, timeout=2):
                    pass
            except Exception:
                failures += 1
        assert failures == 6
        cam.set_fault("garbage", False)
        async with connected(cam) as dev:
            assert dev.model == "C210"


async def test_wrong_types_reach_the_client_inside_the_encryption() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        cam.set_fault("garbage")
        cam._garbage_counter = 2  # the wrong-types variant
        reply = await dev.protocol.query(
            {"getConnectionType": {"network": {"get_connection_type": {}}}}
        )
        assert reply["getConnectionType"]["rssiValue"] == "-61?"
        assert reply["getConnectionType"]["ssid"] == ["I01BU0tFRF9TU0lEIw=="]


async def test_device_error_code_for_unknown_methods() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        with pytest.raises(DeviceError):
            await dev.protocol.query({"getNoSuchThing": {"x": {}}})
