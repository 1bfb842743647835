"""Finding cameras with python-kasa's discovery, aimed at an explicit address.

kasa-doctor never scans a network on its own: the caller names the broadcast
address (``192.168.1.255``) or a single host, and only that is asked. Discovery
sends the legacy Kasa ``get_sysinfo`` (UDP 9999) and the Tapo discovery query
(UDP 20002/20004); every camera, doorbell and hub that answers is listed so the
owner can pick one. Other TP-Link devices (plugs, bulbs) are left out.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
from dataclasses import dataclass
from typing import Any, Final, Literal

from kasa import Device, Discover
from kasa.discover import DiscoveredRaw
from kasa.exceptions import UnsupportedDeviceError

from kasa_doctor.probes.camera import (
    DEFAULT_KASA_PORT,
    DEFAULT_TAPO_PORT,
    CameraTarget,
    Family,
)

_LOGGER = logging.getLogger(__name__)

CameraKind = Literal["camera", "doorbell", "hub"]
KINDS: Final[dict[str, CameraKind]] = {
    "SMART.IPCAMERA": "camera",
    "SMART.TAPODOORBELL": "doorbell",
    "SMART.TAPOHUB": "hub",
    "IOT.IPCAMERA": "camera",
}


@dataclass(frozen=True)
class FoundCamera:
    """A camera that answered discovery. ``mac`` is plain; reports redact it."""

    host: str
    port: int
    family: Family
    kind: CameraKind
    model: str | None = None
    device_type: str | None = None
    firmware: str | None = None
    hardware_version: str | None = None
    mac: str | None = None

    def target(self, **kwargs: Any) -> CameraTarget:
        """Where :func:`~kasa_doctor.probes.camera.probe_camera` finds this camera."""
        return CameraTarget(self.host, self.port, self.family, **kwargs)

    def label(self) -> str:
        return f"{self.model or 'unknown model'} ({self.kind}) at {self.host}"

    def to_dict(self) -> dict[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "family": self.family,
            "kind": self.kind,
            "model": self.model,
            "device_type": self.device_type,
            "firmware": self.firmware,
            "hardware_version": self.hardware_version,
            "mac": self.mac,
        }


def check_discovery_target(target: str) -> str:
    """The address to send discovery to; ValueError unless it is one IPv4 address.

    Broadcast discovery is IPv4 only, and a name could resolve to anything.
    """
    try:
        return str(ipaddress.IPv4Address(target.strip()))
    except ValueError as exc:
        raise ValueError(
            f"{target!r} is not an IPv4 address (e.g. your network's broadcast address "
            "192.168.1.255, or one camera's address)"
        ) from exc


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _from_tapo(info: dict[str, Any], ip: str) -> FoundCamera | None:
    result = info.get("result")
    if not isinstance(result, dict):
        return None
    device_type = _str(result.get("device_type"))
    kind = KINDS.get(device_type or "")
    if kind is None:
        return None
    schm = result.get("mgt_encrypt_schm")
    port = schm.get("http_port") if isinstance(schm, dict) else None
    return FoundCamera(
        host=ip,
        port=port if isinstance(port, int) and 0 < port < 65536 else DEFAULT_TAPO_PORT,
        family="tapo",
        kind=kind,
        model=_str(result.get("device_model")),
        device_type=device_type,
        firmware=_str(result.get("firmware_version")),
        hardware_version=_str(result.get("hardware_version")),
        mac=_str(result.get("mac")),
    )


def _from_legacy(info: dict[str, Any], ip: str, port: int) -> FoundCamera | None:
    sysinfo = info.get("system", {}).get("get_sysinfo") if isinstance(info, dict) else None
    if isinstance(sysinfo, dict) and isinstance(sysinfo.get("system"), dict):
        sysinfo = sysinfo["system"]
    if not isinstance(sysinfo, dict):
        return None
    device_type = _str(sysinfo.get("type")) or _str(sysinfo.get("mic_type"))
    kind = KINDS.get(device_type or "")
    if kind is None:
        return None
    return FoundCamera(
        host=ip,
        port=port,
        family="kasa",
        kind=kind,
        model=_str(sysinfo.get("model")),
        device_type=device_type,
        firmware=_str(sysinfo.get("sw_ver")),
        hardware_version=_str(sysinfo.get("hw_ver")),
        mac=_str(sysinfo.get("mac")),
    )


async def discover_cameras(
    target: str,
    timeout: float = 3.0,
    *,
    legacy_port: int | None = None,
) -> list[FoundCamera]:
    """Cameras answering discovery sent to ``target``, sorted by address.

    ``target`` is a broadcast address or one host (IPv4). ``legacy_port`` replaces
    the Kasa port 9999 (for emulators); the Tapo ports are fixed in python-kasa.
    Returns an empty list when nothing answers; raises ValueError for a bad target.
    """
    address = check_discovery_target(target)
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    raws: list[DiscoveredRaw] = []

    async def ignore_unsupported(_: UnsupportedDeviceError) -> None:
        # Kasa cameras are "unsupported" to python-kasa; their raw answer is already kept.
        return None

    devices: dict[str, Device] = {}
    try:
        devices = await asyncio.wait_for(
            Discover.discover(
                target=address,
                discovery_timeout=max(1, math.ceil(timeout)),
                on_discovered_raw=raws.append,
                on_unsupported=ignore_unsupported,
                port=legacy_port,
            ),
            timeout + 5.0,
        )
    except TimeoutError:
        _LOGGER.debug("discovery did not finish in time; using the answers so far")
    except OSError as exc:
        raise ValueError(f"cannot send discovery to {address}: {exc.strerror or exc}") from exc
    finally:
        for device in devices.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(device.disconnect(), 1.0)

    found: dict[str, FoundCamera] = {}
    others = 0
    for raw in raws:
        meta: object = raw.get("meta")
        info: object = raw.get("discovery_response")
        if not isinstance(meta, dict) or not isinstance(info, dict):
            continue
        ip, port = str(meta.get("ip")), meta.get("port")
        if port in (Discover.DISCOVERY_PORT_2, Discover.DISCOVERY_PORT_3):
            camera = _from_tapo(info, ip)
        else:
            legacy = port if isinstance(port, int) else legacy_port or DEFAULT_KASA_PORT
            camera = _from_legacy(info, ip, legacy)
        if camera is None:
            others += 1
        else:
            found.setdefault(ip, camera)
    if others:
        _LOGGER.debug("discovery: %d other TP-Link devices answered (not cameras)", others)
    return sorted(found.values(), key=lambda c: ipaddress.ip_address(c.host))
