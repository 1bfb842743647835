"""The report written automatically when a run is handed over to support.

The wizard calls :func:`write_handoff` at the one place it escalates. The report
goes next to the saved session file (``<sessions>/<ID>.report.md`` and
``.report.html``), redacted, so the owner can attach it to a support ticket at once;
``kasa-doctor report ID`` makes it again in any format.

Only a session that the store has saved gets a report: a wizard run without a store
(tests, an embedding program) has no "next to the session file" and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from kasa_doctor.engine.session import Session

#: the formats written at escalation: one to read or mail, one to print
HANDOFF_FORMATS: Final = ("md", "html")


@dataclass(frozen=True)
class HandOff:
    paths: list[Path] = field(default_factory=list)
    #: one line when the report could not be written (the session itself is saved)
    problem: str | None = None


def handoff_path(session_file: Path, fmt: str) -> Path:
    return session_file.with_name(f"{session_file.stem}.report.{fmt}")


def write_handoff(session: Session) -> HandOff:
    """Write the redacted report next to the session's saved file; never raises."""
    from kasa_doctor import sessions_store
    from kasa_doctor.report import build_report, render
    from kasa_doctor.report.files import write_atomic

    try:
        session_file = sessions_store.path_for(session.id)
    except sessions_store.StoreError:
        return HandOff()
    if not session_file.exists():
        return HandOff()
    written: list[Path] = []
    try:
        report = build_report(session)
        for fmt in HANDOFF_FORMATS:
            target = handoff_path(session_file, fmt)
            write_atomic(target, render(report, fmt))
            written.append(target)
    except OSError as exc:
        return HandOff(written, f"could not write the report: {exc.strerror or exc}")
    except Exception as exc:  # the run is over and saved; a report bug must not end it badly
        return HandOff(written, f"could not make the report: {type(exc).__name__}: {exc}")
    return HandOff(written)
