"""The command lines: python-kasa's own `kasa` CLI against the emulator, and ours."""

from __future__ import annotations

import asyncio
import random
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from emu_support import fast_camera

BIN = Path(sys.executable).parent


async def test_python_kasa_cli_reads_state() -> None:
    kasa = BIN / "kasa"
    if not kasa.exists():
        pytest.skip("python-kasa's `kasa` command is not installed next to this Python")
    async with fast_camera("C220(EU)_1.0_1.2.5.json", username="u", password="p") as cam:
        proc = await asyncio.create_subprocess_exec(
            str(kasa),
            "--host",
            cam.host,
            "--port",
            str(cam.port),
            "--type",
            "camera",
            "--username",
            "u",
            "--password",
            "p",
            "state",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "C220" in text
    assert "1.2.5 Build 241224 Rel.40956n" in text
    assert "(-54)" in text


def test_emulate_runs_k_cameras_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kasa_doctor.cli.main import main; main()",
            "emulate",
            "--count",
            "3",
            "--fault",
            "led_off",
            "--fast",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(3)]
        ports = [int(line.split()[0].rsplit(":", 1)[1]) for line in lines]
        assert len(set(ports)) == 3
        assert all(line.startswith("127.0.0.1:") and "faults=led_off" in line for line in lines)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def _free_port_pair() -> int:
    """Two free neighbouring ports below the ephemeral range (clients use that one)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(21000, 30000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", base))
                b.bind(("127.0.0.1", base + 1))
        except OSError:
            continue
        return base
    raise RuntimeError("no two free neighbouring ports")


def test_emulate_successive_ports_and_port_in_use() -> None:
    base = _free_port_pair()
    first = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kasa_doctor.cli.main import main; main()",
            "emulate",
            "--count",
            "2",
            "--port",
            str(base),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None
        lines = [first.stdout.readline().strip() for _ in range(2)]
        assert [line.split()[0] for line in lines] == [f"127.0.0.1:{base}", f"127.0.0.1:{base + 1}"]
        clash = subprocess.run(
            [
                sys.executable,
                "-c",
                "from kasa_doctor.cli.main import main; main()",
                "emulate",
                "--port",
                str(base + 1),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert clash.returncode == 1
        assert "already in use" in clash.stderr
        assert "Traceback" not in clash.stderr
        assert len(clash.stderr.strip().splitlines()) == 1
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=20)
    assert first.returncode == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--fixture", "NoSuchCamera.json"], "fixture not found"),
        (["--fault", "melted"], "unknown fault 'melted'"),
        (["--port", "65535", "--count", "2"], "do not fit"),
    ],
)
def test_emulate_bad_input_is_one_line_and_nonzero(args: list[str], needle: str) -> None:
    res = subprocess.run(
        [sys.executable, "-c", "from kasa_doctor.cli.main import main; main()", "emulate", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert res.returncode == 2
    assert needle in res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_emulate_lists() -> None:
    run = [sys.executable, "-c", "from kasa_doctor.cli.main import main; main()", "emulate"]
    fixtures = subprocess.run([*run, "--list-fixtures"], capture_output=True, text=True, timeout=30)
    assert "iotcam/EC60(US)_4.0_2.3.22.json" in fixtures.stdout.splitlines()
    faults = subprocess.run([*run, "--list-faults"], capture_output=True, text=True, timeout=30)
    assert len(faults.stdout.splitlines()) == 14
