"""Repair steps kasa-doctor takes itself from the web page, and the check after the
owner's steps: dashboard sessions on emulated cameras with faults (loopback, the
emulator's fast timings), driven through the pages and the JSON API.

The engine decides which step comes first; the tests drive a session (bounded) until
the step they need is proposed, answering questions "don't know" and other steps
"not fixed".
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kasa_doctor.emulator import FAST_TIMINGS
from kasa_doctor.emulator.threaded import ThreadedCamera, run_in_thread
from kasa_doctor.fixes.model import FAST_FIX_TIMINGS, FixTimings
from tests.web.conftest import csrf_client, make_app

USER = "live-owner@example.com"
PASSWORD = "live-Secret-8812"
PREFIX = "KDLS"
C210 = "C210(EU)_2.0_1.4.3.json"
EC60 = "iotcam/EC60(US)_4.0_2.3.22.json"
MAX_TURNS = 25
JOB_WAIT_S = 20.0
BUTTON = "Let kasa-doctor do it"
HTMX = {"HX-Request": "true"}


@dataclass
class Home:
    client: TestClient
    app: FastAPI
    cameras: dict[str, ThreadedCamera]


@pytest.fixture
def start_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kd_home: Path
) -> Iterator[Callable[..., Home]]:
    """Emulated cameras and a watch configuration naming them; the app with fast timings."""

    monkeypatch.setenv(f"{PREFIX}_USERNAME", USER)
    monkeypatch.setenv(f"{PREFIX}_PASSWORD", PASSWORD)
    started: list[ThreadedCamera] = []
    clients: list[TestClient] = []

    def start(timings: FixTimings = FAST_FIX_TIMINGS, **cameras: tuple[str, str]) -> Home:
        running: dict[str, ThreadedCamera] = {}
        entries = []
        for name, (fixture, fault) in cameras.items():
            cam = run_in_thread(
                fixture,
                username=USER,
                password=PASSWORD,
                faults={fault} if fault else set(),
                timings=FAST_TIMINGS,
            )
            started.append(cam)
            running[name] = cam
            kasa = fixture == EC60
            entries.append(
                {
                    "name": name,
                    "host": f"127.0.0.1:{cam.port}",
                    "credentials": "none" if kasa else f"env:{PREFIX}",
                    **({"family": "kasa"} if kasa else {}),
                }
            )
        config = tmp_path / "monitor.yaml"
        config.write_text(yaml.safe_dump({"cameras": entries}), encoding="utf-8")
        database = f"sqlite:///{tmp_path / 'none.db'}"  # never watched: no database
        app = make_app(
            config_path=config, database=database, check_timeout=2.0, fix_timings=timings
        )
        client = csrf_client(app)
        clients.append(client)
        return Home(client, app, running)

    try:
        yield start
    finally:
        for client in clients:
            client.close()
        for cam in started:
            cam.stop()


# --- helpers ---------------------------------------------------------------------------------


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    data: dict[str, Any] = response.json()
    return data


def diagnose(home: Home, name: str, led: str) -> dict[str, Any]:
    view = ok(home.client.post(f"/api/cameras/{name}/diagnose"), 201)
    assert view["camera"] == name
    if view["prompt"] and view["prompt"]["kind"] == "led":
        view = ok(home.client.post(f"/api/sessions/{view['id']}/led", json={"led": led}))
    return view


def wait_job(home: Home, session_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_WAIT_S
    while True:
        view = ok(home.client.get(f"/api/sessions/{session_id}"))
        job = view["job"]
        if job is None or job["state"] != "running":
            return view
        assert time.monotonic() < deadline, f"the job did not end: {job}"
        time.sleep(0.05)


def drive_to(
    home: Home, view: dict[str, Any], wanted: Callable[[dict[str, Any]], bool]
) -> tuple[dict[str, Any], list[str]]:
    """Answer (don't know / not fixed) until ``wanted(prompt)``; bounded."""
    sid = view["id"]
    seen: list[str] = []
    for _ in range(MAX_TURNS):
        prompt = view["prompt"]
        assert prompt is not None, f"the session ended ({view['status']}) after {seen}"
        if wanted(prompt):
            return view, seen
        seen.append(f"{prompt['kind']}:{prompt.get('id')}")
        if prompt["kind"] == "question":
            body = {"question": prompt["id"], "answer": None}
            view = ok(home.client.post(f"/api/sessions/{sid}/answers", json=body))
        elif prompt["kind"] == "step":
            body = {"step": prompt["id"], "outcome": "not_fixed", "confirm": True}
            ok(home.client.post(f"/api/sessions/{sid}/steps", json=body))
            view = wait_job(home, sid)
        else:
            raise AssertionError(f"no wanted prompt before {prompt['kind']}: {seen}")
    raise AssertionError(f"no wanted prompt in {MAX_TURNS} turns: {seen}")


def step_is(step: str) -> Callable[[dict[str, Any]], bool]:
    return lambda prompt: prompt["kind"] == "step" and prompt["id"] == step


def saved_step(session_id: str, step: str) -> dict[str, Any]:
    """The step's entry in the saved session file (its raw record)."""
    from kasa_doctor import sessions_store
    from kasa_doctor.engine.model import default_model

    session = sessions_store.load(session_id, default_model())
    entries = [e for e in session.history if e.kind == "step" and e.id == step]
    assert entries, f"{step} not recorded"
    return entries[-1].to_json()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


# --- kasa-doctor takes the step ---------------------------------------------------------------


def test_led_off_switched_on_by_kasa_doctor_and_checked(start_home: Callable[..., Home]) -> None:
    home = start_home(porch=(C210, "led_off"))
    view, _ = drive_to(home, diagnose(home, "porch", "off"), step_is("enable_led"))
    sid = view["id"]
    automation = view["prompt"]["automation"]
    assert automation["available"] and automation["action"] == "led", automation
    page = home.client.get(f"/sessions/{sid}")
    assert BUTTON in page.text and f'action="/sessions/{sid}/automate"' in page.text

    # the page's form, as htmx posts it: the panel comes back working and polling
    form = {"csrf_token": csrf_of(page.text), "step": "enable_led"}
    panel = home.client.post(f"/sessions/{sid}/automate", data=form, headers=HTMX)
    assert panel.status_code == 200, panel.text
    if 'data-job="running"' in panel.text:
        assert f'hx-get="/sessions/{sid}/panel"' in panel.text
        assert "Refresh" in panel.text

    view = wait_job(home, sid)
    job = view["job"]
    assert job["state"] == "done" and job["result"] == "fixed", job
    assert any("status light" in line for line in job["did"]), job
    assert view["status"] == "fixed"
    assert view["outcome"]["fixed_by"]
    entry = saved_step(sid, "enable_led")
    assert entry["value"] == "fixed"
    assert entry["raw"]["automated"]["outcome"] == "done"
    assert entry["raw"]["verification"]["verdict"] == "fixed"
    assert home.cameras["porch"].state.led == "on"
    # the panel shows what kasa-doctor did, and no longer polls
    panel = home.client.get(f"/sessions/{sid}/panel")
    assert "What kasa-doctor did" in panel.text and "hx-get" not in panel.text
    assert "Your camera works again" in panel.text


def test_a_camera_that_stays_broken_is_not_fixed_and_the_run_goes_on(
    start_home: Callable[..., Home],
) -> None:
    home = start_home(garage=(C210, "weak_signal"))
    view, _ = drive_to(
        home, diagnose(home, "garage", "red_slow_blink"), step_is("power_cycle_camera")
    )
    sid = view["id"]
    assert view["prompt"]["automation"]["available"]
    response = home.client.post(f"/api/sessions/{sid}/steps/power_cycle_camera/automate")
    started = ok(response, 202)
    assert started["job"]["kind"] == "automate" and started["job"]["action"] == "reboot"
    view = wait_job(home, sid)
    assert view["job"]["result"] == "not_fixed", view["job"]
    assert view["status"] == "open" and view["prompt"] is not None
    assert view["prompt"].get("id") != "power_cycle_camera"
    entry = saved_step(sid, "power_cycle_camera")
    assert entry["value"] == "not_fixed"
    assert entry["raw"]["automated"]["action"] == "reboot"
    assert entry["raw"]["verification"]["verdict"] == "not_fixed"
    assert any("camera_signal" in t for t in entry["raw"]["verification"]["trouble"])


def test_the_camera_cannot_tell_so_the_owner_is_asked_and_their_word_is_recorded(
    start_home: Callable[..., Home],
) -> None:
    home = start_home(porch=(C210, ""))
    view, _ = drive_to(
        home, diagnose(home, "porch", "red_slow_blink"), step_is("power_cycle_camera")
    )
    sid = view["id"]
    ok(home.client.post(f"/api/sessions/{sid}/steps/power_cycle_camera/automate"), 202)
    view = wait_job(home, sid)
    assert view["job"]["result"] == "ask_owner", view["job"]
    assert view["prompt"]["id"] == "power_cycle_camera"
    assert not view["prompt"]["automation"]["available"]
    body = {"step": "power_cycle_camera", "outcome": "fixed"}
    view = ok(home.client.post(f"/api/sessions/{sid}/steps", json=body))
    assert view["status"] == "fixed" and view["job"] is None
    entry = saved_step(sid, "power_cycle_camera")
    assert entry["value"] == "fixed"
    assert entry["raw"]["automated"]["outcome"] == "done"
    assert entry["raw"]["verification"]["verdict"] == "unknown"


# --- the owner takes the step, the camera is checked ----------------------------------------------


def test_the_owners_fixed_is_overruled_while_the_camera_shows_the_fault(
    start_home: Callable[..., Home],
) -> None:
    home = start_home(garage=(C210, "weak_signal"))
    view = diagnose(home, "garage", "red_slow_blink")
    view, _ = drive_to(home, view, lambda p: p["kind"] == "step" and not p.get("automation"))
    sid, step = view["id"], view["prompt"]["id"]
    started = ok(
        home.client.post(f"/api/sessions/{sid}/steps", json={"step": step, "outcome": "fixed"})
    )
    assert started["job"] is not None and started["job"]["kind"] == "check"
    view = wait_job(home, sid)
    assert view["job"]["result"] == "not_fixed", view["job"]
    assert any("You said that fixed it" in line for line in view["job"]["did"])
    assert view["status"] == "open"
    entry = saved_step(sid, step)
    assert entry["value"] == "not_fixed" and entry["raw"]["owner_overruled"] is True


def test_answers_during_a_job_are_refused_and_its_progress_shows(
    start_home: Callable[..., Home],
) -> None:
    # the camera stops answering: an owner's "fixed" gives it owner_grace to come back
    slow = replace(FAST_FIX_TIMINGS, owner_grace=1.5)
    home = start_home(slow, garage=(C210, "weak_signal"))
    view = diagnose(home, "garage", "red_slow_blink")
    view, _ = drive_to(home, view, lambda p: p["kind"] == "step")
    sid, step = view["id"], view["prompt"]["id"]
    home.cameras["garage"].set_fault("offline")
    ok(home.client.post(f"/api/sessions/{sid}/steps", json={"step": step, "outcome": "fixed"}))

    running = ok(home.client.get(f"/api/sessions/{sid}"))
    job = running["job"]
    assert job["state"] == "running" and job["message"] and job["started_at"], job
    again = home.client.post(f"/api/sessions/{sid}/steps", json={"step": step, "outcome": "fixed"})
    assert again.status_code == 409 and "working on the camera" in again.json()["detail"]
    assert home.client.post(f"/api/sessions/{sid}/steps/{step}/automate").status_code == 409
    panel = home.client.get(f"/sessions/{sid}/panel")
    assert 'data-job="running"' in panel.text and "<progress" in panel.text
    assert f'hx-get="/sessions/{sid}/panel"' in panel.text
    assert 'hx-trigger="load delay:1s"' in panel.text
    assert f'href="/sessions/{sid}">Refresh' in panel.text
    assert "Done — did it help?" not in panel.text  # no answers while it works

    view = wait_job(home, sid)
    assert view["job"]["result"] == "not_fixed"
    assert saved_step(sid, step)["raw"]["owner_overruled"] is True


# --- where kasa-doctor never offers it -----------------------------------------------------------


def test_a_session_without_a_camera_never_offers_automation(client: TestClient) -> None:
    view = ok(client.post("/api/sessions", json={"model": "C210", "led": "off"}), 201)
    sid = view["id"]
    for _ in range(MAX_TURNS):
        prompt = view["prompt"]
        if prompt is None or prompt["kind"] not in ("question", "step"):
            break
        assert prompt.get("automation") is None and view.get("job") is None
        if prompt["kind"] == "question":
            body = {"question": prompt["id"], "answer": None}
            view = ok(client.post(f"/api/sessions/{sid}/answers", json=body))
            continue
        assert BUTTON not in client.get(f"/sessions/{sid}").text
        refused = client.post(f"/api/sessions/{sid}/steps/{prompt['id']}/automate")
        assert refused.status_code == 409, refused.text
        body = {"step": prompt["id"], "outcome": "not_fixed", "confirm": True}
        view = ok(client.post(f"/api/sessions/{sid}/steps", json=body))
        assert view.get("job") is None  # recorded at once: no camera to check


def test_a_kasa_ec60_never_offers_automation(start_home: Callable[..., Home]) -> None:
    home = start_home(**{"old-ec60": (EC60, "led_off")})
    view = diagnose(home, "old-ec60", "off")
    assert view["family"]["live_support"] == "sysinfo", view["family"]
    view, _ = drive_to(home, view, lambda p: p["kind"] == "step" and bool(p.get("automation")))
    sid, prompt = view["id"], view["prompt"]
    assert not prompt["automation"]["available"]
    assert "Kasa" in prompt["automation"]["why_not"]
    page = home.client.get(f"/sessions/{sid}").text
    assert BUTTON not in page and "Kasa KC/EC camera" in page
    refused = home.client.post(f"/api/sessions/{sid}/steps/{prompt['id']}/automate")
    assert refused.status_code == 409


def test_the_api_documents_the_automate_route(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    route = schema["paths"]["/api/sessions/{session_id}/steps/{step}/automate"]["post"]
    assert {"202", "404", "409"} <= set(route["responses"])
    props = schema["components"]["schemas"]["SessionView"]["properties"]
    assert "job" in props
    assert "automation" in schema["components"]["schemas"]["Prompt"]["properties"]
