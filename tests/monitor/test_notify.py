"""Notifications: one message per incident opening and closing, on every target, with the
likely cause and the command that diagnoses it — and never a login."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera
from kasa_doctor.monitor.notify import Notifier, check_urls
from kasa_doctor.monitor.rules import CAUSES
from kasa_doctor.monitor.store import Store
from kasa_doctor.monitor.watcher import Watcher
from kasa_doctor.probes.credentials import CameraCredentials
from tests.monitor.conftest import Receiver
from tests.monitor.support import ENV, PASSWORD, USER, config_for

FAST = {"weak_signal_rounds": 1}


def _secrets() -> tuple[str, ...]:
    return CameraCredentials(USER, PASSWORD).secrets()


async def test_one_message_per_opening_and_closing_on_every_target(
    sqlite_url: str,
    file_notices: tuple[str, Path],
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    file_url, file_path = file_notices
    async with EmulatedCamera(
        username=USER, password=PASSWORD, faults={"weak_signal"}, timings=FAST_TIMINGS
    ) as cam:
        config = config_for({"porch": cam.port}, thresholds=FAST, notify=[file_url, receiver.url])
        assert check_urls(config.notify) == []
        store = Store(sqlite_url)
        watcher = Watcher(config, store, key=b"k" * 32, environ=ENV)
        watcher.notifier = Notifier(config.notify, secrets=watcher.secrets)
        try:
            for _ in range(3):  # the weak signal persists: still one message
                await watcher.run_round()
                await watcher.flush_notifications()
            cam.set_fault("weak_signal", False)
            for _ in range(2):
                await watcher.run_round()
                await watcher.flush_notifications()
            with store.engine.connect() as conn:
                dump = "\n".join(
                    repr(row)
                    for table in ("cameras", "rounds", "samples", "incidents")
                    for row in conn.execute(sa.text(f"SELECT * FROM {table}")).all()
                )
        finally:
            store.close()

    in_file = [json.loads(line) for line in file_path.read_text().splitlines()]
    assert [m["title"] for m in in_file] == [
        "kasa-doctor: porch — weak Wi-Fi signal",
        "kasa-doctor: porch — resolved: weak Wi-Fi signal",
    ]
    assert [m["title"] for m in receiver.messages] == [m["title"] for m in in_file]
    opening, closing = (m["message"] for m in receiver.messages)
    assert f"porch (127.0.0.1:{cam.port})" in opening
    assert CAUSES["weak_signal"] in opening
    assert f"kasa-doctor diagnose --host 127.0.0.1:{cam.port}" in opening
    assert "Wi-Fi signal back to normal" in closing
    assert f"kasa-doctor diagnose --host 127.0.0.1:{cam.port}" in closing

    everything = "\n".join(
        [file_path.read_text(), json.dumps(receiver.messages), dump, caplog.text]
    )
    for secret in _secrets():
        assert secret not in everything, "a form of the login leaked"


async def test_undelivered_messages_wait_in_the_outbox(sqlite_url: str, receiver: Receiver) -> None:
    async with EmulatedCamera(
        username=USER, password=PASSWORD, faults={"weak_signal"}, timings=FAST_TIMINGS
    ) as cam:
        config = config_for({"porch": cam.port}, thresholds=FAST, notify=[receiver.url])
        store = Store(sqlite_url)
        try:
            # A watcher that dies between saving the round and sending its message:
            # the opening is saved as pending.
            first = Watcher(
                config, store, key=b"k" * 32, environ=ENV, notifier=Notifier(config.notify)
            )
            await first.run_round()
            assert [p.event for p in store.pending_notices()] == ["open"]

            # The next start sends it, but the receiver is down: retried later.
            receiver.fail = True
            second = Watcher(
                config, store, key=b"k" * 32, environ=ENV, notifier=Notifier(config.notify)
            )
            await second.run(once=True)
            assert receiver.messages == []
            assert [p.attempts for p in store.pending_notices()] == [2]

            receiver.fail = False
            await second.flush_notifications()
            assert [m["title"] for m in receiver.messages] == [
                "kasa-doctor: porch — weak Wi-Fi signal"
            ]
            assert store.pending_notices() == []
            await second.flush_notifications()
            assert len(receiver.messages) == 1  # sent once, never again
        finally:
            store.close()


def test_bad_urls_are_named_by_position_not_echoed() -> None:
    problems = check_urls(["json://127.0.0.1:9/x", "nosuch://token-abc123@host", "plain"])
    assert problems == [
        "notify.1: not a valid apprise URL (scheme 'nosuch' unknown or URL incomplete)",
        "notify.2: not a valid apprise URL (no scheme)",
    ]
    assert "token-abc123" not in " ".join(problems)
