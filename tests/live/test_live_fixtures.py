"""`kasa-doctor check --json --host` against every python-kasa camera fixture.

Acceptance: it never crashes and reports the fixture's RSSI, firmware and LED.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from kasa_doctor.cli.main import app
from kasa_doctor.emulator import EmulatedCamera
from tests.live.support import (
    EC60,
    PASSWORD,
    USERNAME,
    expected,
    fixture_names,
    login_env,
)


def _reading(report: dict[str, Any], probe: str) -> dict[str, Any]:
    found = [r for r in report["readings"] if r["probe"] == probe]
    assert len(found) == 1, f"{probe} appears {len(found)} times"
    reading: dict[str, Any] = found[0]
    return reading


@pytest.mark.parametrize("name", fixture_names())
def test_check_json_reports_fixture_values(
    name: str, fixture_farm: dict[str, EmulatedCamera], monkeypatch: pytest.MonkeyPatch
) -> None:
    cam = fixture_farm[name]
    login_env(monkeypatch, USERNAME, PASSWORD)
    result = CliRunner().invoke(
        app, ["check", "--json", "--no-keyring", "--host", f"127.0.0.1:{cam.port}"]
    )
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert isinstance(reports, list) and len(reports) == 1
    report = reports[0]
    want = expected(name)

    signal = _reading(report, "camera_signal")
    assert signal["raw"]["rssi_dbm"] == want.rssi
    assert report["identity"]["firmware"] == want.firmware
    assert _reading(report, "camera_firmware")["raw"]["version"] == want.firmware
    led = _reading(report, "camera_led_setting")
    assert led["raw"]["led"] == want.led
    assert led["value"] == ("off" if want.led == "off" else "on")

    assert _reading(report, "camera_reachable")["value"] == "yes"
    if name == EC60:
        assert report["live_support"] == "sysinfo"
        assert report["identity"]["family"] == "kasa"
        assert any("cannot be read" in n for n in report["notes"])
        assert _reading(report, "camera_cloud")["verdict"] == "unknown"
    else:
        assert report["live_support"] == "full"
        assert _reading(report, "camera_auth")["value"] == "ok"
        # Every reading a Tapo camera can give was read, not left unavailable.
        for reading in report["readings"]:
            assert not reading["raw"].get("unavailable"), reading
    for reading in report["readings"]:
        assert reading["verdict"] in {"ok", "warning", "problem", "unknown"}
        assert reading["detail"]
        assert reading["feeds_engine"] == (
            reading["probe"]
            not in {
                "camera_firmware",
                "camera_clock_offset",
                "camera_sd_card",
                "camera_privacy_mode",
            }
        )
    assert report["identity"]["mac"] in (None, "<redacted>")


def test_fixture_values_that_explain_a_verdict(fixture_farm: dict[str, EmulatedCamera]) -> None:
    """Fixtures with a failed last update or no usable RSSI are reported as such."""
    import asyncio

    from kasa_doctor.probes.camera import CameraTarget, probe_camera
    from kasa_doctor.probes.credentials import CameraCredentials

    creds = CameraCredentials(USERNAME, PASSWORD)

    async def run(name: str) -> Any:
        cam = fixture_farm[name]
        return await probe_camera(CameraTarget("127.0.0.1", cam.port), creds, timeout=3)

    tc65 = asyncio.run(run("TC65_1.0_1.3.9.json"))
    assert tc65.value("camera_last_update_failed") == "yes"  # the dump says so
    tc40 = asyncio.run(run("TC40(EU)_2.0_1.0.4.json"))
    signal = tc40.get("camera_signal")
    assert signal is not None and signal.value is None and signal.raw["rssi_dbm"] == 0
    hub = asyncio.run(run("H200(EU)_1.0_1.3.6.json"))
    hub_signal = hub.get("camera_signal")
    assert hub_signal is not None and hub_signal.raw["link_type"] == "ethernet"
    assert any("hub" in n for n in hub.notes)
