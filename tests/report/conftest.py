"""Fixtures for the support-report tests: a private data folder, the knowledge base,
the CLI, and sessions built from the emulator's real device dumps.

Every test gets its own KASA_DOCTOR_HOME, so nothing touches the real user data
folder and tests cannot see each other's sessions.
"""

from __future__ import annotations

from tests.cli_fixtures import cli, kb, kd_home  # noqa: F401  (imported = registered here)
