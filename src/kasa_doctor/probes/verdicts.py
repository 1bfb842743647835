"""From a camera observation to a verdict and plain words for the owner.

Probe ids from the knowledge base take their title and verdict from ``probes.yaml``
(``verdicts:``), so what `check` calls a problem is what the engine treats as one.
Report-only readings (firmware, clock, SD card, privacy mode) have their rules here.
A reading that could not be made has the verdict ``unknown``.

The probe writes the facts ("signal −78 dBm (level 1)"); this module adds what they
mean and what to do ("weak — move the camera closer or add an extender").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Final, Literal

from kasa_doctor.probes.observation import CORE_VALUES, Observation

_LOGGER = logging.getLogger(__name__)

Verdict = Literal["ok", "warning", "problem", "unknown"]
VERDICT_ORDER: Final[dict[Verdict, int]] = {"unknown": 0, "ok": 1, "warning": 2, "problem": 3}

# Clock offset: NTP keeps a camera within a second or two; minutes mean it lost NTP
# lately, hours or more that it never had it since the last start.
CLOCK_OK_S: Final = 60.0
CLOCK_WARNING_S: Final = 300.0

_LEVELS: Final[dict[str, Verdict]] = {"ok": "ok", "warning": "warning", "problem": "problem"}

# probes.yaml "info" verdicts are facts, not faults; `check` shows three levels.
_INFO_AS: Final[dict[str, Verdict]] = {
    "camera_led_setting": "ok",  # a light switched off is a choice, explained in words
    "camera_updating": "warning",  # nothing is broken, but unplugging now would break it
}

MEANING: Final[dict[tuple[str, str], str]] = {
    ("camera_reachable", "no"): (
        "check that it has power and is on your Wi-Fi; a blinking red light usually means it is not"
    ),
    ("camera_auth", "failed"): (
        "do not retry again and again: after a few failures the camera locks logins out "
        "for about 30 minutes"
    ),
    ("camera_signal", "good"): "strong",
    ("camera_signal", "fair"): "usable, but walls and distance can cause drop-outs",
    ("camera_signal", "poor"): "weak — move the camera closer or add an extender",
    ("camera_overheated", "yes"): (
        "unplug it, move it out of the sun or away from heat, and let it cool for 15–20 minutes"
    ),
    ("camera_update_available", "yes"): (
        "install it in the Tapo app and keep the camera powered until it finishes"
    ),
    ("camera_last_update_failed", "yes"): (
        "run the update again in the app; if the camera will not start, a reset may be needed"
    ),
    ("camera_uptime", "short"): (
        "it started recently — if nobody restarted it, it may keep restarting "
        "(loose or weak power supply)"
    ),
    ("camera_led_setting", "off"): "while it is off, the light cannot show problems",
    ("camera_updating", "yes"): "leave it powered and alone until it finishes",
    ("camera_battery", "low"): "charge the battery (or bring the camera somewhere warmer)",
    ("camera_ip_changed", "yes"): (
        "give the camera a fixed address (a DHCP reservation) in the router"
    ),
}

REPORT_ONLY_TITLES: Final[dict[str, str]] = {
    "camera_firmware": "Firmware",
    "camera_clock_offset": "Camera clock",
    "camera_sd_card": "SD card",
    "camera_privacy_mode": "Privacy mode",
}

# Used only if the knowledge base cannot be loaded, so `check` still works.
_FALLBACK_TITLES: Final[dict[str, str]] = {
    "camera_reachable": "Camera answers on the local network",
    "camera_auth": "Camera accepts the login",
    "camera_signal": "Wi-Fi signal at the camera",
    "camera_cloud": "Camera connected to TP-Link's cloud",
    "camera_overheated": "Camera reports overheating",
    "camera_update_available": "Firmware update available",
    "camera_last_update_failed": "Last firmware update failed",
    "camera_uptime": "Time since the camera last started",
    "camera_led_setting": "Status light setting",
    "camera_updating": "Firmware update running now",
    "camera_battery": "Battery level",
    "camera_ip_changed": "Camera address changed or taken by another device",
}
_FALLBACK_VERDICTS: Final[dict[str, dict[str, str]]] = {
    "camera_reachable": {"yes": "ok", "no": "problem"},
    "camera_auth": {"ok": "ok", "failed": "problem"},
    "camera_signal": {"good": "ok", "fair": "warning", "poor": "problem"},
    "camera_cloud": {"connected": "ok", "disconnected": "problem"},
    "camera_overheated": {"yes": "problem", "no": "ok"},
    "camera_update_available": {"yes": "warning", "no": "ok"},
    "camera_last_update_failed": {"yes": "problem", "no": "ok"},
    "camera_uptime": {"short": "warning", "long": "ok"},
    "camera_led_setting": {"on": "ok", "off": "info"},
    "camera_updating": {"yes": "info", "no": "ok"},
    "camera_battery": {"ok": "ok", "low": "problem"},
    "camera_ip_changed": {"yes": "warning", "no": "ok"},
}


@dataclass(frozen=True)
class ProbeInfo:
    title: str
    verdicts: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)


@cache
def _probe_table() -> dict[str, ProbeInfo]:
    """Titles and verdicts of the knowledge base's probes (the fallback if it is broken)."""
    try:
        from kasa_doctor.knowledge.loader import default_knowledge

        return {
            p.id: ProbeInfo(p.title, dict(p.verdicts), dict(p.answers))
            for p in default_knowledge().probes
        }
    except Exception as exc:  # a broken knowledge edit must not break `check`
        _LOGGER.warning("knowledge base not loaded, using built-in titles: %s", exc)
        return {
            pid: ProbeInfo(title, dict(_FALLBACK_VERDICTS.get(pid, {})))
            for pid, title in _FALLBACK_TITLES.items()
        }


@dataclass(frozen=True)
class Reading:
    """One line of a health report."""

    probe: str
    title: str
    value: str | None
    #: what to show in a "reading" column: the value, or a short form of raw data
    reading: str | None
    verdict: Verdict
    #: the facts and what they mean, in plain words
    detail: str
    raw: dict[str, object]
    #: True when ``value`` is evidence for the engine (a knowledge-base probe)
    feeds_engine: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "probe": self.probe,
            "title": self.title,
            "value": self.value,
            "reading": self.reading,
            "verdict": self.verdict,
            "detail": self.detail,
            "raw": dict(self.raw),
            "feeds_engine": self.feeds_engine,
        }


def _with_meaning(facts: str, meaning: str | None) -> str:
    if not meaning:
        return facts
    if not facts:
        return meaning
    return f"{facts}: {meaning}" if " — " in meaning else f"{facts} — {meaning}"


def _report_only(obs: Observation) -> tuple[Verdict, str | None, str]:
    """(verdict, short reading, meaning) for a reading that is not engine evidence."""
    raw = obs.raw
    if obs.probe == "camera_firmware":
        version = raw.get("version")
        return ("ok", str(version), "") if version else ("unknown", None, "")
    if obs.probe == "camera_clock_offset":
        offset = raw.get("offset_s")
        if not isinstance(offset, int | float):
            return "unknown", None, ""
        reading = _signed_duration(float(offset))
        if abs(offset) <= CLOCK_OK_S:
            return "ok", reading, ""
        if abs(offset) <= CLOCK_WARNING_S:
            return "warning", reading, "it has not checked the time for a while"
        return (
            "problem",
            reading,
            "a camera that cannot reach a time server usually has its internet or DNS "
            "blocked (firewall, Pi-hole, IoT network) — or it has just started",
        )
    if obs.probe == "camera_sd_card":
        status = raw.get("status")
        if not isinstance(status, str):
            return "unknown", None, ""
        if status == "normal":
            return "ok", "normal", ""
        if status == "offline":
            return "ok", "no card", "recordings are not kept on the camera"
        return "problem", status, "reformat the card in the app, or replace it"
    if obs.probe == "camera_privacy_mode":
        enabled = raw.get("enabled")
        if enabled is True:
            return "warning", "on", "switch privacy mode off in the app to see video"
        if enabled is False:
            return "ok", "off", ""
        return "unknown", None, ""
    return "unknown", None, ""


def _signed_duration(seconds: float) -> str:
    from kasa_doctor.probes.camera import human_duration

    if abs(seconds) < 1:
        return "0 s"
    return ("+" if seconds > 0 else "−") + human_duration(seconds)


def _short_reading(obs: Observation) -> str | None:
    """The number behind an engine value, where there is one ("−78 dBm", "12 %")."""
    raw = obs.raw
    if obs.probe == "camera_signal" and isinstance(raw.get("rssi_dbm"), int):
        return f"{raw['rssi_dbm']} dBm".replace("-", "−")
    if obs.probe == "camera_battery" and isinstance(raw.get("percent"), int):
        return f"{raw['percent']} %"
    if obs.probe == "camera_update_available" and isinstance(raw.get("new_version"), str):
        return f"yes: {raw['new_version']}"
    estimate = raw.get("uptime_s_estimate")
    if obs.probe == "camera_uptime" and isinstance(estimate, int | float):
        return f"{obs.value} (~{_signed_duration(float(estimate)).lstrip('+')})"
    return obs.value


def judge(obs: Observation) -> Reading:
    """The verdict and plain words for one observation."""
    table = _probe_table()
    info = table.get(obs.probe)
    feeds_engine = info is not None or obs.probe in CORE_VALUES
    title = (
        info.title
        if info is not None
        else REPORT_ONLY_TITLES.get(obs.probe, obs.probe.removeprefix("camera_"))
    )
    raw = dict(obs.raw)
    if raw.get("unavailable") or raw.get("supported") is False:
        return Reading(obs.probe, title, obs.value, None, "unknown", obs.detail, raw, feeds_engine)
    if feeds_engine:
        if obs.value is None:
            return Reading(obs.probe, title, None, None, "unknown", obs.detail, raw, True)
        verdicts = info.verdicts if info is not None else _FALLBACK_VERDICTS.get(obs.probe, {})
        named = verdicts.get(obs.value, "unknown")
        if named == "info":
            verdict = _INFO_AS.get(obs.probe, "ok")
        else:
            verdict = _LEVELS.get(named, "unknown")
        meaning = MEANING.get((obs.probe, obs.value))
        facts = obs.detail or (info.answers.get(obs.value, "") if info else "")
        return Reading(
            obs.probe,
            title,
            obs.value,
            _short_reading(obs),
            verdict,
            _with_meaning(facts, meaning),
            raw,
            True,
        )
    verdict, reading, meaning = _report_only(obs)
    return Reading(
        obs.probe, title, None, reading, verdict, _with_meaning(obs.detail, meaning), raw, False
    )


def judge_all(observations: Iterable[Observation]) -> list[Reading]:
    return [judge(o) for o in observations]


def worst(readings: Iterable[Reading]) -> Verdict:
    """The most serious verdict among the readings ("unknown" if none was judged)."""
    result: Verdict = "unknown"
    for reading in readings:
        if VERDICT_ORDER[reading.verdict] > VERDICT_ORDER[result]:
            result = reading.verdict
    return result
