"""The `kasa-doctor` command.

Each sub-command lives in its own module under `kasa_doctor.cli` and exposes
`register(app)`. Heavy imports (numpy, python-kasa, rich prompts) happen inside the
command functions, so `kasa-doctor --help` and `kasa-doctor led` start fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="kasa-doctor",
    help="Why is my Kasa/Tapo camera light red? Diagnose it, fix it, check it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One module per command family; each defines register(app).
COMMAND_MODULES = (
    "kasa_doctor.cli.kb",
    "kasa_doctor.cli.simulate",
    "kasa_doctor.cli.emulate",
    "kasa_doctor.cli.demo",
    "kasa_doctor.cli.diagnose",
    "kasa_doctor.cli.led",
    "kasa_doctor.cli.faq",
    "kasa_doctor.cli.check",
    "kasa_doctor.cli.report",
    "kasa_doctor.cli.sessions",
    "kasa_doctor.cli.watch",
    "kasa_doctor.cli.history",
    "kasa_doctor.cli.serve",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet on this branch
                continue
            raise
        module.register(app)


_register_all()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("\nkasa-doctor: interrupted\n")
        sys.exit(130)
