"""Who may talk to the server, and proof that a change was meant.

All in one place, in front of every route (static files and 404s included):

- **Token.** Beyond loopback every request but the login page needs the token the
  server printed at start: ``Authorization: Bearer TOKEN`` (API clients) or the
  cookie the login page sets (browsers). Anything else is 401.
- **Host check.** On loopback without a token, a page on some web site could point
  its own name at 127.0.0.1 (DNS rebinding) and read ours; only loopback names are
  accepted in the Host header there.
- **CSRF.** Every state-changing request made with cookies must carry the token of
  the ``kd_csrf`` cookie in an ``X-CSRF-Token`` header or a ``csrf_token`` form field
  (double submit, signed with the server's secret). A request that authenticates with
  a bearer token carries no ambient credential and needs none.
- **Headers.** A content security policy that allows only our own scripts, no framing,
  no referrer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from http.cookies import SimpleCookie
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kasa_doctor.web.settings import WebSettings, is_loopback

CSRF_COOKIE = "kd_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
AUTH_COOKIE = "kd_auth"
LOGIN_PATH = "/login"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: request.state keys the middleware fills
STATE_CSRF = "csrf_token"
STATE_BEARER = "bearer"

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        b"form-action 'self'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def _sign(secret: bytes, nonce: str) -> str:
    digest = hmac.new(secret, nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def make_csrf(secret: bytes) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def valid_csrf(secret: bytes, token: str) -> bool:
    nonce, dot, signature = token.partition(".")
    return bool(dot) and hmac.compare_digest(signature, _sign(secret, nonce))


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no cookie at all
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Guard:
    """ASGI middleware: token, Host check, CSRF cookie and security headers."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.settings
        headers = _headers(scope)
        cookies = _cookies(headers)
        state: dict[str, Any] = scope.setdefault("state", {})

        if not settings.requires_token and not is_loopback(_host_name(headers.get("host", ""))):
            await _plain(send, 400, "This server only answers to localhost / 127.0.0.1.", scope)
            return

        bearer = False
        if settings.requires_token:
            # no token configured beyond loopback: closed to everyone (fail closed)
            expected = (settings.token or "").encode()
            auth = headers.get("authorization", "")
            scheme, _, given = auth.partition(" ")
            bearer = (
                bool(expected)
                and scheme.lower() == "bearer"
                and hmac.compare_digest(given.strip().encode(), expected)
            )
            by_cookie = bool(expected) and hmac.compare_digest(
                cookies.get(AUTH_COOKIE, "").encode(), expected
            )
            if not (bearer or by_cookie) and scope["path"] != LOGIN_PATH:
                await _unauthorised(send, scope)
                return
        state[STATE_BEARER] = bearer

        token = cookies.get(CSRF_COOKIE, "")
        fresh = not token or not valid_csrf(settings.secret, token)
        if fresh:
            token = make_csrf(settings.secret)
        state[STATE_CSRF] = token

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                out.extend(SECURITY_HEADERS)
                if fresh:
                    cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
                    out.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": out}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _plain(send: Send, status: int, text: str, scope: Scope) -> None:
    api = scope["path"].startswith("/api")
    body = json.dumps({"detail": text}) if api else text
    kind = b"application/json" if api else b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


async def _unauthorised(send: Send, scope: Scope) -> None:
    if scope["path"].startswith("/api"):
        body = json.dumps({"detail": "this server needs its token: Authorization: Bearer TOKEN"})
        kind = b"application/json"
    else:
        body = (
            "<!doctype html><meta charset=utf-8><title>Sign in</title>"
            '<p>This kasa-doctor needs its token. <a href="/login">Sign in</a>.</p>'
        )
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", kind),
                (b"www-authenticate", b'Bearer realm="kasa-doctor"'),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


async def csrf_protect(request: Request) -> None:
    """Dependency of every route: a state-changing request must prove it was meant."""
    if request.method not in UNSAFE_METHODS or getattr(request.state, STATE_BEARER, False):
        return
    expected = getattr(request.state, STATE_CSRF, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # cached: the route reads the same form
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status_code=403,
            detail="missing or wrong CSRF token: reload the page and try again "
            "(API clients: send X-CSRF-Token from GET /api/csrf)",
        )
