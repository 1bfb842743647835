"""Move the camera to another Wi-Fi network it can see (reconnect_in_app,
use_24ghz_network), with python-kasa's ``wifi_scan`` / ``wifi_join``.

Only networks from the camera's *own* scan are offered: what the camera hears is what
it can join. Cameras use 2.4 GHz; an entry whose channel says 5 GHz is left out, and
so are open networks (a camera on an open network streams to anyone nearby — the app
can still do that if the owner insists). The password is asked from the owner, handed
to python-kasa (which encrypts it with the camera's public key before sending) and
never stored, logged or put in a result.

A camera answers a join by leaving the network: the join is only believed once it
has gone, come back, and reports the new network's name.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from kasa.exceptions import DeviceError, KasaException

from kasa_doctor.fixes.connection import (
    CameraLink,
    FixError,
    Lost,
    connect,
    error_words,
    open_link,
    wait_back,
    wait_gone,
)
from kasa_doctor.fixes.model import (
    DEFAULT_FIX_TIMINGS,
    Attempt,
    FixProgress,
    FixResult,
    FixTimings,
    NetworkScan,
    ProgressFn,
    WifiChoice,
    no_progress,
)
from kasa_doctor.probes.camera import CameraTarget
from kasa_doctor.probes.credentials import CameraCredentials

CONNECTION_QUERY: Final[dict[str, Any]] = {
    "getConnectionType": {"network": {"get_connection_type": {}}}
}
#: Wi-Fi channels 1-14 are 2.4 GHz; anything above is 5 GHz (or 6 GHz)
MAX_24GHZ_CHANNEL: Final = 14


def decode_ssid(raw: str) -> str:
    """Tapo cameras send SSIDs base64-encoded; fall back to the text as it came."""
    try:
        text = base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return raw
    return text if text.isprintable() and text else raw


def _band(entry: dict[str, Any]) -> str:
    channel = entry.get("channel")
    if isinstance(channel, int) and not isinstance(channel, bool) and channel > 0:
        return "2.4" if channel <= MAX_24GHZ_CHANNEL else "5"
    # No channel in the scan (most Tapo cameras): the camera's radio is 2.4 GHz, so
    # what it hears is 2.4 GHz.
    return "2.4"


async def _current_ssid(link: CameraLink) -> str | None:
    answer = await link.query(CONNECTION_QUERY)
    raw = answer.get("getConnectionType", {})
    ssid = raw.get("ssid") if isinstance(raw, dict) else None
    return decode_ssid(ssid) if isinstance(ssid, str) and ssid else None


async def _scan(link: CameraLink) -> tuple[list[dict[str, Any]], str | None]:
    answer = await link.query({"scanApList": {"onboarding": {"scan": {}}}})
    scan = answer.get("scanApList", {})
    entries = (
        scan.get("onboarding", {}).get("scan", {}).get("ap_list")
        if isinstance(scan, dict)
        else None
    )
    return [e for e in entries or [] if isinstance(e, dict)], await _current_ssid(link)


def choices_from(entries: list[dict[str, Any]], current: str | None) -> tuple[WifiChoice, ...]:
    """Networks worth offering: 2.4 GHz, secured, not the current one; strongest first,
    one entry per name (mesh points repeat a name; the camera picks the access point)."""
    best: dict[str, WifiChoice] = {}
    for entry in entries:
        raw_ssid = entry.get("ssid")
        if not isinstance(raw_ssid, str) or not raw_ssid:
            continue
        ssid = decode_ssid(raw_ssid)
        level = entry.get("rssi")
        level = level if isinstance(level, int) and not isinstance(level, bool) else None
        auth = entry.get("auth")
        choice = WifiChoice(
            ssid=ssid,
            raw_ssid=raw_ssid,
            level=level,
            secured=auth != 0,
            band="2.4" if _band(entry) == "2.4" else "5",
            current=ssid == current,
        )
        if choice.current or not choice.secured or choice.band != "2.4":
            continue
        seen = best.get(ssid)
        if seen is None or (choice.level or 0) > (seen.level or 0):
            best[ssid] = choice
    return tuple(sorted(best.values(), key=lambda c: (-(c.level or 0), c.ssid.lower())))


async def scan_networks(
    target: CameraTarget,
    credentials: CameraCredentials,
    *,
    timings: FixTimings = DEFAULT_FIX_TIMINGS,
) -> NetworkScan:
    try:
        link = await connect(target, credentials, timings.request)
    except FixError as exc:
        return NetworkScan(ok=False, message=str(exc))
    try:
        try:
            entries, current = await _scan(link)
        except Lost as exc:
            return NetworkScan(ok=False, message=f"The camera stopped answering ({exc}).")
        except DeviceError as exc:
            return NetworkScan(
                ok=False,
                message=f"This camera cannot list Wi-Fi networks ({error_words(exc)}); it may "
                "be connected by cable.",
            )
    finally:
        await link.close()
    choices = choices_from(entries, current)
    if not choices:
        on = f" ({current})" if current else ""
        return NetworkScan(
            (),
            current,
            "The camera sees no other secured 2.4 GHz network than the one it is on" + on + ".",
        )
    return NetworkScan(choices, current)


async def join_network(
    target: CameraTarget,
    credentials: CameraCredentials,
    network: WifiChoice,
    password: str,
    *,
    step: str = "reconnect_in_app",
    timings: FixTimings = DEFAULT_FIX_TIMINGS,
    progress: ProgressFn = no_progress,
) -> FixResult:
    # The password goes nowhere but python-kasa's encrypted request: not in raw, not
    # in a message, not in a log line.
    attempt = Attempt(step, "wifi", raw={"ssid": network.ssid})
    result, raw = attempt.result, attempt.raw
    link = await open_link(attempt, target, credentials, timings, progress)
    if isinstance(link, FixResult):
        return link
    try:
        try:
            previous = await _current_ssid(link)
            raw["previous_ssid"] = previous
            progress(FixProgress("scan", "the camera looks for the network", 0.1))
            # wifi_join needs the scan it made itself (and the camera's key in it)
            await link.call(link.device.wifi_scan())
        except Lost as exc:
            return result("not_started", f"The camera stopped answering ({exc}).")
        except KasaException as exc:
            return result("not_started", f"The camera cannot list networks ({error_words(exc)}).")
        progress(FixProgress("join", f"the camera joins {network.ssid}", 0.2))
        try:
            await link.call(link.device.wifi_join(network.raw_ssid, password))
        except Lost:
            pass  # a camera leaves without answering: the join has begun
        except DeviceError as exc:
            return result(
                "not_started", f"The camera refused to join {network.ssid} ({error_words(exc)})."
            )
        except KasaException:
            pass  # python-kasa's own "no answer" on a join; the camera is leaving
    finally:
        await link.close()

    gone = await wait_gone(
        target, timings, progress, f"the camera leaves {previous or 'its network'}"
    )
    raw["went_away"] = gone
    back = await wait_back(
        target, timings, progress, f"waiting for the camera to answer on {network.ssid}"
    )
    if not back:
        return result(
            "incomplete",
            f"The camera left its network to join {network.ssid} and has not answered here "
            f"within {timings.back:g} s. If {network.ssid} is a different network from this "
            "computer's, the camera may be fine but out of reach from here; check the app.",
        )
    try:
        link = await connect(target, credentials, timings.request)
    except FixError as exc:
        return result("incomplete", f"The camera is back, but {exc}")
    try:
        now_on = await _current_ssid(link)
    except (Lost, DeviceError) as exc:
        return result(
            "incomplete", f"The camera is back, but its network could not be read ({exc})."
        )
    finally:
        await link.close()
    raw["current_ssid"] = now_on
    progress(FixProgress("done", f"on {now_on}", 1.0))
    if now_on == network.ssid:
        return result("done", f"The camera joined {network.ssid} and answers again.")
    return result(
        "incomplete",
        f"The camera came back on {now_on or 'its old network'}, not {network.ssid}: the "
        "Wi-Fi password was probably wrong. Nothing else changed.",
    )
