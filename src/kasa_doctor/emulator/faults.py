"""The faults an emulated camera can have, and the knobs that shape them.

A fault is a name from `FAULTS`. Each one changes what the camera reports the way a
real camera with that problem would; the mapping from fault to reported field lives
in `state.py` (what the camera says) and `camera.py` (how the camera behaves on the
wire: offline, flaky, slow, garbage, reboot loop).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FAULTS: dict[str, str] = {
    "weak_signal": "Wi-Fi signal is weak: rssiValue -80 dBm, signal level 1",
    "offline": "camera stops answering (port closed, no discovery or legacy replies)",
    "flaky": "camera drops a share of requests (connection closed without a reply)",
    "slow": "camera delays every reply",
    "reboot_loop": "camera keeps rebooting: goes away, comes back with a fresh uptime and clock",
    "overheated": "overheat flag set (battery_overheated, only on models that report it)",
    "update_failed": "last firmware update failed (upgrade_status.lastUpgradingSuccess false)",
    "update_available": "a newer firmware is offered by the cloud check",
    "clock_skew": "camera cannot reach NTP: its clock runs from the firmware build date",
    "auth_changed": "camera password was changed: the configured password is rejected",
    "led_off": "status LED switched off (led.config.enabled off)",
    "privacy_mode": "privacy mode on (lens_mask_info.enabled on)",
    "sd_card_error": "SD card reports an error (hd_info status abnormal)",
    "garbage": "replies are malformed: bad JSON, truncated bodies, wrong types",
}


class UnknownFaultError(ValueError):
    """A fault name that is not in `FAULTS`."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown fault {name!r}; known faults: {', '.join(sorted(FAULTS))}")
        self.name = name


def check_faults(names: Iterable[str]) -> frozenset[str]:
    """Return the names as a set, raising `UnknownFaultError` for any unknown one."""
    out = frozenset(names)
    for name in sorted(out):
        if name not in FAULTS:
            raise UnknownFaultError(name)
    return out


@dataclass(frozen=True, slots=True)
class Timings:
    """How long things take on the emulated camera, in seconds.

    The defaults are close to a real camera; tests shrink them so a reboot or a
    firmware upgrade takes a fraction of a second.
    """

    reboot_downtime: float = 3.0
    upgrade_duration: float = 6.0
    reboot_loop_uptime: float = 15.0
    ntp_sync_delay: float = 5.0
    slow_delay: float = 2.0
    flaky_drop_ratio: float = 0.3
    lockout_seconds: int = 1800
    max_failed_logins: int = 5
    wifi_join_downtime: float = 3.0
    initial_uptime: float = 3 * 24 * 3600.0

    def __post_init__(self) -> None:
        for name in (
            "reboot_downtime",
            "upgrade_duration",
            "reboot_loop_uptime",
            "ntp_sync_delay",
            "slow_delay",
            "wifi_join_downtime",
            "initial_uptime",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not 0.0 <= self.flaky_drop_ratio <= 1.0:
            raise ValueError("flaky_drop_ratio must be between 0 and 1")
        if self.max_failed_logins < 1:
            raise ValueError("max_failed_logins must be at least 1")


FAST_TIMINGS = Timings(
    reboot_downtime=0.5,
    upgrade_duration=0.6,
    reboot_loop_uptime=1.0,
    ntp_sync_delay=0.2,
    slow_delay=0.4,
    wifi_join_downtime=0.3,
)
"""Timings for tests: every transition finishes within a second."""
