"""Benchmark: many owners troubleshooting at once in the web page, on loopback.

    .venv/bin/python bench/web.py [--sessions 200] [--think 0.5 2.0] [--seed 7]

`kasa-doctor serve` runs as a subprocess on 127.0.0.1 (its own interpreter, so client
and server do not share a GIL) with a throwaway KASA_DOCTOR_HOME. The client
(httpx.AsyncClient, one per simulated owner, each with its own cookies) plays
``--sessions`` owners at once. Each owner does what the browser does: loads the home
page (the CSRF cookie and token), taps "Start troubleshooting" (a plain form post),
loads the session's page, then answers through the htmx routes (``HX-Request`` and
``X-CSRF-Token``, each answer returning the wizard panel) — the model, the light, every
question, every step's "did it help?", and the escalation when it comes — reading
what to answer next from the panel it got back, until the outcome.

Owners follow one of three stories, chosen at random (seeded):

- the Wi-Fi password changed (C200, red slow blink): reconnecting in the app fixes it;
- a power fault (C100, red solid): a different adapter fixes it;
- nothing helps (C210, red solid, "I don't know" to every question): every step fails,
  the run escalates and the support report is written.

Each owner waits a think time between taps, drawn uniformly from ``--think LOW HIGH``
seconds (seeded): 200 owners at once, not 200 requests back to back. A second run
with no think time at all is a stress figure, for information.

Measured: the latency of every tap (request sent to panel received) on the client,
p50/p95/p99/max; errors (a non-2xx/3xx answer, a panel reporting an error, a
transport failure, an owner who did not finish); requests per second; server CPU.
Target: p95 of one step ≤ 100 ms with think time. Bounded everywhere: at most
``MAX_TURNS`` taps per owner, a per-request timeout and an overall deadline per run.
Written to bench/results/web.md and web.json. Only loopback is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import queue
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchlib import percentile

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
TARGET_P95_MS = 100.0
MAX_TURNS = 40
#: the requests that are one step of the wizard (what the target is about)
WIZARD_STEPS = frozenset({"model", "led", "answer", "step", "escalate"})
REQUEST_TIMEOUT_S = 30.0
STARTUP_TIMEOUT_S = 30.0

PASSWORD_STORY = {
    "wifi_password_changed": "yes",
    "router_changed_recently": "no",
    "power_outage_recently": "no",
    "setup_completed": "yes",
    "all_tplink_devices_offline": "yes",
    "internet_works": "yes",
    "other_devices_online": "yes",
    "live_view_works": "no",
    "problem_intermittent": "no",
    "wifi_security": "wpa2",
}
POWER_STORY = {
    "camera_keeps_restarting": "yes",
    "power_source": "other_adapter",
    "cable_damaged": "no",
    "camera_hot": "no",
    "heat_exposure": "no",
    "other_devices_online": "yes",
    "internet_works": "yes",
    "power_outage_recently": "no",
    "physical_damage": "no",
}


@dataclass(frozen=True)
class Story:
    name: str
    model: str
    light: str
    answers: dict[str, str]
    fixed_by: frozenset[str]


STORIES = (
    Story("wifi password changed", "C200", "red_slow_blink", PASSWORD_STORY,
          frozenset({"reconnect_in_app"})),
    Story("power fault", "C100", "red_solid", POWER_STORY,
          frozenset({"swap_power_supply", "reseat_power"})),
    Story("nothing helps", "C210", "red_solid", {}, frozenset()),
)  # fmt: skip


@dataclass
class Tap:
    kind: str
    ms: float
    ok: bool


@dataclass
class Owner:
    story: str
    taps: list[Tap] = field(default_factory=list)
    outcome: str = ""
    error: str = ""


@dataclass
class Run:
    label: str
    sessions: int
    think_s: tuple[float, float]
    wall_s: float
    requests: int
    requests_per_s: float
    #: the wizard's steps: model, light, answers, step outcomes, escalation (judged)
    steps: int
    step_ms_p50: float
    step_ms_p95: float
    step_ms_p99: float
    step_ms_max: float
    #: every request, page loads included (home page, start, session page)
    all_ms_p50: float
    all_ms_p95: float
    all_ms_p99: float
    all_ms_max: float
    errors: int
    error_kinds: dict[str, int]
    finished: int
    outcomes: dict[str, int]
    stories: dict[str, int]
    taps_per_session_mean: float
    by_kind_p95_ms: dict[str, float]
    server_cpu_s: float
    #: saved sessions in the server's folder after the run (the home page lists the 10 newest)
    session_files: int
    target_p95_ms: float
    target_met: bool


# --- the owner ---------------------------------------------------------------------------


PANEL_ACTION = re.compile(r'hx-post="/sessions/[^/"]+/(\w+)"')
STATUS = re.compile(r'<div id="wizard" class="wizard" data-status="(\w+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(question|step)" value="([^"]*)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _what(panel: str) -> tuple[str, str, str, bool]:
    """(status, action, question or step id, needs confirmation) of a wizard panel."""
    status = STATUS.search(panel)
    action = PANEL_ACTION.search(panel)
    hidden = HIDDEN.search(panel)
    return (
        status.group(1) if status else "",
        action.group(1) if action else "",
        hidden.group(2) if hidden else "",
        'name="confirm"' in panel,
    )


async def _owner(
    base: str, story: Story, rng: random.Random, think: tuple[float, float], owner: Owner
) -> None:
    timeout = httpx.Timeout(REQUEST_TIMEOUT_S)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as http:

        async def tap(kind: str, method: str, path: str, **kw: Any) -> httpx.Response:
            if think[1] > 0:
                await asyncio.sleep(rng.uniform(*think))
            start = time.perf_counter()
            response = await http.request(method, path, **kw)
            ms = (time.perf_counter() - start) * 1000
            ok = response.status_code < 400 and 'class="error"' not in response.text
            owner.taps.append(Tap(kind, ms, ok))
            if not ok:
                raise RuntimeError(f"{kind}: HTTP {response.status_code}")
            return response

        home = await tap("home page", "GET", "/")
        found = CSRF.search(home.text)
        if not found:
            raise RuntimeError("no CSRF token in the home page")
        token = found.group(1)
        started = await tap("start", "POST", "/sessions", data={"csrf_token": token})
        where = started.headers["location"]
        page = await tap("session page", "GET", where)
        panel = page.text
        htmx = {"HX-Request": "true", "X-CSRF-Token": token}
        for _ in range(MAX_TURNS):
            status, action, ident, confirm = _what(panel)
            if status != "open":
                owner.outcome = status
                return
            if action == "model":
                form = {"model": story.model}
            elif action == "led":
                form = {"led": story.light}
            elif action == "answer":
                form = {"question": ident, "answer": story.answers.get(ident, "")}
            elif action == "step":
                outcome = "fixed" if ident in story.fixed_by else "not_fixed"
                form = {"step": ident, "outcome": outcome}
                if confirm:
                    form["confirm"] = "yes"
            elif action == "escalate":
                form = {"purchase_date": "2024-05"}
            else:
                raise RuntimeError(f"a panel with nothing to answer ({status!r})")
            response = await tap(action, "POST", f"{where}/{action}", data=form, headers=htmx)
            panel = response.text
        raise RuntimeError(f"no outcome after {MAX_TURNS} taps")


async def _all_owners(
    base: str, sessions: int, think: tuple[float, float], seed: int, deadline_s: float
) -> list[Owner]:
    rng = random.Random(seed)
    owners: list[Owner] = []
    jobs = []
    for _ in range(sessions):
        story = rng.choice(STORIES)
        owner = Owner(story.name)
        owners.append(owner)
        jobs.append(_guarded(base, story, random.Random(rng.random()), think, owner))
    tasks = [asyncio.create_task(job) for job in jobs]
    _done, pending = await asyncio.wait(tasks, timeout=deadline_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for owner, task in zip(owners, tasks, strict=True):
        if task in pending and not owner.error:
            owner.error = "did not finish before the deadline"
    return owners


async def _guarded(
    base: str, story: Story, rng: random.Random, think: tuple[float, float], owner: Owner
) -> None:
    try:
        await _owner(base, story, rng, think, owner)
    except Exception as exc:  # every failure is counted, none stops the run
        owner.error = (str(exc) or type(exc).__name__)[:80]


# --- the server --------------------------------------------------------------------------


class Server:
    """`kasa-doctor serve` on 127.0.0.1 and a free port, as a subprocess."""

    def __init__(self, home: Path) -> None:
        self.home = home
        env = {**os.environ, "KASA_DOCTOR_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        env.pop("KASA_DOCTOR_TOKEN", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kasa_doctor", "serve", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
            cwd=REPO,
        )
        lines: queue.Queue[str] = queue.Queue()
        out = self.proc.stdout
        assert out is not None

        def pump() -> None:
            for line in out:
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        seen = ""
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            seen += line
            if found := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
                self.base = f"http://127.0.0.1:{found.group(1)}"
                return
        self.stop()
        raise SystemExit(f"the server did not start:\n{seen}")

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server process so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


# --- runs ----------------------------------------------------------------------------------


def run(server: Server, label: str, sessions: int, think: tuple[float, float], seed: int) -> Run:
    # an owner with the slowest think time and every tap: the run cannot take longer
    deadline = MAX_TURNS * (think[1] + REQUEST_TIMEOUT_S / 10) + 60
    cpu_before = server.cpu_s()
    start = time.monotonic()
    owners = asyncio.run(_all_owners(server.base, sessions, think, seed, deadline))
    wall = time.monotonic() - start
    cpu = server.cpu_s() - cpu_before
    taps = [t for o in owners for t in o.taps]
    millis = [t.ms for t in taps]
    kinds: dict[str, int] = {}
    for owner in owners:
        if owner.error:
            kinds[owner.error] = kinds.get(owner.error, 0) + 1
    outcomes: dict[str, int] = {}
    stories: dict[str, int] = {}
    for owner in owners:
        stories[owner.story] = stories.get(owner.story, 0) + 1
        if owner.outcome:
            outcomes[owner.outcome] = outcomes.get(owner.outcome, 0) + 1
    by_kind: dict[str, list[float]] = {}
    for t in taps:
        by_kind.setdefault(t.kind, []).append(t.ms)
    steps = [t.ms for t in taps if t.kind in WIZARD_STEPS]
    p95 = percentile(steps, 95)
    errors = sum(not t.ok for t in taps) + sum(bool(o.error) and all(t.ok for t in o.taps)
                                               for o in owners)  # fmt: skip
    return Run(
        label=label,
        sessions=sessions,
        think_s=think,
        wall_s=round(wall, 2),
        requests=len(taps),
        requests_per_s=round(len(taps) / wall, 1) if wall else 0.0,
        steps=len(steps),
        step_ms_p50=round(percentile(steps, 50), 1),
        step_ms_p95=round(p95, 1),
        step_ms_p99=round(percentile(steps, 99), 1),
        step_ms_max=round(max(steps, default=0.0), 1),
        all_ms_p50=round(percentile(millis, 50), 1),
        all_ms_p95=round(percentile(millis, 95), 1),
        all_ms_p99=round(percentile(millis, 99), 1),
        all_ms_max=round(max(millis, default=0.0), 1),
        errors=errors,
        error_kinds=kinds,
        finished=sum(bool(o.outcome) for o in owners),
        outcomes=outcomes,
        stories=stories,
        taps_per_session_mean=round(len(taps) / sessions, 1) if sessions else 0.0,
        by_kind_p95_ms={k: round(percentile(v, 95), 1) for k, v in sorted(by_kind.items())},
        server_cpu_s=round(cpu, 2),
        session_files=len(list((server.home / "sessions").glob("*.json"))),
        target_p95_ms=TARGET_P95_MS,
        target_met=p95 <= TARGET_P95_MS and errors == 0,
    )


def to_markdown(runs: list[Run]) -> str:
    lines = [
        "| run | sessions | think time | wizard steps | p50 | p95 | p99 | max "
        "| errors | finished | target: step p95 ≤ 100 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        think = f"{r.think_s[0]:g}–{r.think_s[1]:g} s" if r.think_s[1] else "none"
        verdict = ("PASS" if r.target_met else "FAIL") if r.think_s[1] else "(information)"
        lines.append(
            f"| {r.label} | {r.sessions} | {think} | {r.steps} | {r.step_ms_p50} ms "
            f"| {r.step_ms_p95} ms | {r.step_ms_p99} ms | {r.step_ms_max} ms | {r.errors} "
            f"| {r.finished}/{r.sessions} | {verdict} |"
        )
    lines += [
        "",
        "Every request, page loads included (home page, start, session page):",
        "",
        "| run | requests | req/s | p50 | p95 | p99 | max | wall | server CPU "
        "| saved sessions after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        lines.append(
            f"| {r.label} | {r.requests} | {r.requests_per_s} | {r.all_ms_p50} ms "
            f"| {r.all_ms_p95} ms | {r.all_ms_p99} ms | {r.all_ms_max} ms | {r.wall_s} s "
            f"| {r.server_cpu_s} s | {r.session_files} |"
        )
    for r in runs:
        lines += ["", f"**{r.label}** — p95 by request kind (ms):", ""]
        lines += ["| request | p95 |", "| --- | --- |"]
        lines += [f"| {kind} | {ms} |" for kind, ms in r.by_kind_p95_ms.items()]
        outcomes = ", ".join(f"{k} {n}" for k, n in sorted(r.outcomes.items()))
        stories = ", ".join(f"{k} {n}" for k, n in sorted(r.stories.items()))
        lines += ["", f"Stories: {stories}. Outcomes: {outcomes}. "
                  f"Taps per session: {r.taps_per_session_mean}."]  # fmt: skip
        if r.error_kinds:
            lines += ["", "| error | sessions |", "| --- | --- |"]
            lines += [f"| {kind} | {n} |" for kind, n in sorted(r.error_kinds.items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--think", type=float, nargs=2, default=(0.5, 2.0), metavar=("LOW", "HIGH"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-stress", action="store_true", help="skip the no-think-time run")
    parser.add_argument("--no-save", action="store_true", help="print only")
    args = parser.parse_args()
    think = (float(args.think[0]), float(args.think[1]))
    with tempfile.TemporaryDirectory(prefix="kd-bench-web-") as home:
        server = Server(Path(home))
        try:
            # warm-up: the server's first session loads the knowledge base and engine
            asyncio.run(_all_owners(server.base, 3, (0.0, 0.0), args.seed + 1, 120))
            runs = [run(server, "owners with think time", args.sessions, think, args.seed)]
            if not args.no_stress:
                runs.append(run(server, "stress: no think time", args.sessions, (0, 0), args.seed))
        finally:
            server.stop()
    cpus = os.cpu_count() or 0
    intro = (
        f"`bench/web.py --sessions {args.sessions} --think {think[0]:g} {think[1]:g} "
        f"--seed {args.seed}` on {cpus} CPUs, Python {platform.python_version()}. "
        "`kasa-doctor serve` runs as its own process on 127.0.0.1 (uvicorn, one worker); "
        "the simulated owners run in another (httpx.AsyncClient, one client and connection "
        "per owner). Every owner taps through a whole diagnosis the way the page does "
        "(home page, start, session page, then htmx posts returning the wizard panel: "
        "model, light, questions, steps, escalation), answering from its story; "
        f"between taps it thinks for a uniformly random {think[0]:g}–{think[1]:g} s "
        "(seeded), so the sessions overlap the way real owners' would. Latency = one "
        "request, sent to answer received, on the client. The stress row sends every "
        "tap as soon as the last one answered (no think time): all sessions in flight "
        "back to back; it is for information, not judged. A warm-up of three sessions "
        "runs first.\n\n"
        "Stories (chosen at random, seeded): *Wi-Fi password changed* (C200, red slow "
        "blink; reconnecting in the app fixes it), *power fault* (C100, red solid; "
        'another adapter fixes it), *nothing helps* (C210, red solid; "I don\'t know" '
        "to every question, every step fails, the run escalates and the support report "
        "is written). Wizard steps = the model, light, answer, step-outcome and "
        "escalation posts; the target is about them. Errors = a 4xx/5xx, a panel "
        "showing an error, a transport failure, or an owner not done by the deadline. "
        "The runs fill the sessions folder with hundreds of sessions; the home page "
        "reads only the ten newest. Page loads have the longer tail because every owner "
        "opens the home page within the first two seconds of the run (one think time), "
        "so they meet the server at its busiest."
    )
    table = to_markdown(runs)
    print(table)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "web.md").write_text(f"# Web benchmark\n\n{intro}\n\n{table}")
        doc = {"python": platform.python_version(), "cpus": cpus, "runs": [asdict(r) for r in runs]}
        (RESULTS / "web.json").write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
