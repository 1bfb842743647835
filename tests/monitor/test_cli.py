"""`kasa-doctor watch` and `kasa-doctor history` end to end (in process, emulator in a thread)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from kasa_doctor.emulator import FAST_TIMINGS, ThreadedCamera, run_in_thread
from kasa_doctor.monitor.store import Store
from tests.monitor.support import ENV, PASSWORD, PREFIX, USER

Invoke = Callable[..., Result]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    from kasa_doctor.cli.main import app

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def camera() -> Iterator[ThreadedCamera]:
    cam = run_in_thread(
        username=USER, password=PASSWORD, faults={"weak_signal"}, timings=FAST_TIMINGS
    )
    try:
        yield cam
    finally:
        cam.stop()


def _config(tmp_path: Path, port: int, **top: object) -> Path:
    data = {
        "interval": 0.2,
        "timeout": 2,
        "thresholds": {"weak_signal_rounds": 1},
        **top,
        "cameras": [{"name": "porch", "host": f"127.0.0.1:{port}", "credentials": f"env:{PREFIX}"}],
    }
    path = tmp_path / "monitor.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _one_line_error(result: Result, code: int, prefix: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith(prefix) for line in lines), lines
    assert "Traceback" not in result.stderr
    return result.stderr


def test_watch_once_then_history(cli: Invoke, camera: ThreadedCamera, tmp_path: Path) -> None:
    config = _config(tmp_path, camera.port)
    db = tmp_path / "watch.db"
    result = cli("watch", "--config", str(config), "--db", str(db), "--once")
    assert result.exit_code == 0, result.stderr
    assert "round 1: 1/1 cameras answered" in result.stderr
    assert "incident opened: porch weak_signal" in result.stderr
    assert PASSWORD not in result.stderr
    with Store(db) as store:
        assert store.round_ids() == [1]
        assert [i.kind for i in store.open_incidents()] == ["weak_signal"]

    text = cli("history", "--db", str(db))
    assert text.exit_code == 0, text.stderr
    assert "porch (127.0.0.1:" in text.stdout and "OPEN" in text.stdout
    assert "Wi-Fi signal (dBm" in text.stdout  # one camera: its charts follow
    assert "\x1b[" not in text.stdout  # no colour codes when not on a terminal

    document = json.loads(cli("history", "porch", "--db", str(db), "--json").stdout)
    assert [i["kind"] for i in document["incidents"]] == ["weak_signal"]
    assert document["cameras"][0]["rssi_mean"] == -80
    assert document["series"]["porch"][0]["samples"] == 1

    png = tmp_path / "porch.png"
    drawn = cli("history", "porch", "--db", str(db), "--png", str(png))
    assert drawn.exit_code == 0, drawn.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The database can also come from the config file.
    assert cli("history", "--config", str(config), "--no-charts").exit_code == 1  # no db there
    _one_line_error(cli("history", "nope", "--db", str(db)), 2, "kasa-doctor history: no camera")
    _one_line_error(
        cli("history", "--since", "soon", "--db", str(db)), 2, "kasa-doctor history: bad --since"
    )


def test_watch_bad_input_is_one_clear_line(cli: Invoke, tmp_path: Path) -> None:
    prefix = "kasa-doctor watch: "
    err = _one_line_error(cli("watch", "--config", str(tmp_path / "none.yaml")), 2, prefix)
    assert "no such file" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("interval: fast\ncameras:\n  - host: 192.0.2.1\n    credentials: wallet\n")
    err = _one_line_error(cli("watch", "--config", str(bad)), 2, prefix)
    assert f"{bad}:1: interval:" in err and f"{bad}:4: cameras.0.credentials:" in err
    good = _config(tmp_path, 9)
    err = _one_line_error(cli("watch", "--config", str(good), "--interval", "0"), 2, prefix)
    assert "--interval" in err
    err = _one_line_error(cli("watch", "--config", str(good), "--db", "mysql://x@y/z"), 1, prefix)
    assert "not supported" in err
    noisy = _config(tmp_path, 9, notify=["nosuch://secret-token@x"])
    err = _one_line_error(cli("watch", "--config", str(noisy), "--once"), 2, prefix)
    assert "notify.0" in err and "secret-token" not in err


def test_watch_metrics_port_in_use_is_reported(
    cli: Invoke, camera: ThreadedCamera, tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = cli(
            "watch",
            "--config",
            str(_config(tmp_path, camera.port)),
            "--once",
            "--db",
            str(tmp_path / "m.db"),
            "--metrics-port",
            str(port),
        )
    err = _one_line_error(result, 1, "kasa-doctor watch: ")
    assert f"127.0.0.1:{port}" in err


def test_history_without_a_database_says_so(cli: Invoke, tmp_path: Path) -> None:
    err = _one_line_error(
        cli("history", "--db", str(tmp_path / "none.db")), 1, "kasa-doctor history: "
    )
    assert "run `kasa-doctor watch`" in err
    assert not (tmp_path / "none.db").exists()  # looking never creates one
