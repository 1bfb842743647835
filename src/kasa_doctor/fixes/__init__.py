"""Repair steps kasa-doctor can take itself, and the check after every step.

- `reboot.reboot` — restart the camera remotely (power_cycle_camera)
- `firmware.update_firmware` — check, install, wait; never interrupted (update_firmware)
- `led.enable_led` — status light back on (enable_led)
- `wifi.scan_networks` / `wifi.join_network` — move the camera to a 2.4 GHz network
  from its own scan (reconnect_in_app, use_24ghz_network)
- `wait.wait_for` — wait with progress while polling (wait_for_boot, wait_for_update)
- `verify.verify` — check the camera again and judge it (`health`)
- `live.LiveContext` — all of that behind the wizard's `model.LiveRunner` interface
- `catalogue` — which step maps to which action, how long it takes, when not

Each action is an async function with explicit timeouts that returns a
`model.FixResult` and never raises for anything the camera does. They connect like
the camera probe: one login attempt, no retries (cameras lock an account out after a
few failed logins). Kasa KC/EC cameras get no automated changes.

This package file imports only the plain data types: python-kasa loads when an
action module is imported.
"""

from kasa_doctor.fixes.model import (
    FAST_FIX_TIMINGS,
    FixOffer,
    FixProgress,
    FixResult,
    FixTimings,
    LiveRunner,
    NetworkScan,
    ProgressFn,
    Sign,
    Verification,
    WifiChoice,
)

__all__ = [
    "FAST_FIX_TIMINGS",
    "FixOffer",
    "FixProgress",
    "FixResult",
    "FixTimings",
    "LiveRunner",
    "NetworkScan",
    "ProgressFn",
    "Sign",
    "Verification",
    "WifiChoice",
]
