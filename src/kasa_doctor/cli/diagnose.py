"""`kasa-doctor diagnose`: the guided troubleshooter, in a terminal or from a file.

Only typer is imported at module level: the engine (numpy) and the knowledge base
load when the command runs, so registering it costs `kasa-doctor --help` nothing.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kasa_doctor.cli.live_options import LiveOptions

if TYPE_CHECKING:
    from rich.console import Console

    from kasa_doctor.engine.session import Session
    from kasa_doctor.fixes.model import FixTimings, LiveRunner
    from kasa_doctor.wizard.answers import Answers
    from kasa_doctor.wizard.flow import ProbeRunner
    from kasa_doctor.wizard.ui import Ui

USAGE = """\
kasa-doctor diagnose asks you questions, so it needs a terminal, and this is not one.
Without a terminal, write the answers in a file and pass it with --answers:

    # answers.yaml
    model: C210              # the model on the camera's label, or "unknown"
    led: red_slow_blink      # the light you see; all lights: kasa-doctor led
    answers:                 # question id -> answer; left out = "don't know"
      router_changed_recently: "yes"
      power_source: original_adapter
    steps:                   # step id -> fixed | not_fixed | skip; left out = not fixed
      restart_router: not_fixed
      reconnect_in_app: fixed

    kasa-doctor diagnose --answers answers.yaml --json

Ids: the interactive wizard shows each question's and step's id, and a wrong id in
the file is answered with the list of valid ones (more in docs/wizard.md).
A saved run continues with: kasa-doctor diagnose --resume ID
"""


#: where a scripted run takes the Wi-Fi password from, when a Wi-Fi step comes up
WIFI_PASSWORD_ENV = "KASA_DOCTOR_WIFI_PASSWORD"


class _Stop(Exception):
    """Ends the command with one line on stderr and an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Options:
    model: str | None = None
    led: str | None = None
    answers: Path | None = None
    json: bool = False
    resume: str | None = None
    no_probes: bool = False
    live: LiveOptions = field(default_factory=LiveOptions)


def register(app: typer.Typer) -> None:
    app.command("diagnose")(diagnose)


def diagnose(
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="The camera's model, e.g. C210 (asked if left out)."),
    ] = None,
    led: Annotated[
        str | None,
        typer.Option(
            "--led", help="The light you see, e.g. red_slow_blink (see `kasa-doctor led`)."
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            metavar="FILE",
            help="Take the answers from this YAML/JSON file instead of asking.",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON document describing the run.")
    ] = False,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume", metavar="ID", help="Continue a saved session (its ID, or 'last')."
        ),
    ] = None,
    no_probes: Annotated[
        bool,
        typer.Option(
            "--no-probes",
            help="Never run live checks on the camera or network; ask questions only.",
        ),
    ] = False,
    host: Annotated[
        str | None,
        typer.Option(
            "--host", metavar="HOST[:PORT]", help="Check this camera first (python-kasa)."
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            metavar="BROADCAST",
            help="Find the camera by discovery at this broadcast address (never a default).",
        ),
    ] = None,
    checks: Annotated[
        bool,
        typer.Option(
            "--checks", help="Also check the router, DNS, internet and this computer's Wi-Fi."
        ),
    ] = False,
    gateway: Annotated[
        str | None, typer.Option(help="The router's address (default: the default route).")
    ] = None,
    internet_target: Annotated[
        list[str] | None,
        typer.Option(
            "--internet-target",
            metavar="HOST:PORT",
            help="Where to test the internet (default: TP-Link's cloud). Repeatable.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=0.5, max=60, help="Seconds each live check may take.")
    ] = 5.0,
) -> None:
    """Find out why the camera's light is red, and fix it step by step."""
    live = LiveOptions(host, target, checks, gateway, tuple(internet_target or ()), timeout)
    options = Options(model, led, answers, json_output, resume, no_probes, live)
    code = run(options)
    if code:
        raise typer.Exit(code)


def run(
    options: Options,
    *,
    probe_runner: ProbeRunner | None = None,
    stdin_is_tty: bool | None = None,
    fix_timings: FixTimings | None = None,
) -> int:
    """The whole command; returns the exit code.

    ``probe_runner`` is where live checks plug in: when given (and --no-probes is
    not), the engine may propose checks and the wizard runs them instead of asking
    the owner. Camera and network probing are not wired up in this version, so the
    command itself passes none and the wizard asks questions only.

    With a camera (--host/--target), kasa-doctor takes the repair steps it can and
    checks the camera after every step; ``fix_timings`` sets how long that waits
    (tests and the demo pass shorter ones than a real camera needs).
    """
    try:
        return _run(
            options,
            probe_runner,
            sys.stdin.isatty() if stdin_is_tty is None else stdin_is_tty,
            fix_timings,
        )
    except _Stop as stop:
        sys.stderr.write(f"{stop}\n")
        return stop.code


def _run(
    options: Options,
    probe_runner: ProbeRunner | None,
    tty: bool,
    fix_timings: FixTimings | None = None,
) -> int:
    if options.resume and (options.model or options.led):
        raise _Stop("--resume continues a saved session as it was; leave out --model and --led")
    if options.answers is None and not options.resume and not tty:
        sys.stderr.write(USAGE)
        return 2

    from kasa_doctor import sessions_store
    from kasa_doctor.engine.model import default_model
    from kasa_doctor.engine.session import Session
    from kasa_doctor.knowledge.loader import KnowledgeError, default_knowledge
    from kasa_doctor.wizard.answers import AnswersError, load_answers
    from kasa_doctor.wizard.flow import Wizard
    from kasa_doctor.wizard.lights import normalise_led, unknown_led_message

    try:
        kb = default_knowledge()
    except KnowledgeError as exc:
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise _Stop(f"the knowledge base is broken: {exc.problems[0]}{more}", 1) from exc

    led = None
    if options.led is not None:
        led = normalise_led(options.led)
        valid = [p.id for p in kb.patterns]
        if led not in valid:
            raise _Stop(unknown_led_message(options.led, valid))

    answers = None
    if options.answers is not None:
        try:
            answers = load_answers(options.answers, kb)
        except AnswersError as exc:
            raise _Stop(str(exc)) from exc

    engine = default_model()
    if options.resume:
        try:
            session = sessions_store.load(options.resume, engine)
        except sessions_store.StoreError as exc:
            raise _Stop(str(exc)) from exc
    else:
        model = options.model.strip() if options.model and options.model.strip() else None
        session = Session(model_name=model, led=led, engine=engine)

    ui, console = _make_ui(options, answers)
    runner = None if options.no_probes else probe_runner
    live: LiveRunner | None = None
    if options.live.wanted and not options.no_probes and not options.resume:
        from kasa_doctor.cli.live_checks import LiveCheckError, run_live_checks

        try:
            started = run_live_checks(session, options.live, console, tty=tty and answers is None)
        except LiveCheckError as exc:
            raise _Stop(str(exc)) from exc
        if started.target is not None:
            from kasa_doctor.fixes.live import LiveContext
            from kasa_doctor.fixes.model import DEFAULT_FIX_TIMINGS

            live = LiveContext(
                started.target,
                started.credentials,
                started.checks,
                timings=fix_timings or DEFAULT_FIX_TIMINGS,
            )

    def save(current: Session) -> None:
        try:
            sessions_store.save(current)
        except sessions_store.StoreError as exc:
            raise _Stop(str(exc), 1) from exc

    wizard = Wizard(
        session,
        ui,
        probe_runner=runner,
        save=save,
        resumed=options.resume is not None,
        live=live,
    )
    try:
        summary = wizard.run()
    except KeyboardInterrupt:
        save(session)
        console.print()
        sys.stderr.write(f"Saved. Continue with: kasa-doctor diagnose --resume {session.id}\n")
        return 130
    except EOFError:
        save(session)
        sys.stderr.write(
            "The input ended before the diagnosis did. "
            f"Saved. Continue with: kasa-doctor diagnose --resume {session.id}\n"
        )
        return 1

    if options.json:
        from kasa_doctor.wizard.summary import to_json

        sys.stdout.write(json.dumps(to_json(session, summary), indent=2, ensure_ascii=False) + "\n")
    return 0


def _make_ui(options: Options, answers: Answers | None) -> tuple[Ui, Console]:
    """The terminal UI, or the answers file with the terminal showing a transcript.

    With --json, stdout carries only the JSON document: an interactive run then talks
    to the owner on stderr, and a scripted one prints no transcript at all.
    """
    from rich.console import Console

    from kasa_doctor.wizard.scripted import ScriptedUi
    from kasa_doctor.wizard.terminal import RichUi

    console = Console(stderr=options.json, highlight=False)
    if answers is None:
        return RichUi(console), console
    display = None if options.json else RichUi(console)
    # A Wi-Fi password never sits in an answers file; it comes from the environment.
    wifi_password = os.environ.get(WIFI_PASSWORD_ENV) or None
    return ScriptedUi(answers, display, wifi_password=wifi_password), console
