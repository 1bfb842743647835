#!/usr/bin/env python3
"""Set up and run kasa-doctor with nothing but python3 on the machine.

    python3 tasks.py doctor [ARGS...]   the guided troubleshooter (kasa-doctor diagnose)
    python3 tasks.py test [PYTEST ARGS] the whole test suite
    python3 tasks.py lint               ruff check, ruff format --check, mypy
    python3 tasks.py kasa-doctor ARGS   any kasa-doctor command

Each command first makes sure `.venv` exists and holds the pinned dependencies
(constraints.txt); it reinstalls only when pyproject.toml or constraints.txt change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".kasa-doctor-installed"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    if not (BIN / "python").exists():
        print("kasa-doctor: creating .venv …", file=sys.stderr)
        try:
            venv.create(VENV, with_pip=True)
        except Exception as exc:
            sys.exit(
                f"kasa-doctor: cannot create a virtual environment ({exc}); "
                "install python3-venv (Debian/Ubuntu) and try again"
            )
    want = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == want:
        return
    print("kasa-doctor: installing dependencies into .venv …", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(want)


def run(args: list[str]) -> int:
    return subprocess.call(args, cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    ensure_venv()
    if command == "doctor":
        return run([str(BIN / "kasa-doctor"), "diagnose", *rest])
    if command == "kasa-doctor":
        return run([str(BIN / "kasa-doctor"), *rest])
    if command == "test":
        return run([str(BIN / "python"), "-m", "pytest", *rest])
    if command == "lint":
        for step in (
            [str(BIN / "ruff"), "check", "src", "tests", "bench", "tasks.py"],
            [str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "tasks.py"],
            [str(BIN / "mypy")],
        ):
            code = run(step)
            if code:
                return code
        return 0
    print(
        f"tasks.py: unknown command {command!r}; use doctor, test, lint or kasa-doctor",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"tasks.py: {' '.join(map(str, exc.cmd))} failed with exit code {exc.returncode}")
    except KeyboardInterrupt:
        sys.exit(130)
