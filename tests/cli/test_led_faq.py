"""`kasa-doctor led` and `kasa-doctor faq`, and that both stay light."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from kasa_doctor.knowledge.loader import KnowledgeBase

from .helpers import ENTRY, child_env

Cli = Callable[..., Result]


def test_led_c210_shows_its_family_table(cli: Cli, kb: KnowledgeBase) -> None:
    family = kb.family_for_model("C210")
    assert family is not None
    result = cli("led", "C210")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert family.title.split()[0] in out
    assert "Confidence" in out and "Source" in out
    for row in family.leds:
        assert row.led in out
        assert row.source in out
    assert "not in our tables" not in out


def test_led_kc410s_is_a_kasa_table(cli: Cli, kb: KnowledgeBase) -> None:
    family = kb.family_for_model("KC410S")
    assert family is not None and family.brand.lower().startswith("kasa")
    result = cli("led", "KC410S", "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["known"] is True and doc["family"]["id"] == family.id
    assert [row["led"] for row in doc["lights"]] == [row.led for row in family.leds]
    assert all(row["confidence"] and row["source"] for row in doc["lights"])
    assert doc["reset"]["source"]


def test_unknown_model_gets_generic_table_and_note(cli: Cli, kb: KnowledgeBase) -> None:
    result = cli("led", "XYZ123")
    assert result.exit_code == 0
    assert "model XYZ123 is not in our tables" in " ".join(result.stdout.split())
    doc = json.loads(cli("led", "XYZ123", "--json").stdout)
    assert doc["known"] is False
    assert doc["family"]["id"] == kb.fallback
    assert "XYZ123" in doc["note"]


def test_led_without_model_lists_known_models(cli: Cli, kb: KnowledgeBase) -> None:
    result = cli("led")
    assert result.exit_code == 0
    assert "Models in our tables" in result.stdout
    doc = json.loads(cli("led", "--json").stdout)
    assert {f["id"] for f in doc["families"]} == {f.id for f in kb.families if f.models}


def test_led_single_light_and_unknown_light(cli: Cli, kb: KnowledgeBase) -> None:
    doc = json.loads(cli("led", "C210", "--light", "Red-Slow-Blink", "--json").stdout)
    assert {row["led"] for row in doc["lights"]} <= {"red_slow_blink"}

    result = cli("led", "C210", "--light", "disco")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("unknown light 'disco'; valid: ")
    assert all(p.id in line for p in kb.patterns)


def test_faq_blinking_red(cli: Cli) -> None:
    result = cli("faq", "blinking", "red")
    assert result.exit_code == 0
    assert "blinking red" in result.stdout.lower()
    doc = json.loads(cli("faq", "blinking", "red", "--json").stdout)
    assert doc["results"]
    assert "red" in doc["results"][0]["question"].lower()
    assert all(r["answer"] for r in doc["results"])


def test_faq_lists_questions_and_handles_no_match(cli: Cli, kb: KnowledgeBase) -> None:
    doc = json.loads(cli("faq", "--json").stdout)
    assert [q["id"] for q in doc["questions"]] == [e.id for e in kb.faq]
    result = cli("faq", "qwertyuiop")
    assert result.exit_code == 0
    assert "No FAQ entry matches" in result.stdout
    entry = kb.faq[0]
    doc = json.loads(cli("faq", entry.id, "--json").stdout)
    assert doc["results"][0]["id"] == entry.id


PROBE = """
import sys
from kasa_doctor.cli.main import app
for args in (["led", "C210"], ["led", "--json"], ["--help"]):
    try:
        app(args, standalone_mode=False)
    except SystemExit:
        pass
heavy = [m for m in sys.modules if m in ("numpy", "kasa") or m.startswith("kasa_doctor.engine")]
print("HEAVY", heavy)
"""


def test_led_and_help_do_not_import_the_engine(tmp_path: Path) -> None:
    # Start-up time is import time: `led` and `--help` must not pull in numpy,
    # python-kasa or the engine (measured by hand in docs/wizard.md).
    result = subprocess.run(
        [ENTRY[0], "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout
