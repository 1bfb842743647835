"""The interactive wizard through a pseudo-terminal, as an owner would use it.

The driver answers whatever is asked by reading the question's id from the screen,
so the tests do not depend on the order the engine chooses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pexpect
import pytest

from kasa_doctor.knowledge.loader import KnowledgeBase

from .helpers import ANSI, ENTRY, child_env, session_files

# The owner's side of the power-supply story.
ANSWERS = {
    "power_source": "usb_port",
    "camera_keeps_restarting": "yes",
    "cable_damaged": "no",
    "just_powered_on": "no",
    "camera_hot": "no",
    "heat_exposure": "no",
}
FIXING_STEPS = {"reseat_power", "power_cycle_camera", "swap_power_supply"}
PROMPTS = [
    r"Your answer \(number\):",  # 0: a question
    r"Did that fix it\?",  # 1: after a step
    r"Type \S+ to go ahead",  # 2: destructive step confirmation
    r"Session \w+ is saved\.",  # 3: the last line of the summary
    pexpect.EOF,  # 4
]
ID = re.compile(r"\(id:\s+(\w+)\)")


def spawn(home: Path, *args: str) -> pexpect.spawn:
    child = pexpect.spawn(
        ENTRY[0],
        [*ENTRY[1:], "diagnose", *args],
        env=child_env(home),
        encoding="utf-8",
        dimensions=(60, 160),
        timeout=60,
    )
    return child


def last_id(text: str) -> str:
    ids = ID.findall(ANSI.sub("", text))
    assert ids, text[-500:]
    return ids[-1]


def start(child: pexpect.spawn, kb: KnowledgeBase) -> None:
    child.expect("Which camera is it")
    child.expect(r"Model \(press Enter if you don't know\):")
    child.sendline("C100")
    child.expect(r"Which light do you see\? \(number\):")
    child.sendline(str([p.id for p in kb.patterns].index("red_solid") + 1))


def drive_to_end(child: pexpect.spawn, stop_at_question: int | None = None) -> str:
    """Answer until the summary; with ``stop_at_question``, press Ctrl-C at that
    question instead and return the output so far."""
    transcript = []
    questions = 0
    for _ in range(200):
        index = child.expect(PROMPTS)
        transcript.append(child.before + (child.after if isinstance(child.after, str) else ""))
        if index == 0:
            questions += 1
            if stop_at_question is not None and questions == stop_at_question:
                child.sendintr()
                child.expect(pexpect.EOF)
                transcript.append(child.before)
                return "".join(transcript)
            child.sendline(ANSWERS.get(last_id(child.before), "0"))
        elif index == 1:
            child.sendline("yes" if last_id(child.before) in FIXING_STEPS else "no")
        elif index == 2:
            child.sendline("")  # decline: no reset needed in this story
        else:
            if index == 3:
                child.expect(pexpect.EOF)
                transcript.append(child.before)
            return "".join(transcript)
    pytest.fail("the wizard did not finish")


def test_interactive_wizard_to_a_fix(kd_home: Path, kb: KnowledgeBase) -> None:
    child = spawn(kd_home)
    start(child, kb)
    out = ANSI.sub("", drive_to_end(child))
    child.close()
    assert child.exitstatus == 0, out[-2000:]
    assert "Most likely now" in out
    assert "What to do:" in out and "What you should see:" in out
    assert "Fixed" in out
    assert "So it does not happen again" in out
    [saved] = session_files(kd_home)
    data = json.loads(saved.read_text())
    assert data["status"] == "fixed"
    assert (data["model"], data["led"]) == ("C100", "red_solid")
    assert data["history"][-1]["id"] in FIXING_STEPS


def test_ctrl_c_saves_and_resume_continues(kd_home: Path, kb: KnowledgeBase) -> None:
    child = spawn(kd_home)
    start(child, kb)
    out = ANSI.sub("", drive_to_end(child, stop_at_question=2))
    child.close()
    assert child.exitstatus == 130, out[-2000:]
    match = re.search(r"Saved\. Continue with: kasa-doctor diagnose --resume (\w+)", out)
    assert match, out[-2000:]
    session_id = match.group(1)
    assert "Traceback" not in out

    saved = json.loads((kd_home / "sessions" / f"{session_id}.json").read_text())
    assert saved["status"] == "open"
    assert (saved["model"], saved["led"]) == ("C100", "red_solid")
    answered_before = len(saved["history"])
    # At least the first question was recorded; the interrupted one was not.
    assert answered_before >= 1

    child = spawn(kd_home, "--resume", session_id)
    out = ANSI.sub("", drive_to_end(child))
    child.close()
    assert child.exitstatus == 0, out[-2000:]
    assert f"Continuing session {session_id}" in out
    assert "Which camera is it" not in out, "a resumed session must not ask the model again"
    assert "Which light do you see" not in out
    data = json.loads((kd_home / "sessions" / f"{session_id}.json").read_text())
    assert data["status"] == "fixed"
    assert data["history"][:answered_before] == saved["history"]
    assert len(session_files(kd_home)) == 1
