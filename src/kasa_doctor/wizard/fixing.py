"""The camera's side of a repair step, as a conversation: offer, run, check, decide.

Used by `flow.Wizard._step` when the session has a live camera. Like the rest of
the wizard it does no I/O itself: the camera is behind a `LiveRunner`
(`kasa_doctor.fixes.live.LiveContext` in the CLI, a fake in tests) and the owner
behind the `Ui`.

The rule for "fixed": from evidence where there is evidence, from the owner's word
only where there is none.

- A step kasa-doctor takes itself is judged by the check that follows it. Only when
  that check cannot tell (the camera looks fine, but what was wrong is nothing a
  camera reports) is the owner asked.
- A step the owner takes: they say whether it worked (they see the light; the camera
  cannot report its colour), and the check afterwards can overrule a "fixed" — a
  camera that does not answer, or still shows the sign of the problem, is not fixed,
  and the owner is told so. A "not fixed" stands: the owner's eyes see more than the
  camera's readings.
- A firmware update the camera vanished from is never "fixed" or "not fixed": it is
  recorded as not evidence, with the reading that an update was running, so the
  engine's next proposal is the safe one (wait, do not unplug).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from kasa_doctor.fixes.health import signs_of, watched
from kasa_doctor.fixes.model import FixOffer, FixResult, LiveRunner, OwnerSays, Verification

if TYPE_CHECKING:
    from kasa_doctor.engine.planner import Proposal
    from kasa_doctor.engine.session import Session
    from kasa_doctor.knowledge import schema as s
    from kasa_doctor.knowledge.loader import KnowledgeBase
    from kasa_doctor.wizard.ui import StepView, Ui


class Manual:
    """Marker: the owner takes this step by hand (no offer, declined, or not possible)."""

    def __repr__(self) -> str:
        return "MANUAL"


MANUAL: Final = Manual()
Decision = bool | None | Manual

#: session.meta key the live checks fill with the SD card's state (kasa_doctor.live)
SD_CARD_META_KEY: Final = "reading.camera_sd_card"
#: after a factory reset, how to add the camera again: the family's own
#: reconnect_in_app text (its setup lights, its app) where there is one, else the
#: generic complete_setup
READD_STEPS: Final = ("reconnect_in_app", "complete_setup")

NEW_ADDRESS_HINT: Final = (
    "If the camera got a new address (after being added again in the app, or on another "
    "network), run kasa-doctor diagnose --host with the new one."
)


class LiveStep:
    def __init__(
        self,
        session: Session,
        ui: Ui,
        live: LiveRunner,
        proposal: Proposal,
        clock: Callable[[], str],
    ) -> None:
        self.session = session
        self.ui = ui
        self.live = live
        self.clock = clock
        ranking = session.belief()
        leader = ranking[0][0] if ranking else None
        # Decided before the step, from the belief that made the engine propose it:
        # after the step those are the signs that must be gone.
        self.watch = watched(session.engine.kb, proposal.id, proposal.cause, leader)

    # --- a step kasa-doctor can take -------------------------------------------------------

    def automated(self, view: StepView, raw: dict[str, Any]) -> Decision:
        offer = self.live.offer(view.step.id)
        if offer is None:
            return MANUAL
        if not offer.available:
            self.ui.show_fix_unavailable(view, offer)
            raw["automated"] = {"action": offer.action, "available": False, "reason": offer.reason}
            return MANUAL
        if not self.ui.confirm_fix(view, offer):
            raw["automated"] = {"action": offer.action, "declined": True}
            return MANUAL
        result = self._run(view, offer)
        if result is None:
            raw["automated"] = {"action": offer.action, "declined": True}
            return MANUAL
        self.ui.show_fix_result(view, result)
        raw["automated"] = result.to_json()
        for obs in result.observations:
            reading: dict[str, Any] = {"reading": dict(obs.raw), "source": result.action}
            if obs.detail:
                reading["detail"] = obs.detail
            self.session.observe(obs.probe, obs.value, raw=reading, at=self.clock())
        if result.outcome == "not_started":
            # nothing changed on the camera: the owner can still take the step by hand
            return MANUAL
        verification = self._verify(view, None)
        raw["verification"] = verification.to_json()
        decision = self._judge(view, result, verification)
        self._record(verification, decision)
        return decision

    def _judge(self, view: StepView, result: FixResult, verification: Verification) -> bool | None:
        if result.outcome == "interrupted":
            self.ui.show_verification(
                view,
                verification,
                "Not counted as fixed: the update did not finish while kasa-doctor watched it.",
            )
            return None
        if verification.verdict == "fixed":
            self.ui.show_verification(view, verification, "Fixed — checked on the camera.")
            return True
        if verification.verdict == "not_fixed":
            self.ui.show_verification(view, verification, "Not fixed yet — going on.")
            return False
        if result.outcome == "done":
            # The camera looks fine but cannot show whether *this* was the problem
            # (its light, the app): only the owner can.
            self.ui.show_verification(
                view, verification, "Done. The camera cannot tell whether that was the problem."
            )
            return _owner(self.ui.ask_step_result(view))
        self.ui.show_verification(view, verification, "Not fixed — going on.")
        return False

    def _run(self, view: StepView, offer: FixOffer) -> FixResult | None:
        """Run the action with a progress display; None when the owner backed out."""
        if not offer.needs_network:
            with self.ui.fix_progress(view, offer.seconds) as progress:
                return self.live.run(offer, progress)
        scan = self.live.scan_networks()
        if not scan.ok or not scan.choices:
            # Nothing to choose from: the step stays the owner's (for use_24ghz_network
            # that often means a router setting, which kasa-doctor cannot change).
            return FixResult(offer.step, offer.action, "not_started", scan.message, 0.0)
        network = self.ui.choose_network(view, scan)
        if network is None:
            return None
        password = self.ui.ask_wifi_password(network)
        if not password:
            return None
        with self.ui.fix_progress(view, offer.seconds) as progress:
            return self.live.run(offer, progress, network=network, password=password)

    # --- a step the owner took ---------------------------------------------------------------

    def check_owner(self, view: StepView, fixed: bool, raw: dict[str, Any]) -> bool:
        # A "fixed" is also checked against every sign that contradicted a step earlier
        # in this run: a claim after a vetoed claim must not slip through just because
        # the engine's favourite moved on.
        causes = self.watch | contradicted(self.session) if fixed else self.watch
        verification = self._verify(view, "fixed" if fixed else "not_fixed", causes)
        raw["verification"] = verification.to_json()
        decision = self._judge_owner(view, fixed, verification, raw)
        self._record(verification, decision)
        return decision

    def _judge_owner(
        self, view: StepView, fixed: bool, verification: Verification, raw: dict[str, Any]
    ) -> bool:
        if fixed and verification.verdict == "not_fixed":
            words = verification.message[:1].lower() + verification.message[1:]
            note = f"You said that fixed it, but {words} Counting it as not fixed, and going on."
            if not verification.reachable:
                note += " " + NEW_ADDRESS_HINT
            raw["owner_overruled"] = True
            self.ui.show_verification(view, verification, note)
            return False
        if not fixed and verification.verdict == "fixed":
            self.ui.show_verification(
                view,
                verification,
                "The camera's readings look right again; since you still see a problem, going on.",
            )
            return False
        self.ui.show_verification(view, verification, "")
        return fixed

    def _record(self, verification: Verification, decision: bool | None) -> None:
        # Readings after a repair that worked describe the repaired camera, not the
        # fault; only when the problem is still there are they evidence.
        self.live.record(self.session, verification, evidence=decision is not True)

    def _verify(
        self, view: StepView, owner_says: OwnerSays, causes: frozenset[str] | None = None
    ) -> Verification:
        with self.ui.fix_progress(view, 0.0, checking=True) as progress:
            return self.live.verify(
                self.session,
                view.step.id,
                causes=self.watch if causes is None else causes,
                owner_says=owner_says,
                progress=progress,
            )


def contradicted(session: Session) -> frozenset[str]:
    """The causes whose signs made an earlier step of this run "not fixed"."""
    kb = session.engine.kb
    causes: set[str] = set()
    for entry in session.steps_taken():
        check = entry.raw.get("verification")
        if isinstance(check, dict) and check.get("verdict") == "not_fixed":
            for item in check.get("trouble") or ():
                probe, _, value = str(item).partition("=")
                causes |= signs_of(kb, probe, value)
    return frozenset(causes)


def reset_notes(session: Session) -> tuple[str, ...]:
    """What the live checks know that matters before a factory reset."""
    sd_card = session.meta.get(SD_CARD_META_KEY)
    return (f"The camera reports: {sd_card}.",) if sd_card else ()


def readd_guide(kb: KnowledgeBase, family: s.Family | None) -> s.Instructions:
    own, generic = READD_STEPS
    if family is not None and family.id in kb.step(own).per_family:
        return kb.instructions(own, family.id)
    return kb.instructions(generic, family.id if family else None)


def _owner(result: str) -> bool | None:
    return {"fixed": True, "not_fixed": False}.get(result)
