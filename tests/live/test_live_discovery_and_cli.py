"""Discovery aimed at one loopback address, and the `check` command's edges.

Discovery is only ever sent to a loopback address of our own (127.77.x.y): the
Tapo answer comes from the emulator's responder on that address's UDP 20002, the
Kasa answer from the emulated EC60's own port.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from kasa_doctor.cli.main import app
from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera, run_in_thread
from kasa_doctor.probes.camera import CameraTarget, probe_camera
from kasa_doctor.probes.discovery import check_discovery_target, discover_cameras
from tests.live.support import EC60, creds_for, login_env, loopback_address

C200 = "C200_1.0_1.3.17.json"


def _tapo_with_discovery(address: str) -> EmulatedCamera:
    return EmulatedCamera(C200, host=address, discovery=True, timings=FAST_TIMINGS)


async def test_discovers_a_tapo_camera_and_checks_it() -> None:
    address = loopback_address(1)
    try:
        cam = _tapo_with_discovery(address)
        await cam.start()
    except OSError as exc:
        pytest.skip(f"cannot listen on {address}:20002 here: {exc}")
    try:
        found = await discover_cameras(address, timeout=1.0)
        assert len(found) == 1
        camera = found[0]
        assert (camera.host, camera.port, camera.family) == (address, cam.port, "tapo")
        assert camera.model == "C200" and camera.kind == "camera"
        report = await probe_camera(camera.target(), creds_for(cam), timeout=2)
        assert report.value("camera_auth") == "ok"
        assert report.identity.model == "C200"
    finally:
        await cam.stop()


async def test_discovers_a_kasa_camera() -> None:
    address = loopback_address(2)
    async with EmulatedCamera(EC60, host=address, timings=FAST_TIMINGS) as cam:
        found = await discover_cameras(address, timeout=1.0, legacy_port=cam.port)
        assert [(f.host, f.port, f.family, f.model) for f in found] == [
            (address, cam.port, "kasa", "EC60(US)")
        ]
        report = await probe_camera(found[0].target(), None, timeout=1)
    assert report.live_support == "sysinfo"


async def test_nothing_answers() -> None:
    assert await discover_cameras(loopback_address(3), timeout=0.5) == []


def test_discovery_target_must_be_one_ipv4_address() -> None:
    assert check_discovery_target(" 192.168.1.255 ") == "192.168.1.255"
    for bad in ("", "camera.local", "192.168.1.0/24", "::1", "300.1.1.1"):
        with pytest.raises(ValueError):
            check_discovery_target(bad)


# --- the command ---------------------------------------------------------------------


@pytest.fixture
def threaded_tapo() -> Iterator[EmulatedCamera]:
    address = loopback_address(4)
    try:
        handle = run_in_thread(C200, host=address, discovery=True, timings=FAST_TIMINGS)
    except OSError as exc:
        pytest.skip(f"cannot listen on {address}:20002 here: {exc}")
    try:
        yield handle.target
    finally:
        handle.stop()


def test_check_target_lists_and_checks_found_cameras(
    threaded_tapo: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_env(monkeypatch, threaded_tapo.username, threaded_tapo.password)
    monkeypatch.setenv("COLUMNS", "200")  # keep Rich from wrapping the titles
    runner = CliRunner()
    result = runner.invoke(
        app, ["check", "--no-keyring", "--json", "--timeout", "1", "--target", threaded_tapo.host]
    )
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [r["identity"]["model"] for r in reports] == ["C200"]
    assert reports[0]["target"]["family"] == "tapo"

    table = runner.invoke(
        app, ["check", "--no-keyring", "--timeout", "1", "--target", threaded_tapo.host]
    )
    assert table.exit_code == 0, table.output
    assert "Found 1 camera(s)" in table.output
    assert "C200 (camera) at" in table.output
    assert "Wi-Fi signal at the camera" in table.output


def test_check_target_without_cameras_exits_1() -> None:
    result = CliRunner().invoke(
        app, ["check", "--no-keyring", "--timeout", "0.5", "--target", loopback_address(5)]
    )
    assert result.exit_code == 1
    assert "no camera answered discovery" in result.output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_host_exits_1_with_a_report() -> None:
    result = CliRunner().invoke(
        app, ["check", "--no-keyring", "--json", "--host", f"127.0.0.1:{_closed_port()}"]
    )
    assert result.exit_code == 1
    (report,) = json.loads(result.stdout)
    assert [(r["probe"], r["value"]) for r in report["readings"]] == [("camera_reachable", "no")]
    assert report["verdict"] == "problem"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "127.0.0.1:70000"], "port 70000 is out of range"),
        (["--host", "127.0.0.1:0"], "out of range"),
        (["--host", "127.0.0.1:http"], "not a number"),
        (["--host", "300.1.2.3"], "not a valid IPv4 address"),
        (["--host", "bad host"], "not a valid host name"),
        (["--host", "[::1"], "missing ']'"),
        (["--target", "my-network"], "not an IPv4 address"),
        (["--host", "127.0.0.1", "--target", "127.0.0.255"], "either --host or --target"),
        (["--host", "127.0.0.1", "--timeout", "0"], "--timeout"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["check", "--no-keyring", *args])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("kasa-doctor check: ") and message in lines[0]


def test_no_address_explains_that_discovery_needs_a_target() -> None:
    result = CliRunner().invoke(app, ["check", "--no-keyring"])
    assert result.exit_code == 2
    assert "--target" in result.output and "never scans" in result.output


def test_parse_host_forms() -> None:
    assert CameraTarget.parse("192.168.1.20") == CameraTarget("192.168.1.20")
    assert CameraTarget.parse("cam.lan:8443") == CameraTarget("cam.lan", 8443)
    assert CameraTarget.parse("[::1]:443") == CameraTarget("::1", 443)
    assert str(CameraTarget.parse("[::1]:443")) == "[::1]:443"
    assert CameraTarget.parse("::1") == CameraTarget("::1")
