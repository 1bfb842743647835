"""`kasa-doctor demo`: an emulated camera with a fault, then the wizard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KASA_DOCTOR_HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "kasa_doctor", "demo", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_demo_shows_what_the_faulty_camera_reports_and_diagnoses_it(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "led: 'off'\nanswers:\n  live_view_works: 'yes'\n  led_setting_off: 'yes'\n"
        "steps:\n  enable_led: fixed\n"
    )
    result = demo(tmp_path, "--fault", "led_off", "--answers", str(answers), "--json")
    assert result.returncode == 0, result.stderr
    assert "fault 'led_off'" in result.stderr and "light off" in result.stderr
    # the live checks read the emulated camera before any question
    assert "status light switched off" in result.stderr
    document = json.loads(result.stdout)
    assert document["status"] == "fixed"
    assert document["diagnosis"]["cause"] == "led_disabled"


def test_demo_refuses_an_unknown_fault(tmp_path: Path) -> None:
    result = demo(tmp_path, "--fault", "gremlins")
    assert result.returncode == 2
    assert "unknown fault 'gremlins'" in result.stderr and "weak_signal" in result.stderr
    assert "Traceback" not in result.stderr
