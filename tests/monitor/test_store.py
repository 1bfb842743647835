"""The store on SQLite and PostgreSQL: migrations, one transaction per round, the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kasa_doctor.monitor import history
from kasa_doctor.monitor.store import (
    Base,
    IncidentClose,
    IncidentOpen,
    LoginState,
    RoundWrite,
    SampleRow,
    Store,
    StoreError,
    normalise_url,
)


def _samples(ts: float, names: list[str], **kw: Any) -> list[SampleRow]:
    return [
        SampleRow(
            camera=n, ts=ts, reachable=True, probe_ms=10.0, rssi=-60, clock_offset_s=0.0, **kw
        )
        for n in names
    ]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    s.ensure_cameras([("a", "127.0.0.1:1"), ("b", "127.0.0.1:2")], now=0.0)
    yield s
    s.close()


def test_migrations_build_exactly_the_models(store: Store, db_url: str) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    assert version == "0001"
    Store(db_url).close()  # a second start finds the schema current and changes nothing


def test_a_round_is_written_and_read_back(store: Store) -> None:
    work = RoundWrite(
        started_at=10.0,
        finished_at=11.0,
        samples=_samples(10.5, ["a", "b"], model="C210", firmware="1.4.3"),
        opened=[IncidentOpen("a", "weak_signal", "weak", "far away", {"rssi": -80})],
        logins={"b": LoginState(2, 99.0, "fp")},
    )
    round_id, opened = store.write_round(work)
    assert round_id == 1 and len(opened) == 1
    [incident] = store.open_incidents()
    assert (incident.camera, incident.kind, incident.opened_at) == ("a", "weak_signal", 11.0)
    hist = store.load_history(["a", "b"], keep=5, reboot_window=3600, now=20.0)
    assert [r["ts"] for r in hist["a"].recent] == [10.5]
    assert hist["b"].login == LoginState(2, 99.0, "fp")
    assert hist["a"].last_seen == (10.5, None, "1.4.3")
    store.write_round(
        RoundWrite(20.0, 21.0, _samples(20.5, ["a", "b"]), closed=[IncidentClose(opened[0], "ok")])
    )
    assert store.open_incidents() == []
    assert store.integrity_problems() == []
    assert store.round_ids() == [1, 2]


def test_a_round_that_fails_midway_leaves_nothing_behind(store: Store) -> None:
    store.write_round(
        RoundWrite(
            0.0, 1.0, _samples(0.5, ["a", "b"]), opened=[IncidentOpen("a", "offline", "x", "y")]
        )
    )
    # Opening the same kind again for the same camera breaks the database's own rule
    # (one open incident per camera and kind) — after the round and samples went in.
    bad = RoundWrite(
        2.0, 3.0, _samples(2.5, ["a", "b"]), opened=[IncidentOpen("a", "offline", "x", "y")]
    )
    with pytest.raises(StoreError) as caught:
        store.write_round(bad)
    assert "\n" not in str(caught.value)
    assert store.round_ids() == [1]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM samples")).scalar() == 2
    assert store.integrity_problems() == []


def test_the_outbox_lists_openings_before_closings(store: Store) -> None:
    _, [first] = store.write_round(
        RoundWrite(0.0, 1.0, _samples(0.5, ["a"]), opened=[IncidentOpen("a", "offline", "s", "c")])
    )
    store.write_round(
        RoundWrite(2.0, 3.0, _samples(2.5, ["a"]), closed=[IncidentClose(first, "back")])
    )
    pending = store.pending_notices()
    assert [(p.kind, p.event) for p in pending] == [("offline", "open"), ("offline", "close")]
    assert pending[0].host == "127.0.0.1:1" and pending[1].close_summary == "back"
    store.mark_notice(first, "open", "sent")
    store.mark_notice(first, "close", "pending")
    [left] = store.pending_notices()
    assert (left.event, left.attempts) == ("close", 2)
    without = RoundWrite(
        4.0,
        5.0,
        _samples(4.5, ["b"]),
        opened=[IncidentOpen("b", "offline", "s", "c")],
        notify=False,
    )
    store.write_round(without)
    assert [p.camera for p in store.pending_notices()] == ["a"]  # no URLs: nothing queued


def test_integrity_check_notices_a_partial_round(store: Store) -> None:
    store.write_round(RoundWrite(0.0, 1.0, _samples(0.5, ["a", "b"])))
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM samples WHERE id = (SELECT min(id) FROM samples)"))
    assert store.integrity_problems() == ["round 1: 1 samples of 2"]


def test_series_buckets_agree_on_both_databases(store: Store) -> None:
    for i in range(10):
        rows = [
            SampleRow(
                "a",
                ts=100.0 + i * 10,
                reachable=i % 5 != 0,
                probe_ms=1.0,
                rssi=-60 - i,
                reboot=i == 3,
            )
        ]
        store.write_round(RoundWrite(100.0 + i * 10, 101.0 + i * 10, rows))
    buckets = history.series(store, "a", 100.0, 200.0, buckets=2)
    assert [(b.samples, b.up, b.reboots, b.rssi_min) for b in buckets] == [
        (5, 4, 1, -64),
        (5, 4, 0, -69),
    ]
    assert buckets[0].rssi_mean == pytest.approx(-62.0)
    assert buckets[1].start == pytest.approx(150.0)
    assert history.sample_span(store, "a", 0.0) == (100.0, 190.0)
    [summary] = [s for s in history.summaries(store, 0.0) if s.camera == "a"]
    assert (summary.samples, summary.reboots) == (10, 1) and summary.availability == 0.8


def test_urls_are_normalised_and_bad_ones_refused(tmp_path: Path) -> None:
    assert normalise_url(str(tmp_path / "x.db")).get_backend_name() == "sqlite"
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(StoreError, match="not supported"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(StoreError, match="empty"):
        normalise_url("  ")


def test_opening_problems_are_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as caught:
        Store(f"sqlite:///{blocker}/sub/monitor.db")
    assert "\n" not in str(caught.value)
    with pytest.raises(StoreError, match="no monitor database"):
        Store(tmp_path / "missing.db", create=False)
    with pytest.raises(StoreError) as caught:
        Store("postgresql://nobody:secret-pw@127.0.0.1:1/none")
    assert "secret-pw" not in str(caught.value) and "\n" not in str(caught.value)


def test_a_database_from_a_newer_version_is_refused(sqlite_url: str) -> None:
    Store(sqlite_url).close()
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer kasa-doctor"):
        Store(sqlite_url)


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    with Store(sqlite_url) as s, s.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 2  # FULL
