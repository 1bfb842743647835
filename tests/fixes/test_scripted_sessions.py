"""`diagnose --host … --answers FILE` on an emulated camera with a fault: the run ends
"fixed" only when the camera really is healthy again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kasa_doctor.cli.diagnose import Options, run
from kasa_doctor.cli.live_options import LiveOptions
from kasa_doctor.emulator import DEFAULT_PASSWORD, DEFAULT_USERNAME, ThreadedCamera
from kasa_doctor.fixes.model import FAST_FIX_TIMINGS
from kasa_doctor.knowledge.loader import default_knowledge
from tests.fixes.conftest import C210

Start = Callable[..., ThreadedCamera]


def diagnose(
    cam: ThreadedCamera,
    answers: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    monkeypatch.setenv("KASA_USERNAME", DEFAULT_USERNAME)
    monkeypatch.setenv("KASA_PASSWORD", DEFAULT_PASSWORD)
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers), encoding="utf-8")
    live = LiveOptions(host=f"{cam.host}:{cam.port}", timeout=3.0)
    code = run(
        Options(answers=path, json=True, live=live),
        stdin_is_tty=False,
        fix_timings=FAST_FIX_TIMINGS,
    )
    out = capsys.readouterr().out
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


def steps(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in document["history"] if h["kind"] == "step"}


def healthy(cam: ThreadedCamera) -> bool:
    """The emulator's own view: no fault left that a camera would show."""
    visible = {"led_off", "update_available", "update_failed", "weak_signal", "clock_skew"}
    state = cam.state
    return not (set(state.faults) & visible) and state.led == "on" and not state.down


def test_led_off_is_fixed_by_kasa_doctor_and_checked(
    start_camera: Start,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cam = start_camera(C210, "led_off")
    doc = diagnose(cam, {"led": "off"}, tmp_path, capsys, monkeypatch)
    assert doc["status"] == "fixed" and doc["fixed_by"] == "enable_led"
    step = steps(doc)["enable_led"]
    assert step["automated"]["outcome"] == "done"
    assert step["verification"]["verdict"] == "fixed"
    assert healthy(cam)


def test_update_available_is_fixed_whatever_the_file_says(
    start_camera: Start,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cam = start_camera(C210, "update_available")
    old = cam.state.firmware
    # The file says the update did not help; the camera says otherwise, and a step
    # kasa-doctor takes itself is judged by the camera.
    answers = {"steps": {"update_firmware": "not_fixed"}}
    doc = diagnose(cam, answers, tmp_path, capsys, monkeypatch)
    assert doc["status"] == "fixed" and doc["fixed_by"] == "update_firmware"
    assert cam.state.firmware != old
    assert doc["diagnosis"]["cause"] == "firmware_outdated"
    assert healthy(cam)


def test_the_file_saying_fixed_does_not_make_a_faulty_camera_fixed(
    start_camera: Start,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cam = start_camera(C210, "led_off")
    answers = {"led": "off", "automate": False, "steps": {"enable_led": "fixed"}}
    doc = diagnose(cam, answers, tmp_path, capsys, monkeypatch)
    step = steps(doc)["enable_led"]
    assert step["result"] == "not_fixed" and step["owner_overruled"]
    assert "automated" not in step or step["automated"].get("declined")
    assert doc["status"] != "fixed"
    assert cam.state.led == "off"


@pytest.mark.parametrize("fault", ["weak_signal", "clock_skew", "update_failed", "led_off"])
def test_an_owner_who_says_fixed_to_everything_is_believed_only_by_a_healthy_camera(
    fault: str,
    start_camera: Start,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cam = start_camera(C210, fault)
    every_step = {s.id: "fixed" for s in default_knowledge().steps if s.id != "contact_support"}
    doc = diagnose(cam, {"steps": every_step, "automate": False}, tmp_path, capsys, monkeypatch)
    assert (doc["status"] == "fixed") == healthy(cam), (fault, doc["status"], cam.state.faults)
    assert doc["status"] != "fixed"
