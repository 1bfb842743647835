"""`kasa-doctor check --target BROADCAST` for real, inside network namespaces made here.

Two namespaces joined by a veth pair on 10.98.N.0/24: a Tapo C200 and a Kasa EC60 (on
two addresses) in one, the `check` command broadcasting to 10.98.N.255 in the other. Nothing leaves
them. Needs root and iproute2; skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.netns

SUBNET = f"10.98.{os.getpid() % 200 + 20}"
CAMERA_IP, CLIENT_IP, KASA_IP = f"{SUBNET}.1", f"{SUBNET}.2", f"{SUBNET}.3"

SERVER = textwrap.dedent(
    f"""
    import asyncio, sys
    from kasa_doctor.emulator import FAST_TIMINGS, EmulatedCamera
    async def main():
        tapo = EmulatedCamera("C200_1.0_1.3.17.json", host="{CAMERA_IP}", port=8443,
                              username="u@example.com", password="pw", timings=FAST_TIMINGS,
                              faults={{"weak_signal"}}, discovery=True, discovery_bind="0.0.0.0")
        # Broadcasts reach only wildcard sockets, so the Kasa camera listens on all;
        # it answers from the namespace's primary address, KASA_IP.
        kasa = EmulatedCamera("iotcam/EC60(US)_4.0_2.3.22.json", host="0.0.0.0", port=9999)
        async with tapo, kasa:
            print("READY", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    asyncio.run(main())
    """
)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    tag = f"kdl{os.getpid() % 100000}"
    cam_ns, cli_ns = f"{tag}cam", f"{tag}cli"
    try:
        _ip("netns", "add", cam_ns)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot create a network namespace here (needs root and iproute2): {exc}")
    try:
        _ip("netns", "add", cli_ns)
        _ip("link", "add", f"{tag}a", "type", "veth", "peer", "name", f"{tag}b")
        _ip("link", "set", f"{tag}a", "netns", cam_ns)
        _ip("link", "set", f"{tag}b", "netns", cli_ns)
        # KASA_IP first: it becomes the primary address, the source of wildcard replies.
        # (Two cameras on one address would look like one device to discovery.)
        addresses = ((cam_ns, f"{tag}a", KASA_IP), (cam_ns, f"{tag}a", CAMERA_IP))
        for ns, dev, ip in (*addresses, (cli_ns, f"{tag}b", CLIENT_IP)):
            _ip("-n", ns, "addr", "add", f"{ip}/24", "brd", f"{SUBNET}.255", "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        yield cam_ns, cli_ns
    finally:
        for ns in (cam_ns, cli_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def test_check_finds_and_checks_cameras_by_broadcast(namespaces: tuple[str, str]) -> None:
    cam_ns, cli_ns = namespaces
    server = subprocess.Popen(
        ["ip", "netns", "exec", cam_ns, sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "READY"
        env = {**os.environ, "KASA_USERNAME": "u@example.com", "KASA_PASSWORD": "pw"}
        command = "from kasa_doctor.cli.main import main; main()"
        args = ["check", "--target", f"{SUBNET}.255", "--json", "--timeout", "2", "--no-keyring"]
        client = subprocess.run(
            ["ip", "netns", "exec", cli_ns, sys.executable, "-c", command, *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert client.returncode == 0, client.stderr
        reports = json.loads(client.stdout)
    finally:
        server.communicate(input="", timeout=20)
    by_model = {r["identity"]["model"]: r for r in reports}
    assert set(by_model) == {"C200", "EC60(US)"}
    tapo, kasa = by_model["C200"], by_model["EC60(US)"]
    assert tapo["target"] == {"host": CAMERA_IP, "port": 8443, "family": "tapo"}
    assert tapo["live_support"] == "full"
    signal = next(r for r in tapo["readings"] if r["probe"] == "camera_signal")
    assert (signal["value"], signal["raw"]["rssi_dbm"]) == ("poor", -80)
    assert kasa["target"] == {"host": KASA_IP, "port": 9999, "family": "kasa"}
    assert kasa["live_support"] == "sysinfo"
