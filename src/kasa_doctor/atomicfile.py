"""Writing a file without ever leaving half of one behind (saved sessions, reports)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder.

    An existing file is replaced only once the new one is complete, so a full disk or
    a Ctrl-C keeps the old one intact. Raises OSError.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # Also on KeyboardInterrupt: never leave temp files lying around.
        Path(tmp).unlink(missing_ok=True)
        raise
