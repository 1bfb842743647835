"""One sample per camera: probe it, turn the report into a row, tell whether it restarted.

The probe is :func:`kasa_doctor.probes.camera.probe_camera`, the same one
``kasa-doctor check`` uses, so a monitored reading means exactly what the report
says. :func:`poll_all` runs it over many cameras with a bounded number at a time
(an ``asyncio.Semaphore``): every poll costs a TLS handshake and a login on a small
embedded device and a home router, and a thousand at once helps nobody.

Restarts. No Tapo camera reports its uptime on the local network, but its clock
gives a restart away: after power-up it counts from the firmware build date until a
time server answers, and the probe turns that into an uptime estimate. So:

* ``clock``: the estimated boot time moved forward since the last time the camera
  was seen up (by more than the clock's one-second resolution) — it restarted in
  between;
* ``outage``: the camera was unreachable for a round or two, is back and readable,
  and its clock (already set) cannot tell — counted as a restart too, since a power
  blip looks exactly like this from the network;
* ``update``: it restarted and now runs another firmware — expected, not counted
  towards a reboot loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kasa_doctor.monitor.backoff import LoginOutcome
from kasa_doctor.monitor.store import SampleRow
from kasa_doctor.probes.camera import CameraReport, CameraTarget, probe_camera
from kasa_doctor.probes.credentials import CameraCredentials
from kasa_doctor.probes.observation import Observation

#: a camera's clock counts whole seconds, so a boot time estimated from it is up to one
#: second late; two estimates closer than this (plus the read's round trip) may be the
#: same boot
BOOT_TOLERANCE_S: Final = 1.2

Probe = Callable[..., Awaitable[CameraReport]]


@dataclass(frozen=True)
class LastSeen:
    """The newest sample in which the camera's clock was read (for restart detection)."""

    ts: float
    boot_at: float | None  # estimated boot time, when the clock allowed an estimate
    firmware: str | None


@dataclass
class Poll:
    """What one poll of one camera gave."""

    sample: SampleRow
    attempted_login: bool
    outcome: LoginOutcome | None
    locked_for: float | None
    family: str | None


def _raw(obs: Observation | None, key: str) -> object:
    return None if obs is None else obs.raw.get(key)


def _yes_no(obs: Observation | None) -> bool | None:
    if obs is None or obs.value is None:
        return None
    return obs.value == "yes"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _uptime_at(report: CameraReport, ts: float) -> float | None:
    """The camera's uptime at ``ts`` (the sample's time), from the probe's estimate.

    The estimate belongs to the moment the clock was read (``host_time``), which can
    be a little before the poll finished; measured from there, the boot time it
    implies does not wander with how long the rest of the poll took.
    """
    clock = report.get("camera_clock_offset")
    uptime = _number(_raw(report.get("camera_uptime"), "uptime_s_estimate"))
    if uptime is None:
        return None
    read_at = _number(_raw(clock, "host_time"))
    if read_at is None or not 0.0 <= ts - read_at <= 60.0:
        return uptime  # no read time, or a sample clock that is not the wall clock
    return uptime + (ts - read_at)


def sample_from_report(
    camera: str,
    report: CameraReport,
    ts: float,
    *,
    credentials_given: bool,
) -> Poll:
    """A sample row (and the login outcome) from one probe report.

    ``credentials_given`` says whether the probe was handed a login; without one the
    sample's ``auth`` is "none" — the caller turns it into "skipped" when the login was
    held back by the back-off.
    """
    reach = report.get("camera_reachable")
    reachable = report.reachable
    family = report.identity.family
    auth_obs = report.get("camera_auth")
    outcome: LoginOutcome | None = None
    locked_for: float | None = None
    auth: str | None = None
    attempted = False
    if family == "kasa":
        auth = "n/a"
    elif reachable and not credentials_given:
        auth = "none"
    elif reachable and auth_obs is not None:
        attempted = True
        if auth_obs.value == "ok":
            auth, outcome = "ok", "ok"
        elif auth_obs.value == "failed":
            if auth_obs.raw.get("locked_out"):
                auth, outcome = "locked", "locked"
                locked_for = _number(auth_obs.raw.get("sec_left"))
            else:
                auth, outcome = "failed", "failed"
        else:
            outcome = "unknown"
    signal = report.get("camera_signal")
    rssi = _number(_raw(signal, "rssi_dbm")) if signal is not None and signal.value else None
    cloud = report.get("camera_cloud")
    response_s = _number(_raw(reach, "tls_s")) if reachable else None
    if reachable and response_s is None:
        response_s = _number(_raw(reach, "legacy_s"))
    error: str | None = None
    if not reachable:
        error = (reach.detail if reach is not None else "not checked")[:200]
    elif auth is None and auth_obs is not None and auth_obs.value is None:
        error = auth_obs.detail[:200]
    sample = SampleRow(
        camera=camera,
        ts=ts,
        reachable=reachable,
        probe_ms=round(report.elapsed_s * 1000, 2),
        auth=auth,
        rssi=None if rssi is None else int(rssi),
        signal=signal.value if signal is not None else None,
        cloud=cloud.value if cloud is not None else None,
        firmware=report.identity.firmware,
        model=report.identity.model,
        update_available=_yes_no(report.get("camera_update_available")),
        update_failed=_yes_no(report.get("camera_last_update_failed")),
        overheated=_yes_no(report.get("camera_overheated")),
        uptime_s=_uptime_at(report, ts),
        clock_offset_s=_number(_raw(report.get("camera_clock_offset"), "offset_s")),
        response_ms=None if response_s is None else round(response_s * 1000, 2),
        error=error,
    )
    return Poll(sample, attempted, outcome, locked_for, family)


def detect_reboot(
    sample: SampleRow,
    last_seen: LastSeen | None,
    previous: Sequence[dict[str, Any]],
    *,
    outage_rounds: int,
) -> str | None:
    """How ``sample`` shows that the camera restarted since ``last_seen``; None if not.

    ``previous`` is the camera's recent history before ``sample`` (oldest first).
    """
    if not sample.reachable or last_seen is None:
        return None  # a camera seen for the first time has not "restarted"
    method: str | None = None
    if sample.uptime_s is not None:
        boot_at = sample.ts - sample.uptime_s
        reference = last_seen.boot_at if last_seen.boot_at is not None else last_seen.ts
        if boot_at - reference > BOOT_TOLERANCE_S:
            method = "clock"
    elif outage_rounds > 0 and sample.auth is not None:
        # Readable now (not a read cut short), clock already set, and away just before.
        away = 0
        for row in reversed(previous):
            if row["reachable"]:
                break
            away += 1
        if 1 <= away <= outage_rounds and away < len(previous):
            method = "outage"
    if method is None:
        return None
    if sample.firmware and last_seen.firmware and sample.firmware != last_seen.firmware:
        return "update"
    return method


def last_seen_after(sample: SampleRow, before: LastSeen | None) -> LastSeen | None:
    """The camera's :class:`LastSeen` once ``sample`` is taken into account.

    Only a sample whose clock was read counts: a camera that answered the TLS
    handshake and then went away mid-login (it was on its way down) says nothing
    about its boot, and using that moment as the reference would hide the restart
    that follows.
    """
    if not sample.reachable or sample.clock_offset_s is None:
        return before
    boot_at = None if sample.uptime_s is None else sample.ts - sample.uptime_s
    firmware = sample.firmware or (before.firmware if before else None)
    return LastSeen(sample.ts, boot_at, firmware)


def unreachable_report(target: CameraTarget, why: str, elapsed: float) -> CameraReport:
    report = CameraReport(target=target)
    report.observations.append(Observation("camera_reachable", "no", {"error": why}, why))
    report.elapsed_s = elapsed
    return report


async def poll_one(
    target: CameraTarget,
    credentials: CameraCredentials | None,
    *,
    timeout: float,
    probe: Probe = probe_camera,
) -> CameraReport:
    """One probe, with a hard ceiling on top of the probe's own per-stage timeouts."""
    started = time.perf_counter()
    # reach + login + read + details, each bounded by `timeout`, plus the disconnect
    ceiling = timeout * 5 + 2
    try:
        return await asyncio.wait_for(probe(target, credentials, timeout=timeout), ceiling)
    except TimeoutError:
        return unreachable_report(
            target,
            f"the poll did not finish within {ceiling:g} s",
            time.perf_counter() - started,
        )


async def poll_all(
    jobs: Sequence[tuple[CameraTarget, CameraCredentials | None]],
    *,
    timeout: float,
    concurrency: int,
    probe: Probe = probe_camera,
    clock: Callable[[], float] = time.time,
) -> list[tuple[CameraReport, float]]:
    """(report, time the poll finished) per job, in order; at most ``concurrency`` at once."""
    gate = asyncio.Semaphore(concurrency)

    async def one(
        target: CameraTarget, creds: CameraCredentials | None
    ) -> tuple[CameraReport, float]:
        async with gate:
            report = await poll_one(target, creds, timeout=timeout, probe=probe)
            # The clock was read at the end of the probe: the finish time is what the
            # camera's uptime estimate is measured against.
            return report, clock()

    return list(await asyncio.gather(*(one(t, c) for t, c in jobs)))
