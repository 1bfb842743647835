"""The wizard with a camera at hand: offers, the check after every step, the
factory reset's confirmation, a camera vanishing mid-update, Kasa cameras."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console

from kasa_doctor.emulator import ThreadedCamera
from kasa_doctor.engine.model import default_model
from kasa_doctor.engine.planner import Proposal
from kasa_doctor.engine.session import Session
from kasa_doctor.fixes.live import LiveContext
from kasa_doctor.fixes.model import (
    FAST_FIX_TIMINGS,
    FixOffer,
    FixProgress,
    FixResult,
    FixTimings,
    NetworkScan,
    Outcome,
    OwnerSays,
    ProgressFn,
    Verdict,
    Verification,
    WifiChoice,
    no_progress,
)
from kasa_doctor.knowledge import schema as s
from kasa_doctor.knowledge.loader import default_knowledge
from kasa_doctor.live import gather_live_checks, record_live_checks
from kasa_doctor.wizard.answers import Answers
from kasa_doctor.wizard.flow import Wizard
from kasa_doctor.wizard.scripted import ScriptedUi
from kasa_doctor.wizard.terminal import RichUi
from kasa_doctor.wizard.ui import StepResult, StepView
from tests.fixes.conftest import C210, EC60, login, target_of

Start = Callable[..., ThreadedCamera]
POWER_CUTTING = {"reseat_power", "swap_power_supply", "power_cycle_camera", "cool_down"}


def live_session(cam: ThreadedCamera, credentials: bool = True) -> tuple[Session, LiveContext]:
    target = target_of(cam)
    creds = login() if credentials else None
    session = Session(engine=default_model())
    checks = asyncio.run(gather_live_checks(target, creds, timeout=3))
    record_live_checks(session, checks)
    return session, LiveContext(target, creds, checks, timings=FAST_FIX_TIMINGS)


def transcript() -> tuple[RichUi, io.StringIO]:
    out = io.StringIO()
    return RichUi(Console(file=out, width=200, highlight=False)), out


def step_results(session: Session) -> list[tuple[str, str | None]]:
    return [(e.id, e.value) for e in session.steps_taken()]


# --- the camera vanishes in the middle of a firmware update ---------------------------


def test_vanishing_mid_update_is_never_fixed_and_the_next_step_is_the_safe_one(
    start_camera: Start,
) -> None:
    cam = start_camera(C210, "update_available")
    session, live = live_session(cam)
    live.timings = FixTimings(
        request=1, poll=0.1, away=1, back=1, upgrade=1.5, settle=1, owner_grace=0.3, after_fix=0.2
    )
    display, out = transcript()

    class Owner(ScriptedUi):
        """Lets kasa-doctor act, says "not fixed" to everything, and pulls the camera
        off the network as soon as the update is running."""

        @contextmanager
        def fix_progress(
            self, view: StepView, seconds: float, *, checking: bool = False
        ) -> Iterator[ProgressFn]:
            def report(update: FixProgress) -> None:
                if update.phase == "update" and "offline" not in cam.faults:
                    cam.set_fault("offline")

            yield report

    Wizard(session, Owner(Answers(Path("owner.yaml")), display), live=live).run()

    taken = step_results(session)
    ids = [step for step, _ in taken]
    assert ("update_firmware", "skipped") in taken  # not evidence either way, never fixed
    assert session.status != "fixed"
    text = " ".join(out.getvalue().split())
    assert "stopped answering in the middle of the firmware update" in text
    assert "Do not unplug it" in text
    after = ids[ids.index("update_firmware") + 1]
    assert after == "wait_for_update", ids
    assert not POWER_CUTTING & set(ids[ids.index("update_firmware") :])
    updating = [e for e in session.history if e.id == "camera_updating" and e.value == "yes"]
    assert updating and updating[0].raw["source"] == "firmware"


# --- automated steps through the wizard -------------------------------------------------


class Says(ScriptedUi):
    """An owner who answers every step with ``result`` and lets kasa-doctor act."""

    def __init__(self, result: StepResult, automate: bool = True) -> None:
        steps = {st.id: result for st in default_knowledge().steps}
        super().__init__(Answers(Path("owner.yaml"), steps=steps, automate=automate))


def test_a_reboot_through_the_wizard_restarts_checks_and_then_asks_the_owner(
    start_camera: Start,
) -> None:
    cam = start_camera(C210)
    session, live = live_session(cam)
    offer = live.offer("power_cycle_camera")
    assert offer is not None and offer.available and offer.action == "reboot"
    assert live.offer("reseat_power") is None  # a step only the owner can take
    assert live.offer("factory_reset") is None  # never automated
    readings = sum(1 for e in session.history if e.kind == "probe")

    Wizard(session, Says("fixed"), live=live)._step(_proposal(session, "power_cycle_camera"))

    assert cam.state.reboots == 1 and not cam.state.down
    entry = session.steps_taken()[-1]
    assert entry.raw["automated"]["outcome"] == "done"
    check = entry.raw["verification"]
    assert check["reachable"] and check["login_ok"] and check["verdict"] == "unknown"
    # the camera cannot say whether a restart fixed it: the owner's word ("fixed")
    assert entry.value == "fixed" and session.status == "fixed"
    # a repaired camera's readings are not evidence about the fault
    assert sum(1 for e in session.history if e.kind == "probe") == readings


def test_owner_says_fixed_but_the_camera_does_not_answer(start_camera: Start) -> None:
    cam = start_camera(C210)
    session, live = live_session(cam)
    cam.set_fault("offline")  # whatever the owner did, the camera is gone now
    display, out = transcript()
    owner = ScriptedUi(Answers(Path("owner.yaml"), steps={"reseat_power": "fixed"}), display)

    wizard = Wizard(session, owner, live=live)
    proposal = session.propose(allow=frozenset({"question"}))
    while proposal.kind != "step" or proposal.id != "reseat_power":
        if proposal.kind == "question":
            session.observe(proposal.id, None)
        else:
            session.record_step(proposal.id, None)
        proposal = session.propose(allow=frozenset({"question"}))
    wizard._step(proposal)

    entry = session.steps_taken()[-1]
    assert (entry.id, entry.value) == ("reseat_power", "not_fixed")
    assert entry.raw["owner_overruled"] is True
    text = " ".join(out.getvalue().split())
    assert "You said that fixed it, but the camera does not answer at" in text
    assert "going on" in text
    assert session.status == "open"


# --- the factory reset ------------------------------------------------------------------


def test_factory_reset_with_the_wrong_model_typed_is_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kb = default_knowledge()
    ui, out = transcript()
    replies = iter(["C200"])  # the camera is a C210
    monkeypatch.setattr("builtins.input", lambda *_: next(replies))
    guides: list[s.Instructions] = []
    monkeypatch.setattr(ui, "show_readd_guide", lambda view, guide: guides.append(guide))
    session = Session(model_name="C210", led="red_slow_blink", engine=default_model())
    session.meta["reading.camera_sd_card"] = "SD card normal, 20 GB free of 32 GB"
    wizard = Wizard(session, ui)
    proposal = _proposal(session, "factory_reset")
    wizard._step(proposal)

    entry = session.steps_taken()[-1]
    assert (entry.id, entry.value, entry.raw.get("declined")) == ("factory_reset", "skipped", True)
    assert not guides
    text = " ".join(out.getvalue().split())
    assert "Save your recordings first" in text
    assert "recordings on the SD card" in text
    assert "The camera reports: SD card normal" in text
    family = kb.family_for_model("C210")
    assert family is not None
    assert family.reset.button in text and "hold it (seconds):" in text
    assert "Type C210 to go ahead" in text
    assert "nothing was erased" in text


def test_factory_reset_confirmed_guides_adding_the_camera_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kb = default_knowledge()
    ui, out = transcript()
    replies = iter(["c210", "no"])
    monkeypatch.setattr("builtins.input", lambda *_: next(replies))
    session = Session(model_name="C210", led="red_slow_blink", engine=default_model())
    Wizard(session, ui)._step(_proposal(session, "factory_reset"))

    assert step_results(session)[-1] == ("factory_reset", "not_fixed")
    text = " ".join(out.getvalue().split())
    assert "add the camera to the app again" in text
    family = kb.family_for_model("C210")
    assert family is not None
    guide = kb.instructions("reconnect_in_app", family.id)
    assert " ".join(guide.do.split()[:12]) in text  # the family's own words (Tapo app)
    assert "Tapo app" in guide.do


def _proposal(session: Session, step: str) -> Proposal:
    """The engine's proposal object, pointed at ``step`` (the wizard reads id, reason,
    cause and probability)."""
    from dataclasses import replace

    base = session.propose(allow=frozenset())
    return replace(base, kind="step", id=step)


# --- Kasa cameras, no login, declined -----------------------------------------------------


def test_kasa_cameras_get_no_automated_fixes_and_say_so(start_camera: Start) -> None:
    cam = start_camera(EC60, "led_off")
    session, live = live_session(cam)
    offer = live.offer("enable_led")
    assert offer is not None and not offer.available
    assert "Kasa KC/EC camera" in offer.reason and "yourself" in offer.reason
    # waiting changes nothing, so it works on every camera
    wait = live.offer("wait_for_boot")
    assert wait is not None and wait.available

    display, out = transcript()
    owner = ScriptedUi(Answers(Path("owner.yaml"), steps={"enable_led": "fixed"}), display)
    Wizard(session, owner, live=live)._step(_proposal(session, "enable_led"))
    entry = session.steps_taken()[-1]
    assert entry.raw["automated"]["available"] is False
    assert "Kasa KC/EC camera" in " ".join(out.getvalue().split())
    # the owner's "fixed" is checked through what a Kasa camera does report: its light
    assert entry.value == "not_fixed" and entry.raw["owner_overruled"]
    assert cam.state.led == "off"


def test_without_a_login_the_steps_are_left_to_the_owner(start_camera: Start) -> None:
    cam = start_camera(C210, "led_off")
    _, live = live_session(cam, credentials=False)
    offer = live.offer("enable_led")
    assert offer is not None and not offer.available and "login" in offer.reason


def test_declining_leaves_the_step_to_the_owner(start_camera: Start) -> None:
    cam = start_camera(C210, "led_off")
    session, live = live_session(cam)
    session.set_led("off")
    Wizard(session, Says("not_fixed", automate=False), live=live)._step(
        _proposal(session, "enable_led")
    )
    entry = session.steps_taken()[-1]
    assert entry.raw["automated"] == {"action": "led", "declined": True}
    assert entry.value == "not_fixed"
    assert cam.state.led == "off"


# --- the wizard's rules, with a fake camera -------------------------------------------------


class FakeCamera:
    """A LiveRunner whose verdicts the test sets."""

    def __init__(self, verdict: Verdict, outcome: Outcome = "done") -> None:
        self.verdict = verdict
        self.outcome = outcome
        self.recorded: list[bool] = []
        self.ran: list[str] = []

    def offer(self, step: str) -> FixOffer | None:
        if step != "enable_led":
            return None
        return FixOffer(step, "led", True, "switch the status light back on", 5)

    def scan_networks(self) -> NetworkScan:
        return NetworkScan()

    def run(
        self,
        offer: FixOffer,
        progress: ProgressFn = no_progress,
        *,
        network: WifiChoice | None = None,
        password: str | None = None,
    ) -> FixResult:
        self.ran.append(offer.step)
        return FixResult(offer.step, offer.action, self.outcome, "did it", 0.1)

    def verify(
        self,
        session: Session,
        step: str,
        *,
        causes: frozenset[str],
        owner_says: OwnerSays,
        progress: ProgressFn = no_progress,
    ) -> Verification:
        return Verification(
            step,
            self.verdict,
            True,
            True,
            (),
            (),
            ("answers",),
            "checked",
            "cam",
        )

    def record(self, session: Session, verification: Verification, *, evidence: bool) -> None:
        self.recorded.append(evidence)


@pytest.mark.parametrize(
    ("verdict", "owner", "expected"),
    [
        ("fixed", "not_fixed", "fixed"),  # evidence decides an automated step
        ("not_fixed", "fixed", "not_fixed"),
        ("unknown", "fixed", "fixed"),  # no evidence: the owner's word
        ("unknown", "not_fixed", "not_fixed"),
    ],
)
def test_an_automated_step_counts_from_evidence_and_the_owner_only_without(
    verdict: Verdict, owner: StepResult, expected: str
) -> None:
    camera = FakeCamera(verdict)
    session = Session(model_name="C210", led="off", engine=default_model())
    Wizard(session, Says(owner), live=camera)._step(_proposal(session, "enable_led"))
    assert camera.ran == ["enable_led"]
    assert session.steps_taken()[-1].value == expected
    # readings of a repaired camera are not evidence about what was wrong
    assert camera.recorded == [expected != "fixed"]


def test_a_manual_not_fixed_stands_even_when_the_camera_looks_fine() -> None:
    camera = FakeCamera("fixed")
    session = Session(model_name="C210", led="red_slow_blink", engine=default_model())
    Wizard(session, Says("not_fixed"), live=camera)._step(_proposal(session, "restart_router"))
    assert camera.ran == []
    assert session.steps_taken()[-1].value == "not_fixed"


def test_an_interrupted_action_is_recorded_as_no_evidence() -> None:
    camera = FakeCamera("not_fixed", outcome="interrupted")
    session = Session(model_name="C210", led="off", engine=default_model())
    Wizard(session, Says("fixed"), live=camera)._step(_proposal(session, "enable_led"))
    assert session.steps_taken()[-1].value == "skipped"
    assert session.status == "open"


def test_scripted_wifi_needs_a_network_name_and_the_password_from_the_environment() -> None:
    choices = (
        WifiChoice("Home", "SG9tZQ==", 3, True, "2.4"),
        WifiChoice("Guest", "R3Vlc3Q=", 2, True, "2.4"),
    )
    scan = NetworkScan(choices, "Old")
    view = _view("reconnect_in_app")
    none = ScriptedUi(Answers(Path("a.yaml")))
    assert none.choose_network(view, scan) is None
    named = ScriptedUi(Answers(Path("a.yaml"), wifi="Guest"), wifi_password="pw-from-env")
    assert named.choose_network(view, scan) == choices[1]
    assert named.ask_wifi_password(choices[1]) == "pw-from-env"
    assert ScriptedUi(Answers(Path("a.yaml"), wifi="Guest")).ask_wifi_password(choices[1]) is None


def _view(step_id: str) -> StepView:
    kb = default_knowledge()
    step = kb.step(step_id)
    return StepView(step, step.instructions, "why", kb.causes[0], 0.5, None)


def test_rich_ui_offers_with_the_duration_and_hides_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ui, out = transcript()
    replies = iter(["yes"])
    monkeypatch.setattr("builtins.input", lambda *_: next(replies))
    offer = FixOffer("power_cycle_camera", "reboot", True, "restart the camera remotely", 90)
    assert ui.confirm_fix(_view("power_cycle_camera"), offer)
    assert "restart the camera remotely (takes about 2 min)" in " ".join(out.getvalue().split())

    typed: list[str] = []

    def getpass(prompt: str = "", stream: object = None) -> str:
        typed.append(prompt)
        return "s3cret-wifi"

    monkeypatch.setattr("getpass.getpass", getpass)
    network = WifiChoice("Home", "SG9tZQ==", 3, True, "2.4")
    assert ui.ask_wifi_password(network) == "s3cret-wifi"
    assert "s3cret-wifi" not in out.getvalue()
