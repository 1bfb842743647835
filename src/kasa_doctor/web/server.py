"""Running the web app with uvicorn: in the foreground (`serve`) or in a thread (tests,
benchmarks), always on a socket we bound ourselves so port 0 (a free port) works and
the real address is known before the first request."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import uvicorn

from kasa_doctor.web.settings import WebSettings

STARTUP_TIMEOUT = 10.0


class ServeError(Exception):
    """The server could not start (the address is taken or not ours); one line."""


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _server(settings: WebSettings, *, access_log: bool) -> uvicorn.Server:
    from kasa_doctor.web.app import create_app

    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        access_log=access_log,
        # the page is for one household: a short keep-alive and no proxy headers
        timeout_keep_alive=5,
        proxy_headers=False,
        server_header=False,
    )
    return uvicorn.Server(config)


def serve_forever(settings: WebSettings, sock: socket.socket) -> None:
    """Run until Ctrl-C / SIGTERM (uvicorn's own signal handling)."""
    _server(settings, access_log=False).run(sockets=[sock])


@contextmanager
def running(settings: WebSettings) -> Iterator[tuple[WebSettings, str]]:
    """The app served in a background thread; yields the settings with the real port
    and the base URL. Stops the server (bounded wait) when the block ends."""
    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    settings = replace(settings, port=port)
    server = _server(settings, access_log=False)
    # (uvicorn leaves signal handling alone outside the main thread)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise ServeError("the web server did not start")
        time.sleep(0.01)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    try:
        yield settings, f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        sock.close()
