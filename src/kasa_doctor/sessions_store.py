"""Saved troubleshooting sessions: one JSON file per session in the user data folder.

The folder is ``platformdirs.user_data_path("kasa-doctor") / "sessions"``, or
``$KASA_DOCTOR_HOME/sessions`` when that variable is set (tests point it at a
temporary folder so they never touch the real one). Writes go to a temporary file
that then replaces the old one, so a Ctrl-C or a crash in the middle of a save never
leaves half a session behind.

The engine is imported only when a session is actually loaded: listing and saving
need nothing but JSON, which keeps the commands that only list sessions fast.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kasa_doctor.atomicfile import write_atomic

if TYPE_CHECKING:
    from kasa_doctor.engine.model import Model
    from kasa_doctor.engine.session import Session

HOME_ENV = "KASA_DOCTOR_HOME"
#: ``--resume last`` picks the session saved most recently
LATEST = "last"
# Session ids become file names; anything else could walk out of the folder.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class StoreError(Exception):
    """A session that cannot be found, read or written; the message is one line."""


@dataclass(frozen=True)
class SavedSession:
    id: str
    status: str
    model: str | None
    led: str | None
    saved_at: datetime
    path: Path


def data_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # only needed when no override is set

    return platformdirs.user_data_path("kasa-doctor")


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def path_for(session_id: str) -> Path:
    if not _SAFE_ID.match(session_id):
        raise StoreError(f"{session_id!r} is not a session id (letters, digits, - and _ only)")
    return sessions_dir() / f"{session_id}.json"


def save_text(session_id: str, text: str) -> Path:
    """Write one session's JSON atomically; return where it went."""
    target = path_for(session_id)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)
    except OSError as exc:
        raise StoreError(f"cannot save session to {target}: {exc.strerror or exc}") from exc
    return target


def save(session: Session) -> Path:
    return save_text(session.id, session.dumps())


def list_sessions(limit: int | None = None) -> list[SavedSession]:
    """Every readable saved session (or the ``limit`` newest), newest first; unreadable
    files are skipped. Files are ordered by time before any is read, so a short list
    stays fast however many sessions have piled up."""
    folder = sessions_dir()
    if not folder.is_dir():
        return []
    dated: list[tuple[float, Path]] = []
    for path in folder.glob("*.json"):
        try:
            dated.append((path.stat().st_mtime, path))
        except OSError:
            continue
    dated.sort(key=lambda item: item[0], reverse=True)
    found: list[SavedSession] = []
    for mtime, path in dated:
        if limit is not None and len(found) >= limit:
            break
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or "id" not in data:
            continue
        found.append(
            SavedSession(
                id=str(data["id"]),
                status=str(data.get("status", "open")),
                model=data.get("model"),
                led=data.get("led"),
                saved_at=datetime.fromtimestamp(mtime, tz=UTC),
                path=path,
            )
        )
    return found


def resolve(session_id: str) -> Path:
    """The file of a saved session; ``last`` means the newest one."""
    if session_id == LATEST:
        saved = list_sessions(limit=1)
        if not saved:
            raise StoreError(f"no saved sessions in {sessions_dir()}")
        return saved[0].path
    path = path_for(session_id)
    if not path.exists():
        known = [s.id for s in list_sessions(limit=5)]
        hint = f"; saved: {', '.join(known)}" if known else f"; nothing saved in {sessions_dir()}"
        raise StoreError(f"no saved session {session_id!r}{hint}")
    return path


def load(session_id: str, engine: Model | None = None) -> Session:
    from kasa_doctor.engine.session import Session, SessionError

    path = resolve(session_id)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: cannot read: {exc}") from exc
    try:
        return Session.loads(text, engine)
    except SessionError as exc:
        raise StoreError(f"{path}: {exc}") from exc
