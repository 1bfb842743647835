"""Who may talk to the server and what it lets out: the token beyond loopback, CSRF on
every change, the Host check, the security headers, no credential in any answer."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from tests.web.conftest import LOOPBACK_BASE, csrf_client, make_app

REPO = Path(__file__).resolve().parents[2]

TOKEN = "web-test-token-5f1c9a0e7d3b2a64"
SID = "0123456789ab"
PARAMS = {"session_id": SID, "fmt": "md", "path": "app.css"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path with its parameters filled) for every route of the app, static
    files included."""
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if isinstance(original, Mount):
            found.append(("GET", f"{original.path}/app.css"))
            continue
        path = route.path
        assert path is not None
        filled = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PARAMS.get(m.group(1), "kitchen"), path)
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                found.append((method, filled))
    return found


def _request(client: TestClient, method: str, path: str, **kw: Any) -> Any:
    return client.request(method, path, **kw)


@pytest.fixture
def token_app(kd_home: Path) -> FastAPI:
    return make_app(host="0.0.0.0", token=TOKEN)


def test_route_list_is_complete(token_app: FastAPI) -> None:
    listed = routes(token_app)
    # the enumeration must see the routers, not only the app's own routes
    for expected in [
        ("GET", "/"),
        ("POST", "/sessions"),
        ("POST", f"/sessions/{SID}/step"),
        ("GET", f"/sessions/{SID}/report.md"),
        ("POST", "/api/sessions"),
        ("DELETE", f"/api/sessions/{SID}"),
        ("POST", f"/api/sessions/{SID}/steps"),
        ("GET", "/api/openapi.json"),
        ("GET", "/static/app.css"),
        ("GET", "/login"),
        ("POST", "/login"),
    ]:
        assert expected in listed
    assert len(listed) >= 22


# --- the token ------------------------------------------------------------------------------


def test_without_token_every_route_but_login_is_401(token_app: FastAPI) -> None:
    client = TestClient(token_app, base_url=LOOPBACK_BASE, follow_redirects=False)
    checked = 0
    for method, path in [*routes(token_app), ("GET", "/no/such/page"), ("GET", "/api/nope")]:
        response = _request(client, method, path)
        if path == "/login":
            assert response.status_code != 401, (method, path)
            continue
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert TOKEN not in response.text
        checked += 1
    assert checked >= 22
    # a wrong token, a wrong scheme and a wrong cookie are no token either
    for headers, cookies in [
        ({"Authorization": "Bearer not-the-token"}, {}),
        ({"Authorization": f"Basic {TOKEN}"}, {}),
        ({"Authorization": f"Bearer {TOKEN}x"}, {}),
        ({}, {"kd_auth": "not-the-token"}),
    ]:
        client.cookies.clear()
        for name, value in cookies.items():
            client.cookies.set(name, value)
        assert client.get("/", headers=headers).status_code == 401
        assert client.get("/api/sessions", headers=headers).status_code == 401


def test_bearer_token_opens_every_route(token_app: FastAPI) -> None:
    client = TestClient(
        token_app,
        base_url=LOOPBACK_BASE,
        follow_redirects=False,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    for method, path in routes(token_app):
        if (method, path) == ("POST", "/login"):
            continue  # the sign-in form answers 401 to its empty token field, rightly
        response = _request(client, method, path)
        assert response.status_code not in (401, 403), (method, path, response.status_code)
        assert response.status_code < 500, (method, path, response.text)
    # a bearer request needs no CSRF token (it carries no ambient credential)
    created = client.post("/api/sessions", json={"model": "C200"})
    assert created.status_code == 201
    assert client.get("/static/app.css").status_code == 200


def test_login_sets_the_cookie_then_pages_work(token_app: FastAPI) -> None:
    client = TestClient(token_app, base_url=LOOPBACK_BASE, follow_redirects=False)
    page = client.get("/login")
    assert page.status_code == 200 and 'name="token"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None

    wrong = client.post("/login", data={"token": "guess", "csrf_token": csrf.group(1)})
    assert wrong.status_code == 401 and "kd_auth" not in client.cookies
    # the sign-in form is a change too: without the CSRF token it is refused
    assert client.post("/login", data={"token": TOKEN}).status_code == 403

    signed = client.post("/login", data={"token": TOKEN, "csrf_token": csrf.group(1)})
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    set_cookie = signed.headers["set-cookie"]
    assert "kd_auth=" in set_cookie and "HttpOnly" in set_cookie
    assert "samesite=strict" in set_cookie.lower()

    home = client.get("/")
    assert home.status_code == 200 and "Start troubleshooting" in home.text
    assert TOKEN not in home.text
    # a browser signed in with the cookie still needs CSRF for changes
    assert client.post("/api/sessions", json={}).status_code == 403
    token = client.get("/api/csrf").json()["token"]
    made = client.post("/api/sessions", json={}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201


def test_loopback_server_has_no_login(kd_home: Path) -> None:
    client = TestClient(make_app(), base_url=LOOPBACK_BASE, follow_redirects=False)
    assert client.get("/").status_code == 200
    login = client.get("/login")
    assert login.status_code == 303 and login.headers["location"] == "/"


# --- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("served", ["loopback", "token-cookie"])
def test_every_change_needs_the_csrf_token(kd_home: Path, served: str) -> None:
    if served == "loopback":
        app = make_app()
        client = TestClient(app, base_url=LOOPBACK_BASE, follow_redirects=False)
    else:
        app = make_app(host="0.0.0.0", token=TOKEN)
        client = TestClient(app, base_url=LOOPBACK_BASE, follow_redirects=False)
        client.cookies.set("kd_auth", TOKEN)
    real = client.get("/api/csrf").json()["token"]
    # a token this server did not sign, and one signed by another server run
    other = csrf_client(make_app()).headers["X-CSRF-Token"]
    nonce = real.split(".")[0]
    forged = [None, "", "abc", f"{nonce}.", f"{nonce}.AAAAAAAAAAAAAAAAAAAAAAAA", other]

    changing = [(m, p) for m, p in routes(app) if m in STATE_CHANGING and p != "/login"]
    assert len(changing) >= 12
    for method, path in changing:
        for given in forged:
            headers = {} if given is None else {"X-CSRF-Token": given}
            api = path.startswith("/api")
            kwargs: dict[str, object] = {"headers": headers}
            if api:
                kwargs["json"] = {}
            else:
                kwargs["data"] = {} if given is None else {"csrf_token": given}
            response = _request(client, method, path, **kwargs)
            assert response.status_code == 403, (method, path, given, response.status_code)
    # the genuine token gets past the check (to whatever the route answers)
    for method, path in changing:
        response = _request(client, method, path, headers={"X-CSRF-Token": real})
        assert response.status_code != 403, (method, path)
    # the token in the form field works for pages without the header
    started = client.post("/sessions", data={"csrf_token": real})
    assert started.status_code == 303


def test_csrf_cookie_is_strict_and_httponly(client: TestClient) -> None:
    fresh = TestClient(client.app, base_url=LOOPBACK_BASE)
    cookie = fresh.get("/").headers["set-cookie"]
    assert cookie.startswith("kd_csrf=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


# --- Host and headers --------------------------------------------------------------------


def test_foreign_host_name_is_400_on_loopback(app: FastAPI) -> None:
    for host in ["evil.example", "evil.example:8787", "127.0.0.1.evil.example", "[::2]"]:
        client = TestClient(app, base_url=f"http://{host}", follow_redirects=False)
        for path in ["/", "/api/sessions", "/static/app.css"]:
            assert client.get(path).status_code == 400, (host, path)
        assert client.post("/api/sessions", json={}).status_code == 400
    for host in ["127.0.0.1:8787", "localhost", "[::1]:8787"]:
        client = TestClient(app, base_url=f"http://{host}")
        assert client.get("/").status_code == 200, host


def test_security_headers_everywhere(app: FastAPI, token_app: FastAPI) -> None:
    client = TestClient(app, base_url=LOOPBACK_BASE, follow_redirects=False)
    locked = TestClient(token_app, base_url=LOOPBACK_BASE)
    evil = TestClient(app, base_url="http://evil.example")
    responses = [
        client.get("/"),
        client.get("/api/sessions"),
        client.get("/static/app.css"),
        client.get("/no/such/page"),
        client.post("/api/sessions", json={}),  # 403
        locked.get("/"),  # 401
        evil.get("/"),  # 400
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 403, 401, 400]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    # the page loads its scripts from us, never a CDN
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', responses[0].text)
    assert scripts and all(s.startswith("/static/") for s in scripts)


def test_no_credential_in_any_answer(monkeypatch: pytest.MonkeyPatch, kd_home: Path) -> None:
    secrets = {
        "KASA_USERNAME": "owner-7c2f1e@example.invalid",
        "KASA_PASSWORD": "pw-Zq81-unique-4490",
        "KASA_DOCTOR_WIFI_PASSWORD": "wifi-Kp3-unique-0137",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    client = csrf_client(make_app())
    bodies: list[str] = []

    def keep(response: Any) -> Any:
        bodies.append(response.text)
        bodies.append(str(response.headers))
        return response

    view = keep(client.post("/api/sessions", json={"model": "C200", "led": "red_solid"})).json()
    sid = view["id"]
    for _ in range(60):
        prompt = view["prompt"]
        if prompt is None:
            break
        if prompt["kind"] == "question":
            body = {"question": prompt["id"], "answer": None}
            view = keep(client.post(f"/api/sessions/{sid}/answers", json=body)).json()
        elif prompt["kind"] == "step":
            keep(client.get(f"/sessions/{sid}"))
            body = {"step": prompt["id"], "outcome": "not_fixed", "confirm": True}
            view = keep(client.post(f"/api/sessions/{sid}/steps", json=body)).json()
        else:
            date = {"purchase_date": "2024-05"}
            view = keep(client.post(f"/api/sessions/{sid}/escalation", json=date)).json()
    assert view["status"] == "escalated"
    for path in [
        "/",
        f"/sessions/{sid}",
        "/api/sessions",
        f"/api/sessions/{sid}",
        "/api/openapi.json",
        f"/sessions/{sid}/report.md",
        f"/sessions/{sid}/report.html",
        f"/sessions/{sid}/report.json",
    ]:
        response = keep(client.get(path))
        assert response.status_code == 200, path
    assert len(bodies) > 30
    for text in bodies:
        for name, value in secrets.items():
            assert value not in text, f"{name} leaked"


# --- `kasa-doctor serve` beyond loopback --------------------------------------------------


@pytest.fixture
def serve_all_interfaces(kd_home: Path) -> Iterator[tuple[int, str, str]]:
    """`kasa-doctor serve --host 0.0.0.0 --port 0` as a subprocess: (port, token, output)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "KASA_DOCTOR_HOME": str(kd_home)}
    env.pop("KASA_DOCTOR_TOKEN", None)
    args = ["serve", "--host", "0.0.0.0", "--port", "0"]
    command = [sys.executable, "-m", "kasa_doctor", *args]
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    out = proc.stdout

    def pump() -> None:
        for line in out:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    output = ""
    port = token = None
    deadline = time.monotonic() + 20
    try:
        while (port is None or token is None) and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if proc.poll() is not None and not reader.is_alive():
                    break
                continue
            output += line
            if found := re.search(r"http://0\.0\.0\.0:(\d+)/", line):
                port = int(found.group(1))
            if found := re.search(r"Token \([^)]*\): (\S+)", line):
                token = found.group(1)
        assert port and token, f"serve did not print its address and token:\n{output}"
        yield port, token, output
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_serve_on_all_interfaces_needs_its_token(
    serve_all_interfaces: tuple[int, str, str],
) -> None:
    port, token, output = serve_all_interfaces
    assert len(token) >= 16 and token in output
    base = f"http://127.0.0.1:{port}"  # only ever loopback, whatever the bind address
    with httpx.Client(base_url=base, timeout=5, follow_redirects=False) as http:
        for path in ["/", "/api/sessions", "/api/openapi.json", "/static/app.css", "/nope"]:
            assert http.get(path).status_code == 401, path
        assert http.post("/api/sessions", json={}).status_code == 401
        assert http.get("/login").status_code == 200
        bearer = {"Authorization": f"Bearer {token}"}
        assert http.get("/api/sessions", headers=bearer).status_code == 200
        made = http.post("/api/sessions", json={"model": "C200"}, headers=bearer)
        assert made.status_code == 201 and made.json()["model"] == "C200"


def test_real_server_on_loopback_checks_host_and_csrf(server: str) -> None:
    """The same guard in front of uvicorn, over a real socket on 127.0.0.1."""
    with httpx.Client(base_url=server, timeout=5, follow_redirects=False) as http:
        home = http.get("/")
        assert home.status_code == 200 and "x-frame-options" in home.headers
        assert http.get("/", headers={"Host": "evil.example"}).status_code == 400
        assert http.post("/api/sessions", json={}).status_code == 403
        token = http.get("/api/csrf").json()["token"]
        made = http.post("/api/sessions", json={}, headers={"X-CSRF-Token": token})
        assert made.status_code == 201


def test_beyond_loopback_without_a_configured_token_nothing_is_open() -> None:
    """Settings made by hand for 0.0.0.0 with no token must fail closed, not open."""
    app = make_app(host="0.0.0.0")
    with TestClient(app, base_url="http://192.0.2.1:8787") as client:
        assert client.get("/").status_code == 401
        assert client.get("/api/sessions").status_code == 401
        assert client.get("/api/sessions", headers={"Authorization": "Bearer "}).status_code == 401
