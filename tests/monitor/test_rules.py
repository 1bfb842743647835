"""The incident rules, as pure functions over a camera's history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from kasa_doctor.monitor.config import Thresholds
from kasa_doctor.monitor.rules import CAUSES, Change, Context, evaluate, history_needed
from tests.monitor.support import sample

T = Thresholds(
    offline_rounds=3,
    weak_signal_rounds=3,
    reboot_loop_count=3,
    reboot_loop_window=3600,
    clock_drift_s=300,
    clock_drift_rounds=2,
    clock_grace_s=600,
)


def play(
    rows: Sequence[dict[str, Any]],
    thresholds: Thresholds = T,
    *,
    reboots: Iterable[float] = (),
    ignore: Iterable[str] = (),
) -> list[tuple[int, Change]]:
    """Feed the rows one by one as the watcher does; (row index, change) for each change."""
    open_at: dict[str, float] = {}
    out: list[tuple[int, Change]] = []
    boots = list(reboots)
    for i, row in enumerate(rows):
        ctx = Context(
            now=row["ts"],
            thresholds=thresholds,
            reboots=[b for b in boots if b <= row["ts"]],
            opened_at=dict(open_at),
        )
        for change in evaluate(rows[: i + 1], ctx, set(open_at), ignore=list(ignore)):
            out.append((i, change))
            if change.action == "open":
                open_at[change.kind] = row["ts"]
            else:
                del open_at[change.kind]
    return out


def kinds(changes: list[tuple[int, Change]]) -> list[tuple[int, str, str]]:
    return [(i, c.kind, c.action) for i, c in changes]


def test_healthy_history_raises_nothing() -> None:
    assert play([sample(t * 300.0) for t in range(20)]) == []


def test_offline_opens_after_n_rounds_once_and_closes_when_back() -> None:
    rows = [sample(0)] + [sample(t * 300.0, reachable=False) for t in range(1, 8)] + [sample(2700)]
    changes = play(rows)
    assert kinds(changes) == [(3, "offline", "open"), (8, "offline", "close")]
    opened = changes[0][1]
    assert "3 rounds in a row" in opened.summary
    assert opened.cause == CAUSES["offline"]
    assert "answering on the network again after" in changes[1][1].summary


def test_two_unreachable_rounds_are_not_yet_an_incident() -> None:
    rows = [sample(0), sample(1, reachable=False), sample(2, reachable=False), sample(3)]
    assert play(rows) == []


def test_weak_signal_needs_three_readable_rounds_and_unreadable_ones_change_nothing() -> None:
    weak = {"rssi": -80, "signal": "poor"}
    rows = [
        sample(0, **weak),
        sample(1, **weak),
        sample(2, rssi=None, signal=None, auth="skipped"),  # not read: no evidence
        sample(3, **weak),
        sample(4, rssi=None, signal=None),
        sample(5, rssi=-55, signal="good"),
    ]
    changes = play(rows)
    assert kinds(changes) == [(3, "weak_signal", "open"), (5, "weak_signal", "close")]
    assert "−80 dBm" in changes[0][1].summary


def test_threshold_override_changes_what_counts_as_weak() -> None:
    rows = [sample(t, rssi=-72) for t in range(4)]
    assert play(rows) != []  # −72 is below the default −70
    assert play(rows, Thresholds(weak_signal_dbm=-75)) == []


@pytest.mark.parametrize("flag", ["overheated", "update_available", "update_failed"])
def test_flags_open_in_one_round_and_close_when_cleared(flag: str) -> None:
    rows = [
        sample(0),
        sample(1, **{flag: True}),
        sample(2, **{flag: True}),
        sample(3, **{flag: None}),
    ]
    rows.append(sample(4, **{flag: False}))
    assert kinds(play(rows)) == [(1, flag, "open"), (4, flag, "close")]


def test_reboot_loop_counts_unexpected_restarts_in_the_window() -> None:
    rows = [sample(t * 300.0) for t in range(30)]
    reboots = [600.0, 1200.0, 2100.0]  # three within the hour
    changes = play(rows, reboots=reboots)
    opened = [c for c in changes if c[1].action == "open"]
    assert kinds(opened) == [(7, "reboot_loop", "open")]
    assert "restarted 3 times" in opened[0][1].summary
    # Clears once fewer than 3 are in the window (the 600 s one leaves it at 4200 s,
    # row 14) and half a window has passed without a restart (after 3900 s).
    assert kinds([c for c in changes if c[1].action == "close"]) == [(14, "reboot_loop", "close")]


def test_two_restarts_an_hour_are_not_a_loop() -> None:
    rows = [sample(t * 300.0) for t in range(30)]
    assert play(rows, reboots=[600.0, 3000.0, 6000.0]) == []


def test_clock_drift_waits_for_the_grace_period_after_a_start() -> None:
    # Just started (uptime 30 s): the clock is wrong until NTP answers — not drift.
    fresh = [sample(t, clock_offset_s=-9e7, uptime_s=30.0 + t) for t in range(5)]
    assert play(fresh) == []
    # Running for days with a clock months behind: drift after 2 rounds.
    rows = [sample(t, clock_offset_s=-9e7, uptime_s=3 * 86400.0) for t in range(3)]
    rows.append(sample(3, clock_offset_s=1.0))
    changes = play(rows)
    assert kinds(changes) == [(1, "clock_drift", "open"), (3, "clock_drift", "close")]
    assert "behind" in changes[0][1].summary


def test_login_failing_opens_on_a_refusal_and_waits_through_skipped_rounds() -> None:
    rows = [
        sample(0),
        sample(1, auth="failed"),
        sample(2, auth="skipped"),
        sample(3, auth="skipped"),
        sample(4, auth="locked"),
        sample(5, auth="ok"),
    ]
    assert kinds(play(rows)) == [(1, "login_failing", "open"), (5, "login_failing", "close")]


def test_ignored_kinds_never_open() -> None:
    rows = [sample(t, update_available=True) for t in range(3)]
    assert play(rows, ignore=["update_available"]) == []


def test_an_ignored_kind_that_is_open_gets_closed() -> None:
    ctx = Context(now=1.0, thresholds=T, reboots=[], opened_at={"update_available": 0.0})
    changes = evaluate(
        [sample(1, update_available=True)], ctx, {"update_available"}, ignore={"update_available"}
    )
    assert [(c.kind, c.action) for c in changes] == [("update_available", "close")]


def test_history_needed_covers_every_rule() -> None:
    t = Thresholds(offline_rounds=7, clock_drift_rounds=9)
    assert history_needed(t) >= 9 * 3
