"""Live checks for a troubleshooting session: the camera, the home network and this
computer's Wi-Fi, run together, and their readings recorded as evidence.

This is the one place where the session meets the probes: each reading whose id the
knowledge base knows becomes an observation (its raw value kept for the support
report); readings the engine has no use for (firmware string, clock offset, SD card,
privacy mode) go to the session's notes, so the report still shows them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from kasa_doctor.engine.session import Session, SessionError
from kasa_doctor.probes.camera import CameraReport, CameraTarget, probe_camera
from kasa_doctor.probes.credentials import CameraCredentials
from kasa_doctor.probes.network import NetworkProbeConfig, probe_network
from kasa_doctor.probes.observation import Observation
from kasa_doctor.probes.wifi import probe_host_wifi

#: session.meta keys for what the camera says it is
IDENTITY_KEYS = ("model", "hardware_version", "firmware", "device_type")


@dataclass
class LiveChecks:
    observations: list[Observation] = field(default_factory=list)
    camera: CameraReport | None = None

    def get(self, probe: str) -> Observation | None:
        found = [o for o in self.observations if o.probe == probe]
        return found[-1] if found else None


async def gather_live_checks(
    target: CameraTarget | None,
    credentials: CameraCredentials | None,
    *,
    network: NetworkProbeConfig | None = None,
    host_wifi: bool = False,
    timeout: float = 5.0,
) -> LiveChecks:
    """Run every requested check at once; none of them raises, each has a timeout.

    ``network=None`` skips the home-network checks and ``host_wifi=False`` the
    computer's Wi-Fi: they touch the real router, so they run only when asked for.
    """
    camera_task = (
        asyncio.ensure_future(probe_camera(target, credentials, timeout=timeout))
        if target is not None
        else None
    )
    network_task = asyncio.ensure_future(probe_network(network)) if network is not None else None
    wifi_task = asyncio.ensure_future(probe_host_wifi(timeout=timeout)) if host_wifi else None
    result = LiveChecks()
    if camera_task is not None:
        result.camera = await camera_task
        result.observations.extend(result.camera.observations)
    if network_task is not None:
        result.observations.extend(await network_task)
    if wifi_task is not None:
        result.observations.extend(await wifi_task)
    return result


def record_live_checks(session: Session, checks: LiveChecks, *, at: str | None = None) -> None:
    """Put the readings into the session as evidence (and notes for the report)."""
    variables = session.engine.variables
    for obs in checks.observations:
        raw: dict[str, object] = {"reading": dict(obs.raw)}
        if obs.detail:
            raw["detail"] = obs.detail
        if obs.probe not in variables or variables[obs.probe].kind != "probe":
            if obs.detail:
                session.meta[f"reading.{obs.probe}"] = obs.detail
            continue
        try:
            session.observe(obs.probe, obs.value, raw=raw, at=at)
        except SessionError as exc:
            # a value the knowledge base has no word for is no evidence; keep it visible
            raw["rejected"] = str(exc)
            session.observe(obs.probe, None, raw=raw, at=at)
    if checks.camera is not None:
        identity = checks.camera.identity.to_dict()
        for key in IDENTITY_KEYS:
            value = identity.get(key)
            if value:
                session.meta[f"camera.{key}"] = str(value)
        if checks.camera.notes:
            session.meta["camera.notes"] = " ".join(checks.camera.notes)
        if session.model_name in (None, "", "unknown") and checks.camera.identity.model:
            session.model_name = checks.camera.identity.model
