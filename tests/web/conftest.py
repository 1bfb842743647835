"""Web tests: a private data folder, the app in-process and a real server on loopback.

* ``kd_home`` (autouse, from tests.cli_fixtures): ``KASA_DOCTOR_HOME`` is a temporary
  folder, so sessions never touch the real user data folder.
* ``loopback_only`` (autouse): nothing a test does can reach beyond loopback.
* ``app`` / ``client``: ``create_app`` with a ``TestClient`` whose Host is loopback;
  ``client`` carries the CSRF token (``GET /api/csrf``) in ``X-CSRF-Token``.
* ``server``: the app served by uvicorn in a thread on 127.0.0.1 and a free port.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.cli_fixtures import cli, kb, kd_home  # noqa: F401  (imported = registered here)
from tests.loopback_guard import loopback_only  # noqa: F401  (imported = registered here)

LOOPBACK_BASE = "http://127.0.0.1:8787"


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
