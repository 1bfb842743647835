"""One login attempt, lockouts, and cameras that stop answering half-way."""

from __future__ import annotations

import time

from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera, Timings
from kasa_doctor.probes.camera import (
    DETAIL_PROBES,
    NO_CREDENTIALS_NOTE,
    READ_PROBES,
    CameraReport,
    CameraTarget,
    Progress,
    probe_camera,
)
from tests.live.support import creds_for

C210 = "C210(EU)_2.0_1.4.3.json"


async def _probe(
    cam: EmulatedCamera,
    password: str | None = None,
    *,
    timeout: float = 2.0,
    progress: Progress | None = None,
) -> CameraReport:
    return await probe_camera(
        CameraTarget("127.0.0.1", cam.port),
        creds_for(cam, password),
        timeout=timeout,
        progress=progress,
    )


async def test_wrong_password_is_one_attempt() -> None:
    async with EmulatedCamera(C210, timings=FAST_TIMINGS) as cam:
        before = cam.requests_served
        report = await _probe(cam, "not-the-password")
        assert cam.requests_served - before == 1  # one login request, no retry
    assert [(o.probe, o.value) for o in report.observations] == [
        ("camera_reachable", "yes"),
        ("camera_auth", "failed"),
    ]
    auth = report.get("camera_auth")
    assert auth is not None and "refused" in auth.detail


async def test_lockout_is_reported_with_its_wait_and_not_retried() -> None:
    timings = Timings(max_failed_logins=1, lockout_seconds=1800)
    async with EmulatedCamera(C210, timings=timings) as cam:
        await _probe(cam, "wrong")  # the camera counts this once the next login starts
        before = cam.requests_served
        locked = await _probe(cam, "wrong")
        # python-kasa asks once with the account name and once with its "admin"
        # fallback name inside one handshake; nothing is tried after that.
        assert cam.requests_served - before <= 2
        assert cam.state.locked
        before = cam.requests_served
        right = await _probe(cam)  # even the right password is refused while locked
        assert cam.requests_served - before <= 2
    for report in (locked, right):
        auth = report.get("camera_auth")
        assert auth is not None and auth.value == "failed"
        assert auth.raw["error_code"] == -40404
        assert auth.raw["locked_out"] is True
        assert isinstance(auth.raw["sec_left"], int) and 1700 < auth.raw["sec_left"] <= 1800
        assert "locked out for 30 min" in auth.detail
        assert [o.probe for o in report.observations] == ["camera_reachable", "camera_auth"]


async def test_no_credentials_means_no_login_attempt() -> None:
    async with EmulatedCamera(C210, timings=FAST_TIMINGS) as cam:
        report = await probe_camera(CameraTarget("127.0.0.1", cam.port), None, timeout=2)
        assert cam.requests_served == 0
    assert report.value("camera_reachable") == "yes"
    auth = report.get("camera_auth")
    assert auth is not None and auth.value is None
    assert NO_CREDENTIALS_NOTE in report.notes


async def test_camera_going_offline_mid_probe_gives_unavailable() -> None:
    async with EmulatedCamera(C210, timings=FAST_TIMINGS) as cam:

        def progress(stage: str) -> None:
            if stage == "details":
                cam.set_fault("offline")

        started = time.perf_counter()
        report = await _probe(cam, progress=progress, timeout=2.0)
        elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert report.value("camera_auth") == "ok"
    for probe in READ_PROBES:
        obs = report.get(probe)
        assert obs is not None and not obs.raw.get("unavailable"), obs
    for probe in DETAIL_PROBES:
        obs = report.get(probe)
        assert obs is not None and obs.value is None
        assert obs.raw == {"unavailable": True, "reason": "connection_lost"}
        assert obs.detail.startswith("unavailable:")


async def test_camera_hanging_mid_probe_costs_one_timeout() -> None:
    timings = Timings(slow_delay=30.0)
    async with EmulatedCamera(C210, timings=timings) as cam:

        def progress(stage: str) -> None:
            if stage == "read":
                cam.set_fault("slow")  # every reply from now on takes 30 s

        started = time.perf_counter()
        report = await _probe(cam, progress=progress, timeout=0.5)
        elapsed = time.perf_counter() - started
    # One timeout for the stalled read; the details are not even tried.
    assert elapsed < 1.5
    assert report.value("camera_auth") == "ok"
    for probe in (*READ_PROBES, *DETAIL_PROBES):
        obs = report.get(probe)
        assert obs is not None and obs.value is None
        assert obs.raw == {"unavailable": True, "reason": "timeout"}, probe
        assert "no reply within 0.5 s" in obs.detail


async def test_camera_hanging_at_login_is_bounded() -> None:
    async with EmulatedCamera(C210, faults={"slow"}, timings=Timings(slow_delay=30.0)) as cam:
        started = time.perf_counter()
        report = await _probe(cam, timeout=0.4)
        elapsed = time.perf_counter() - started
    assert elapsed < 1.2
    assert [(o.probe, o.value) for o in report.observations] == [
        ("camera_reachable", "yes"),
        ("camera_auth", None),
    ]


async def test_nothing_listening_is_unreachable_fast() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.perf_counter()
    report = await probe_camera(CameraTarget("127.0.0.1", port), None, timeout=2.0)
    assert time.perf_counter() - started < 1.0  # refused on both TCP and UDP
    assert [(o.probe, o.value) for o in report.observations] == [("camera_reachable", "no")]
    reach = report.get("camera_reachable")
    assert reach is not None and reach.raw["tls"] == "refused"
