"""`kasa-doctor simulate` and `kb check` as FORMAT.md and the issue define them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
SHARED_COSTS = ROOT.parent / "shared" / "scenarios" / "costs.yaml"
COSTS = SHARED_COSTS if SHARED_COSTS.exists() else ROOT / "tests" / "core" / "costs.yaml"


def kd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kasa_doctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize("policy", ["adaptive", "guide", "oracle"])
def test_simulate_prints_one_line_per_scenario_then_summary(policy: str) -> None:
    result = kd("simulate", str(SCENARIOS), "--policy", policy, "--costs", str(COSTS), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    *rows, last = lines
    assert len(rows) == 44
    summary = last["summary"]
    assert {"mean_cost", "fix_rate", "top1", "top3", "needless_resets", "n"} <= set(summary)
    assert summary["n"] == 44
    for row in rows:
        assert row["outcome"] in ("fixed", "escalated", "gave_up")
        assert row["cost"] >= 0
    mean = sum(r["cost"] for r in rows) / len(rows)
    assert summary["mean_cost"] == pytest.approx(mean, abs=1e-2)


def test_guide_and_oracle_match_the_shared_baseline_tool() -> None:
    """The shared checker scores guide and oracle too; both must agree exactly."""
    checker = ROOT.parent / "shared" / "tools" / "check-scenarios"
    if not checker.exists():
        pytest.skip("../shared/tools/check-scenarios is not beside the project")
    out = subprocess.run(
        [sys.executable, str(checker), "--baselines", str(COSTS), str(SCENARIOS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    expected = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("guide", "oracle") and len(parts) >= 3:
            expected[parts[0]] = float(parts[1])
    for policy, mean in expected.items():
        result = kd("simulate", str(SCENARIOS), "--policy", policy, "--costs", str(COSTS), "--json")
        summary = json.loads(result.stdout.splitlines()[-1])["summary"]
        # the checker prints one decimal
        assert summary["mean_cost"] == pytest.approx(mean, abs=0.051)


def test_adaptive_never_resets_needlessly_on_the_public_set() -> None:
    result = kd("simulate", str(SCENARIOS), "--costs", str(COSTS), "--json")
    summary = json.loads(result.stdout.splitlines()[-1])["summary"]
    assert summary["fix_rate"] >= 0.9
    assert summary["needless_resets"] <= 1


def test_malformed_scenario_gives_one_line_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- id: x\n  model: C210\n  led: purple_blink\n  truth: overheating\n"
        "  fixed_by: [cool_down]\n"
    )
    result = kd("simulate", str(bad), "--costs", str(COSTS), "--json")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"{bad}:3:" in result.stderr and "purple_blink" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_policy_and_missing_costs_are_refused() -> None:
    assert (
        kd("simulate", str(SCENARIOS), "--policy", "psychic", "--costs", str(COSTS)).returncode == 2
    )
    missing = kd("simulate", str(SCENARIOS))
    assert missing.returncode == 2 and "--costs" in missing.stderr


def test_kb_check_passes_on_the_bundled_knowledge() -> None:
    result = kd("kb", "check")
    assert result.returncode == 0, result.stderr
    assert "22 causes" in result.stdout


def test_kb_check_names_file_and_line_of_a_broken_probability(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    for source in (ROOT / "src" / "kasa_doctor" / "knowledge").glob("*.yaml"):
        (folder / source.name).write_text(source.read_text())
    causes = (folder / "causes.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(causes) if "prior: 0.09" in text)
    causes[line] = causes[line].replace("0.09", "-0.5")
    (folder / "causes.yaml").write_text("\n".join(causes) + "\n")
    result = kd("kb", "check", str(folder))
    assert result.returncode == 2
    assert f"causes.yaml:{line + 1}:" in result.stderr
    assert "prior" in result.stderr and "Traceback" not in result.stderr


def test_kb_check_reports_an_unknown_cause_reference(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    for source in (ROOT / "src" / "kasa_doctor" / "knowledge").glob("*.yaml"):
        (folder / source.name).write_text(source.read_text())
    fixes = (folder / "fixes.yaml").read_text().replace("power_supply: 0.45", "gremlins: 0.45", 1)
    (folder / "fixes.yaml").write_text(fixes)
    result = kd("kb", "check", str(folder))
    assert result.returncode == 2
    assert "fixes.yaml:" in result.stderr and "gremlins" in result.stderr


def test_informed_engine_only_repairs_and_is_charged_for_steps_only() -> None:
    """The benchmark's ceiling: told every answer up front, nothing is left to ask."""
    from kasa_doctor.engine.model import default_model
    from kasa_doctor.simulate import load_costs, load_scenarios, run_informed

    model = default_model()
    costs = load_costs(COSTS, model)
    for scn in load_scenarios([SCENARIOS], model):
        result = run_informed(scn, costs, model)
        steps = [a.removeprefix("step:") for a in result.actions]
        assert all(a.startswith("step:") for a in result.actions), scn.id
        assert len(set(steps)) == len(steps), scn.id
        assert result.cost == pytest.approx(sum(costs.steps[s] for s in steps))
        assert result.outcome in ("fixed", "escalated") and len(result.top3) == 3
