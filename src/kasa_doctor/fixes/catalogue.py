"""Which repair steps kasa-doctor can take itself, how long they take, and when not.

Pure: it decides from the step id and the latest camera readings, so the wizard can
show "Let kasa-doctor do it? (takes about 2 min)" — or say plainly why not — without
touching the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from kasa_doctor.fixes.model import Action, FixOffer

if TYPE_CHECKING:
    from kasa_doctor.probes.camera import CameraReport


@dataclass(frozen=True)
class Spec:
    action: Action
    what: str
    #: about how long it takes on a real camera (shown to the owner)
    seconds: float
    #: needs the camera to answer and accept the login before it can start
    needs_login: bool = True
    needs_network: bool = False


# Expected durations are what the knowledge base's `wait` texts and TP-Link's
# guidance say for a real camera: a restart and Wi-Fi rejoin about a minute or two,
# a firmware update several minutes (never to be interrupted).
ACTIONS: Final[dict[str, Spec]] = {
    "power_cycle_camera": Spec("reboot", "restart the camera remotely", 90),
    "update_firmware": Spec(
        "firmware", "check for new firmware, install it and wait until the camera is back", 300
    ),
    "enable_led": Spec("led", "switch the status light back on", 5),
    "reconnect_in_app": Spec(
        "wifi", "move the camera to a 2.4 GHz Wi-Fi network it can see", 60, needs_network=True
    ),
    "use_24ghz_network": Spec(
        "wifi", "move the camera to a 2.4 GHz Wi-Fi network it can see", 60, needs_network=True
    ),
    "wait_for_boot": Spec(
        "wait_boot", "wait and check until the camera has started", 120, needs_login=False
    ),
    "wait_for_update": Spec(
        "wait_update",
        "wait, without touching the camera, until the update has finished",
        600,
        needs_login=False,
    ),
}

KASA_REASON: Final = (
    "This is a Kasa KC/EC camera: kasa-doctor can read it, but cannot change anything on "
    "it (python-kasa does not drive Kasa cameras). Please take this step yourself, as "
    "described above."
)
NO_LOGIN_REASON: Final = (
    "kasa-doctor needs your camera login to do this (set KASA_USERNAME and KASA_PASSWORD, "
    "or save the login with `kasa-doctor check`). Please take this step yourself."
)
UNREACHABLE_REASON: Final = (
    "The camera does not answer on the network, so kasa-doctor cannot reach it to do "
    "this. Please take this step yourself."
)
LOGIN_REFUSED_REASON: Final = (
    "The camera refused kasa-doctor's login, so it cannot do this. Please take this step yourself."
)


def offer_for(step: str, report: CameraReport | None, has_credentials: bool) -> FixOffer | None:
    """The offer for ``step`` given the latest camera report; None for a manual step.

    ``report`` None means the camera was never checked (then only waiting is offered).
    """
    spec = ACTIONS.get(step)
    if spec is None:
        return None

    def refuse(reason: str) -> FixOffer:
        return FixOffer(step, spec.action, False, spec.what, spec.seconds, reason)

    if not spec.needs_login:
        # Waiting changes nothing on the camera, so it works for every kind of camera,
        # and its whole point is a camera that may not answer yet.
        return FixOffer(step, spec.action, True, spec.what, spec.seconds)
    if report is not None and report.identity.family == "kasa":
        return refuse(KASA_REASON)
    if report is None or not report.reachable:
        return refuse(UNREACHABLE_REASON)
    if not has_credentials:
        return refuse(NO_LOGIN_REASON)
    if report.value("camera_auth") == "failed":
        return refuse(LOGIN_REFUSED_REASON)
    return FixOffer(
        step, spec.action, True, spec.what, spec.seconds, needs_network=spec.needs_network
    )


def about(seconds: float) -> str:
    """ "about 5 s", "about 2 min" — for "takes about …"."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    return f"about {round(seconds / 60)} min"
