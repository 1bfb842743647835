"""The camera dashboard in the browser's shoes: the pages, their forms and the JSON API,
against a home of emulated cameras watched on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import LOOPBACK_BASE, csrf_client, make_app
from tests.web.dashboard_support import PREFIX, WatchedHome, watched

__all__ = ["watched"]  # the module-scoped fixture, registered by the import


@pytest.fixture
def home_app(watched: WatchedHome) -> FastAPI:
    return make_app(config_path=watched.config_path, database=watched.database, check_timeout=2.0)


@pytest.fixture
def api(home_app: FastAPI) -> Iterator[TestClient]:
    with csrf_client(home_app) as client:
        yield client


@pytest.fixture
def browser(home_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(home_app, base_url=LOOPBACK_BASE, follow_redirects=False) as client:
        yield client


def csrf_field(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def card(html: str, name: str) -> str:
    """The dashboard card of one camera."""
    found = re.search(
        rf'<li class="card camera-card[^"]*" data-camera="{re.escape(name)}".*?</li>', html, re.S
    )
    assert found, f"no card for {name}"
    return found.group(0)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the dashboard ----------------------------------------------------------------------------


def test_dashboard_lists_each_watched_camera_with_status_and_signal(browser: TestClient) -> None:
    page = browser.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page">Cameras' in html.replace("\n", "")
    for name, status in [
        ("porch", "ok"),
        ("garage", "warning"),
        ("shed", "offline"),
        ("attic", "ok"),
    ]:
        box = card(html, name)
        assert f'data-status="{status}"' in box
        assert f"dot-{status}" in box
        assert "<svg" in box  # the sparkline
        assert "Diagnose this camera" in box
    garage = text(card(html, "garage"))
    assert "C210" in garage
    assert "−80 dBm" in garage and "weak" in garage
    assert "weak Wi-Fi signal" in garage  # the open incident
    assert "sysinfo only" in card(html, "old-ec60")


def test_an_offline_camera_shows_as_offline_with_its_open_incident(browser: TestClient) -> None:
    shed = text(card(browser.get("/dashboard").text, "shed"))
    assert "offline — not answering" in shed
    assert "offline — open for" in shed
    page = browser.get("/dashboard/shed")
    assert page.status_code == 200
    timeline = re.search(r'<ol class="timeline">.*?</ol>', page.text, re.S)
    assert timeline and 'class="incident-open" data-kind="offline"' in timeline.group(0)
    assert "Likely cause" in timeline.group(0)


def test_missing_config_gives_a_friendly_empty_state(kd_home: Path) -> None:
    with TestClient(make_app(), base_url=LOOPBACK_BASE) as client:
        page = client.get("/dashboard")
        assert page.status_code == 200
        assert 'id="setup-hint"' in page.text
        assert "kasa-doctor watch" in page.text and "monitor.yaml" in page.text
        listing = client.get("/api/cameras")
        assert listing.status_code == 200
        assert listing.json()["cameras"] == [] and "kasa-doctor watch" in listing.json()["hint"]
        assert client.get("/dashboard/porch").status_code == 404


def test_camera_page_draws_the_history_and_offers_the_periods(browser: TestClient) -> None:
    page = browser.get("/dashboard/garage?since=24h")
    assert page.status_code == 200
    html = page.text
    assert html.count('<svg class="chart') == 3  # signal, restarts, availability
    assert 'class="threshold"' in html and "weak below −70 dBm" in html
    for since in ("24h", "7d", "30d"):
        assert f'href="/dashboard/garage?since={since}"' in html
    assert re.search(r'class="button current"[^>]*href="/dashboard/garage\?since=24h"', html)
    assert 'data-kind="weak_signal"' in html


def test_a_camera_name_is_quoted_in_links(watched: WatchedHome, browser: TestClient) -> None:
    html = browser.get("/dashboard").text
    assert f'href="/dashboard/{quote("old-ec60", safe="")}"' in html
    assert browser.get("/dashboard/old-ec60").status_code == 200


def test_bad_camera_name_is_404_and_bad_since_is_422(browser: TestClient, api: TestClient) -> None:
    assert browser.get("/dashboard/nobody").status_code == 404
    assert "nobody" in browser.get("/dashboard/nobody").text
    assert browser.get("/dashboard/porch?since=yesterday").status_code == 422
    assert api.get("/api/cameras/nobody/history").status_code == 404
    for since in ("yesterday", "", "3000-01-01", "1" * 41):
        response = api.get("/api/cameras/porch/history", params={"since": since})
        assert response.status_code == 422, (since, response.text)
        assert "detail" in response.json()
    assert api.post("/api/cameras/nobody/diagnose").status_code == 404


def test_diagnose_this_camera_opens_a_session_with_the_live_readings(
    browser: TestClient,
) -> None:
    dashboard = browser.get("/dashboard").text
    form = re.search(r'<form method="post" action="(/dashboard/porch/diagnose)"', dashboard)
    assert form, "no diagnose form for porch"
    response = browser.post(form.group(1), data={"csrf_token": csrf_field(dashboard)})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/sessions/[A-Za-z0-9_-]+", location)
    session = browser.get("/api" + location).json()
    assert session["camera"] == "porch" and session["model"] == "C210"
    probes = {h["id"]: h["value"] for h in session["history"] if h["kind"] == "probe"}
    assert probes["camera_reachable"].startswith("yes")
    assert "camera_signal" in probes
    page = browser.get(location)
    assert page.status_code == 200 and "porch" in page.text


def test_diagnose_form_without_csrf_is_refused(browser: TestClient) -> None:
    assert browser.post("/dashboard/porch/diagnose").status_code == 403
    assert browser.post("/api/cameras/porch/diagnose").status_code == 403


def test_api_diagnose_returns_the_session(api: TestClient) -> None:
    response = api.post("/api/cameras/garage/diagnose")
    assert response.status_code == 201, response.text
    session = response.json()
    assert session["camera"] == "garage"
    probes = {h["id"]: h["value"] for h in session["history"] if h["kind"] == "probe"}
    assert probes["camera_signal"].startswith("poor")


def test_api_cameras_and_history(api: TestClient) -> None:
    listing = api.get("/api/cameras").json()
    names = {c["name"]: c for c in listing["cameras"]}
    assert names["shed"]["status"] == "offline"
    assert names["shed"]["open_incidents"][0]["kind"] == "offline"
    assert names["garage"]["signal"]["rating"] == "poor"
    history = api.get("/api/cameras/garage/history", params={"since": "7d"}).json()
    assert history["points"] and history["incidents"][0]["kind"] == "weak_signal"
    assert history["camera"]["name"] == "garage"


def test_api_check(api: TestClient, watched: WatchedHome) -> None:
    port = watched.cameras["porch"].port
    response = api.post(
        "/api/check", json={"host": f"127.0.0.1:{port}", "credentials": f"env:{PREFIX}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reachable"] and body["live_support"] == "full"
    assert body["identity"]["model"] == "C210"
    assert body["identity"]["ip"].startswith("**REDACTED")
    for bad in ({"host": "::::"}, {"host": "127.0.0.1", "credentials": "pw:x"}, {}, []):
        response = api.post("/api/check", json=bad)
        assert response.status_code == 422, (bad, response.text)
    assert (
        api.post(
            "/api/check", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_openapi_documents_the_camera_routes(api: TestClient) -> None:
    schema = api.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/cameras" in paths
    assert "/api/check" in paths
    history = paths["/api/cameras/{name}/history"]["get"]
    assert {"200", "404", "422"} <= set(history["responses"])
    diagnose = paths["/api/cameras/{name}/diagnose"]["post"]
    assert {"201", "404", "409", "422"} <= set(diagnose["responses"])
    assert not any(p.startswith("/dashboard") for p in paths)


def test_no_login_in_any_page_or_api_response(
    watched: WatchedHome, browser: TestClient, api: TestClient
) -> None:
    """The password (and user name) in the environment never reaches a response."""
    bodies: dict[str, str] = {}

    def keep(label: str, response: Any) -> None:
        assert response.status_code < 500, (label, response.status_code)
        bodies[label] = response.text

    keep("/", browser.get("/"))
    keep("/dashboard", browser.get("/dashboard"))
    keep("/api/cameras", api.get("/api/cameras"))
    keep("/api/openapi.json", api.get("/api/openapi.json"))
    for name in watched.cameras:
        for since in ("24h", "7d", "30d"):
            keep(f"/dashboard/{name}?{since}", browser.get(f"/dashboard/{name}?since={since}"))
            keep(f"history {name} {since}", api.get(f"/api/cameras/{name}/history?since={since}"))
        diagnosed = api.post(f"/api/cameras/{name}/diagnose")
        keep(f"diagnose {name}", diagnosed)
        if diagnosed.status_code == 201:
            session_id = diagnosed.json()["id"]
            keep(f"session {name}", browser.get(f"/sessions/{session_id}"))
            keep(f"api session {name}", api.get(f"/api/sessions/{session_id}"))
            for fmt in ("json", "md", "html"):
                keep(
                    f"report {name} {fmt}",
                    api.get(f"/api/sessions/{session_id}/report?format={fmt}"),
                )
        port = watched.cameras[name].port
        for reference in (f"env:{PREFIX}", "none"):
            keep(
                f"check {name} {reference}",
                api.post(
                    "/api/check", json={"host": f"127.0.0.1:{port}", "credentials": reference}
                ),
            )
    assert len(bodies) > 40
    for label, body in bodies.items():
        for secret in watched.secrets():
            assert secret not in body, f"{label} shows a form of the login"
