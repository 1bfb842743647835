"""`kasa-doctor demo` shows an automated repair and its check end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_updates_the_firmware_and_checks_the_camera(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("steps: {}\n", encoding="utf-8")  # every manual step: not fixed
    env = {**os.environ, "KASA_DOCTOR_HOME": str(tmp_path)}
    env.pop("KASA_DOCTOR_WIFI_PASSWORD", None)
    command = ["demo", "--fault", "update_available", "--fast", "--answers", str(answers)]
    result = subprocess.run(
        [sys.executable, "-m", "kasa_doctor", *command, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["status"] == "fixed" and document["fixed_by"] == "update_firmware"
    assert document["diagnosis"]["cause"] == "firmware_outdated"
    step = next(h for h in document["history"] if h["id"] == "update_firmware")
    fix, check = step["automated"], step["verification"]
    assert fix["outcome"] == "done"
    assert fix["raw"]["from_version"] != fix["raw"]["to_version"] == fix["raw"]["offered"]
    assert check["verdict"] == "fixed" and check["cleared"] == ["camera_update_available=yes"]
    assert any(fact.startswith(f"firmware {fix['raw']['to_version']}") for fact in check["facts"])
