"""The dashboard's service layer against a watched home of emulated cameras (loopback):
what each camera's card says, its history, live checks and "diagnose this camera"."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from kasa_doctor.service import camera_views as cv
from kasa_doctor.service.cameras import CameraService
from kasa_doctor.service.errors import Invalid, NotFound
from kasa_doctor.service.sessions import SessionService
from tests.web.dashboard_support import PASSWORD, PREFIX, USER, WatchedHome, watched

__all__ = ["watched"]  # the module-scoped fixture, registered by the import


@pytest.fixture(scope="module")
def sessions() -> SessionService:
    return SessionService()


def service_for(home: WatchedHome, sessions: SessionService, **kw: object) -> CameraService:
    return CameraService(
        sessions,
        config_path=home.config_path,
        database=home.database,
        timeout=2.0,
        **kw,  # type: ignore[arg-type]
    )


def no_login_in(view: object, home: WatchedHome) -> None:
    text = json.dumps(view if isinstance(view, dict) else view.model_dump(), default=str)  # type: ignore[attr-defined]
    for secret in home.secrets():
        assert secret not in text


# --- nothing set up yet ------------------------------------------------------------------


def test_no_config_and_no_database_is_an_empty_dashboard_with_a_setup_hint(
    kd_home: Path, sessions: SessionService
) -> None:
    listing = CameraService(sessions).cameras()
    assert listing.cameras == []
    assert listing.problems == []
    assert listing.hint is not None
    assert "kasa-doctor watch" in listing.hint
    assert str(kd_home / "monitor.yaml") in listing.hint
    assert not (kd_home / "monitor.db").exists(), "the dashboard must never create a database"


def test_config_without_database_lists_cameras_as_never_checked(
    tmp_path: Path, sessions: SessionService
) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text(
        "cameras:\n"
        "  - {name: porch, host: 192.0.2.10}\n"
        "  - {host: '192.0.2.11:443', family: kasa}\n",
        encoding="utf-8",
    )
    service = CameraService(sessions, config_path=config, database=str(tmp_path / "none.db"))
    listing = service.cameras()
    assert [c.name for c in listing.cameras] == ["porch", "192.0.2.11:443"]
    assert {c.status for c in listing.cameras} == {"never_checked"}
    assert listing.hint is not None and "kasa-doctor watch --config" in listing.hint
    kasa = listing.cameras[1]
    assert kasa.live_support == "sysinfo"
    assert "cannot read the cloud connection" in kasa.live_support_words
    assert not (tmp_path / "none.db").exists()
    history = service.history("porch", "24h")
    assert history.points == [] and history.incidents == []


def test_a_broken_config_or_database_is_reported_not_raised(
    tmp_path: Path, sessions: SessionService
) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("cameras:\n  - {name: porch, host: 192.0.2.10, password: hunter2}\n")
    listing = CameraService(sessions, config_path=config, database="mysql://x@db/kasa").cameras()
    assert listing.cameras == []
    joined = " ".join(listing.problems)
    assert "a login does not belong in the config file" in joined
    assert "not supported" in joined
    assert "hunter2" not in joined
    assert listing.hint is not None


# --- the watched home -----------------------------------------------------------------------


def test_every_camera_shows_with_its_status_and_signal(
    watched: WatchedHome, sessions: SessionService
) -> None:
    listing = service_for(watched, sessions).cameras()
    cams = {c.name: c for c in listing.cameras}
    assert set(cams) == {"porch", "garage", "shed", "old-ec60", "attic"}
    assert listing.hint is None and listing.problems == []

    porch = cams["porch"]
    assert porch.status == "ok" and porch.configured and porch.watched
    assert porch.model == "C210"
    assert porch.live_support == "full"
    assert porch.signal.rssi_dbm is not None and porch.signal.rating in ("good", "fair")
    assert porch.availability == 1.0
    assert porch.last_seen is not None and porch.last_seen_words is not None
    assert porch.open_incidents == []
    assert any(v is not None for v in porch.recent_signal)

    garage = cams["garage"]
    assert garage.status == "warning"
    assert garage.signal.rssi_dbm == -80 and garage.signal.rating == "poor"
    assert "move the camera closer" in garage.signal.words
    assert [i.kind for i in garage.open_incidents] == ["weak_signal"]
    assert garage.last_incident is not None and garage.last_incident.open
    assert "weak Wi-Fi signal" in garage.status_words


def test_an_offline_camera_shows_offline_with_its_open_incident(
    watched: WatchedHome, sessions: SessionService
) -> None:
    shed = service_for(watched, sessions).camera("shed")
    assert shed.status == "offline"
    assert shed.status_words.startswith("offline")
    assert shed.availability == 0.0
    assert shed.last_seen is None and shed.signal.rssi_dbm is None
    assert [i.kind for i in shed.open_incidents] == ["offline"]
    incident = shed.last_incident
    assert incident is not None and incident.open and incident.title == "offline"
    assert incident.cause  # the likely cause, in words


def test_kasa_camera_says_what_python_kasa_cannot_read(
    watched: WatchedHome, sessions: SessionService
) -> None:
    ec60 = service_for(watched, sessions).camera("old-ec60")
    assert ec60.model is not None and ec60.model.startswith("EC60")
    assert ec60.live_support == "sysinfo"
    assert "only its discovery sysinfo" in ec60.live_support_words
    assert ec60.status in ("ok", "warning")


def test_a_camera_only_in_the_database_still_shows(
    watched: WatchedHome, sessions: SessionService
) -> None:
    attic = service_for(watched, sessions).camera("attic")
    assert not attic.configured and attic.watched
    assert attic.address is not None and attic.address.startswith("127.0.0.1:")
    assert attic.status == "ok"


def test_history_has_buckets_and_incidents(watched: WatchedHome, sessions: SessionService) -> None:
    service = service_for(watched, sessions)
    garage = service.history("garage", "24h")
    assert garage.since == "24h"
    assert garage.points, "three rounds must give at least one bucket"
    assert sum(p.samples for p in garage.points) == 3
    assert all(p.rssi_mean == -80 for p in garage.points if p.rssi_mean is not None)
    assert [i.kind for i in garage.incidents] == ["weak_signal"]
    assert garage.weak_signal_dbm == -70
    shed = service.history("shed")
    assert all(p.availability == 0.0 for p in shed.points)
    assert shed.incidents[0].kind == "offline"


@pytest.mark.parametrize("since", ["soon", "7x", "", "2999-01-01", "x" * 200, "99999999999d"])
def test_bad_since_is_invalid(watched: WatchedHome, sessions: SessionService, since: str) -> None:
    with pytest.raises(Invalid):
        service_for(watched, sessions).history("porch", since)


def test_unknown_camera_is_not_found(watched: WatchedHome, sessions: SessionService) -> None:
    service = service_for(watched, sessions)
    with pytest.raises(NotFound):
        service.history("nobody", "7d")
    with pytest.raises(NotFound):
        service.camera("nobody")
    with pytest.raises(NotFound):
        service.diagnose("nobody")


def test_diagnose_starts_a_session_with_the_live_readings(
    watched: WatchedHome, sessions: SessionService
) -> None:
    view = service_for(watched, sessions).diagnose("garage")
    assert view.camera == "garage"
    assert view.model == "C210"
    probes = {item.id: item.value for item in view.history if item.kind == "probe"}
    assert probes.get("camera_reachable", "").startswith("yes")
    assert probes.get("camera_signal", "").startswith("poor")
    assert view.prompt is not None  # the wizard goes on from here (the light, questions)
    saved = sessions.session(view.id)
    assert saved.meta["camera"] == "garage"
    no_login_in(view, watched)


def test_diagnose_an_offline_camera_records_that_it_does_not_answer(
    watched: WatchedHome, sessions: SessionService
) -> None:
    view = service_for(watched, sessions).diagnose("shed")
    probes = {item.id: item.value for item in view.history if item.kind == "probe"}
    assert probes.get("camera_reachable", "").startswith("no")


def test_check_one_camera_is_redacted_and_has_no_login(
    watched: WatchedHome, sessions: SessionService
) -> None:
    port = watched.cameras["porch"].port
    service = service_for(watched, sessions)
    view = service.check(cv.CheckRequest(host=f"127.0.0.1:{port}", credentials=f"env:{PREFIX}"))
    assert view.reachable and view.live_support == "full"
    assert view.identity["model"] == "C210"
    assert str(view.identity["mac"]).startswith("**REDACTED")
    assert view.credential_source == "environment"
    assert {r.probe for r in view.readings} >= {"camera_reachable", "camera_auth", "camera_signal"}
    no_login_in(view, watched)

    kasa = service.check(
        cv.CheckRequest(host="127.0.0.1", port=watched.cameras["old-ec60"].port, family="kasa")
    )
    assert kasa.live_support == "sysinfo"
    assert "cannot read the cloud connection" in kasa.live_support_words


def test_check_with_no_login_found_still_answers(
    watched: WatchedHome, sessions: SessionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOBODY_USERNAME", raising=False)
    port = watched.cameras["porch"].port
    view = service_for(watched, sessions).check(
        cv.CheckRequest(host=f"127.0.0.1:{port}", credentials="env:NOBODY")
    )
    assert view.reachable and view.live_support == "none"
    assert view.credential_source is None


@pytest.mark.parametrize(
    "body",
    [
        {"host": "not a host"},
        {"host": "127.0.0.1", "port": 0},
        {"host": "127.0.0.1:99999"},
        {"host": "127.0.0.1", "credentials": "password:hunter2"},
        {"host": "127.0.0.1", "credentials": "none:x"},
        {"host": "127.0.0.1", "family": "nest"},
        {"host": "127.0.0.1", "username": USER, "password": PASSWORD},
    ],
)
def test_check_request_refuses_bad_input(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        cv.CheckRequest.model_validate(body)


def test_a_hung_keyring_is_given_up_on_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from kasa_doctor.monitor import config

    def hang(reference: str, environ: object = None) -> None:
        time.sleep(5)

    started = time.monotonic()
    monkeypatch.setattr(config, "resolve_reference", hang)
    assert config.resolve_reference_bounded("keyring", timeout=0.2) is None
    assert time.monotonic() - started < 2
    monkeypatch.undo()
    found = config.resolve_reference_bounded("env", {"KASA_USERNAME": "u", "KASA_PASSWORD": "p"})
    assert found is not None and found.username == "u"
