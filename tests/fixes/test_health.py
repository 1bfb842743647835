"""The judgement after a step, the offers and the answers-file keys: pure, no camera."""

from __future__ import annotations

from pathlib import Path

import pytest

from kasa_doctor.fixes.catalogue import about, offer_for
from kasa_doctor.fixes.health import (
    assess,
    dropped,
    evidence_after_step,
    settling,
    signs_of,
    watched,
)
from kasa_doctor.knowledge.loader import KnowledgeBase, default_knowledge
from kasa_doctor.probes.camera import CameraReport, CameraTarget
from kasa_doctor.probes.observation import Observation
from kasa_doctor.wizard.answers import AnswersError, load_answers


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return default_knowledge()


def obs(probe: str, value: str | None, **raw: object) -> Observation:
    return Observation(probe, value, dict(raw), f"{probe} {value}")


UP = [obs("camera_reachable", "yes"), obs("camera_auth", "ok")]


def test_signs_come_from_the_knowledge_base(kb: KnowledgeBase) -> None:
    assert "wifi_weak_signal" in signs_of(kb, "camera_signal", "poor")
    assert not signs_of(kb, "camera_signal", "fair")  # fair is no sign of a weak signal
    assert signs_of(kb, "camera_led_setting", "off") == {"led_disabled"}
    assert "firmware_outdated" in signs_of(kb, "camera_update_available", "yes")
    assert not signs_of(kb, "camera_firmware", "1.4.3")  # a report-only reading
    assert watched(kb, "enable_led") >= {"led_disabled"}
    assert "firmware_update_in_progress" in watched(kb, "wait_for_update")
    assert watched(kb, "restart_router", "router_fault", "wifi_weak_signal") >= {
        "router_fault",
        "wifi_weak_signal",
    }


def test_assess_fixed_not_fixed_and_unknown(kb: KnowledgeBase) -> None:
    led = watched(kb, "enable_led")
    before = [*UP, obs("camera_led_setting", "off")]
    verdict, trouble, cleared, message = assess(
        kb, led, before, [*UP, obs("camera_led_setting", "on")], "cam"
    )
    assert verdict == "fixed" and not trouble
    assert [(s.probe, s.value) for s in cleared] == [("camera_led_setting", "off")]
    assert "before:" in message

    verdict, trouble, _, message = assess(kb, led, before, before, "cam")
    assert verdict == "not_fixed" and trouble[0].probe == "camera_led_setting"
    assert "still reports" in message

    verdict, *_, message = assess(kb, led, before, [obs("camera_reachable", "no")], "cam:443")
    assert verdict == "not_fixed" and "does not answer at cam:443" in message

    verdict, *_ = assess(kb, led, UP, UP, "cam")
    assert verdict == "unknown"  # nothing pointed at the problem, nothing can clear


def test_unrelated_signs_hold_back_only_an_owners_fixed(kb: KnowledgeBase) -> None:
    led = watched(kb, "enable_led")
    before = [*UP, obs("camera_led_setting", "off"), obs("camera_signal", "poor")]
    after = [*UP, obs("camera_led_setting", "on"), obs("camera_signal", "poor")]
    # kasa-doctor switched the light on itself: that is what it checks
    assert assess(kb, led, before, after, "cam")[0] == "fixed"
    # the owner says "fixed": a poor signal (a "problem" reading) is still a problem
    verdict, trouble, *_ = assess(kb, led, before, after, "cam", strict=True)
    assert verdict == "not_fixed" and [s.probe for s in trouble] == ["camera_signal"]


def test_a_fresh_start_is_not_judged_too_early(kb: KnowledgeBase) -> None:
    just_started = [*UP, obs("camera_clock_synced", "no"), obs("camera_uptime", "short")]
    assert settling(just_started)
    assert settling([*UP, obs("camera_updating", "yes")])
    assert not settling([*UP, obs("camera_clock_synced", "no"), obs("camera_uptime", "long")])
    # a short uptime is what any restart leaves behind: never evidence after a step
    kept = evidence_after_step(just_started)
    uptime = next(o for o in kept if o.probe == "camera_uptime")
    assert uptime.value is None and uptime.raw["value_after_step"] == "short"


def test_a_camera_that_drops_mid_check_is_not_back(kb: KnowledgeBase) -> None:
    lost = [obs("camera_reachable", "yes"), Observation("camera_auth", None, {"unavailable": True})]
    assert dropped(lost)
    assert not dropped([obs("camera_reachable", "yes"), Observation("camera_auth", None, {})])
    verdict, *_, message = assess(kb, frozenset(), [], lost, "cam")
    assert verdict == "not_fixed" and "stopped answering during the check" in message


def report(**values: str) -> CameraReport:
    rep = CameraReport(CameraTarget("127.0.0.1", 443))
    rep.identity.family = "tapo"
    rep.observations = [Observation(k, v) for k, v in values.items()]
    return rep


def test_offers_say_why_not() -> None:
    up = report(camera_reachable="yes", camera_auth="ok")
    offer = offer_for("update_firmware", up, True)
    assert offer is not None and offer.available and offer.action == "firmware"
    assert offer_for("restart_router", up, True) is None
    down = offer_for("power_cycle_camera", report(camera_reachable="no"), True)
    assert down is not None and not down.available and "does not answer" in down.reason
    refused = offer_for("enable_led", report(camera_reachable="yes", camera_auth="failed"), True)
    assert refused is not None and "refused" in refused.reason
    no_login = offer_for("enable_led", up, False)
    assert no_login is not None and "login" in no_login.reason
    wifi = offer_for("use_24ghz_network", up, True)
    assert wifi is not None and wifi.needs_network
    assert about(5) == "about 5 s" and about(300) == "about 5 min"


def test_answers_file_automate_and_wifi(tmp_path: Path, kb: KnowledgeBase) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("automate: no\nwifi: Home-2G\n", encoding="utf-8")
    answers = load_answers(path, kb)
    assert answers.automate is False and answers.wifi == "Home-2G"
    path.write_text("steps: {}\n", encoding="utf-8")
    assert load_answers(path, kb).automate is None
    path.write_text("automate: sometimes\n", encoding="utf-8")
    with pytest.raises(AnswersError, match=r"a.yaml:1: automate must be yes or no"):
        load_answers(path, kb)
