"""Logins and lockout, and the setters a repair step needs: reboot, LED, Wi-Fi, firmware."""

from __future__ import annotations

import asyncio
import base64

import pytest
from emu_support import connected, fast_camera
from kasa import AuthenticationError, KasaException, Module
from kasa.exceptions import DeviceError, SmartErrorCode

from kasa_doctor.emulator import FAST_TIMINGS, Timings
from kasa_doctor.emulator.state import bump_version

C210 = "C210(EU)_2.0_1.4.3.json"


async def test_wrong_password_raises_authentication_error() -> None:
    async with fast_camera(C210) as cam:
        with pytest.raises(AuthenticationError):
            async with connected(cam, password="wrong"):
                pass
        assert cam.state.failed_logins <= 1


async def test_admin_fallback_user_is_accepted() -> None:
    cam = fast_camera(C210, username="someone@example.com")
    async with cam, connected(cam, username="admin") as dev:
        assert dev.model == "C210"


async def test_lockout_after_five_wrong_logins_in_a_row() -> None:
    async with fast_camera(C210) as cam:
        for _ in range(5):
            with pytest.raises(AuthenticationError):
                async with connected(cam, password="wrong"):
                    pass
        with pytest.raises(DeviceError) as blocked:
            async with connected(cam, password="wrong"):
                pass
        assert blocked.value.error_code is SmartErrorCode.DEVICE_BLOCKED
        assert "blocked for" in str(blocked.value)
        # Locked out means locked out: the right password does not help either.
        with pytest.raises(DeviceError):
            async with connected(cam):
                pass
        assert cam.state.locked
        cam.reset_lockout()
        async with connected(cam) as dev:
            assert dev.model == "C210"


async def test_lockout_ends_after_its_time() -> None:
    timings = Timings(lockout_seconds=1, max_failed_logins=2)
    async with fast_camera(C210, timings=timings) as cam:
        for _ in range(2):
            with pytest.raises(AuthenticationError):
                async with connected(cam, password="wrong"):
                    pass
        with pytest.raises(DeviceError):
            async with connected(cam):
                pass
        await asyncio.sleep(1.1)
        async with connected(cam) as dev:
            assert dev.model == "C210"


async def test_a_good_login_resets_the_count() -> None:
    async with fast_camera(C210) as cam:
        for _ in range(3):
            for _ in range(3):
                with pytest.raises(AuthenticationError):
                    async with connected(cam, password="wrong"):
                        pass
            async with connected(cam):
                pass
        assert not cam.state.locked


async def test_reboot_goes_away_and_comes_back_fresh() -> None:
    # Longer than python-kasa's own retries (3 x 0.25 s), so the client sees it gone.
    async with fast_camera(C210, timings=Timings(reboot_downtime=1.5)) as cam:
        async with connected(cam) as dev:
            await dev.protocol.query({"rebootDevice": {"system": {"reboot": "null"}}})
        await asyncio.sleep(0.1)
        assert cam.state.down
        with pytest.raises(KasaException):
            async with connected(cam):
                pass
        await cam.wait_until_up(5)
        assert cam.state.reboots == 1
        assert cam.state.uptime < 1.0
        async with connected(cam) as dev:
            assert dev.model == "C210"


async def test_sessions_do_not_survive_a_reboot() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        cam.reboot()
        await cam.wait_until_up(5)
        # The old session is gone; python-kasa logs in again by itself.
        await dev.update()
        assert dev.model == "C210"


async def test_led_setter_and_it_clears_led_off() -> None:
    async with fast_camera(C210, faults={"led_off"}) as cam, connected(cam) as dev:
        led = dev.modules[Module.Led]
        assert led.led is False
        await led.set_led(True)
        await dev.update()
        assert led.led is True
        assert "led_off" not in cam.faults
        await led.set_led(False)
        await dev.update()
        assert led.led is False
        assert cam.state.led == "off"


async def test_privacy_off_clears_privacy_mode() -> None:
    async with fast_camera("C210(EU)_2.0_1.4.2.json", faults={"privacy_mode"}) as cam:
        async with connected(cam) as dev:
            assert dev.is_on is False
            await dev.set_state(True)
            await dev.update()
            assert dev.is_on is True
        assert "privacy_mode" not in cam.faults


async def test_wifi_scan_and_join() -> None:
    async with fast_camera(C210) as cam:
        async with connected(cam) as dev:
            networks = await dev.wifi_scan()
            names = [base64.b64decode(n.ssid).decode() for n in networks]
            assert "KasaDoctorGuest" in names
            guest = networks[names.index("KasaDoctorGuest")]
            await dev.wifi_join(guest.ssid, "guest-pass")
        await asyncio.sleep(0.1)
        assert cam.state.down
        await cam.wait_until_up(5)
        assert cam.state.ssid == "KasaDoctorGuest"
        async with connected(cam) as dev:
            assert dev.rssi == -67
            reply = await dev.protocol.query(
                {"getConnectionType": {"network": {"get_connection_type": {}}}}
            )
            assert (
                base64.b64decode(reply["getConnectionType"]["ssid"]).decode() == "KasaDoctorGuest"
            )


async def test_wifi_join_with_a_wrong_password_returns_to_the_old_network() -> None:
    async with fast_camera(C210) as cam:
        before = cam.state.ssid
        async with connected(cam) as dev:
            networks = await dev.wifi_scan()
            await dev.wifi_join(networks[0].ssid, "wrong-password")
        await asyncio.sleep(0.1)
        await cam.wait_until_up(5)
        assert cam.state.ssid == before


async def test_firmware_upgrade_runs_then_reports_the_new_version() -> None:
    async with fast_camera(C210, faults={"update_available", "update_failed"}) as cam:
        old = cam.state.firmware
        async with connected(cam) as dev:
            await dev.protocol.query(
                {"startFirmwareUpgrade": {"cloud_config": {"fw_download": "null"}}}
            )
            reply = await dev.protocol.query(
                {"getFirmwareUpdateStatus": {"cloud_config": {"name": "upgrade_status"}}}
            )
            status = reply["getFirmwareUpdateStatus"]["cloud_config"]["upgrade_status"]
            assert status["state"] in ("downloading", "upgrading")
            assert 0 <= status["progress"] < 100
        assert cam.state.upgrading
        await asyncio.sleep(FAST_TIMINGS.upgrade_duration + 0.1)
        assert cam.state.down  # installing means a reboot
        await cam.wait_until_up(5)
        async with connected(cam) as dev:
            assert dev.hw_info["sw_ver"] == bump_version(old)
            reply = await dev.protocol.query(
                {"getFirmwareUpdateStatus": {"cloud_config": {"name": "upgrade_status"}}}
            )
            status = reply["getFirmwareUpdateStatus"]["cloud_config"]["upgrade_status"]
            assert status == {"lastUpgradingSuccess": True, "state": "normal"}
        assert not cam.faults & {"update_available", "update_failed"}


async def test_upgrade_without_an_offer_is_refused() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        with pytest.raises(DeviceError) as err:
            await dev.protocol.query(
                {"startFirmwareUpgrade": {"cloud_config": {"fw_download": "null"}}}
            )
        assert err.value.error_code is SmartErrorCode.FIRMWARE_VER_ERROR_ERROR


async def test_do_style_requests() -> None:
    async with fast_camera(C210, faults={"update_available"}) as cam, connected(cam) as dev:
        led = await dev.protocol.query({"get": {"led": {"name": ["config"]}}})
        assert led == {"get": {"error_code": 0, "led": {"config": {"enabled": "on"}}}} or led
        await dev.protocol.query({"do": {"cloud_config": {"fw_download": "null"}}})
        assert cam.state.upgrading


async def test_alias_setter() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        await dev.set_alias("Porch")
        await dev.update()
        assert dev.alias == "Porch"


async def test_python_kasa_plug_style_reboot_is_rejected_as_on_a_camera() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        with pytest.raises(DeviceError) as err:
            await dev.reboot()
        assert err.value.error_code is SmartErrorCode.UNSUPPORTED_METHOD
        assert cam.state.reboots == 0
