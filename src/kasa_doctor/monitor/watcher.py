"""The watcher: rounds of polls, history, incidents, notifications — the monitor's core.

One round polls every configured camera once (bounded concurrency, see
:mod:`poller`), turns each report into a sample, runs the rules over each camera's
recent history, and writes the round, its samples, the incident changes and the
login back-off in one transaction. Only after that commit does it change its own
in-memory state, update the metrics and send the notifications waiting in the
outbox — so what the watcher believes is always what the database holds, and a crash
at any point loses at most the round in flight.

The CLI (``kasa-doctor watch``) is a thin shell around :class:`Watcher`; tests and
the benchmark drive it directly, round by round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kasa_doctor.monitor import backoff
from kasa_doctor.monitor.config import (
    CameraConfig,
    MonitorConfig,
    Thresholds,
    describe_reference,
    resolve_reference_bounded,
)
from kasa_doctor.monitor.metrics import Metrics
from kasa_doctor.monitor.notify import MAX_ATTEMPTS, Notifier
from kasa_doctor.monitor.poller import (
    LastSeen,
    Probe,
    detect_reboot,
    last_seen_after,
    poll_all,
    sample_from_report,
)
from kasa_doctor.monitor.rules import TITLES, Context, evaluate, history_needed
from kasa_doctor.monitor.store import (
    IncidentClose,
    IncidentOpen,
    LoginState,
    RoundWrite,
    SampleRow,
    Store,
    StoreError,
)
from kasa_doctor.probes.camera import CameraTarget, probe_camera
from kasa_doctor.probes.credentials import CameraCredentials

_LOGGER = logging.getLogger("kasa_doctor.monitor")


@dataclass
class CameraRuntime:
    """What the watcher keeps in memory about one camera between rounds."""

    config: CameraConfig
    name: str
    target: CameraTarget
    thresholds: Thresholds
    recent: deque[dict[str, Any]]
    reboots: deque[float] = field(default_factory=deque)
    last_seen: LastSeen | None = None
    login: LoginState = field(default_factory=LoginState)
    #: kind -> (incident id, opened at)
    open: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return str(self.target)


@dataclass
class RoundReport:
    """What one round did (for the log line, tests and the benchmark)."""

    round_id: int | None
    started_at: float
    finished_at: float
    cameras: int
    reachable: int
    login_attempts: int
    opened: list[tuple[str, str, str]] = field(default_factory=list)  # camera, kind, summary
    closed: list[tuple[str, str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def saved(self) -> bool:
        return self.round_id is not None

    @property
    def duration_s(self) -> float:
        return self.finished_at - self.started_at

    def line(self) -> str:
        if not self.saved:
            return f"round not saved: {self.error}"
        text = (
            f"round {self.round_id}: {self.reachable}/{self.cameras} cameras answered "
            f"in {self.duration_s:.2f} s"
        )
        if self.opened:
            text += "; opened: " + ", ".join(f"{c} {TITLES.get(k, k)}" for c, k, _ in self.opened)
        if self.closed:
            text += "; closed: " + ", ".join(f"{c} {TITLES.get(k, k)}" for c, k, _ in self.closed)
        return text


class Watcher:
    def __init__(
        self,
        config: MonitorConfig,
        store: Store,
        *,
        key: bytes,
        notifier: Notifier | None = None,
        metrics: Metrics | None = None,
        environ: Mapping[str, str] | None = None,
        probe: Probe = probe_camera,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.store = store
        self.notifier = notifier
        self.metrics = metrics
        self._key = key
        self._environ = environ
        self._probe = probe
        self._clock = clock
        self._warned_refs: set[str] = set()
        self._warned_slow = False
        self._secrets: tuple[str, ...] = ()
        self.cameras: list[CameraRuntime] = []
        for cam in config.cameras:
            thresholds = config.thresholds_for(cam)
            self.cameras.append(
                CameraRuntime(
                    config=cam,
                    name=cam.label,
                    target=cam.target(),
                    thresholds=thresholds,
                    recent=deque(maxlen=history_needed(thresholds)),
                )
            )
        self._started = False

    # --- start-up ------------------------------------------------------------------

    def start(self) -> None:
        """Register the cameras and pick up where the last run left off."""
        now = self._clock()
        self.store.ensure_cameras([(c.name, c.host) for c in self.cameras], now)
        window = max(c.thresholds.reboot_loop_window for c in self.cameras)
        keep = max(c.recent.maxlen or 1 for c in self.cameras)
        history = self.store.load_history(
            [c.name for c in self.cameras], keep=keep, reboot_window=window, now=now
        )
        open_incidents = self.store.open_incidents()
        for cam in self.cameras:
            hist = history.get(cam.name)
            if hist is not None:
                cam.recent.extend(hist.recent)
                cam.reboots.extend(hist.reboots)
                cam.login = hist.login
                if hist.last_seen is not None:
                    ts, uptime, firmware = hist.last_seen
                    cam.last_seen = LastSeen(ts, None if uptime is None else ts - uptime, firmware)
            cam.open = {i.kind: (i.id, i.opened_at) for i in open_incidents if i.camera == cam.name}
        self._started = True

    # --- credentials -----------------------------------------------------------------

    async def _resolve_all(self) -> dict[str, CameraCredentials | None]:
        """Each distinct reference once per round: a changed login takes effect at once."""
        refs = sorted({c.config.credentials for c in self.cameras})
        found: dict[str, CameraCredentials | None] = {}
        for ref in refs:
            # a keyring look-up can take seconds: off the event loop
            found[ref] = await asyncio.to_thread(resolve_reference_bounded, ref, self._environ)
            if found[ref] is None and ref != "none" and ref not in self._warned_refs:
                self._warned_refs.add(ref)
                users = [c.name for c in self.cameras if c.config.credentials == ref]
                _LOGGER.warning(
                    "no login found in %s (cameras: %s): only whether they answer is watched",
                    describe_reference(ref),
                    ", ".join(users[:5]) + (" …" if len(users) > 5 else ""),
                )
        secrets: set[str] = set()
        for creds in found.values():
            if creds is not None:
                secrets.update(creds.secrets())
        self._secrets = tuple(sorted(secrets))
        return found

    def secrets(self) -> tuple[str, ...]:
        """Every form of every login in use (for scrubbing logs and messages)."""
        return self._secrets

    # --- one round ---------------------------------------------------------------------

    async def run_round(self) -> RoundReport:
        if not self._started:
            self.start()
        policy = self.config.login_backoff
        started = self._clock()
        logins = await self._resolve_all()
        jobs: list[tuple[CameraTarget, CameraCredentials | None]] = []
        plans: list[tuple[CameraCredentials | None, str | None, backoff.Decision | None]] = []
        for cam in self.cameras:
            creds = logins.get(cam.config.credentials)
            if creds is None or cam.config.family == "kasa":
                jobs.append((cam.target, None))
                plans.append((creds, None, None))
                continue
            fingerprint = backoff.fingerprint(creds, self._key)
            verdict = backoff.decide(cam.login, fingerprint, started, policy)
            jobs.append((cam.target, creds if verdict.attempt else None))
            plans.append((creds, fingerprint, verdict))

        results = await poll_all(
            jobs,
            timeout=self.config.timeout,
            concurrency=self.config.concurrency,
            probe=self._probe,
            clock=self._clock,
        )
        finished = self._clock()

        samples: list[SampleRow] = []
        new_logins: dict[str, LoginState] = {}
        opened: list[IncidentOpen] = []
        closed: list[IncidentClose] = []
        closed_info: list[tuple[str, str, str]] = []
        updates: list[tuple[CameraRuntime, SampleRow, LoginState, LastSeen | None, bool]] = []
        attempts = 0
        for cam, (camera_report, ts), (creds, fp, decision) in zip(
            self.cameras, results, plans, strict=True
        ):
            given = decision is not None and decision.attempt
            poll = sample_from_report(cam.name, camera_report, ts, credentials_given=given)
            sample = poll.sample
            if sample.auth == "none" and creds is not None and poll.family != "kasa":
                sample.auth = "skipped"  # held back by the back-off
            login = cam.login
            if poll.attempted_login and fp is not None and poll.outcome is not None:
                attempts += 1
                login = backoff.record(
                    cam.login, fp, poll.outcome, ts, policy, locked_for=poll.locked_for
                )
                if login != cam.login:
                    new_logins[cam.name] = login
            method = detect_reboot(
                sample,
                cam.last_seen,
                list(cam.recent),
                outage_rounds=cam.thresholds.reboot_outage_rounds,
            )
            if method is not None:
                sample.reboot, sample.reboot_method = True, method
            unexpected = sample.reboot and method != "update"
            reboots = [t for t in cam.reboots if t > finished - cam.thresholds.reboot_loop_window]
            if unexpected:
                reboots.append(sample.ts)
            history = [*cam.recent, sample.columns()]
            note = None
            if sample.auth in ("failed", "locked"):
                note = backoff.describe(login, policy, finished)
            ctx = Context(
                now=finished,
                thresholds=cam.thresholds,
                reboots=reboots,
                opened_at={k: v[1] for k, v in cam.open.items()},
                login_note=note,
            )
            for change in evaluate(history, ctx, cam.open.keys(), ignore=cam.config.ignore):
                if change.action == "open":
                    opened.append(
                        IncidentOpen(
                            cam.name, change.kind, change.summary, change.cause, change.detail
                        )
                    )
                else:
                    closed.append(IncidentClose(cam.open[change.kind][0], change.summary))
                    closed_info.append((cam.name, change.kind, change.summary))
            samples.append(sample)
            updates.append((cam, sample, login, last_seen_after(sample, cam.last_seen), unexpected))

        work = RoundWrite(
            started_at=started,
            finished_at=finished,
            samples=samples,
            opened=opened,
            closed=closed,
            logins=new_logins,
            notify=bool(self.notifier),
        )
        reachable = sum(1 for s in samples if s.reachable)
        try:
            round_id, opened_ids = await asyncio.to_thread(self.store.write_round, work)
        except StoreError as exc:
            # Nothing of this round is kept, in memory either — except the login
            # back-off: the attempts did happen, and the camera counts them.
            for cam, _sample, login, _seen, _unexpected in updates:
                cam.login = login
            return RoundReport(
                None, started, finished, len(samples), reachable, attempts, error=str(exc)
            )

        # Committed: now the in-memory state follows.
        by_name = {cam.name: cam for cam in self.cameras}
        for cam, sample, login, seen, unexpected in updates:
            cam.recent.append(sample.columns())
            cam.login = login
            cam.last_seen = seen
            while cam.reboots and cam.reboots[0] <= finished - cam.thresholds.reboot_loop_window:
                cam.reboots.popleft()
            if unexpected:
                cam.reboots.append(sample.ts)
        for camera, kind, _summary in closed_info:
            del by_name[camera].open[kind]
        for opening, incident_id in zip(opened, opened_ids, strict=True):
            by_name[opening.camera].open[opening.kind] = (incident_id, finished)
        report = RoundReport(
            round_id,
            started,
            finished,
            len(samples),
            reachable,
            attempts,
            opened=[(o.camera, o.kind, o.summary) for o in opened],
            closed=closed_info,
        )
        if self.metrics is not None:
            self.metrics.observe_round(
                [(s, by_name[s.camera].host) for s in samples],
                duration_s=report.duration_s,
                finished_at=finished,
                open_by_camera={c.name: list(c.open) for c in self.cameras},
            )
        return report

    # --- notifications --------------------------------------------------------------------

    async def flush_notifications(self) -> int:
        """Send what waits in the outbox; returns how many messages went out."""
        if not self.notifier:
            return 0
        try:
            pending = await asyncio.to_thread(self.store.pending_notices)
        except StoreError as exc:
            _LOGGER.warning("notifications not sent: %s", exc)
            return 0
        sent = 0
        for notice in pending:
            ok = await self.notifier.send(notice)
            status = (
                "sent" if ok else ("failed" if notice.attempts + 1 >= MAX_ATTEMPTS else "pending")
            )
            if not ok:
                _LOGGER.warning(
                    "notification about %s (%s %s) not delivered%s",
                    notice.camera,
                    notice.kind,
                    notice.event,
                    "; giving up" if status == "failed" else "; retrying next round",
                )
            try:
                await asyncio.to_thread(
                    self.store.mark_notice, notice.incident_id, notice.event, status
                )
            except StoreError as exc:
                _LOGGER.warning("notification state not saved: %s", exc)
                break
            sent += ok
        return sent

    # --- the loop --------------------------------------------------------------------------

    async def run(
        self,
        *,
        once: bool = False,
        interval: float | None = None,
        stop: asyncio.Event | None = None,
        max_rounds: int | None = None,
        on_round: Callable[[RoundReport], None] | None = None,
    ) -> int:
        """Poll until ``stop`` is set (or once, or ``max_rounds``); returns rounds saved."""
        period = interval if interval is not None else self.config.interval
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        if not self._started:
            await asyncio.to_thread(self.start)
        await self.flush_notifications()  # left over from a run that was cut short
        saved = 0
        rounds = 0
        next_start = loop.time()
        while not stop.is_set():
            report = await self.run_round()
            rounds += 1
            saved += report.saved
            if on_round is not None:
                on_round(report)
            await self.flush_notifications()
            if once or (max_rounds is not None and rounds >= max_rounds):
                break
            next_start += period
            now = loop.time()
            if next_start < now:
                missed = math.ceil((now - next_start) / period)
                if not self._warned_slow:
                    self._warned_slow = True  # once: the round lines show the durations
                    _LOGGER.warning(
                        "a round took longer than the interval (%g s); rounds now follow "
                        "each other without a pause",
                        period,
                    )
                next_start += missed * period
                next_start = min(next_start, now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_start - now))
        return saved
