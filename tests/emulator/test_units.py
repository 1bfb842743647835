"""The pure parts: state, faults, fixtures, XOR, login bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from kasa_doctor.emulator import (
    FAULTS,
    FixtureError,
    Timings,
    UnknownFaultError,
    check_faults,
    list_fixtures,
    load_fixture,
)
from kasa_doctor.emulator.legacy import LegacyState, xor_decrypt, xor_encrypt
from kasa_doctor.emulator.state import CameraState, bump_version
from kasa_doctor.emulator.tapo_protocol import (
    DEVICE_BLOCKED,
    INVALID_NONCE,
    Authenticator,
    sha256_upper,
)

NOW = 1_800_000_000.0


def test_xor_round_trip() -> None:
    text = '{"system":{"get_sysinfo":{}}}'
    assert xor_decrypt(xor_encrypt(text)) == text
    assert xor_encrypt("{")[0] == 171 ^ ord("{")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("1.4.3 Build 241010 Rel.33858n", "1.4.4 Build 241209 Rel.33858n"),
        ("1.3.2 Build 20240424 rel.75425", "1.3.3 Build 20240623 rel.75425"),
        ("weird", "weird.1"),
    ],
)
def test_bump_version(old: str, new: str) -> None:
    assert bump_version(old) == new


def test_check_faults() -> None:
    assert check_faults(["slow", "slow"]) == {"slow"}
    with pytest.raises(UnknownFaultError):
        check_faults(["slow", "nope"])
    assert set(FAULTS) >= {"garbage", "weak_signal"}


def test_timings_are_validated() -> None:
    with pytest.raises(ValueError):
        Timings(flaky_drop_ratio=2.0)
    with pytest.raises(ValueError):
        Timings(reboot_downtime=-1)


def test_fixtures_listing_and_errors() -> None:
    names = list_fixtures()
    assert "child/D230(EU)_1.20_1.1.19.json" in names
    assert list_fixtures(kind="iotcam") == ["iotcam/EC60(US)_4.0_2.3.22.json"]
    assert load_fixture("D230(EU)_1.20_1.1.19.json").kind == "child"
    with pytest.raises(FixtureError):
        load_fixture("missing.json")


def test_fixture_from_a_path(tmp_path: Path) -> None:
    src = load_fixture("C100_4.0_1.3.14.json").path
    dst = tmp_path / "mine.json"
    dst.write_bytes(src.read_bytes())
    assert load_fixture(dst).model == "C100"
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    with pytest.raises(FixtureError):
        load_fixture(bad)


def test_state_faults_are_overlays_that_switch_back() -> None:
    state = CameraState(load_fixture("C210(EU)_2.0_1.4.2.json"), started_at=NOW)
    assert state.rssi() == -62
    state.set_fault("weak_signal")
    assert (state.rssi(), state.signal_level()) == (-80, 1)
    state.set_fault("weak_signal", False)
    assert state.rssi() == -62
    state.set_fault("led_off")
    assert state.led == "off"
    state.set_fault("led_off", False)
    assert state.led == "on"
    state.set_fault("privacy_mode")
    assert state.privacy == "on"
    state.set_fault("privacy_mode", False)
    assert state.privacy == "off"


def test_clock_follows_ntp_unless_skewed_or_just_rebooted() -> None:
    timings = Timings(ntp_sync_delay=10, reboot_downtime=2)
    state = CameraState(load_fixture("C210(EU)_2.0_1.4.3.json"), timings=timings, started_at=NOW)
    assert state.device_time(NOW) == NOW
    state.reboot(NOW)
    assert state.is_down(NOW + 1) and not state.is_down(NOW + 2)
    assert state.uptime(NOW + 3) == 1
    assert state.device_time(NOW + 3) == state.build_epoch() + 1
    assert state.device_time(NOW + 13) == NOW + 13
    state.set_fault("clock_skew")
    assert state.device_time(NOW + 13) < NOW - 86400 * 300


def test_upgrade_state_machine() -> None:
    timings = Timings(upgrade_duration=10, reboot_downtime=5)
    state = CameraState(
        load_fixture("C210(EU)_2.0_1.4.3.json"),
        timings=timings,
        started_at=NOW,
        faults={"update_available"},
    )
    assert state.start_upgrade(NOW)
    assert state.upgrade_progress(NOW + 5) == 50
    state.tick(NOW + 10)
    assert state.firmware.startswith("1.4.4")
    assert state.is_down(NOW + 12) and not state.is_down(NOW + 15)
    assert state.update_offered() is None
    assert not state.start_upgrade(NOW + 20)


def test_reboot_loop_keeps_rebooting() -> None:
    timings = Timings(reboot_loop_uptime=5, reboot_downtime=1)
    state = CameraState(load_fixture("C100_4.0_1.3.14.json"), timings=timings, started_at=NOW)
    state.set_fault("reboot_loop")
    for step in range(60):
        state.tick(NOW + step * 0.5)
    assert state.reboots == 5


def test_legacy_state_overlays() -> None:
    state = LegacyState(load_fixture("EC60(US)_4.0_2.3.22.json"), started_at=NOW)
    state.faults |= {"weak_signal", "led_off", "privacy_mode"}
    info = state.sysinfo(NOW)
    assert (info["rssi"], info["led_status"], info["camera_switch"]) == (-80, "off", "off")
    assert '"err_code": -1' in state.answer('{"nope":{"x":{}}}', NOW)


def _step_one(auth: Authenticator, cnonce: str = "AB12") -> dict[str, object]:
    return auth.login({"cnonce": cnonce, "encrypt_type": "3", "username": "u"}, NOW)


def test_login_two_steps_and_lockout() -> None:
    auth = Authenticator("u", "secret", max_failed_logins=3, lockout_seconds=60)
    reply = _step_one(auth)
    assert reply["error_code"] == INVALID_NONCE
    data = reply["result"]["data"]  # type: ignore[index]
    nonce = data["nonce"]
    pwd_hash = sha256_upper("secret")
    assert data["device_confirm"] == sha256_upper("AB12" + pwd_hash + nonce) + nonce + "AB12"
    digest = sha256_upper(pwd_hash + "AB12" + nonce) + "AB12" + nonce
    ok = auth.login({"cnonce": "AB12", "digest_passwd": digest, "username": "u"}, NOW)
    assert ok["error_code"] == 0 and "stok" in ok["result"]  # type: ignore[operator]
    # Three abandoned challenges in a row, then the camera blocks.
    for _ in range(3):
        assert _step_one(auth)["error_code"] == INVALID_NONCE
    blocked = _step_one(auth)
    assert blocked["error_code"] == DEVICE_BLOCKED
    assert blocked["data"]["sec_left"] == 60  # type: ignore[index]
    assert auth.is_locked(NOW + 59) and not auth.is_locked(NOW + 60)
