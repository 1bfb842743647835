"""Web tests: a private data folder, the app in-process and a real server on loopback.

* ``kd_home`` (autouse, from tests.cli_fixtures): ``KASA_DOCTOR_HOME`` is a temporary
  folder, so sessions never touch the real user data folder.
* ``loopback_only`` (autouse): nothing a test does can reach beyond loopback.
* ``app`` / ``client``: ``create_app`` with a ``TestClient`` whose Host is loopback;
  ``client`` carries the CSRF token (``GET /api/csrf``) in ``X-CSRF-Token``.
* ``server``: the app served by uvicorn in a thread on 127.0.0.1 and a free port.

Until the camera dashboard (``service.cameras``, ``web.api_cameras``, ``web.dashboard``)
exists, ``install_dashboard_stand_ins`` puts empty stand-ins for those modules into
this test process's ``sys.modules`` only; once the real modules are there it does
nothing.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.cli_fixtures import cli, kb, kd_home  # noqa: F401  (imported = registered here)
from tests.loopback_guard import loopback_only  # noqa: F401  (imported = registered here)

LOOPBACK_BASE = "http://127.0.0.1:8787"


def _missing(name: str) -> bool:
    if name in sys.modules:
        return False
    try:
        return importlib.util.find_spec(name) is None
    except (ModuleNotFoundError, ValueError):
        return True


def install_dashboard_stand_ins() -> list[str]:
    """Empty stand-ins for the dashboard's modules while they are not written yet;
    returns the names stood in for (empty once the dashboard has landed)."""
    from fastapi import APIRouter

    stood_in: list[str] = []
    if _missing("kasa_doctor.service.cameras"):

        class CameraService:
            def __init__(self, sessions: Any, **options: Any) -> None:
                self.sessions = sessions
                self.options = options

        module = types.ModuleType("kasa_doctor.service.cameras")
        module.CameraService = CameraService  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module
        stood_in.append(module.__name__)
    for name in ("kasa_doctor.web.api_cameras", "kasa_doctor.web.dashboard"):
        if _missing(name):
            module = types.ModuleType(name)
            module.router = APIRouter()  # type: ignore[attr-defined]
            sys.modules[name] = module
            stood_in.append(name)
    return stood_in


STOOD_IN = install_dashboard_stand_ins()
DASHBOARD_READY = not STOOD_IN


def make_app(**settings: Any) -> FastAPI:
    from kasa_doctor.web.app import create_app
    from kasa_doctor.web.settings import WebSettings

    return create_app(WebSettings(**settings))


def csrf_client(app: FastAPI, base_url: str = LOOPBACK_BASE) -> TestClient:
    """A TestClient that has fetched its CSRF token and sends it on every request."""
    client = TestClient(app, base_url=base_url, follow_redirects=False)
    response = client.get("/api/csrf")
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    assert token and "kd_csrf" in client.cookies
    client.headers["X-CSRF-Token"] = token
    return client


@pytest.fixture
def app(kd_home: Path) -> FastAPI:  # noqa: F811
    return make_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with csrf_client(app) as c:
        yield c


@pytest.fixture
def server(kd_home: Path) -> Iterator[str]:  # noqa: F811
    """Base URL of the app served by uvicorn on 127.0.0.1 (a free port)."""
    from kasa_doctor.web.server import running
    from kasa_doctor.web.settings import WebSettings

    with running(WebSettings(host="127.0.0.1", port=0)) as (_settings, base):
        yield base


@pytest.fixture
def session_json(client: TestClient) -> Callable[..., dict[str, Any]]:
    """POST/GET a JSON API path and return the body, asserting the status."""

    def call(method: str, path: str, body: Any = None, status: int = 200) -> dict[str, Any]:
        response = client.request(method, path, json=body)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        data: dict[str, Any] = response.json() if response.content else {}
        return data

    return call
