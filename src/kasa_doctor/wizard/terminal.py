"""The wizard in a terminal, with Rich.

Every prompt is a plain line read with ``input()``, so it works over SSH, in a pseudo-
terminal and with piped input; Ctrl-C and end of input surface as KeyboardInterrupt
and EOFError for the caller, who saves the session. Ids are shown dimmed beside
questions and steps because they are exactly what an answers file uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kasa_doctor.fixes.catalogue import about
from kasa_doctor.fixes.model import FixProgress
from kasa_doctor.knowledge import schema as s
from kasa_doctor.knowledge.loader import normalise_model
from kasa_doctor.knowledge.text import one_line
from kasa_doctor.wizard.answers import DONT_KNOW
from kasa_doctor.wizard.lights import normalise_led
from kasa_doctor.wizard.scripted import Echo
from kasa_doctor.wizard.ui import CauseView, StepResult, StepView, Summary

if TYPE_CHECKING:
    from kasa_doctor.fixes.model import (
        FixOffer,
        FixResult,
        NetworkScan,
        ProgressFn,
        Verification,
        WifiChoice,
    )
    from kasa_doctor.probes.observation import Observation

T = TypeVar("T")
BAR = 24
_YES = {"y", "yes"}
_NO = {"n", "no"}
_SKIP = {"s", "skip"}
CONFIDENCE_STYLE = {"high": "green", "medium": "yellow", "low": "red", "none": "dim"}
#: a purchase date is a date, not an essay; longer replies are asked again
PURCHASE_DATE_MAX = 40


def bar(probability: float, width: int = BAR) -> str:
    filled = round(max(0.0, min(1.0, probability)) * width)
    return "█" * filled + "░" * (width - filled)


class RichUi(Echo):
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    # --- prompting ---------------------------------------------------------------------------

    def _prompt(self, prompt: str, parse: Callable[[str], T | None], hint: str) -> T:
        """Ask until ``parse`` accepts the reply (it returns None to reject)."""
        while True:
            reply = self.console.input(f"[bold]{prompt}[/] ").strip()
            value = parse(reply)
            if value is not None:
                return value
            self.console.print(f"[yellow]{escape(hint)}[/]")

    def _choose(self, options: Sequence[tuple[str, str]], allow_unknown: str) -> str | None:
        """Numbered choice among (id, label); 0 / ? / Enter = ``allow_unknown``."""
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", style="bold cyan")
        table.add_column()
        for number, (_ident, label) in enumerate(options, start=1):
            table.add_row(f"{number}.", escape(label))
        table.add_row("0.", f"[dim]{escape(allow_unknown)}[/]")
        self.console.print(table)
        ids = [ident for ident, _ in options]
        labels = {label.lower(): ident for ident, label in options}
        unknown = object()

        def parse(reply: str) -> object | None:
            low = reply.lower()
            if low in ("", "0") or low in DONT_KNOW:
                return unknown
            if low.isdigit() and 1 <= int(low) <= len(options):
                return ids[int(low) - 1]
            if low in ids:
                return low
            return labels.get(low)

        choice = self._prompt(
            "Your answer (number):", parse, f"Please type a number from 0 to {len(options)}."
        )
        return None if choice is unknown else str(choice)

    # --- asking -------------------------------------------------------------------------------

    def ask_model(self, families: Sequence[s.Family]) -> str | None:
        known = "; ".join(f.title for f in families if f.models)
        self.console.print(
            Panel(
                "The model name is printed on the label on the back or underneath the "
                "camera, and in the app under the camera's settings (for example "
                "[bold]C210[/] or [bold]KC410S[/]).\n"
                f"[dim]Models in our light tables: {escape(known)}[/]",
                title="Which camera is it?",
                title_align="left",
            )
        )
        reply = self.console.input("[bold]Model (press Enter if you don't know):[/] ").strip()
        if not reply or reply.lower() in DONT_KNOW:
            self.console.print("[dim]No problem — I'll use what the lights mean on most models.[/]")
            return None
        return reply

    def ask_led(self, patterns: Sequence[s.LedPattern]) -> str | None:
        self.console.print()
        self.console.rule("What does the status light do?", align="left")
        table = Table(show_header=True, header_style="bold", expand=False, show_lines=False)
        table.add_column("#", justify="right", style="bold cyan")
        table.add_column("Light")
        table.add_column("What it looks like")
        for number, pattern in enumerate(patterns, start=1):
            table.add_row(
                str(number),
                f"{escape(pattern.colour)}, {escape(pattern.rhythm)}",
                escape(" ".join(pattern.looks_like.split())),
            )
        table.add_row("0", "[dim]I can't tell[/]", "")
        self.console.print(table)
        ids = [p.id for p in patterns]
        unknown = object()

        def parse(reply: str) -> object | None:
            low = reply.lower()
            if low in ("", "0") or low in DONT_KNOW:
                return unknown
            if low.isdigit() and 1 <= int(low) <= len(ids):
                return ids[int(low) - 1]
            word = normalise_led(reply)
            return word if word in ids else None

        choice = self._prompt(
            "Which light do you see? (number):",
            parse,
            f"Please type a number from 0 to {len(ids)}.",
        )
        return None if choice is unknown else str(choice)

    def ask_question(self, question: s.Question, reason: str) -> str | None:
        self.console.print()
        self.console.print(
            f"[bold]{escape(question.text)}[/] [dim](id: {question.id})[/]", highlight=False
        )
        if question.help:
            self.console.print(f"[dim]{escape(question.help)}[/]")
        return self._choose(list(question.answers.items()), "I don't know")

    def confirm_destructive(self, view: StepView, model: str | None) -> bool:
        known = model is not None and model.lower() != "unknown"
        word = normalise_model(model) if known and model else "RESET"
        parts: list[Text | str] = [
            Text("This step erases data on the camera:", style="bold"),
            *[Text(f"  • {item}") for item in view.step.loses],
            "",
            Text.assemble(
                ("Save your recordings first: ", "bold"),
                "download the clips you want to keep in the app, or take the SD card out "
                "and copy it on a computer before you go on.",
            ),
            *[Text(note) for note in view.notes],
        ]
        if view.reset is not None:
            parts.append(
                Text.assemble(
                    ("How, on this model: ", "bold"),
                    f"{view.reset.button}; hold it (seconds): {_hold(view.reset)}.",
                )
            )
        parts.append(Text("Only go ahead if the cheaper steps did not help.", style="dim"))
        self.console.print(
            Panel(
                Group(*parts),
                title="[bold red]Warning[/]",
                border_style="red",
                title_align="left",
            )
        )
        reply = self.console.input(
            f"[bold]Type [red]{escape(word)}[/red] to go ahead, "
            "or press Enter to skip this step:[/] "
        )
        confirmed = reply.strip().upper() == word.upper()
        if not confirmed:
            self.console.print("[dim]Skipped — nothing was erased.[/]")
        return confirmed

    def ask_step_result(self, view: StepView) -> StepResult:
        def parse(reply: str) -> StepResult | None:
            low = reply.lower()
            if low in _YES:
                return "fixed"
            if low in _NO:
                return "not_fixed"
            if low in _SKIP:
                return "skip"
            return None

        return self._prompt(
            "Did that fix it? \\[yes/no/skip]:", parse, "Please answer yes, no or skip."
        )

    def ask_purchase_date(self) -> str | None:
        self.console.print()
        self.console.print(
            "[bold]When did you buy the camera?[/] [dim]Support asks for it because of the "
            "warranty; it goes into the report. For example 2024-05 or May 2024.[/]"
        )

        def parse(reply: str) -> str | None:
            return reply if len(reply) <= PURCHASE_DATE_MAX and reply.isprintable() else None

        reply = self._prompt(
            "Purchase date (press Enter to skip):",
            parse,
            f"Please keep it short (at most {PURCHASE_DATE_MAX} characters), or press Enter.",
        )
        return reply or None

    # --- telling -------------------------------------------------------------------------------

    def show_report(self, session_id: str, paths: Sequence[Path], problem: str | None) -> None:
        if paths:
            self.console.print("[bold]Report for support:[/]")
            for path in paths:
                self.console.print(f"  {escape(str(path))}", soft_wrap=True)
        if problem:
            self.console.print(f"[yellow]{escape(problem)}[/]")

    def show_answer(self, prompt: str, answer: str) -> None:
        self.console.print(
            f"[bold]{escape(prompt)}[/] → {escape(answer)} [dim](from the answers file)[/]",
            highlight=False,
        )

    def show_resumed(
        self, session_id: str, model: str | None, led: str | None, answered: int, steps: int
    ) -> None:
        facts = ", ".join(escape(x.replace("_", " ")) for x in (model, led) if x)
        self.console.print(
            f"[bold]Continuing session {session_id}[/]{f' ({facts})' if facts else ''} — "
            f"{answered} answer(s) and {steps} step(s) so far."
        )

    def show_model_note(self, model: str, family: s.Family | None) -> None:
        if family is None:
            self.console.print(
                f"[yellow]Model {escape(model)} is not in our tables; I'll use what the "
                "lights mean on most models.[/]"
            )
        else:
            self.console.print(f"[dim]{escape(model)}: {escape(family.title)}.[/]")

    def show_belief(self, top: Sequence[CauseView]) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="cyan")
        table.add_column(justify="right")
        table.add_column()
        for view in top:
            table.add_row(
                bar(view.probability), f"{view.probability:.0%}", escape(view.cause.title)
            )
        self.console.print(Panel(table, title="Most likely now", title_align="left", expand=False))

    def show_step(self, view: StepView) -> None:
        instr = view.instructions
        parts: list[Text | str] = [
            Text(" ".join(view.reason.split()), style="dim"),
            "",
            Text.assemble(("What to do: ", "bold"), " ".join(instr.do.split())),
            Text.assemble(("What you should see: ", "bold"), " ".join(instr.expect.split())),
        ]
        if instr.wait:
            parts.append(Text.assemble(("How long: ", "bold"), " ".join(instr.wait.split())))
        if view.reset is not None:
            reset = view.reset
            parts += [
                "",
                Text.assemble(
                    ("On this model: ", "bold"),
                    f"{reset.button}; hold it (seconds): {_hold(reset)}. {reset.after} ",
                    (f"(confidence: {reset.confidence}; source: {reset.source})", "dim"),
                ),
            ]
        self.console.print()
        self.console.print(
            Panel(
                Group(*parts),
                title=f"[bold]Step: {escape(view.step.title)}[/]",
                title_align="left",
                # The id is what an answers file uses; bottom right keeps it out of the way.
                subtitle=f"[dim](id: {view.step.id})[/]",
                subtitle_align="right",
            )
        )

    def show_probe(self, probe: s.Probe, observation: Observation) -> None:
        value = observation.value
        label = probe.answers.get(value, value) if value is not None else "could not check"
        detail = f" — {observation.detail}" if observation.detail else ""
        self.console.print(f"[dim]Checked[/] {escape(probe.title)}: {escape(label + detail)}")

    def show_escalation(self, reason: str, support: s.SupportChecklist, session_id: str) -> None:
        body: list[Text | str] = [Text(" ".join(reason.split()), style="dim"), ""]
        body.append(Text("Contact TP-Link support when:", style="bold"))
        body += [Text(f"  • {item}") for item in support.when_to_contact]
        body.append(Text("Have this ready:", style="bold"))
        body += [Text(f"  • {item}") for item in support.have_ready]
        body += [
            "",
            Text(
                "kasa-doctor writes a report for support with everything you tried "
                "(addresses and names hidden); make it again at any time with: "
                f"kasa-doctor report {session_id} --format html"
            ),
        ]
        self.console.print()
        self.console.print(
            Panel(Group(*body), title="[bold]Time to contact support[/]", title_align="left")
        )

    def show_summary(self, summary: Summary) -> None:
        body: list[Text | str] = []
        diagnosis = summary.diagnosis
        if summary.status == "fixed":
            how = f" — “{summary.fixed_by.title}” fixed it" if summary.fixed_by else ""
            body.append(Text(f"Fixed{how}.", style="bold green"))
        elif summary.status == "escalated":
            body.append(Text("Not fixed at home: handed over to support.", style="bold yellow"))
        elif summary.status == "gave_up":
            body.append(Text("Stopped after too many steps without a fix.", style="bold yellow"))
        else:
            body.append(Text("Not finished yet.", style="bold"))
        if diagnosis is not None:
            cause = diagnosis.cause
            lead = "What was wrong" if summary.status == "fixed" else "Most likely"
            if not cause.is_fault:
                lead = "Nothing was broken" if summary.status == "fixed" else lead
            body += [
                "",
                Text.assemble(
                    (f"{lead}: ", "bold"), f"{cause.title} ({diagnosis.probability:.0%})"
                ),
                Text(" ".join(cause.explanation.split())),
            ]
        others = [v for v in summary.ranking[1:3] if v.probability >= 0.05]
        if others:
            body.append(
                Text(
                    "Also possible: "
                    + "; ".join(f"{v.cause.title} ({v.probability:.0%})" for v in others),
                    style="dim",
                )
            )
        if summary.prevention:
            body += ["", Text("So it does not happen again:", style="bold")]
            for tip in summary.prevention:
                body.append(
                    Text.assemble(
                        ("  • ", ""), (tip.title, "bold"), f" — {' '.join(tip.text.split())}"
                    )
                )
        body += ["", Text(f"Session {summary.session_id} is saved.", style="dim")]
        self.console.print()
        self.console.print(Panel(Group(*body), title="[bold]Summary[/]", title_align="left"))

    # --- steps kasa-doctor takes itself --------------------------------------------------------

    def confirm_fix(self, view: StepView, offer: FixOffer) -> bool:
        def parse(reply: str) -> bool | None:
            low = reply.lower()
            return True if low in _YES else False if low in _NO or low == "" else None

        self.console.print(
            f"[bold]kasa-doctor can do this for you:[/] {escape(offer.what)} "
            f"(takes {escape(about(offer.seconds))})."
        )
        return self._prompt(
            "Let kasa-doctor do it? \\[yes/no, Enter = no]:", parse, "Please answer yes or no."
        )

    def choose_network(self, view: StepView, scan: NetworkScan) -> WifiChoice | None:
        on = f" (now on: {escape(scan.current)})" if scan.current else ""
        self.console.print(f"[bold]Networks the camera can see[/]{on}:")
        choice = self._choose(
            [(str(i), c.label()) for i, c in enumerate(scan.choices)],
            "none of these — leave the Wi-Fi as it is",
        )
        return None if choice is None else scan.choices[int(choice)]

    def ask_wifi_password(self, network: WifiChoice) -> str | None:
        reply = self.console.input(
            f"[bold]Wi-Fi password for {escape(network.ssid)}[/] [dim](not shown; Enter to "
            "cancel)[/]: ",
            password=True,
        )
        return reply or None

    @contextmanager
    def fix_progress(
        self, view: StepView, seconds: float, *, checking: bool = False
    ) -> Iterator[ProgressFn]:
        title = "Checking the camera" if checking else view.step.title
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[words]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console, transient=checking) as bar_display:
            task = bar_display.add_task(title, total=100, words="")
            started = time.monotonic()

            def report(update: FixProgress) -> None:
                share = update.fraction
                if share is None and seconds > 0:
                    # no figure from the camera: show time against the expected duration,
                    # never quite full until it is done
                    share = min(0.95, (time.monotonic() - started) / seconds)
                completed = None if share is None else round(100 * max(0.0, min(1.0, share)))
                bar_display.update(task, completed=completed, words=escape(update.message))

            yield report

    def show_fix_unavailable(self, view: StepView, offer: FixOffer) -> None:
        self.console.print(f"[yellow]{escape(offer.reason)}[/]")

    def show_fix_result(self, view: StepView, result: FixResult) -> None:
        style = {"done": "green", "interrupted": "bold red"}.get(result.outcome, "yellow")
        self.console.print(f"[{style}]{escape(result.message)}[/]")

    def show_verification(self, view: StepView, verification: Verification, note: str) -> None:
        facts = "; ".join(verification.facts) or verification.message
        self.console.print(f"[dim]Checked the camera:[/] {escape(facts)}")
        if note:
            style = {"fixed": "green", "not_fixed": "yellow"}.get(verification.verdict, "")
            self.console.print(f"[{style}]{escape(note)}[/]" if style else escape(note))

    def show_readd_guide(self, view: StepView, guide: s.Instructions) -> None:
        parts: list[Text | str] = [
            Text("After the reset, add the camera to the app again:", style="bold"),
            Text.assemble(("What to do: ", "bold"), " ".join(guide.do.split())),
            Text.assemble(("What you should see: ", "bold"), " ".join(guide.expect.split())),
        ]
        if guide.wait:
            parts.append(Text.assemble(("How long: ", "bold"), " ".join(guide.wait.split())))
        self.console.print(
            Panel(Group(*parts), title="[bold]Set it up again[/]", title_align="left")
        )


def _hold(reset: s.Reset) -> str:
    """How long to hold the reset button: free text in the tables, on one line."""
    return one_line(reset.hold_seconds)
