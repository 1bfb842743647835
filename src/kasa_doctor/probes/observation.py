"""The one result type every probe returns.

A probe is a live check (is the gateway up? which band is this computer on?) that
answers with an :class:`Observation`. The engine only ever looks at ``probe`` and
``value``; the support report shows ``detail`` to people and keeps ``raw`` for
whoever reads the hand-off. Camera probes, network probes and host Wi-Fi probes all
use this type, so a session can treat them alike.

Rules for probe authors:

* ``probe`` is a probe id from the scenario contract (``scenarios/FORMAT.md``), e.g.
  ``"gateway_reachable"``.
* ``value`` is one of that probe's core values, or ``None`` when the check could
  not be made (tool missing, no permission, output not understood). ``None`` means
  "no evidence" to the engine — it is never an error, and a probe must never raise
  to say it.
* ``raw`` is what the probe actually read: addresses, timings, the tool it used,
  SSIDs. Keep values JSON-friendly (str, int, float, bool, None, lists and dicts of
  those). Redaction happens once, later, by key name, so use plain key names such as
  ``"ssid"``, ``"bssid"``, ``"gateway"`` rather than hiding data here.
* ``detail`` is one short plain-English sentence for the camera owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

# Core values per probe id, copied from the contract so a typo in a probe is caught
# where it is made instead of silently becoming evidence the engine ignores. Probe
# ids that are not listed here (added later by the knowledge base) are not checked.
CORE_VALUES: Final[dict[str, frozenset[str]]] = {
    "camera_reachable": frozenset({"yes", "no"}),
    "camera_auth": frozenset({"ok", "failed"}),
    "camera_signal": frozenset({"good", "fair", "poor"}),
    "camera_cloud": frozenset({"connected", "disconnected"}),
    "camera_overheated": frozenset({"yes", "no"}),
    "camera_update_available": frozenset({"yes", "no"}),
    "camera_last_update_failed": frozenset({"yes", "no"}),
    "camera_uptime": frozenset({"short", "long"}),
    "camera_led_setting": frozenset({"on", "off"}),
    "camera_updating": frozenset({"yes", "no"}),
    "camera_battery": frozenset({"ok", "low"}),
    "camera_ip_changed": frozenset({"yes", "no"}),
    "host_wifi_band": frozenset({"2.4ghz", "5ghz", "wired"}),
    "host_wifi_security": frozenset({"wpa2", "wpa3", "wpa2_wpa3_mixed", "open"}),
    "ssid_24ghz_visible": frozenset({"yes", "no"}),
    "gateway_reachable": frozenset({"yes", "no"}),
    "dns_works": frozenset({"yes", "no"}),
    "internet_reachable": frozenset({"yes", "no"}),
}


@dataclass(frozen=True)
class Observation:
    """What one probe found.

    Treat ``raw`` as read-only; the dataclass is frozen but a dict cannot be.
    """

    probe: str
    value: str | None
    raw: dict[str, object] = field(default_factory=dict)
    detail: str = ""

    def __post_init__(self) -> None:
        allowed = CORE_VALUES.get(self.probe)
        if self.value is not None and allowed is not None and self.value not in allowed:
            raise ValueError(
                f"{self.value!r} is not a value of probe {self.probe!r} "
                f"(expected one of {sorted(allowed)})"
            )

    @property
    def known(self) -> bool:
        """True when the check could be made and gave a core value."""
        return self.value is not None

    @classmethod
    def unknown(cls, probe: str, detail: str, raw: dict[str, object] | None = None) -> Observation:
        """An observation that carries no evidence, only an explanation."""
        return cls(probe=probe, value=None, raw=dict(raw or {}), detail=detail)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy (for ``--json`` output and the support report)."""
        return {
            "probe": self.probe,
            "value": self.value,
            "raw": dict(self.raw),
            "detail": self.detail,
        }


def as_evidence(observations: Iterable[Observation]) -> dict[str, str]:
    """The probe id -> value mapping the engine consumes; unknowns are left out.

    When a probe id appears more than once the last known value wins, so a later,
    more specific check can override an earlier one.
    """
    evidence: dict[str, str] = {}
    for obs in observations:
        if obs.value is not None:
            evidence[obs.probe] = obs.value
    return evidence
