"""What one emulated Tapo camera knows and reports. Pure: no I/O, time is passed in.

The fixture is the camera's memory. Setters write into a private copy of it;
faults are applied when a method's answer is rendered (`view`), so switching a
fault off brings the fixture's value back. Two faults are settings rather than
conditions (`led_off`, `privacy_mode`): a client that switches the LED on or the
privacy mode off has fixed the problem, so the setter clears the fault.
"""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .faults import FAULTS, Timings, UnknownFaultError, check_faults
from .fixtures import Fixture

JSON = dict[str, Any]

WEAK_RSSI_DBM = -80
WEAK_SIGNAL_LEVEL = "1"

# Faults that a client setter can undo: the setting the fault changed, and its key.
_SETTING_FAULTS = {"led_off": "led", "privacy_mode": "privacy"}


@dataclass(frozen=True, slots=True)
class WifiNetwork:
    """A network the camera can see from where it stands."""

    ssid: str
    password: str
    level: int  # 0..4 as in scanApList
    rssi_dbm: int
    auth: int = 4
    encryption: int = 3
    bssid: str = "000000000000"


DEFAULT_NETWORKS: tuple[WifiNetwork, ...] = (
    WifiNetwork("KasaDoctorHome", "correct-horse", 3, -58, bssid="0a0000000001"),
    WifiNetwork("KasaDoctorGuest", "guest-pass", 2, -67, bssid="0a0000000002"),
    WifiNetwork("Neighbour-2G", "not-yours", 1, -81, bssid="0a0000000003"),
)


@dataclass(slots=True)
class UpgradeJob:
    started_at: float
    target_version: str


@dataclass(slots=True)
class CameraState:
    """The state of one camera (or hub, or hub child) built from a fixture."""

    fixture: Fixture
    timings: Timings = field(default_factory=Timings)
    started_at: float = 0.0
    networks: tuple[WifiNetwork, ...] = DEFAULT_NETWORKS
    data: JSON = field(init=False)
    faults: set[str] = field(default_factory=set)
    boot_at: float = field(init=False)
    down_until: float = field(init=False, default=0.0)
    reboots: int = field(init=False, default=0)
    upgrade: UpgradeJob | None = field(init=False, default=None)
    firmware: str = field(init=False)
    children: dict[str, CameraState] = field(init=False, default_factory=dict)
    _saved_settings: dict[str, str] = field(init=False, default_factory=dict)
    _last_upgrade_ok: bool = field(init=False, default=True)
    _uptime_at_start: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if self.fixture.kind == "iotcam":
            raise ValueError("CameraState is for Tapo fixtures; use LegacyState for iotcam")
        self.data = self.fixture.copy_data()
        self.faults = set(check_faults(self.faults))
        self._uptime_at_start = self._fixture_uptime()
        self.boot_at = self.started_at - self._uptime_at_start
        self.firmware = str(self._basic_info().get("sw_version", ""))
        status = self._dig("getFirmwareUpdateStatus", "cloud_config", "upgrade_status")
        if isinstance(status, dict):
            self._last_upgrade_ok = bool(status.get("lastUpgradingSuccess", True))
        self._build_children()
        for name in sorted(self.faults):
            self._apply_setting_fault(name, True)

    # ----- facts -------------------------------------------------------------

    @property
    def model(self) -> str:
        return str(self._basic_info().get("device_model", ""))

    @property
    def device_type(self) -> str:
        return str(self._basic_info().get("device_type", ""))

    @property
    def is_hub(self) -> bool:
        return self.device_type.endswith("HUB")

    @property
    def led(self) -> str | None:
        value = self._dig("getLedStatus", "led", "config", "enabled")
        return None if value is None else str(value)

    @property
    def privacy(self) -> str | None:
        value = self._dig("getLensMaskConfig", "lens_mask", "lens_mask_info", "enabled")
        return None if value is None else str(value)

    @property
    def link_type(self) -> str | None:
        value = self._dig("getConnectionType", "link_type")
        return None if value is None else str(value)

    @property
    def ssid(self) -> str:
        raw = self._dig("getConnectionType", "ssid")
        return _b64decode_text(raw) if isinstance(raw, str) else ""

    def rssi(self) -> int | None:
        conn = self.view("getConnectionType")
        value = conn.get("rssiValue") if conn else None
        return value if isinstance(value, int) else None

    def signal_level(self) -> int | None:
        conn = self.view("getConnectionType")
        value = conn.get("rssi") if conn else None
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def has_overheat_field(self) -> bool:
        return "battery_overheated" in self._basic_info()

    def uptime(self, now: float) -> float:
        return max(0.0, now - self.boot_at)

    def is_down(self, now: float) -> bool:
        return now < self.down_until

    def update_offered(self) -> str | None:
        """The firmware version the cloud check offers, if any."""
        if self.faults & {"update_available", "update_failed"}:
            return bump_version(self.firmware)
        return None

    def device_time(self, now: float) -> float:
        """Seconds since 1970 on the camera's own clock.

        A camera has no battery-backed clock: after boot it counts from its
        firmware's build date until NTP answers (after `ntp_sync_delay`). With
        `clock_skew` NTP never answers.
        """
        # A camera stuck in a reboot loop never gets as far as asking NTP.
        blocked = self.faults & {"clock_skew", "reboot_loop"}
        synced = not blocked and (
            self.uptime(now) >= self.timings.ntp_sync_delay or self.reboots == 0
        )
        if synced:
            return now
        return self.build_epoch() + self.uptime(now)

    def build_epoch(self) -> float:
        """Midnight UTC of the firmware build date (``Build 241010`` / ``20240424``)."""
        match = re.search(r"Build (\d{6,8})", self.firmware)
        if match:
            digits = match.group(1)
            fmt = "%Y%m%d" if len(digits) == 8 else "%y%m%d"
            try:
                return datetime.strptime(digits, fmt).replace(tzinfo=UTC).timestamp()
            except ValueError:
                pass
        clock = self._dig("getClockStatus", "system", "clock_status", "seconds_from_1970")
        return float(clock) if isinstance(clock, int | float) else 946684800.0

    # ----- faults ------------------------------------------------------------

    def set_fault(self, name: str, on: bool = True) -> None:
        if name not in FAULTS:
            raise UnknownFaultError(name)
        if on == (name in self.faults):
            return
        if on:
            self.faults.add(name)
        else:
            self.faults.discard(name)
        self._apply_setting_fault(name, on)

    def _apply_setting_fault(self, name: str, on: bool) -> None:
        if name == "led_off" and self.led is not None:
            self._switch_setting("led", ("getLedStatus", "led", "config"), "off", on)
        elif name == "privacy_mode" and self.privacy is not None:
            path = ("getLensMaskConfig", "lens_mask", "lens_mask_info")
            self._switch_setting("privacy", path, "on", on)

    def _switch_setting(self, key: str, path: tuple[str, ...], value: str, on: bool) -> None:
        section = self._dig(*path)
        if not isinstance(section, dict):
            return
        if on:
            self._saved_settings[key] = str(section.get("enabled", ""))
            section["enabled"] = value
        elif key in self._saved_settings:
            previous = self._saved_settings.pop(key)
            if section.get("enabled") == value:
                section["enabled"] = previous

    # ----- transitions -------------------------------------------------------

    def reboot(self, now: float, downtime: float | None = None) -> None:
        """Go away for `downtime`, then come back with a fresh uptime."""
        wait = self.timings.reboot_downtime if downtime is None else downtime
        self.down_until = now + wait
        self.boot_at = self.down_until
        self.reboots += 1

    def start_upgrade(self, now: float) -> bool:
        target = self.update_offered()
        if target is None or self.upgrade is not None:
            return False
        self.upgrade = UpgradeJob(started_at=now, target_version=target)
        return True

    def upgrade_progress(self, now: float) -> int:
        if self.upgrade is None:
            return 0
        duration = self.timings.upgrade_duration or 1e-9
        return min(100, int(100 * (now - self.upgrade.started_at) / duration))

    def tick(self, now: float) -> None:
        """Advance time-driven transitions: finished upgrades and reboot loops."""
        job = self.upgrade
        if job is not None and now - job.started_at >= self.timings.upgrade_duration:
            self.upgrade = None
            self.firmware = job.target_version
            self._last_upgrade_ok = True
            self.faults.discard("update_available")
            self.faults.discard("update_failed")
            self.reboot(job.started_at + self.timings.upgrade_duration)
        if (
            "reboot_loop" in self.faults
            and not self.is_down(now)
            and self.uptime(now) >= self.timings.reboot_loop_uptime
        ):
            self.reboot(now)
        for child in self.children.values():
            child.tick(now)

    def next_transition(self, now: float) -> float | None:
        """When `tick` will next change something (or the camera comes back up)."""
        times: list[float] = []
        if self.upgrade is not None:
            times.append(self.upgrade.started_at + self.timings.upgrade_duration)
        if self.is_down(now):
            times.append(self.down_until)
        if "reboot_loop" in self.faults:
            times.append(max(self.boot_at, now) + self.timings.reboot_loop_uptime)
        times.extend(t for c in self.children.values() if (t := c.next_transition(now)))
        return min(times) if times else None

    # ----- setters the client calls -------------------------------------------

    def apply_setter(self, getter: str, params: JSON) -> bool:
        """Merge a ``setX`` call's params into what ``getX`` returns."""
        target = self.data.get(getter)
        if not isinstance(target, dict) or not isinstance(params, dict):
            return False
        _deep_merge(target, params)
        if "led_off" in self.faults and self.led not in (None, "off"):
            self.faults.discard("led_off")
            self._saved_settings.pop("led", None)
        if "privacy_mode" in self.faults and self.privacy not in (None, "on"):
            self.faults.discard("privacy_mode")
            self._saved_settings.pop("privacy", None)
        return True

    def set_alias(self, alias: str) -> None:
        self._basic_info()["device_alias"] = alias

    def scan_networks(self) -> list[WifiNetwork]:
        current = self.ssid
        weak = "weak_signal" in self.faults
        out = []
        for net in self.networks:
            if weak and net.ssid == current:
                net = WifiNetwork(
                    net.ssid, net.password, 1, WEAK_RSSI_DBM, net.auth, net.encryption
                )
            out.append(net)
        return out

    def join_network(self, ssid: str, password: str, now: float) -> bool:
        """Leave the network, try `ssid`; come back after the join downtime either way."""
        self.down_until = now + self.timings.wifi_join_downtime
        net = next((n for n in self.networks if n.ssid == ssid), None)
        if net is None or net.password != password:
            return False
        conn = self.data.get("getConnectionType")
        if isinstance(conn, dict):
            conn["ssid"] = base64.b64encode(ssid.encode()).decode()
            conn["rssiValue"] = net.rssi_dbm
            conn["rssi"] = str(net.level)
        return True

    # ----- rendering -----------------------------------------------------------

    def view(self, method: str, now: float | None = None) -> JSON | None:
        """What the camera answers to ``method`` now, or None if it does not know it."""
        raw = self.data.get(method)
        if method == "getCloudConfig":
            return self._cloud_config()
        if not isinstance(raw, dict):
            return None
        render = _RENDERERS.get(method)
        if render is None:
            return raw
        return render(self, copy.deepcopy(raw), self.started_at if now is None else now)

    def discovery_result(self, host: str, port: int) -> JSON | None:
        result = self._dig("discovery_result", "result")
        if not isinstance(result, dict):
            return None
        out = copy.deepcopy(result)
        out["ip"] = host
        out["firmware_version"] = self.firmware
        schm = out.setdefault("mgt_encrypt_schm", {"is_support_https": True})
        if isinstance(schm, dict):
            schm["http_port"] = port
            schm.setdefault("encrypt_type", "AES")
        decrypted = out.get("decrypted_data")
        if isinstance(decrypted, dict):
            decrypted["http_port"] = port
            if "sd_card_error" in self.faults:
                decrypted["sd_status"] = "abnormal"
        out.pop("encrypt_info", None)
        return out

    def _cloud_config(self) -> JSON:
        offered = self.update_offered()
        info: JSON = {"type": 0, "version": "", "release_date": "", "release_note": ""}
        if offered is not None:
            date = datetime.fromtimestamp(self.build_epoch() + 60 * 86400, UTC)
            info = {
                "type": 2,
                "version": offered,
                "release_date": date.strftime("%Y-%m-%d"),
                "release_note": "Stability and security improvements.",
            }
        return {"cloud_config": {"upgrade_info": info}}

    # ----- helpers ----------------------------------------------------------------

    def _basic_info(self) -> JSON:
        info = self._dig("getDeviceInfo", "device_info", "basic_info")
        return info if isinstance(info, dict) else {}

    def _dig(self, *keys: str) -> Any:
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def _fixture_uptime(self) -> float:
        return self.timings.initial_uptime

    def _build_children(self) -> None:
        from .fixtures import child_fixture_for

        listing = self._dig("getChildDeviceList", "child_device_list")
        if not isinstance(listing, list):
            return
        for entry in listing:
            if not isinstance(entry, dict) or entry.get("category") != "camera":
                continue
            fx = child_fixture_for(str(entry.get("device_model", "")))
            if fx is None:
                continue
            child = CameraState(fx, timings=self.timings, started_at=self.started_at)
            uptime = entry.get("uptime")
            if isinstance(uptime, int | float):
                child.boot_at = self.started_at - float(uptime)
            self.children[str(entry.get("device_id"))] = child


def _render_device_info(state: CameraState, raw: JSON, now: float) -> JSON:
    basic = raw.get("device_info", {}).get("basic_info")
    if isinstance(basic, dict):
        basic["sw_version"] = state.firmware
        if "battery_overheated" in basic:
            basic["battery_overheated"] = "overheated" in state.faults
    return raw


def _render_connection(state: CameraState, raw: JSON, now: float) -> JSON:
    if raw.get("link_type") == "wifi" and "weak_signal" in state.faults:
        raw["rssiValue"] = WEAK_RSSI_DBM
        raw["rssi"] = WEAK_SIGNAL_LEVEL
    return raw


def _render_firmware_status(state: CameraState, raw: JSON, now: float) -> JSON:
    cloud = raw.setdefault("cloud_config", {})
    status = cloud.setdefault("upgrade_status", {})
    if not isinstance(status, dict):
        return raw
    ok = state._last_upgrade_ok and "update_failed" not in state.faults
    status["lastUpgradingSuccess"] = ok
    if state.upgrade is not None:
        progress = state.upgrade_progress(now)
        status["state"] = "downloading" if progress < 40 else "upgrading"
        status["progress"] = progress
    else:
        status["state"] = "normal"
        status.pop("progress", None)
    offered = state.update_offered()
    if offered is not None:
        cloud["new_version"] = offered
    return raw


def _render_clock(state: CameraState, raw: JSON, now: float) -> JSON:
    clock = raw.get("system", {}).get("clock_status")
    if isinstance(clock, dict):
        seconds = int(state.device_time(now))
        clock["seconds_from_1970"] = seconds
        tz = _zone_of(state)
        clock["local_time"] = datetime.fromtimestamp(seconds, tz).strftime("%Y-%m-%d %H:%M:%S")
    return raw


def _render_sd_card(state: CameraState, raw: JSON, now: float) -> JSON:
    if "sd_card_error" not in state.faults:
        return raw
    disks = raw.get("harddisk_manage", {}).get("hd_info")
    if isinstance(disks, list):
        for item in disks:
            for disk in item.values() if isinstance(item, dict) else ():
                if isinstance(disk, dict):
                    disk["status"] = "abnormal"
                    disk["detect_status"] = "abnormal"
                    disk["rw_attr"] = "r"
    return raw


def _render_child_list(state: CameraState, raw: JSON, now: float) -> JSON:
    for entry in raw.get("child_device_list", []):
        if not isinstance(entry, dict):
            continue
        child = state.children.get(str(entry.get("device_id")))
        if child is None:
            continue
        uptime = int(child.uptime(now))
        if "uptime" in entry:
            entry["uptime"] = uptime
        if "cam_uptime" in entry:
            entry["cam_uptime"] = min(
                uptime, int(entry["cam_uptime"]) + int(now - state.started_at)
            )
        entry["sw_ver"] = child.firmware
        if child.led is not None and "led_status" in entry:
            entry["led_status"] = child.led
        entry["updating"] = child.upgrade is not None
        if "system_time" in entry:
            entry["system_time"] = int(child.device_time(now))
    return raw


_RENDERERS = {
    "getDeviceInfo": _render_device_info,
    "getConnectionType": _render_connection,
    "getFirmwareUpdateStatus": _render_firmware_status,
    "getClockStatus": _render_clock,
    "getSdCardStatus": _render_sd_card,
    "getChildDeviceList": _render_child_list,
}


def _zone_of(state: CameraState) -> tzinfo:
    basic = state._dig("getTimezone", "system", "basic")
    if not isinstance(basic, dict):
        return UTC
    try:
        return ZoneInfo(str(basic.get("zone_id", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        pass
    match = re.search(r"([+-])(\d{2}):(\d{2})", str(basic.get("timezone", "")))
    if not match:
        return UTC
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def _deep_merge(target: JSON, update: JSON) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _b64decode_text(raw: str) -> str:
    try:
        return base64.b64decode(raw, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return raw


def bump_version(version: str) -> str:
    """The next firmware after ``version``: patch number + 1, build date + 60 days."""
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)(.*)$", version)
    if not match:
        return f"{version}.1" if version else "1.0.1"
    major, minor, patch, rest = match.groups()
    build = re.search(r"Build (\d{6,8})", rest)
    if build:
        digits = build.group(1)
        fmt = "%Y%m%d" if len(digits) == 8 else "%y%m%d"
        try:
            later = datetime.strptime(digits, fmt) + timedelta(days=60)
            rest = rest.replace(digits, later.strftime(fmt), 1)
        except ValueError:
            pass
    return f"{major}.{minor}.{int(patch) + 1}{rest}"
