"""`kasa-doctor simulate`: score a troubleshooting policy on scenario files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer


def register(app: typer.Typer) -> None:
    app.command(name="simulate")(simulate_command)


def simulate_command(
    paths: Annotated[list[Path], typer.Argument(help="Scenario files or folders.")],
    policy: Annotated[
        str, typer.Option(help="adaptive (kasa-doctor's engine), guide or oracle.")
    ] = "adaptive",
    costs: Annotated[
        Path | None, typer.Option(help="The price list (shared/scenarios/costs.yaml).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON line per scenario, then a summary line.")
    ] = False,
) -> None:
    """Play a policy against scenario files (FORMAT.md) and score it."""
    from kasa_doctor.engine.model import default_model
    from kasa_doctor.simulate import POLICIES, ScenarioError, load_costs, load_scenarios, summary
    from kasa_doctor.simulate import simulate as run

    if policy not in POLICIES:
        _fail(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}")
    if costs is None:
        _fail("--costs FILE is required (the fixed price list, e.g. shared/scenarios/costs.yaml)")
    model = default_model()
    try:
        price = load_costs(costs, model)
        scenarios = load_scenarios(paths, model)
    except ScenarioError as exc:
        _fail(str(exc))
    results = run(scenarios, policy, price, model)
    total = summary(results)
    if as_json:
        for result in results:
            print(json.dumps(result.to_json()))
        print(json.dumps({"summary": total}))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"policy {policy}: {len(results)} scenarios")
    for column in ("scenario", "truth", "outcome", "cost", "steps", "top 3"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.scenario.id,
            r.scenario.truth,
            r.outcome,
            f"{r.cost:.1f}",
            str(r.steps),
            ", ".join(r.top3),
        )
    console = Console()
    console.print(table)
    console.print(total)


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"kasa-doctor simulate: {message}\n")
    raise typer.Exit(2)
