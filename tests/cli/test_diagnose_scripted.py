"""`kasa-doctor diagnose` without a person: answers files, --json, bad input, resume.

The stories only say what the owner would answer and which steps would work; they
never assume the order in which the engine asks, so they survive changes to the
knowledge base numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from kasa_doctor import sessions_store
from kasa_doctor.engine.model import default_model
from kasa_doctor.engine.session import Session
from kasa_doctor.knowledge.loader import KnowledgeBase

from .helpers import session_files

Cli = Callable[..., Result]
Write = Callable[..., Path]

POWER_STORY: dict[str, Any] = {
    # A Tapo C100 powered from a TV's USB port: it browns out and starts over.
    "model": "C100",
    "led": "red_solid",
    "answers": {
        "power_source": "usb_port",
        "camera_keeps_restarting": "yes",
        "cable_damaged": "no",
        "just_powered_on": "no",
        "camera_hot": "no",
        "heat_exposure": "no",
        "power_outage_recently": "no",
        "other_adapter_tried": "no",
    },
    "steps": {
        "reseat_power": "not_fixed",
        "power_cycle_camera": "not_fixed",
        "swap_power_supply": "fixed",
    },
}


def run_json(cli: Cli, path: Path, *extra: str) -> dict[str, Any]:
    result = cli("diagnose", "--answers", str(path), "--json", *extra)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_power_supply_story_ends_fixed(cli: Cli, answers_file: Write, kd_home: Path) -> None:
    doc = run_json(cli, answers_file(POWER_STORY))

    assert doc["status"] == "fixed"
    assert doc["fixed_by"] == "swap_power_supply"
    assert doc["model"] == "C100" and doc["led"] == "red_solid"
    assert doc["family"] is not None
    assert doc["diagnosis"]["cause"] == "power_supply"
    assert doc["ranking"][0]["cause"] == "power_supply"
    assert abs(sum(r["probability"] for r in doc["ranking"]) - 1.0) < 0.01
    # Every proposal carries its reason, and every question was one the file could
    # answer or a "don't know" — never a probe, which owners cannot answer here.
    assert doc["history"], "nothing was asked or tried"
    for item in doc["history"]:
        assert item["kind"] in ("question", "step")
        assert item["reason"], item
    last = doc["history"][-1]
    assert (last["kind"], last["id"], last["result"]) == ("step", "swap_power_supply", "fixed")
    for item in doc["history"]:
        if item["kind"] == "question":
            assert item["answer"] == POWER_STORY["answers"].get(item["id"])
    assert doc["prevention"], "a fixed power problem should come with prevention tips"
    assert all(tip["title"] and tip["text"] for tip in doc["prevention"])
    assert doc["support"] is None

    saved = session_files(kd_home)
    assert [p.stem for p in saved] == [doc["session"]]
    assert json.loads(saved[0].read_text())["status"] == "fixed"


def test_nothing_works_escalates_with_support_checklist(
    cli: Cli, answers_file: Write, kb: KnowledgeBase
) -> None:
    doc = run_json(cli, answers_file({"model": "KC410S", "led": "amber_blink"}))

    assert doc["status"] == "escalated"
    assert doc["fixed_by"] is None
    steps = [h for h in doc["history"] if h["kind"] == "step"]
    assert steps[-1]["id"] == "contact_support"
    assert all(h["result"] == "not_fixed" for h in steps)
    assert doc["support"]["when_to_contact"] == list(kb.support.when_to_contact)
    assert doc["support"]["have_ready"] == list(kb.support.have_ready)
    # Unanswered questions are "don't know", not invented answers.
    assert all(h["answer"] is None for h in doc["history"] if h["kind"] == "question")
    assert doc["diagnosis"]["cause"] in {c.id for c in kb.causes}


def test_transcript_without_json(cli: Cli, answers_file: Write) -> None:
    result = cli("diagnose", "--answers", str(answers_file(POWER_STORY)))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "from the answers file" in out
    assert "Most likely now" in out
    assert "Fixed" in out
    assert "So it does not happen again" in out


def test_json_answers_file_and_yaml_booleans(cli: Cli, answers_file: Write, tmp_path: Path) -> None:
    doc = run_json(cli, answers_file(POWER_STORY, name="story.json"))
    assert doc["status"] == "fixed"

    # An owner writes yes/no without quotes; YAML reads them as booleans.
    text = "model: C100\nled: red_solid\nanswers:\n  camera_keeps_restarting: yes\n"
    text += "  camera_hot: no\nsteps:\n  reseat_power: fixed\n  power_cycle_camera: fixed\n"
    text += "  swap_power_supply: fixed\n"
    path = tmp_path / "plain.yaml"
    path.write_text(text)
    doc = run_json(cli, path)
    answered = {h["id"]: h["answer"] for h in doc["history"] if h["kind"] == "question"}
    assert answered.get("camera_keeps_restarting", "yes") == "yes"
    assert answered.get("camera_hot", "no") == "no"
    assert doc["status"] == "fixed"


def test_flags_override_and_skip(cli: Cli, answers_file: Write) -> None:
    story = {"answers": POWER_STORY["answers"], "steps": {"reseat_power": "skip"}}
    story["steps"] |= {"power_cycle_camera": "fixed", "swap_power_supply": "fixed"}
    doc = run_json(cli, answers_file(story), "--model", "C210", "--led", "Red solid")
    assert (doc["model"], doc["led"]) == ("C210", "red_solid")
    steps = [h for h in doc["history"] if h["kind"] == "step"]
    skipped = [h for h in steps if h["id"] == "reseat_power"]
    # A skipped step is not proposed again and is not evidence.
    assert len(skipped) <= 1
    assert all(h["result"] == "skipped" for h in skipped)


BAD_FILES = [
    ("led: purple\n", "unknown light 'purple'; valid: red_slow_blink"),
    ("answers:\n  camera_hot: warm\n", "camera_hot: 'warm' is not an answer"),
    ("answers:\n  favourite_colour: blue\n", "'favourite_colour' is not a question id"),
    ("answers:\n  camera_reachable: 'yes'\n", "automatic check, not a question"),
    ("steps:\n  reseat_power: maybe\n", "must be fixed, not_fixed or skip"),
    ("steps:\n  dance: fixed\n", "'dance' is not a step id"),
    ("modle: C210\n", "unknown key 'modle'"),
    ("- just\n- a list\n", "expected a mapping"),
    ("model: [C210\n", "not valid YAML"),
    ("", "the file is empty"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_FILES)
def test_malformed_answers_file_is_one_line_exit_2(
    cli: Cli, tmp_path: Path, kd_home: Path, text: str, reason: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = cli("diagnose", "--answers", str(path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(str(path))
    assert reason in lines[0]
    assert "Traceback" not in result.stderr
    assert not session_files(kd_home), "nothing may be saved for a rejected file"


def test_bad_json_and_missing_file(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"model": "C210",}')
    result = cli("diagnose", "--answers", str(path))
    assert result.exit_code == 2
    # The reason after the colon is Python's own wording, which varies by version.
    line = result.stderr.strip()
    assert line.startswith(f"{path}:1: not valid JSON: ") and "\n" not in line

    missing = tmp_path / "nope.yaml"
    result = cli("diagnose", "--answers", str(missing))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{missing}: no such file"


def test_unknown_led_flag_lists_valid_lights(
    cli: Cli, answers_file: Write, kb: KnowledgeBase
) -> None:
    result = cli("diagnose", "--led", "purple_disco", "--answers", str(answers_file({})))
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("unknown light 'purple_disco'; valid: ")
    assert all(p.id in line for p in kb.patterns)


def test_no_tty_and_no_answers_explains_usage(cli: Cli, kd_home: Path) -> None:
    result = cli("diagnose")
    assert result.exit_code == 2
    assert "--answers" in result.stderr
    assert "answers:" in result.stderr and "steps:" in result.stderr
    assert result.stdout == ""
    assert not session_files(kd_home)


def test_resume_rejects_model_and_unknown_ids(cli: Cli) -> None:
    result = cli("diagnose", "--resume", "abc", "--model", "C210")
    assert result.exit_code == 2
    assert "leave out --model" in result.stderr

    result = cli("diagnose", "--resume", "doesnotexist", "--json")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("no saved session 'doesnotexist'")

    result = cli("diagnose", "--resume", "../../etc/passwd")
    assert result.exit_code == 2
    assert "is not a session id" in result.stderr


def test_resume_finished_session_shows_same_outcome(cli: Cli, answers_file: Write) -> None:
    first = run_json(cli, answers_file(POWER_STORY))
    result = cli("diagnose", "--resume", first["session"], "--json")
    assert result.exit_code == 0, result.stderr
    again = json.loads(result.stdout)
    assert again["status"] == "fixed"
    assert again["history"] == first["history"]

    result = cli("diagnose", "--resume", "last", "--json")
    assert json.loads(result.stdout)["session"] == first["session"]


def test_resume_open_session_with_answers_file(cli: Cli, answers_file: Write) -> None:
    session = Session(model_name="C100", led="red_solid", engine=default_model())
    session.observe("camera_keeps_restarting", "yes")
    sessions_store.save(session)

    story = {"steps": POWER_STORY["steps"], "answers": {"power_source": "usb_port"}}
    result = cli(
        "diagnose", "--resume", session.id, "--answers", str(answers_file(story)), "--json"
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["session"] == session.id
    assert doc["model"] == "C100"
    assert doc["history"][0]["id"] == "camera_keeps_restarting"
    assert doc["status"] == "fixed"


def test_resume_when_input_ends_saves_and_says_how_to_continue(cli: Cli, kd_home: Path) -> None:
    session = Session(model_name="C100", led="red_solid", engine=default_model())
    sessions_store.save(session)
    result = cli("diagnose", "--resume", session.id, input="")
    assert result.exit_code == 1
    assert f"Continue with: kasa-doctor diagnose --resume {session.id}" in result.stderr
    assert json.loads((kd_home / "sessions" / f"{session.id}.json").read_text())["status"] == "open"
