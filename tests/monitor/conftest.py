"""Monitor tests: emulated cameras on loopback, throwaway databases, a fake keyring.

* ``loopback_only`` (autouse): connects and datagrams to anything but loopback fail
  at once ("network unreachable"); nothing a test does can reach the LAN.
* ``isolated_home`` (autouse): ``KASA_DOCTOR_HOME`` points at a temporary folder, the
  login variables are cleared and the keyring is an in-memory stand-in.
* ``db_url``: a fresh database, once on SQLite and once on PostgreSQL. PostgreSQL
  comes from ``KASA_DOCTOR_TEST_PG_URL`` (``.ci/postgres.sh`` starts one); without
  it, or when it does not answer, the PostgreSQL cases skip and say why.
* ``file_notices``: an apprise target ``kdfile://localhost/PATH`` that appends every
  message to a local file (registered with apprise's ``@notify`` decorator).
* ``receiver``: an HTTP server on 127.0.0.1 that collects what apprise's ``json://``
  posts to it.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kasa_doctor.emulator import EmulatedCamera
from tests.live.support import MemoryKeyring, private_keyring
from tests.loopback_guard import loopback_only  # noqa: F401  (imported = registered here)

PG_ENV = "KASA_DOCTOR_TEST_PG_URL"

# apprise's PGP helper imports the deprecated imghdr module the first time a message is
# sent; load it here, once, so that warning is not attributed to a test.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import apprise.utils.pgp  # noqa: F401


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MemoryKeyring]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("KASA_DOCTOR_HOME", str(home))
    with private_keyring(monkeypatch) as backend:
        yield backend


@pytest.fixture(autouse=True)
def _no_camera_left_running() -> Iterator[None]:
    # Compared with the count before the test: session-wide farms of other test
    # folders (tests/live) may still be running while these tests run.
    before = EmulatedCamera.running_count()
    yield
    assert EmulatedCamera.running_count() == before, "a test left an emulated camera running"


# --- databases ---------------------------------------------------------------------------


def _postgres_url() -> str:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(f"PostgreSQL store tests skipped: {PG_ENV} is not set (.ci/postgres.sh)")
    try:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=5, autocommit=True) as conn:
            # A clean schema for every test: the migrations run from nothing each time.
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    except Exception as exc:
        pytest.skip(f"PostgreSQL store tests skipped: {PG_ENV} does not answer ({exc})")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    return _postgres_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


# --- notification targets --------------------------------------------------------------


_FILE_TARGET_REGISTERED = False


def _register_file_target() -> None:
    """``kdfile://localhost/ABS/PATH``: each message appended to PATH as one JSON line."""
    global _FILE_TARGET_REGISTERED
    if _FILE_TARGET_REGISTERED:
        return
    from apprise.decorators import notify

    @notify(on="kdfile", name="kasa-doctor test file")  # type: ignore[untyped-decorator, no-untyped-call]
    def _to_file(
        body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kw: Any
    ) -> bool:
        path = Path(str(meta["fullpath"]))
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"title": title, "body": body, "type": str(notify_type)}) + "\n")
        return True

    _FILE_TARGET_REGISTERED = True


@pytest.fixture
def file_notices(tmp_path: Path) -> tuple[str, Path]:
    """(apprise URL, file the messages land in)."""
    _register_file_target()
    path = tmp_path / "notices.jsonl"
    return f"kdfile://localhost{path}", path


@dataclass
class Receiver:
    url: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP endpoint on 127.0.0.1 that records apprise ``json://`` posts."""
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(length)
            if box.fail:
                self.send_response(503)
                self.end_headers()
                return
            box.messages.append(json.loads(data))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"json://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
