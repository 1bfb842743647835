"""Login back-off and restart detection, without a network."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from kasa_doctor.monitor import backoff
from kasa_doctor.monitor.config import LoginBackoff
from kasa_doctor.monitor.poller import LastSeen, detect_reboot, last_seen_after, sample_from_report
from kasa_doctor.monitor.store import LoginState, SampleRow
from kasa_doctor.probes.camera import CameraReport, CameraTarget
from kasa_doctor.probes.credentials import CameraCredentials
from kasa_doctor.probes.observation import Observation
from tests.monitor.support import sample

POLICY = LoginBackoff(initial=60, factor=2, max=300, max_attempts=3)


def test_backoff_one_attempt_per_growing_window_then_stop() -> None:
    state = LoginState()
    fp = "fp-1"
    assert backoff.decide(state, fp, 0, POLICY).attempt
    state = backoff.record(state, fp, "failed", 0, POLICY)
    assert (state.failures, state.next_login_at) == (1, 60)
    assert "tries at most 2 more times, the next in about 60 s" in backoff.describe(
        state, POLICY, 0
    )
    assert not backoff.decide(state, fp, 59.9, POLICY).attempt
    assert backoff.decide(state, fp, 60, POLICY).attempt
    state = backoff.record(state, fp, "failed", 60, POLICY)
    assert state.next_login_at == 60 + 120
    state = backoff.record(state, fp, "failed", 180, POLICY)
    assert state.failures == 3
    stopped = backoff.decide(state, fp, 10**9, POLICY)
    assert not stopped.attempt and stopped.reason == "stopped"
    assert "stopped trying after 3 failed logins" in backoff.describe(state, POLICY, 200)
    # A changed login is tried at once, and a success clears everything.
    assert backoff.decide(state, "fp-2", 200, POLICY).attempt
    assert backoff.record(state, "fp-2", "ok", 200, POLICY) == LoginState(0, None, "fp-2")


def test_backoff_caps_the_window_and_honours_a_lockout() -> None:
    policy = LoginBackoff(initial=60, factor=10, max=300, max_attempts=4)
    state = backoff.record(LoginState(1, 0, "fp"), "fp", "failed", 0, policy)
    assert state.next_login_at == 300  # 600 capped at 300
    locked = backoff.record(LoginState(), "fp", "locked", 0, policy, locked_for=1700)
    assert locked.next_login_at == 1700


def test_backoff_unknown_outcome_keeps_waiting_once_failures_are_on_record() -> None:
    assert backoff.record(LoginState(), "fp", "unknown", 5, POLICY) == LoginState(0, None, "fp")
    after = backoff.record(LoginState(1, 60, "fp"), "fp", "unknown", 70, POLICY)
    assert after == LoginState(1, 130, "fp")


def test_fingerprint_is_keyed_and_the_key_file_private(tmp_path: Path) -> None:
    key = backoff.load_key(tmp_path / "sub" / "monitor.key")
    assert backoff.load_key(tmp_path / "sub" / "monitor.key") == key
    assert stat.S_IMODE((tmp_path / "sub" / "monitor.key").stat().st_mode) == 0o600
    creds = CameraCredentials("a@example.com", "pw-123456", "environment")
    fp = backoff.fingerprint(creds, key)
    assert fp == backoff.fingerprint(creds, key)
    assert fp != backoff.fingerprint(creds, b"x" * 32)
    assert fp != backoff.fingerprint(CameraCredentials("a@example.com", "pw-1234567"), key)
    assert not any(secret in fp for secret in creds.secrets())


# --- samples and restarts --------------------------------------------------------------


def _report(*observations: Observation, firmware: str | None = "1.0") -> CameraReport:
    report = CameraReport(target=CameraTarget("127.0.0.1", 1))
    report.observations.extend(observations)
    report.identity.family = "tapo"
    report.identity.firmware = firmware
    report.elapsed_s = 0.05
    return report


def test_sample_from_report_reads_every_field() -> None:
    report = _report(
        Observation("camera_reachable", "yes", {"tls": "tls", "tls_s": 0.004}),
        Observation("camera_auth", "ok"),
        Observation("camera_signal", "poor", {"rssi_dbm": -81, "signal_level": 1}),
        Observation("camera_overheated", "yes"),
        Observation("camera_update_available", "no"),
        Observation("camera_last_update_failed", "yes"),
        Observation.unknown("camera_clock_offset", "x", {"offset_s": -12.5, "host_time": 99.0}),
        Observation("camera_uptime", "short", {"uptime_s_estimate": 40.0}),
    )
    poll = sample_from_report("cam", report, 100.0, credentials_given=True)
    s = poll.sample
    assert (s.reachable, s.auth, s.rssi, s.signal) == (True, "ok", -81, "poor")
    assert (s.overheated, s.update_available, s.update_failed) == (True, False, True)
    assert s.clock_offset_s == -12.5
    assert s.uptime_s == 41.0  # measured from the clock read, one second before the end
    assert s.response_ms == 4.0 and s.probe_ms == 50.0
    assert poll.attempted_login and poll.outcome == "ok"


def test_sample_from_report_login_refused_and_locked() -> None:
    refused = _report(
        Observation("camera_reachable", "yes", {"tls_s": 0.01}),
        Observation("camera_auth", "failed", {"error_code": -40413}),
    )
    poll = sample_from_report("cam", refused, 1.0, credentials_given=True)
    assert (poll.sample.auth, poll.outcome) == ("failed", "failed")
    locked = _report(
        Observation("camera_reachable", "yes", {"tls_s": 0.01}),
        Observation("camera_auth", "failed", {"locked_out": True, "sec_left": 1700}),
    )
    poll = sample_from_report("cam", locked, 1.0, credentials_given=True)
    assert (poll.sample.auth, poll.outcome, poll.locked_for) == ("locked", "locked", 1700)
    none = _report(Observation("camera_reachable", "yes", {"tls_s": 0.01}))
    assert sample_from_report("cam", none, 1.0, credentials_given=False).sample.auth == "none"
    gone = _report(Observation("camera_reachable", "no", {}, "does not answer"))
    s = sample_from_report("cam", gone, 1.0, credentials_given=True).sample
    assert (s.reachable, s.auth, s.error) == (False, None, "does not answer")


def _row(ts: float, **kw: Any) -> SampleRow:
    values: dict[str, Any] = {"probe_ms": 1.0, "auth": "ok", "clock_offset_s": 0.0}
    values.update(kw)
    return SampleRow(camera="c", ts=ts, reachable=values.pop("reachable", True), **values)


def test_restart_seen_from_the_clock() -> None:
    seen = LastSeen(ts=100.0, boot_at=50.0, firmware="1.0")
    # Same boot, read a second later with the clock's whole-second truncation: no restart.
    assert detect_reboot(_row(101.0, uptime_s=50.2), seen, [], outage_rounds=1) is None
    # Booted 10 s ago while the last sighting was 100 s in: a restart.
    assert detect_reboot(_row(110.0, uptime_s=10.0), seen, [], outage_rounds=1) == "clock"
    # Last seen with a set clock (no boot estimate): a boot after that moment.
    synced = LastSeen(ts=100.0, boot_at=None, firmware="1.0")
    assert detect_reboot(_row(105.0, uptime_s=2.0), synced, [], outage_rounds=1) == "clock"
    assert detect_reboot(_row(105.0, uptime_s=4.5), synced, [], outage_rounds=1) is None
    # New firmware: an update's restart, which is expected.
    new_fw = _row(110.0, uptime_s=10.0, firmware="1.1")
    assert detect_reboot(new_fw, seen, [], outage_rounds=1) == "update"
    # First sighting: nothing to compare with.
    assert detect_reboot(_row(110.0, uptime_s=1.0), None, [], outage_rounds=1) is None


def test_restart_seen_from_a_short_outage() -> None:
    seen = LastSeen(ts=100.0, boot_at=None, firmware="1.0")
    history = [sample(100), sample(400, reachable=False)]
    back = _row(700.0)
    assert detect_reboot(back, seen, history, outage_rounds=1) == "outage"
    longer = [sample(100), sample(400, reachable=False), sample(500, reachable=False)]
    assert detect_reboot(back, seen, longer, outage_rounds=1) is None
    assert detect_reboot(back, seen, history, outage_rounds=0) is None
    cut_short = _row(700.0, auth=None)  # reachable but the read broke off: cannot tell
    assert detect_reboot(cut_short, seen, history, outage_rounds=1) is None


def test_last_seen_only_moves_when_the_clock_was_read() -> None:
    seen = LastSeen(ts=100.0, boot_at=50.0, firmware="1.0")
    assert last_seen_after(_row(110.0, clock_offset_s=None, auth=None), seen) == seen
    assert last_seen_after(_row(110.0, reachable=False), seen) == seen
    moved = last_seen_after(_row(110.0, uptime_s=60.0), seen)
    assert moved == LastSeen(110.0, 50.0, "1.0")
