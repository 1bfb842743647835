"""schemathesis against the JSON API's OpenAPI schema: no request, however odd, may
get a server error (5xx).

The app runs in-process (ASGI). Every call carries a CSRF token signed by this app's
secret (cookie and header) and a loopback Host, so generated requests reach the
handlers instead of stopping at the guard. Requests with a session id are sent twice:
as generated, and against a real open session, so odd answers meet a live session.
Live camera checks never leave the process: ``/api/check``'s probe is replaced by one
that records the target and reports the camera unreachable, and the keyring is an
in-memory stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error

from kasa_doctor.service import camera_live
from kasa_doctor.web.security import make_csrf
from kasa_doctor.web.settings import WebSettings
from tests.live.support import private_keyring
from tests.web.conftest import LOOPBACK_BASE

SETTINGS = WebSettings(host="127.0.0.1", port=8787, check_timeout=0.5)
CSRF = make_csrf(SETTINGS.secret)
HEADERS = {"Host": "127.0.0.1:8787", "X-CSRF-Token": CSRF, "Cookie": f"kd_csrf={CSRF}"}


def _app() -> Any:
    from kasa_doctor.web.app import create_app

    return create_app(SETTINGS)


APP = _app()
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP, headers={"Host": HEADERS["Host"]})
PROBED: list[str] = []
CALLS: dict[str, int] = {}


def _unreachable(target: Any, credentials: Any, timeout: float) -> Any:
    from kasa_doctor.probes.camera import CameraReport
    from kasa_doctor.probes.observation import Observation

    PROBED.append(str(target))
    report = CameraReport(target=target)
    report.observations.append(Observation.unknown("camera_reachable", "not checked in tests"))
    return report


@pytest.fixture(autouse=True)
def offline_checks(monkeypatch: pytest.MonkeyPatch, kd_home: Path) -> Iterator[None]:
    monkeypatch.setattr(camera_live, "probe", _unreachable)
    with private_keyring(monkeypatch):
        yield


def _open_session() -> str:
    client = TestClient(APP, base_url=LOOPBACK_BASE, headers=HEADERS)
    response = client.post("/api/sessions", json={"model": "C200", "led": "red_slow_blink"})
    assert response.status_code == 201, response.text
    sid: str = response.json()["id"]
    return sid


@schema.parametrize()
@hypothesis.settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case[Any]) -> None:
    label = f"{case.method} {case.path}"
    CALLS[label] = CALLS.get(label, 0) + 1
    response = case.call(headers=HEADERS)
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code != 403, "the CSRF token was not accepted"
    if "session_id" in (case.path_parameters or {}):
        case.path_parameters["session_id"] = _open_session()
        response = case.call(headers=HEADERS)
        case.validate_response(response, checks=[not_a_server_error])


def test_the_fuzzing_covered_every_operation(request: pytest.FixtureRequest) -> None:
    """Runs after the fuzz test (file order): every operation got many requests."""
    fuzzed = [i for i in request.session.items if i.name.startswith("test_no_server_errors")]
    if not fuzzed:
        pytest.skip("the fuzz test was not selected in this run")
    operations = [op.ok() for op in schema.get_all_operations()]  # type: ignore[union-attr]
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    assert {"POST /api/sessions", "POST /api/sessions/{session_id}/steps"} <= labels
    assert labels <= set(CALLS), labels - set(CALLS)
    # operations with a body or parameters got many different requests (the ones
    # without any, like GET /api/csrf, have few distinct requests to make)
    varied = [label for label in labels if label.startswith(("POST", "DELETE")) or "{" in label]
    assert len(varied) >= 10
    assert all(CALLS[label] >= 10 for label in varied), {k: CALLS[k] for k in varied}
    # valid check requests got as far as the (stand-in) probe
    assert PROBED, "no generated /api/check request was valid"
