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

from tests.netns import veth_namespaces

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


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    # KASA_IP first where there is one: the primary address is the source of replies
    # from wildcard sockets (two cameras on one address would look like one device)
    with veth_namespaces(
        f"kdl{os.getpid() % 100000}", SUBNET, (KASA_IP, CAMERA_IP), (CLIENT_IP,)
    ) as pair:
        yield pair


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
