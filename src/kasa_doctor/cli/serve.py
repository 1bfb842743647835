"""`kasa-doctor serve`: the troubleshooter and the camera dashboard in a web page.

Loopback (the default) needs no token. Any other address gets a token — the one in
$KASA_DOCTOR_TOKEN or a new random one — printed once at start; every request but
the sign-in page must carry it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

PROG = "kasa-doctor serve"
TOKEN_ENV = "KASA_DOCTOR_TOKEN"
MIN_TOKEN = 16


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def _fail(message: str, code: int = 2) -> typer.Exit:
    sys.stderr.write(f"{PROG}: {message}\n")
    return typer.Exit(code)


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; beyond loopback a token is needed.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port (0: a free one).")
    ] = 8787,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="Watch configuration for the dashboard."),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", metavar="URL", help="The watcher's database.")
    ] = None,
) -> None:
    """Serve the wizard and a camera dashboard in the browser (phone-friendly)."""
    from kasa_doctor.web.server import ServeError, bind, serve_forever
    from kasa_doctor.web.settings import WebSettings, is_loopback

    token = os.environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN:
        raise _fail(f"${TOKEN_ENV} is too short (at least {MIN_TOKEN} characters)")
    if config_file is not None and not config_file.is_file():
        raise _fail(f"--config {config_file}: no such file")
    settings = WebSettings.for_bind(host, port, token, config_path=config_file, database=db)
    try:
        sock = bind(settings.host, settings.port)
    except ServeError as exc:
        raise _fail(str(exc), 1) from None
    real_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"kasa-doctor is at http://{shown}:{real_port}/  (Ctrl-C stops it)")
    if settings.token is not None:
        where = "from $" + TOKEN_ENV if token else "made for this run"
        typer.echo(f"Token ({where}): {settings.token}")
        typer.echo("Open /login and paste it, or send 'Authorization: Bearer TOKEN' to the API.")
    if not is_loopback(host):
        typer.echo("Listening beyond this computer: anyone with the token can use it.")
    serve_forever(settings, sock)
