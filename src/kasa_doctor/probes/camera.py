"""Camera probes: what a Tapo or Kasa camera says about itself on the local network.

One call, :func:`probe_camera`, reads everything there is to read from one camera
and returns a :class:`CameraReport`: a list of :class:`Observation` objects plus the
camera's identity. It goes through four stages, each bounded by ``timeout``:

1. **reach** — a TLS handshake with the camera's HTTPS port (Tapo) and, when the kind
   of camera is not known yet, at the same time a legacy ``get_sysinfo`` datagram
   (Kasa KC/EC, UDP 9999 by default). Whichever answers decides the kind.
2. **login** (Tapo only) — python-kasa's SslAes handshake, exactly once. A refused
   login is reported, never retried: cameras lock the account out after a few
   failures (-40404, about 30 minutes).
3. **read** — python-kasa's ``update()``: model, firmware, RSSI, LED, privacy mode,
   battery.
4. **details** — one raw request with Tapo camera methods python-kasa has no feature
   for: firmware update status, offered firmware, SD card, and the camera's clock.

Once a stage times out or the connection is lost, every later reading is reported
as unavailable instead of being tried: a camera that went away mid-check must not
cost a timeout per reading.

Kasa KC/EC cameras are not driven by python-kasa; all that can be read from them is
the discovery sysinfo (RSSI, LED, firmware, model, privacy switch, clock, "updating").
Their cloud connection, firmware update state, overheating, battery and SD card are
reported as "cannot be read".

Readings whose probe id is in the knowledge base (``probes.yaml``) carry one of its
core values and feed the engine. The others (``camera_firmware``,
``camera_clock_offset``, ``camera_sd_card``, ``camera_privacy_mode``) are for the
report only: their ``value`` is always ``None`` so they can never be mistaken for
evidence, and what they read is in ``raw``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal, TypeVar

from kasa import DeviceConfig
from kasa.deviceconfig import DeviceConnectionParameters, DeviceEncryptionType, DeviceFamily
from kasa.exceptions import (
    AuthenticationError,
    DeviceError,
    SmartErrorCode,
    _ConnectionError,
    _RetryableError,
)
from kasa.protocols.smartcamprotocol import SmartCamProtocol
from kasa.smartcam import SmartCamDevice
from kasa.transports.sslaestransport import SslAesTransport
from kasa.transports.sslcontext import get_ssl_context
from kasa.transports.xortransport import XorEncryption

from kasa_doctor.probes.credentials import CameraCredentials, scrub
from kasa_doctor.probes.observation import CORE_VALUES, Observation, as_evidence

_LOGGER = logging.getLogger(__name__)

DEFAULT_TAPO_PORT: Final = 443
DEFAULT_KASA_PORT: Final = 9999
DEFAULT_TIMEOUT: Final = 5.0

# FORMAT.md: good ≥ −60 dBm, fair −60..−70 dBm, poor below −70 dBm.
SIGNAL_GOOD_DBM: Final = -60
SIGNAL_POOR_BELOW_DBM: Final = -70
# FORMAT.md: "short" = booted less than 10 minutes ago.
SHORT_UPTIME_S: Final = 600
# A clock this far behind cannot be NTP drift; the camera never got the time.
UNSYNCED_CLOCK_S: Final = 3600

Family = Literal["tapo", "kasa"]
LiveSupport = Literal["full", "sysinfo", "none"]
Progress = Callable[[str], None]

REPORT_ONLY_PROBES: Final = frozenset(
    {"camera_firmware", "camera_clock_offset", "camera_sd_card", "camera_privacy_mode"}
)
"""Camera readings that are shown in reports but are not engine evidence."""

KASA_NOTE: Final = (
    "Kasa KC/EC cameras: python-kasa reads only their discovery sysinfo (signal, status "
    "light, firmware version, model, privacy switch, clock); the cloud connection, "
    "firmware update state, overheating, battery and SD card cannot be read, and the "
    "uptime only estimated from the clock."
)
NO_CREDENTIALS_NOTE: Final = (
    "No login given: set KASA_USERNAME and KASA_PASSWORD, or save the login with "
    "`kasa-doctor check` in a terminal, to read more than whether the camera answers."
)
HUB_NOTE: Final = (
    "This is a Tapo hub: the battery cameras attached to it are not checked one by one."
)


# --- targets, identity, report ------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?$")


def _check_host(host: str) -> str:
    if not host:
        raise ValueError("the host is empty")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if re.fullmatch(r"[\d.]+", host):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    if not _HOSTNAME.match(host):
        raise ValueError(f"{host!r} is not a valid host name or IP address")
    return host


def _check_port(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"port {text!r} is not a number")
    port = int(text)
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range (1-65535)")
    return port


@dataclass(frozen=True)
class CameraTarget:
    """Where to find one camera.

    ``port`` None means the family's default (443 for Tapo, 9999 for Kasa).
    ``family`` None means "find out": both kinds are tried at once.
    ``last_known_ip`` / ``last_known_mac`` (from an earlier session) let the probe
    say whether the camera's address changed or another device took it.
    """

    host: str
    port: int | None = None
    family: Family | None = None
    last_known_ip: str | None = None
    last_known_mac: str | None = None

    @classmethod
    def parse(cls, text: str, **kwargs: Any) -> CameraTarget:
        """``HOST``, ``HOST:PORT``, ``[IPv6]:PORT`` or a bare IPv6 address.

        Raises ValueError with a one-line reason for anything else.
        """
        text = text.strip()
        port: int | None = None
        if text.startswith("["):
            host, sep, rest = text[1:].partition("]")
            if not sep:
                raise ValueError(f"{text!r}: missing ']' after the IPv6 address")
            if rest:
                if not rest.startswith(":"):
                    raise ValueError(f"{text!r}: expected ':PORT' after ']'")
                port = _check_port(rest[1:])
            try:
                ipaddress.IPv6Address(host)
            except ValueError as exc:
                raise ValueError(f"{host!r} is not a valid IPv6 address") from exc
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
            port = _check_port(port_text)
        else:
            host = text
        return cls(_check_host(host), port, **kwargs)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    def to_dict(self) -> dict[str, object]:
        return {"host": self.host, "port": self.port, "family": self.family}


@dataclass
class DeviceIdentity:
    """What the camera says it is. MAC and IP are kept plain; reports redact later."""

    family: Family | None = None
    model: str | None = None
    hardware_version: str | None = None
    firmware: str | None = None
    device_type: str | None = None
    mac: str | None = None
    ip: str | None = None
    port: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "family": self.family,
            "model": self.model,
            "hardware_version": self.hardware_version,
            "firmware": self.firmware,
            "device_type": self.device_type,
            "mac": self.mac,
            "ip": self.ip,
            "port": self.port,
        }


@dataclass
class CameraReport:
    """Everything one probe run found out about one camera."""

    target: CameraTarget
    observations: list[Observation] = field(default_factory=list)
    identity: DeviceIdentity = field(default_factory=DeviceIdentity)
    #: "full": logged in and read; "sysinfo": only the Kasa discovery sysinfo;
    #: "none": nothing beyond reachability (unreachable, no login, login refused)
    live_support: LiveSupport = "none"
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    #: where the login came from ("environment", "keyring", "prompt"); never the login
    credential_source: str | None = None

    def get(self, probe: str) -> Observation | None:
        return next((o for o in self.observations if o.probe == probe), None)

    def value(self, probe: str) -> str | None:
        obs = self.get(probe)
        return None if obs is None else obs.value

    @property
    def reachable(self) -> bool:
        return self.value("camera_reachable") == "yes"

    def evidence(self) -> dict[str, str]:
        """probe id -> value for the engine (knowledge-base probes only)."""
        return {k: v for k, v in as_evidence(self.observations).items() if k in CORE_VALUES}

    def to_dict(self) -> dict[str, object]:
        return {
            "target": self.target.to_dict(),
            "identity": self.identity.to_dict(),
            "live_support": self.live_support,
            "notes": list(self.notes),
            "elapsed_s": round(self.elapsed_s, 3),
            "credential_source": self.credential_source,
            "observations": [o.to_dict() for o in self.observations],
        }


# --- small helpers -------------------------------------------------------------------


def _dig(data: object, *keys: str | int) -> object:
    node = data
    for key in keys:
        if isinstance(key, int):
            if not isinstance(node, list) or not -len(node) <= key < len(node):
                return None
            node = node[key]
        else:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
    return node


def _as_int(value: object) -> int | None:
    """An integer from an int, a whole float or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false", "yes", "no", "on", "off"}:
        return value.lower() in {"true", "yes", "on"}
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def human_duration(seconds: float) -> str:
    """``12 s``, ``5 min``, ``3 h``, ``4 days`` — rounded the way people say it."""
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def build_epoch(firmware: str | None) -> float | None:
    """Midnight UTC of the build date in ``1.4.3 Build 241010 …`` / ``Build 20240424``."""
    if not firmware:
        return None
    match = re.search(r"Build (\d{6}|\d{8})\b", firmware)
    if not match:
        return None
    digits = match.group(1)
    fmt = "%Y%m%d" if len(digits) == 8 else "%y%m%d"
    try:
        return datetime.strptime(digits, fmt).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


class _Lost(Exception):
    """The camera stopped answering; every later reading is unavailable."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


_T = TypeVar("_T")


class _Calls:
    """Runs the network calls of one probe under one policy.

    Every call gets ``timeout``. The first one that times out or loses the
    connection marks the camera as gone; later calls then fail at once with the
    same reason, so a dead camera costs one timeout, not one per reading.
    """

    def __init__(self, timeout: float, secrets: Sequence[str], progress: Progress | None) -> None:
        self.timeout = timeout
        self.secrets = secrets
        self.progress = progress
        self.lost: _Lost | None = None

    def stage(self, name: str) -> None:
        if self.progress is not None:
            self.progress(name)

    def clean(self, text: str) -> str:
        return scrub(text, self.secrets)[:300]

    async def run(self, what: str, awaitable: Awaitable[_T]) -> _T:
        if self.lost is not None:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise self.lost
        try:
            return await asyncio.wait_for(awaitable, self.timeout)
        except TimeoutError as exc:
            self.lost = _Lost(
                "timeout",
                f"unavailable: the camera stopped answering ({what}: no reply within "
                f"{self.timeout:g} s)",
            )
            raise self.lost from exc
        except OSError as exc:
            self.lost = _Lost(
                "connection_lost",
                f"unavailable: the connection to the camera was lost ({what})",
            )
            raise self.lost from exc
        except Exception as exc:
            if isinstance(exc, _ConnectionError | _RetryableError):
                self.lost = _Lost(
                    "connection_lost",
                    f"unavailable: the connection to the camera was lost ({what})",
                )
                raise self.lost from exc
            raise

    def unavailable(self, probe: str) -> Observation:
        lost = self.lost or _Lost("not_read", "unavailable: not read")
        return Observation.unknown(probe, lost.detail, {"unavailable": True, "reason": lost.reason})


# --- stage 1: reach ------------------------------------------------------------------

ReachStatus = Literal["tls", "not_tls", "refused", "timeout", "unreachable", "error"]


async def _tls_probe(host: str, port: int, timeout: float) -> tuple[ReachStatus, float]:
    """Can a TLS session be opened with host:port? (status, seconds taken)."""
    started = time.perf_counter()
    ctx = await get_ssl_context()
    writer: asyncio.StreamWriter | None = None
    status: ReachStatus
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx, ssl_handshake_timeout=timeout),
            timeout,
        )
        status = "tls"
    except TimeoutError:
        status = "timeout"
    except ConnectionRefusedError:
        status = "refused"
    except (ConnectionResetError, asyncio.IncompleteReadError, EOFError):
        status = "not_tls"
    except OSError as exc:
        # ssl.SSLError is an OSError too: something answered, but not with TLS.
        status = "not_tls" if isinstance(exc, ssl.SSLError) else "unreachable"
    except Exception:
        status = "error"
    finally:
        if writer is not None:
            writer.transport.abort()
    return status, time.perf_counter() - started


async def tls_answers(host: str, port: int, timeout: float) -> bool:
    """Whether a TLS session can be opened with host:port within ``timeout``.

    The cheapest sign that a Tapo camera is up: its HTTPS server answers. Used while
    waiting for a camera to go away and come back (restart, update, Wi-Fi change).
    """
    status, _ = await _tls_probe(host, port, timeout)
    return status == "tls"


LegacyStatus = Literal["answered", "garbage", "refused", "timeout", "unreachable"]


class _LegacyClient(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.reply: asyncio.Future[bytes | Exception] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if not self.reply.done():
            self.reply.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.reply.done():
            self.reply.set_result(exc)


LEGACY_QUERY: Final[dict[str, Any]] = {"system": {"get_sysinfo": {}}}


async def _legacy_sysinfo(
    host: str, port: int, timeout: float
) -> tuple[LegacyStatus, dict[str, Any] | None, float]:
    """The Kasa ``get_sysinfo`` over UDP (what Kasa discovery sends, but to one host).

    UDP can lose a datagram, so the query is sent up to three times within the
    timeout; the first reply wins. Returns (status, sysinfo, seconds taken).
    """
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    endpoint: asyncio.DatagramTransport | None = None
    packet = XorEncryption.encrypt(json.dumps(LEGACY_QUERY))[4:]  # UDP carries no length
    try:
        udp, client = await asyncio.wait_for(
            loop.create_datagram_endpoint(_LegacyClient, remote_addr=(host, port)), timeout
        )
        endpoint = udp  # closed in `finally`
        deadline = started + timeout
        for attempt in range(3):
            udp.sendto(packet)
            wait = (deadline - time.perf_counter()) / (3 - attempt)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(client.reply), max(0.0, wait))
            if client.reply.done():
                break
        if not client.reply.done():
            return "timeout", None, time.perf_counter() - started
        reply = client.reply.result()
    except TimeoutError:
        return "timeout", None, time.perf_counter() - started
    except OSError:
        return "unreachable", None, time.perf_counter() - started
    finally:
        if endpoint is not None:
            endpoint.close()
    elapsed = time.perf_counter() - started
    if isinstance(reply, ConnectionRefusedError):
        return "refused", None, elapsed
    if isinstance(reply, Exception):
        return "unreachable", None, elapsed
    try:
        decoded = json.loads(XorEncryption.decrypt(reply))
    except (ValueError, UnicodeDecodeError):
        return "garbage", None, elapsed
    info = _dig(decoded, "system", "get_sysinfo")
    if isinstance(info, dict) and isinstance(info.get("system"), dict):
        info = info["system"]  # cameras nest the fields one level deeper than plugs
    if not isinstance(info, dict):
        return "garbage", None, elapsed
    return "answered", info, elapsed


# --- readings shared by both kinds -------------------------------------------------------


def signal_observation(
    rssi: int | None, level: int | None, link_type: str | None = None
) -> Observation:
    raw: dict[str, object] = {"rssi_dbm": rssi, "signal_level": level}
    if link_type is not None:
        raw["link_type"] = link_type
    if link_type is not None and link_type != "wifi":
        return Observation.unknown(
            "camera_signal", f"connected by {link_type}: no Wi-Fi signal to measure", raw
        )
    if rssi is None:
        return Observation.unknown("camera_signal", "the camera did not report its signal", raw)
    if rssi >= 0 or (level is not None and level < 0):
        # 0 dBm / level −1 is what a camera says when it has no reading (e.g. just set up).
        return Observation.unknown(
            "camera_signal", f"the camera reports no usable signal reading ({rssi} dBm)", raw
        )
    if rssi >= SIGNAL_GOOD_DBM:
        value = "good"
    elif rssi >= SIGNAL_POOR_BELOW_DBM:
        value = "fair"
    else:
        value = "poor"
    text = f"signal {rssi} dBm".replace("-", "−")
    if level is not None:
        text += f" (level {level})"
    return Observation("camera_signal", value, raw, text)


def led_observation(setting: object) -> Observation:
    text = _as_str(setting)
    raw: dict[str, object] = {"led": setting}
    if text is None:
        return Observation.unknown("camera_led_setting", "the camera did not report its light", raw)
    if text.lower() == "off":
        return Observation("camera_led_setting", "off", raw, "status light switched off")
    if text.lower() == "on":
        return Observation("camera_led_setting", "on", raw, "status light switched on")
    # "auto" (doorbells): the light is on, dimmed or switched by the camera itself.
    return Observation("camera_led_setting", "on", raw, f"status light set to {text}")


def privacy_observation(enabled: bool | None, source: str) -> Observation:
    raw: dict[str, object] = {"enabled": enabled, "source": source}
    if enabled is None:
        return Observation.unknown("camera_privacy_mode", "privacy mode not reported", raw)
    return Observation.unknown(
        "camera_privacy_mode",
        "privacy mode on: the lens is covered, nothing is streamed or recorded"
        if enabled
        else "privacy mode off",
        raw,
    )


def firmware_observation(
    firmware: str | None, model: str | None, hardware: str | None
) -> Observation:
    raw: dict[str, object] = {"version": firmware, "model": model, "hardware_version": hardware}
    if not firmware:
        return Observation.unknown("camera_firmware", "firmware version not reported", raw)
    what = " ".join(p for p in (model, f"hardware {hardware}" if hardware else None) if p)
    return Observation.unknown(
        "camera_firmware", f"firmware {firmware}" + (f" ({what})" if what else ""), raw
    )


def clock_observations(
    device_time: float | None,
    host_time: float,
    firmware: str | None,
    rtt_s: float | None = None,
) -> tuple[Observation, Observation]:
    """(camera_clock_offset, camera_uptime) from the camera's clock.

    No camera reports its uptime on the local API. But a camera has no clock that
    survives a power cut: after a start it counts from its firmware's build date until
    a time server (NTP) answers. So a clock far behind this computer means the camera
    never reached NTP, and when it counts from the build date, the distance to that
    date is the time since the camera started.
    """
    if device_time is None:
        offset = Observation.unknown("camera_clock_offset", "the camera did not report its clock")
        uptime = Observation.unknown(
            "camera_uptime", "the camera reports neither its uptime nor its clock"
        )
        return offset, uptime
    delta = device_time - host_time
    raw: dict[str, object] = {
        "offset_s": round(delta, 1),
        "device_time": device_time,
        "host_time": round(host_time, 3),
        "rtt_s": None if rtt_s is None else round(rtt_s, 4),
    }
    if abs(delta) < 2:
        words = "camera clock matches this computer"
    else:
        side = "ahead of" if delta > 0 else "behind"
        words = f"camera clock {human_duration(delta)} {side} this computer"
    if delta <= -UNSYNCED_CLOCK_S:
        words += " — it has not got the time from the internet (NTP)"
    offset_obs = Observation.unknown("camera_clock_offset", words, raw)

    built = build_epoch(firmware)
    up_raw: dict[str, object] = {
        "method": "clock",
        "device_time": device_time,
        "firmware_build_epoch": built,
    }
    if delta <= -UNSYNCED_CLOCK_S and built is not None and device_time >= built:
        since_start = device_time - built
        up_raw["uptime_s_estimate"] = round(since_start, 1)
        value = "short" if since_start < SHORT_UPTIME_S else "long"
        text = (
            f"started about {human_duration(since_start)} ago (estimated from its clock, "
            "which still counts from the firmware date)"
        )
        return offset_obs, Observation("camera_uptime", value, up_raw, text)
    return offset_obs, Observation.unknown(
        "camera_uptime",
        "the camera does not report how long it has been running"
        + ("; its clock is set, so the start cannot be estimated" if abs(delta) < 600 else ""),
        up_raw,
    )


def clock_sync_observation(offset: Observation) -> Observation:
    """camera_clock_synced from the clock reading: a camera whose clock is an hour or
    more off never got the time from the internet (NTP) — a cheap sign that its
    internet, DNS or time service is blocked or down."""
    delta = _as_float(offset.raw.get("offset_s"))
    if delta is None:
        return Observation.unknown("camera_clock_synced", offset.detail, dict(offset.raw))
    synced = abs(delta) < UNSYNCED_CLOCK_S
    return Observation(
        "camera_clock_synced", "yes" if synced else "no", dict(offset.raw), offset.detail
    )


def ip_changed_observation(
    target: CameraTarget, reached_ip: str | None, mac: str | None
) -> Observation | None:
    """Only when the caller knows where the camera was before."""
    if target.last_known_ip is None and target.last_known_mac is None:
        return None
    raw: dict[str, object] = {
        "ip": reached_ip,
        "last_known_ip": target.last_known_ip,
        "mac": mac,
        "last_known_mac": target.last_known_mac,
    }

    def norm(mac_text: str | None) -> str | None:
        return re.sub(r"[^0-9a-f]", "", mac_text.lower()) if mac_text else None

    if target.last_known_mac and mac and norm(mac) != norm(target.last_known_mac):
        return Observation(
            "camera_ip_changed", "yes", raw, "another device answers at the camera's address"
        )
    if target.last_known_ip and reached_ip and reached_ip != target.last_known_ip:
        return Observation(
            "camera_ip_changed",
            "yes",
            raw,
            f"the camera's address changed from {target.last_known_ip} to {reached_ip}",
        )
    if reached_ip is None and mac is None:
        return Observation.unknown("camera_ip_changed", "the camera's address is unknown", raw)
    return Observation("camera_ip_changed", "no", raw, "same address as before")


def _cannot_read(probe: str, why: str) -> Observation:
    return Observation.unknown(probe, why, {"supported": False})


# --- Kasa (legacy IOT) cameras -------------------------------------------------------------

_KASA_CANNOT = "cannot be read on Kasa KC/EC cameras (python-kasa reads only their sysinfo)"


def _kasa_observations(
    report: CameraReport, info: dict[str, Any], host_time: float, elapsed: float
) -> None:
    ident = report.identity
    ident.family = "kasa"
    ident.model = _as_str(info.get("model"))
    ident.hardware_version = _as_str(info.get("hw_ver"))
    ident.firmware = _as_str(info.get("sw_ver"))
    ident.device_type = _as_str(info.get("type"))
    ident.mac = _as_str(info.get("mac")) or _as_str(info.get("mic_mac"))
    obs = report.observations
    obs.append(
        Observation.unknown(
            "camera_auth",
            "Kasa cameras answer without a login; none was tried",
            {"supported": False},
        )
    )
    obs.append(signal_observation(_as_int(info.get("rssi")), None))
    obs.append(led_observation(info.get("led_status")))
    switch = _as_str(info.get("camera_switch"))
    # camera_switch "off" is the Kasa app's "camera off" — the same as Tapo privacy mode.
    obs.append(privacy_observation(None if switch is None else switch == "off", "camera_switch"))
    obs.append(firmware_observation(ident.firmware, ident.model, ident.hardware_version))
    updating = _as_bool(info.get("updating"))
    if updating is None:
        obs.append(Observation.unknown("camera_updating", "update state not reported"))
    else:
        obs.append(
            Observation(
                "camera_updating",
                "yes" if updating else "no",
                {"updating": updating},
                "a firmware update is running" if updating else "no update running",
            )
        )
    offset, uptime = clock_observations(
        _as_float(info.get("system_time")), host_time, ident.firmware, elapsed
    )
    obs.append(offset)
    obs.append(clock_sync_observation(offset))
    obs.append(uptime)
    for probe in (
        "camera_cloud",
        "camera_update_available",
        "camera_last_update_failed",
        "camera_overheated",
        "camera_battery",
        "camera_sd_card",
    ):
        obs.append(_cannot_read(probe, _KASA_CANNOT))
    report.notes.append(KASA_NOTE)


# --- Tapo cameras --------------------------------------------------------------------------

DETAIL_QUERY: Final[dict[str, Any]] = {
    "getFirmwareUpdateStatus": {"cloud_config": {"name": "upgrade_status"}},
    "getCloudConfig": {"cloud_config": {"name": ["upgrade_info"]}},
    "getSdCardStatus": {"harddisk_manage": {"table": ["hd_info"]}},
    "getClockStatus": {"system": {"name": "clock_status"}},
}
"""Raw Tapo camera methods for what python-kasa has no feature for.

Read-only on purpose: the explicit cloud check (``checkFirmwareVersionByCloud``)
is not sent; ``upgrade_info`` holds the result of the camera's own periodic check.
"""

UPDATING_STATES: Final = frozenset({"downloading", "upgrading", "installing", "updating"})


class _SingleAttemptProtocol(SmartCamProtocol):
    """python-kasa's camera protocol with its automatic retries switched off.

    A retried request after a lost connection would start a second login, and a
    camera counts abandoned logins towards its lockout. The probe's own policy (one
    attempt, then "unavailable") replaces python-kasa's retries.
    """

    async def query(self, request: str | dict[str, Any], retry_count: int = 3) -> dict[str, Any]:
        return await super().query(request, retry_count=0)


def _response(results: dict[str, Any], method: str) -> dict[str, Any] | None:
    """A method's result from a multi-request answer; None for a per-method error."""
    value = results.get(method)
    return value if isinstance(value, dict) else None


def _tapo_read_observations(
    report: CameraReport, dev: SmartCamDevice, state: dict[str, Any]
) -> None:
    """Readings from python-kasa's update (features and the raw state it fetched)."""
    basic = _dig(state, "getDeviceInfo", "device_info", "basic_info")
    basic = basic if isinstance(basic, dict) else {}
    ident = report.identity
    ident.model = _as_str(basic.get("device_model")) or _as_str(dev.model)
    ident.hardware_version = _as_str(basic.get("hw_version"))
    ident.firmware = _as_str(basic.get("sw_version"))
    ident.device_type = _as_str(basic.get("device_type"))
    ident.mac = _as_str(basic.get("mac"))
    obs = report.observations

    conn = _dig(state, "getConnectionType")
    link = _as_str(_dig(conn, "link_type"))
    rssi_feature = dev.features.get("rssi")
    level_feature = dev.features.get("signal_level")
    rssi = _as_int(rssi_feature.value) if rssi_feature else _as_int(_dig(conn, "rssiValue"))
    level = _as_int(level_feature.value) if level_feature else _as_int(_dig(conn, "rssi"))
    obs.append(signal_observation(rssi, level, link))

    # python-kasa's led feature is a bool (== "on"); the raw setting keeps "auto".
    obs.append(led_observation(_dig(state, "getLedStatus", "led", "config", "enabled")))

    mask = _as_str(_dig(state, "getLensMaskConfig", "lens_mask", "lens_mask_info", "enabled"))
    if mask is None:
        obs.append(
            Observation.unknown(
                "camera_privacy_mode", "this device has no privacy mode", {"supported": False}
            )
        )
    else:
        obs.append(privacy_observation(mask == "on", "lens_mask"))

    if "battery_overheated" in basic:
        hot = _as_bool(basic.get("battery_overheated"))
        if hot is None:
            obs.append(Observation.unknown("camera_overheated", "overheat flag not readable"))
        else:
            obs.append(
                Observation(
                    "camera_overheated",
                    "yes" if hot else "no",
                    {"battery_overheated": hot},
                    "the camera reports overheating" if hot else "temperature normal",
                )
            )
    else:
        obs.append(_cannot_read("camera_overheated", "this model does not report overheating"))

    percent = _as_int(basic.get("battery_percent"))
    low = _as_bool(basic.get("low_battery"))
    if percent is None and low is None:
        obs.append(_cannot_read("camera_battery", "no battery (mains powered)"))
    else:
        charging = _as_str(basic.get("battery_charging"))
        raw: dict[str, object] = {"percent": percent, "low_battery": low, "charging": charging}
        is_low = bool(low) or (percent is not None and percent <= 10)
        text = "battery " + (f"{percent} %" if percent is not None else "level unknown")
        if charging and charging.upper() not in {"NO", "FALSE"}:
            text += ", charging"
        obs.append(Observation("camera_battery", "low" if is_low else "ok", raw, text))

    obs.append(firmware_observation(ident.firmware, ident.model, ident.hardware_version))
    obs.append(
        Observation.unknown(
            "camera_cloud",
            "Tapo cameras do not report their cloud connection on the local network "
            "(the Tapo app shows it)",
            {"supported": False},
        )
    )


def _tapo_detail_observations(
    report: CameraReport,
    results: dict[str, Any],
    host_time: float,
    rtt: float,
) -> None:
    """Readings from the raw detail request."""
    obs = report.observations
    firmware = report.identity.firmware
    status = _response(results, "getFirmwareUpdateStatus")
    upgrade = _dig(status, "cloud_config", "upgrade_status")
    info = _dig(_response(results, "getCloudConfig"), "cloud_config", "upgrade_info")

    offered = _as_str(_dig(status, "cloud_config", "new_version"))
    info_type = _as_int(_dig(info, "type"))
    info_version = _as_str(_dig(info, "version"))
    if info_version and info_version != firmware:
        offered = offered or info_version
    raw_update: dict[str, object] = {
        "new_version": offered,
        "upgrade_info_type": info_type,
        "installed": firmware,
    }
    if status is None and info is None:
        obs.append(
            Observation.unknown("camera_update_available", "update check not readable", raw_update)
        )
    elif offered or (info_type is not None and info_type > 0):
        text = f"firmware {offered} is available" if offered else "a firmware update is available"
        obs.append(Observation("camera_update_available", "yes", raw_update, text))
    else:
        obs.append(
            Observation(
                "camera_update_available",
                "no",
                raw_update,
                "no newer firmware offered (as of the camera's last check)",
            )
        )

    success = _as_bool(_dig(upgrade, "lastUpgradingSuccess"))
    if success is None:
        obs.append(
            Observation.unknown("camera_last_update_failed", "last update result not reported")
        )
    else:
        obs.append(
            Observation(
                "camera_last_update_failed",
                "no" if success else "yes",
                {"lastUpgradingSuccess": success},
                "the last firmware update went fine"
                if success
                else "the camera says its last firmware update did not finish",
            )
        )

    state = _as_str(_dig(upgrade, "state"))
    progress = _as_int(_dig(upgrade, "progress"))
    if state is None:
        obs.append(Observation.unknown("camera_updating", "update state not reported"))
    else:
        running = state.lower() in UPDATING_STATES
        text = f"a firmware update is running ({state}" + (
            f", {progress} %)" if progress is not None else ")"
        )
        obs.append(
            Observation(
                "camera_updating",
                "yes" if running else "no",
                {"state": state, "progress": progress},
                text if running else "no update running",
            )
        )

    obs.append(_sd_card_observation(_response(results, "getSdCardStatus")))

    clock = _response(results, "getClockStatus")
    device_time = _as_float(_dig(clock, "system", "clock_status", "seconds_from_1970"))
    offset, uptime = clock_observations(device_time, host_time, firmware, rtt)
    obs.append(offset)
    obs.append(clock_sync_observation(offset))
    obs.append(uptime)


def _sd_card_observation(result: dict[str, Any] | None) -> Observation:
    disks = _dig(result, "harddisk_manage", "hd_info")
    if not isinstance(disks, list):
        return Observation.unknown("camera_sd_card", "SD card state not reported")
    cards: list[dict[str, Any]] = []
    for item in disks:
        if isinstance(item, dict):
            cards.extend(d for d in item.values() if isinstance(d, dict))
    if not cards:
        return Observation.unknown("camera_sd_card", "SD card state not reported")
    card = cards[0]
    status = _as_str(card.get("status")) or _as_str(card.get("detect_status")) or "unknown"
    raw: dict[str, object] = {
        "status": status,
        "detect_status": card.get("detect_status"),
        "free_space": card.get("free_space"),
        "total_space": card.get("total_space"),
        "rw_attr": card.get("rw_attr"),
    }
    if status == "offline":
        text = "no SD card inserted"
    elif status == "normal":
        free, total = _as_str(card.get("free_space")), _as_str(card.get("total_space"))
        text = "SD card normal" + (f", {free} free of {total}" if free and total else "")
    else:
        text = f"SD card reports a problem (status: {status})"
    return Observation.unknown("camera_sd_card", text, raw)


def tapo_camera_device(
    host: str, port: int, credentials: CameraCredentials, timeout: float
) -> tuple[SmartCamDevice, SslAesTransport, SmartCamProtocol]:
    """python-kasa's camera device for one Tapo camera, not connected yet.

    Its protocol never retries (see :class:`_SingleAttemptProtocol`), so the caller
    decides how often to log in: ``await transport.perform_handshake()`` is the one
    login attempt. The probe and the repair actions (:mod:`kasa_doctor.fixes`) both
    connect this way, so neither can lock the owner out by retrying.
    """
    config = DeviceConfig(
        host=host,
        port_override=port,
        credentials=credentials.to_kasa(),
        connection_type=DeviceConnectionParameters(
            DeviceFamily.SmartIpCamera, DeviceEncryptionType.Aes, https=True
        ),
        timeout=max(1, math.ceil(timeout)),
    )
    transport = SslAesTransport(config=config)
    protocol = _SingleAttemptProtocol(transport=transport)
    return SmartCamDevice(host, config=config, protocol=protocol), transport, protocol


async def _probe_tapo(
    report: CameraReport,
    calls: _Calls,
    credentials: CameraCredentials,
    port: int,
    now: datetime | None,
) -> None:
    dev, transport, protocol = tapo_camera_device(
        report.target.host, port, credentials, calls.timeout
    )
    obs = report.observations
    try:
        calls.stage("login")
        try:
            await calls.run("login", transport.perform_handshake())
        except _Lost:
            obs.append(calls.unavailable("camera_auth"))
            return
        except AuthenticationError as exc:
            obs.append(
                Observation(
                    "camera_auth",
                    "failed",
                    {"error": calls.clean(str(exc)), "error_code": _code(exc)},
                    "the camera refused the login (wrong e-mail or password, or Third-Party "
                    "Compatibility is off in the Tapo app)",
                )
            )
            return
        except DeviceError as exc:
            if exc.error_code is SmartErrorCode.DEVICE_BLOCKED:
                seconds = _sec_left(str(exc))
                wait = f"for {human_duration(seconds)}" if seconds else "for a while"
                obs.append(
                    Observation(
                        "camera_auth",
                        "failed",
                        {"error_code": -40404, "locked_out": True, "sec_left": seconds},
                        f"locked out {wait} after too many failed logins — wait, then try "
                        "once with the right password",
                    )
                )
                return
            obs.append(
                Observation(
                    "camera_auth",
                    "failed",
                    {"error": calls.clean(str(exc)), "error_code": _code(exc)},
                    "the camera refused the login",
                )
            )
            return
        except Exception as exc:  # anything else: the camera answered with nonsense
            obs.append(
                Observation.unknown(
                    "camera_auth",
                    "the camera's login reply could not be understood",
                    {"error": calls.clean(f"{type(exc).__name__}: {exc}")},
                )
            )
            return
        obs.append(Observation("camera_auth", "ok", {}, "login accepted"))
        report.live_support = "full"

        calls.stage("read")
        try:
            await calls.run("reading the device state", dev.update())
            _tapo_read_observations(report, dev, dev.internal_state)
        except _Lost:
            pass
        except Exception as exc:
            # The camera answers, but not in a shape python-kasa (or we) understand:
            # say so for these readings and still try the raw details below.
            _LOGGER.debug("device state not understood: %s", type(exc).__name__)
            _fill(report, READ_PROBES, _unreadable(exc))
        if (report.identity.device_type or "").endswith("HUB"):
            report.notes.append(HUB_NOTE)

        calls.stage("details")
        started = time.time()
        t0 = time.perf_counter()
        try:
            answer = await calls.run("reading details", protocol.query(dict(DETAIL_QUERY)))
            rtt = time.perf_counter() - t0
            host_time = now.timestamp() if now is not None else started + rtt / 2
            _tapo_detail_observations(report, answer, host_time, rtt)
        except _Lost:
            pass
        except Exception as exc:
            _LOGGER.debug("detail reply not understood: %s", type(exc).__name__)
            _fill(report, DETAIL_PROBES, _unreadable(exc))
        _fill_unavailable(report, calls)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(dev.disconnect(), 1.0)


READ_PROBES: Final = (
    "camera_signal",
    "camera_led_setting",
    "camera_privacy_mode",
    "camera_overheated",
    "camera_battery",
    "camera_firmware",
    "camera_cloud",
)
DETAIL_PROBES: Final = (
    "camera_update_available",
    "camera_last_update_failed",
    "camera_updating",
    "camera_sd_card",
    "camera_clock_offset",
    "camera_uptime",
)


def _unreadable(exc: Exception) -> Callable[[str], Observation]:
    def make(probe: str) -> Observation:
        return Observation.unknown(
            probe,
            f"could not be read: the camera's reply was not understood ({type(exc).__name__})",
            {"unavailable": True, "reason": "unreadable"},
        )

    return make


def _fill(report: CameraReport, probes: Iterable[str], make: Callable[[str], Observation]) -> None:
    """Add ``make(probe)`` for each of ``probes`` not read yet (keeps what was read)."""
    have = {o.probe for o in report.observations}
    report.observations.extend(make(p) for p in probes if p not in have)


def _fill_unavailable(report: CameraReport, calls: _Calls) -> None:
    """Every reading not made because the camera went away becomes "unavailable"."""
    _fill(report, (*READ_PROBES, *DETAIL_PROBES), calls.unavailable)


def _code(exc: Exception) -> int | None:
    code = getattr(exc, "error_code", None)
    value = getattr(code, "value", code)
    return value if isinstance(value, int) else None


def _sec_left(message: str) -> int | None:
    match = re.search(r"for (\d+) seconds", message)
    return int(match.group(1)) if match else None


# --- the probe --------------------------------------------------------------------------


async def probe_camera(
    target: CameraTarget,
    credentials: CameraCredentials | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> CameraReport:
    """Read everything the camera at ``target`` tells about itself.

    Whatever the camera does, the answer is a report, never an exception (only a
    non-positive ``timeout`` is refused, with ValueError).

    ``timeout`` bounds each network stage; ``now`` is the computer's time to compare
    the camera's clock with (default: measured around the request); ``progress`` is
    called with each stage name ("reach", "login", "read", "details").
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    started = time.perf_counter()
    report = CameraReport(target=target)
    report.credential_source = credentials.source if credentials else None
    secrets = credentials.secrets() if credentials else ()
    calls = _Calls(timeout, secrets, progress)
    try:
        await _probe(report, calls, credentials, now)
    except Exception as exc:  # the probe contract: an observation, never an exception
        _LOGGER.debug("camera probe failed: %s", calls.clean(f"{type(exc).__name__}: {exc}"))
        if report.get("camera_reachable") is None:
            report.observations.insert(
                0,
                Observation.unknown(
                    "camera_reachable",
                    "the check could not be made",
                    {"error": calls.clean(type(exc).__name__)},
                ),
            )
    report.elapsed_s = time.perf_counter() - started
    return report


async def _probe(
    report: CameraReport,
    calls: _Calls,
    credentials: CameraCredentials | None,
    now: datetime | None,
) -> None:
    target = report.target
    calls.stage("reach")
    family, port, sysinfo, reach_raw = await _reach(target, calls.timeout)
    report.identity.ip = target.host
    report.identity.family = family
    report.identity.port = port
    if family is None:
        report.observations.append(
            Observation("camera_reachable", "no", reach_raw, _unreachable_words(reach_raw))
        )
        return
    report.observations.append(
        Observation("camera_reachable", "yes", reach_raw, "the camera answers on the network")
    )
    if family == "kasa":
        if sysinfo is None:
            report.observations.append(
                Observation.unknown("camera_auth", "Kasa cameras answer without a login")
            )
            report.notes.append("The camera answered, but its reply could not be read.")
            return
        report.live_support = "sysinfo"
        host_time = now.timestamp() if now is not None else time.time()
        elapsed = _as_float(reach_raw.get("legacy_s"))
        _kasa_observations(report, sysinfo, host_time, elapsed or 0.0)
        _append_ip_changed(report)
        return
    if credentials is None:
        report.observations.append(
            Observation.unknown("camera_auth", "no login given, so none was tried")
        )
        report.notes.append(NO_CREDENTIALS_NOTE)
        return
    await _probe_tapo(report, calls, credentials, port, now)
    if report.value("camera_auth") == "ok":
        _append_ip_changed(report)


def _append_ip_changed(report: CameraReport) -> None:
    ident = report.identity
    changed = ip_changed_observation(report.target, ident.ip, ident.mac)
    if changed is not None:
        report.observations.append(changed)


def _unreachable_words(raw: dict[str, object]) -> str:
    status = raw.get("tls") or raw.get("legacy")
    if status == "refused":
        return "the camera's address answers, but nothing listens on the camera's port"
    if status == "unreachable":
        return "no route to the camera's address"
    return "the camera does not answer on the network"


async def _reach(
    target: CameraTarget, timeout: float
) -> tuple[Family | None, int, dict[str, Any] | None, dict[str, object]]:
    """Which kind of camera answers at the target: (family, port, sysinfo, raw)."""
    host = target.host
    tapo_port = target.port or DEFAULT_TAPO_PORT
    kasa_port = target.port or DEFAULT_KASA_PORT
    raw: dict[str, object] = {"host": host}
    if target.family == "kasa":
        status, info, elapsed = await _legacy_sysinfo(host, kasa_port, timeout)
        raw.update(port=kasa_port, legacy=status, legacy_s=round(elapsed, 4))
        if status in ("answered", "garbage"):
            return "kasa", kasa_port, info, raw
        return None, kasa_port, None, raw
    if target.family == "tapo":
        tls, elapsed = await _tls_probe(host, tapo_port, timeout)
        raw.update(port=tapo_port, tls=tls, tls_s=round(elapsed, 4))
        return ("tapo" if tls == "tls" else None), tapo_port, None, raw

    # Unknown kind: ask both ways at once, so neither kind pays the other's timeout.
    tls_task = asyncio.create_task(_tls_probe(host, tapo_port, timeout))
    udp_task = asyncio.create_task(_legacy_sysinfo(host, kasa_port, timeout))
    try:
        pending: set[asyncio.Task[Any]] = {tls_task, udp_task}
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if tls_task in done and tls_task.result()[0] == "tls":
                tls, elapsed = tls_task.result()
                raw.update(port=tapo_port, tls=tls, tls_s=round(elapsed, 4))
                return "tapo", tapo_port, None, raw
            if udp_task in done and udp_task.result()[0] == "answered":
                status, info, elapsed = udp_task.result()
                raw.update(port=kasa_port, legacy=status, legacy_s=round(elapsed, 4))
                return "kasa", kasa_port, info, raw
        tls, tls_s = tls_task.result()
        legacy, _, legacy_s = udp_task.result()
        if legacy == "garbage":
            # Something speaks the Kasa protocol there, badly; still a Kasa camera.
            raw.update(port=kasa_port, tls=tls, legacy=legacy, legacy_s=round(legacy_s, 4))
            return "kasa", kasa_port, None, raw
        raw.update(
            port=target.port,
            tls=tls,
            tls_s=round(tls_s, 4),
            legacy=legacy,
            legacy_s=round(legacy_s, 4),
        )
        return None, tapo_port, None, raw
    finally:
        for task in (tls_task, udp_task):
            if not task.done():
                task.cancel()
        await asyncio.gather(tls_task, udp_task, return_exceptions=True)


async def probe_many(
    targets: Iterable[CameraTarget],
    credentials: CameraCredentials | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = 16,
    now: datetime | None = None,
) -> list[CameraReport]:
    """:func:`probe_camera` over many cameras, at most ``concurrency`` at a time.

    Bounded because every camera costs sockets and TLS handshakes on both ends, and
    a home router does not enjoy fifty logins at once either. Order is kept.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    gate = asyncio.Semaphore(concurrency)

    async def one(target: CameraTarget) -> CameraReport:
        async with gate:
            return await probe_camera(target, credentials, timeout=timeout, now=now)

    return list(await asyncio.gather(*(one(t) for t in targets)))
