"""The login never appears in output, logs, error messages or saved reports."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from kasa_doctor.cli.check import report_dict
from kasa_doctor.cli.main import app
from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera, Timings, run_in_thread
from kasa_doctor.probes.camera import CameraTarget, probe_camera
from kasa_doctor.probes.credentials import CameraCredentials
from tests.live.support import login_env

CANARY_USER = "leak.canary.7781@example.invalid"
CANARY_PASSWORD = "Zq9-leak-canary-7781"
CANARY = CameraCredentials(CANARY_USER, CANARY_PASSWORD)


def _assert_clean(text: str, where: str) -> None:
    for secret in CANARY.secrets():
        assert secret not in text, f"a form of the login leaked into {where}"
        assert secret.lower() not in text.lower(), f"a form of the login leaked into {where}"


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter()
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(formatter.formatException(record.exc_info))
    return "\n".join(parts)


@pytest.fixture
def canary_camera() -> Iterator[EmulatedCamera]:
    handle = run_in_thread(
        "C210(EU)_2.0_1.4.3.json",
        username=CANARY_USER,
        password=CANARY_PASSWORD,
        timings=FAST_TIMINGS,
    )
    try:
        yield handle.target
    finally:
        handle.stop()


@pytest.fixture
def locked_camera() -> Iterator[EmulatedCamera]:
    handle = run_in_thread(
        "C460(CA)_1.0_1.2.0.json",
        username=CANARY_USER,
        password="the-real-password",
        timings=Timings(max_failed_logins=1),
    )
    try:
        yield handle.target
    finally:
        handle.stop()


def _run_cli(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    stderr = result.stderr if result.stderr_bytes is not None else ""
    return result.output + stderr


def test_cli_never_prints_the_login(
    canary_camera: EmulatedCamera,
    locked_camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    login_env(monkeypatch, CANARY_USER, CANARY_PASSWORD)
    outputs = []
    for cam in (canary_camera, locked_camera):
        host = f"127.0.0.1:{cam.port}"
        # Accepted login, then (second camera) refused login, then a lockout.
        for extra in ([], ["--json"], ["--json", "--show-private", "--verbose"], ["-v"]):
            outputs.append(_run_cli(["check", "--no-keyring", "--host", host, *extra]))
    assert any('"failed"' in out for out in outputs)
    assert any("locked out" in out for out in outputs)
    assert any('"ok"' in out for out in outputs)
    assert any("DEBUG kasa" in out for out in outputs)  # the verbose runs logged
    for i, out in enumerate(outputs):
        _assert_clean(out, f"CLI output {i}")
    _assert_clean(_log_text(caplog), "log records")
    assert caplog.records, "expected python-kasa's debug log to be captured"


def test_reports_never_contain_the_login(
    canary_camera: EmulatedCamera, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def run() -> list[str]:
        texts = []
        target = CameraTarget("127.0.0.1", canary_camera.port)
        for creds in (CANARY, CameraCredentials(CANARY_USER, CANARY_PASSWORD + "-wrong")):
            report = await probe_camera(target, creds, timeout=2)
            texts.append(json.dumps(report.to_dict()))
            texts.append(json.dumps(report_dict(report, show_private=True)))
            texts.append(repr(report))
        return texts

    texts = asyncio.run(run())
    assert '"camera_auth", "value": "ok"' in texts[0]
    for i, text in enumerate(texts):
        _assert_clean(text, f"report {i}")
    _assert_clean(_log_text(caplog), "log records")
