"""The wizard's JSON API end to end: whole runs that end fixed and escalated, the
checks that keep an answer to the question being asked, destructive steps, and
sessions shared with the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import Result

from kasa_doctor import sessions_store

Call = Callable[..., dict[str, Any]]
MAX_TURNS = 60

# A C200 whose light blinks red slowly since the owner changed the Wi-Fi password:
# everything else on the network works; the camera has never been reset.
PASSWORD_STORY = {
    "wifi_password_changed": "yes",
    "router_changed_recently": "no",
    "power_outage_recently": "no",
    "setup_completed": "yes",
    # every TP-Link plug in the house lost the Wi-Fi with the camera
    "all_tplink_devices_offline": "yes",
    "internet_works": "yes",
    "other_devices_online": "yes",
    "live_view_works": "no",
    "problem_intermittent": "no",
    "wifi_security": "wpa2",
    "camera_hot": "no",
    "heat_exposure": "no",
    "camera_keeps_restarting": "no",
    "physical_damage": "no",
    "camera_moved_recently": "no",
    "update_running": "no",
    "update_interrupted": "no",
    "reset_done_already": "no",
    "cable_damaged": "no",
    "power_source": "original_adapter",
}


def _turn(call: Call, sid: str, view: dict[str, Any], **how: Any) -> dict[str, Any]:
    """Answer what ``view`` asks: questions via ``how['answer'](question)``, steps via
    ``how['outcome'](step)``; escalation with a purchase date."""
    prompt = view["prompt"]
    if prompt["kind"] == "question":
        ids = [a["id"] for a in prompt["answers"]]
        answer = how["answer"](prompt["id"], ids)
        return call(
            "POST", f"/api/sessions/{sid}/answers", {"question": prompt["id"], "answer": answer}
        )
    if prompt["kind"] == "step":
        body = {"step": prompt["id"], "outcome": how["outcome"](prompt["id"])}
        body["confirm"] = prompt["confirm"]
        return call("POST", f"/api/sessions/{sid}/steps", body)
    assert prompt["kind"] == "escalate", prompt
    return call("POST", f"/api/sessions/{sid}/escalation", {"purchase_date": "2024-05"})


def _run(
    call: Call, view: dict[str, Any], *, moves: bool = False, **how: Any
) -> tuple[dict[str, Any], list[str]]:
    """Play a session to its end; returns the final view and the prompts seen. With
    ``moves`` every answer and failed step must change the ranking."""
    seen: list[str] = []
    for _ in range(MAX_TURNS):
        if view["prompt"] is None:
            return view, seen
        seen.append(f"{view['prompt']['kind']}:{view['prompt']['id']}")
        before = view["ranking"]
        view = _turn(call, view["id"], view, **how)
        assert view["ranking"], "every view ranks the causes"
        if moves and view["prompt"] is not None:
            assert view["ranking"] != before, f"{seen[-1]} did not move the ranking"
    raise AssertionError(f"no end after {MAX_TURNS} turns: {seen}")


def _to_step(call: Call, view: dict[str, Any], step: str, **how: Any) -> dict[str, Any]:
    """Play until the session proposes ``step``."""
    for _ in range(MAX_TURNS):
        prompt = view["prompt"]
        assert prompt is not None, f"ended ({view['status']}) before {step}"
        if prompt["kind"] == "step" and prompt["id"] == step:
            return view
        view = _turn(call, view["id"], view, **how)
    raise AssertionError(f"{step} never proposed")


def _first_answer(_question: str, ids: list[str]) -> str:
    return ids[0]


def _reach_factory_reset(session_json: Call) -> dict[str, Any]:
    """A C200 alternating red and green whose owner answers the first choice every time
    and whose repairs fail: factory_reset comes up after the Wi-Fi steps."""
    view = session_json(
        "POST", "/api/sessions", {"model": "C200", "led": "red_green_alternating"}, status=201
    )
    view = _to_step(
        session_json, view, "factory_reset", answer=_first_answer, outcome=lambda s: "not_fixed"
    )
    prompt = view["prompt"]
    assert prompt["destructive"] and prompt["confirm"] and prompt["loses"]
    return view


# --- whole runs ---------------------------------------------------------------------------


def test_password_story_ends_fixed_on_reconnect(session_json: Call, kd_home: Path) -> None:
    view = session_json("POST", "/api/sessions", {}, status=201)
    sid = view["id"]
    assert view["status"] == "open" and view["prompt"]["kind"] == "model"
    families = {f["id"] for f in view["prompt"]["families"]}
    assert "tapo_indoor" in families and len(families) > 3

    view = session_json("POST", f"/api/sessions/{sid}/model", {"model": "C200"})
    assert view["model"] == "C200" and view["family"]["id"] == "tapo_indoor"
    assert view["prompt"]["kind"] == "led"
    lights = {light["id"]: light for light in view["prompt"]["lights"]}
    assert lights["red_slow_blink"]["meaning"], "the light's meaning on a C200 is shown"

    view = session_json("POST", f"/api/sessions/{sid}/led", {"led": "red_slow_blink"})
    assert view["led"] == "red_slow_blink" and view["prompt"]["kind"] == "question"

    def answer(question: str, ids: list[str]) -> str:
        assert question in PASSWORD_STORY, f"unexpected question {question}"
        return PASSWORD_STORY[question]

    def outcome(step: str) -> str:
        return "fixed" if step == "reconnect_in_app" else "not_fixed"

    final, seen = _run(session_json, view, moves=True, answer=answer, outcome=outcome)
    assert "question:wifi_password_changed" in seen
    assert seen[-1] == "step:reconnect_in_app"
    assert final["status"] == "fixed"
    outcome_ = final["outcome"]
    assert outcome_["diagnosis"]["id"] == "wifi_credentials_changed"
    assert outcome_["diagnosis"]["probability"] > 0.5
    assert outcome_["fixed_by"] and outcome_["prevention"]
    assert outcome_["reports"] == []
    assert final["ranking"][0]["id"] == "wifi_credentials_changed"
    history = {h["id"]: h["value"] for h in final["history"]}
    assert history["wifi_password_changed"] == "yes"
    assert history["reconnect_in_app"] == "fixed it"

    # the same state is what GET returns, and the list shows the session
    assert session_json("GET", f"/api/sessions/{sid}") == final
    listed = session_json("GET", "/api/sessions")
    assert [s["id"] for s in listed] == [sid] and listed[0]["status"] == "fixed"  # type: ignore[index]
    assert (kd_home / "sessions" / f"{sid}.json").is_file()


def test_nothing_helps_escalates_and_reports_download(
    session_json: Call, client: TestClient
) -> None:
    view = session_json("POST", "/api/sessions", {"model": "C200", "led": "red_solid"}, status=201)
    final, seen = _run(
        session_json, view, answer=lambda q, ids: None, outcome=lambda s: "not_fixed"
    )
    assert seen[-1] == "escalate:contact_support"
    assert sum(s.startswith("step:") for s in seen) >= 3
    assert final["status"] == "escalated"
    assert final["history"][-1]["value"] == "handed over"
    assert set(final["outcome"]["reports"]) == {"md", "html", "json"}
    assert final["outcome"]["have_ready"]

    sid = final["id"]
    kinds = {"md": "text/markdown", "html": "text/html", "json": "application/json"}
    for fmt, kind in kinds.items():
        response = client.get(f"/api/sessions/{sid}/report", params={"format": fmt})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(kind)
        assert sid in response.text
        assert "2024-05" in response.text, "the purchase date goes into the report"
        # the page route offers the same report as a download
        page = client.get(f"/sessions/{sid}/report.{fmt}")
        assert page.status_code == 200
        assert page.headers["content-disposition"].startswith("attachment")
        assert page.text == response.text
    report = client.get(f"/api/sessions/{sid}/report").json()  # json is the default
    assert report["session_id"] == sid
    assert client.get(f"/api/sessions/{sid}/report", params={"format": "pdf"}).status_code == 422


# --- answers that do not fit ---------------------------------------------------------------


def test_answering_another_question_than_asked_is_409(session_json: Call) -> None:
    view = session_json(
        "POST", "/api/sessions", {"model": "C200", "led": "red_slow_blink"}, status=201
    )
    sid, asked = view["id"], view["prompt"]["id"]
    other = "camera_hot" if asked != "camera_hot" else "heat_exposure"
    body = session_json(
        "POST", f"/api/sessions/{sid}/answers", {"question": other, "answer": "no"}, status=409
    )
    assert asked in body["detail"]
    # the model and the light were given: asking them again is out of turn too
    session_json("POST", f"/api/sessions/{sid}/model", {"model": "C100"}, status=409)
    session_json("POST", f"/api/sessions/{sid}/led", {"led": "red_solid"}, status=409)
    # so is a step outcome while a question is asked
    session_json(
        "POST",
        f"/api/sessions/{sid}/steps",
        {"step": "restart_router", "outcome": "fixed"},
        status=409,
    )
    # an answer the question does not have
    session_json(
        "POST", f"/api/sessions/{sid}/answers", {"question": asked, "answer": "perhaps"}, status=422
    )
    # nothing of that was recorded: the same question is still asked
    again = session_json("GET", f"/api/sessions/{sid}")
    assert again["prompt"]["id"] == asked and again["history"] == view["history"]
    # a double submit: the same answer twice records once, the second is 409
    ids = [a["id"] for a in view["prompt"]["answers"]]
    session_json("POST", f"/api/sessions/{sid}/answers", {"question": asked, "answer": ids[0]})
    session_json(
        "POST",
        f"/api/sessions/{sid}/answers",
        {"question": asked, "answer": ids[0]},
        status=409,
    )


def test_factory_reset_needs_confirmation(session_json: Call) -> None:
    view = _reach_factory_reset(session_json)
    sid = view["id"]
    steps_before = sum(h["kind"] == "step" for h in view["history"])
    body = session_json(
        "POST",
        f"/api/sessions/{sid}/steps",
        {"step": "factory_reset", "outcome": "not_fixed"},
        status=409,
    )
    assert "confirm" in body["detail"]
    session_json(
        "POST",
        f"/api/sessions/{sid}/steps",
        {"step": "factory_reset", "outcome": "fixed", "confirm": False},
        status=409,
    )
    unchanged = session_json("GET", f"/api/sessions/{sid}")
    assert unchanged["prompt"]["id"] == "factory_reset"
    assert sum(h["kind"] == "step" for h in unchanged["history"]) == steps_before

    done = session_json(
        "POST",
        f"/api/sessions/{sid}/steps",
        {"step": "factory_reset", "outcome": "fixed", "confirm": True},
    )
    assert done["status"] == "fixed"
    last = done["history"][-1]
    assert (last["id"], last["value"]) == ("factory_reset", "fixed it")


def test_factory_reset_can_be_declined(session_json: Call) -> None:
    view = _reach_factory_reset(session_json)
    sid = view["id"]
    after = session_json(
        "POST", f"/api/sessions/{sid}/steps", {"step": "factory_reset", "outcome": "declined"}
    )
    assert after["status"] == "open"
    assert after["history"][-1]["id"] == "factory_reset"
    assert after["history"][-1]["value"] == "declined"
    assert after["prompt"] is not None and after["prompt"]["id"] != "factory_reset"


def test_declining_a_step_that_erases_nothing_is_422(session_json: Call) -> None:
    view = session_json(
        "POST", "/api/sessions", {"model": "C200", "led": "red_slow_blink"}, status=201
    )
    view = _to_step(
        session_json,
        view,
        "reconnect_in_app",
        answer=lambda q, ids: PASSWORD_STORY[q],
        outcome=lambda s: "not_fixed",
    )
    session_json(
        "POST",
        f"/api/sessions/{view['id']}/steps",
        {"step": "reconnect_in_app", "outcome": "declined"},
        status=422,
    )


def test_finished_session_rejects_everything(session_json: Call) -> None:
    view = session_json(
        "POST", "/api/sessions", {"model": "C200", "led": "red_slow_blink"}, status=201
    )
    final, _ = _run(
        session_json,
        view,
        answer=lambda q, ids: PASSWORD_STORY[q],
        outcome=lambda s: "fixed",
    )
    assert final["status"] == "fixed" and final["prompt"] is None
    sid = final["id"]
    attempts = [
        ("model", {"model": "C200"}),
        ("led", {"led": "red_solid"}),
        ("answers", {"question": "camera_hot", "answer": "no"}),
        ("steps", {"step": "restart_router", "outcome": "fixed"}),
        ("escalation", {}),
    ]
    for path, body in attempts:
        detail = session_json("POST", f"/api/sessions/{sid}/{path}", body, status=409)["detail"]
        assert "ended" in detail
    assert session_json("GET", f"/api/sessions/{sid}") == final


def test_unknown_session_404_and_bad_values_422(session_json: Call, client: TestClient) -> None:
    for method, path, body in [
        ("GET", "/api/sessions/0123456789ab", None),
        ("POST", "/api/sessions/0123456789ab/model", {"model": "C200"}),
        ("POST", "/api/sessions/0123456789ab/answers", {"question": "camera_hot"}),
        ("GET", "/api/sessions/0123456789ab/report", None),
        ("GET", "/api/sessions/..%2F..%2Fetc%2Fpasswd", None),
    ]:
        session_json(method, path, body, status=404)
    gone = client.delete("/api/sessions/0123456789ab", params={"confirm": "true"})
    assert gone.status_code == 404
    session_json("POST", "/api/sessions", {"led": "purple_disco"}, status=422)
    session_json("POST", "/api/sessions", {"led": "x" * 61}, status=422)
    view = session_json("POST", "/api/sessions", {"model": "C200"}, status=201)
    detail = session_json(
        "POST", f"/api/sessions/{view['id']}/led", {"led": "purple_disco"}, status=422
    )["detail"]
    assert "purple_disco" in detail
    session_json("POST", f"/api/sessions/{view['id']}/steps", {"step": "x"}, status=422)
    session_json(
        "POST", f"/api/sessions/{view['id']}/steps", {"step": "x", "outcome": "maybe"}, status=422
    )
    # the failed attempts left the session as it was
    assert session_json("GET", f"/api/sessions/{view['id']}")["prompt"]["kind"] == "led"


def test_unknown_model_and_light_are_allowed(session_json: Call) -> None:
    view = session_json("POST", "/api/sessions", {}, status=201)
    view = session_json("POST", f"/api/sessions/{view['id']}/model", {"model": None})
    assert view["prompt"]["kind"] == "led"
    assert all(light["meaning"] is None for light in view["prompt"]["lights"])
    view = session_json("POST", f"/api/sessions/{view['id']}/led", {"led": None})
    assert view["prompt"]["kind"] in {"question", "step"}
    assert [h["value"] for h in view["history"][:2]] == ["I don't know", "can't tell"]


def test_delete_needs_confirm(session_json: Call, client: TestClient, kd_home: Path) -> None:
    sid = session_json("POST", "/api/sessions", {"model": "C200"}, status=201)["id"]
    assert client.delete(f"/api/sessions/{sid}").status_code == 409
    assert (kd_home / "sessions" / f"{sid}.json").is_file()
    assert client.delete(f"/api/sessions/{sid}", params={"confirm": "true"}).status_code == 204
    assert not (kd_home / "sessions" / f"{sid}.json").exists()
    session_json("GET", f"/api/sessions/{sid}", status=404)


# --- the terminal and the web share sessions ----------------------------------------------


def test_session_from_the_api_continues_in_the_terminal(
    session_json: Call, cli: Callable[..., Result], tmp_path: Path
) -> None:
    view = session_json(
        "POST", "/api/sessions", {"model": "C200", "led": "red_slow_blink"}, status=201
    )
    sid, asked = view["id"], view["prompt"]["id"]
    session_json(
        "POST",
        f"/api/sessions/{sid}/answers",
        {"question": asked, "answer": PASSWORD_STORY[asked]},
    )

    loaded = sessions_store.load(sid)
    assert loaded.id == sid and loaded.status == "open"
    assert loaded.model_name == "C200" and loaded.led == "red_slow_blink"
    assert [(e.kind, e.id, e.value) for e in loaded.history] == [
        ("question", asked, PASSWORD_STORY[asked])
    ]

    story = tmp_path / "answers.yaml"
    story.write_text(
        yaml.safe_dump({"answers": PASSWORD_STORY, "steps": {"reconnect_in_app": "fixed"}}),
        encoding="utf-8",
    )
    result = cli("diagnose", "--resume", sid, "--answers", str(story), "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["session"] == sid and doc["status"] == "fixed"
    assert doc["history"][0]["id"] == asked

    # and the web sees what the terminal did
    after = session_json("GET", f"/api/sessions/{sid}")
    assert after["status"] == "fixed"
    assert after["outcome"]["fixed_by"]


@pytest.mark.parametrize("htmx", [True, False])
def test_page_forms_drive_the_same_session(client: TestClient, htmx: bool) -> None:
    """The HTML form routes: htmx gets the wizard panel, a plain post is redirected."""
    created = client.post("/sessions", data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert created.status_code == 303
    path = created.headers["location"]
    sid = path.rsplit("/", 1)[-1]
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"{path}/model", data={"model": "C200"}, headers=headers)
    if htmx:
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="wizard"')
        assert "<html" not in response.text
        assert 'id="light-red_slow_blink"' in response.text
    else:
        assert response.status_code == 303 and response.headers["location"] == path
    # out of turn: htmx gets the panel with the reason, a plain post an error page
    response = client.post(f"{path}/model", data={"model": "C100"}, headers=headers)
    if htmx:
        assert response.status_code == 200 and 'role="alert"' in response.text
    else:
        assert response.status_code == 409
    assert client.get(f"/api/sessions/{sid}").json()["model"] == "C200"
