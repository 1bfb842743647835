"""Discovery on the fixed UDP port 20002, inside network namespaces made here.

Two namespaces joined by a veth pair on 10.99.N.0/24: the camera in one, python-kasa's
`Discover.discover` broadcasting to 10.99.N.255 in the other. Nothing leaves them.
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

from kasa_doctor.emulator import DiscoveryResponder, EmulatedCamera
from kasa_doctor.emulator.discovery import build_packet, parse_query, seal_result

pytestmark = pytest.mark.netns

SUBNET = f"10.99.{os.getpid() % 200 + 20}"
CAMERA_IP, CLIENT_IP = f"{SUBNET}.1", f"{SUBNET}.2"

SERVER = textwrap.dedent(
    f"""
    import asyncio, sys
    from kasa_doctor.emulator import EmulatedCamera
    async def main():
        async with EmulatedCamera("C200_1.0_1.3.17.json", host="{CAMERA_IP}", port=8443,
                                  username="u", password="p", faults={{"weak_signal"}},
                                  discovery=True, discovery_bind="0.0.0.0"):
            print("READY", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    asyncio.run(main())
    """
)

CLIENT = textwrap.dedent(
    f"""
    import asyncio, json
    from kasa import Credentials, Discover
    async def main():
        found = await Discover.discover(target="{SUBNET}.255", discovery_timeout=2,
                                        credentials=Credentials("u", "p"))
        out = []
        for ip, dev in found.items():
            await dev.update()
            out.append({{"ip": ip, "model": dev.model, "rssi": dev.rssi,
                         "port": dev.config.connection_type.http_port}})
            await dev.disconnect()
        print(json.dumps(out))
    asyncio.run(main())
    """
)


@pytest.fixture
def namespaces() -> Iterator[tuple[str, str]]:
    with veth_namespaces(f"kd{os.getpid() % 100000}", SUBNET, (CAMERA_IP,), (CLIENT_IP,)) as pair:
        yield pair


def test_python_kasa_discovers_the_emulated_camera(namespaces: tuple[str, str]) -> None:
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
        client = subprocess.run(
            ["ip", "netns", "exec", cli_ns, sys.executable, "-c", CLIENT],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert client.returncode == 0, client.stderr
        found = json.loads(client.stdout.strip().splitlines()[-1])
        assert found == [{"ip": CAMERA_IP, "model": "C200", "rssi": -80, "port": 8443}]
    finally:
        server.communicate(input="", timeout=20)
    assert server.returncode == 0, server.stderr


def test_discovery_packets_round_trip() -> None:
    """The wire format without a namespace: header, query parsing, sealed result."""
    from kasa.discover import Discover, DiscoveryResult, _AesDiscoveryQuery

    query = bytes(_AesDiscoveryQuery.generate_query())
    _, key = parse_query(query) or (0, None)
    assert key is not None
    state = EmulatedCamera("C210(EU)_2.0_1.4.3.json").camera_state
    result = state.discovery_result("127.0.0.9", 4443)  # type: ignore[union-attr]
    assert result is not None
    packet = build_packet(
        json.dumps({"error_code": 0, "result": seal_result(result, key)}).encode()
    )
    info = Discover._get_discovery_json(packet, "127.0.0.9")
    parsed = DiscoveryResult.from_dict(info["result"])
    Discover._decrypt_discovery_data(parsed)
    assert parsed.decrypted_data is not None
    assert parsed.decrypted_data["http_port"] == 4443
    assert parsed.mgt_encrypt_schm is not None and parsed.mgt_encrypt_schm.http_port == 4443


async def test_discover_single_on_loopback_uses_the_unicast_socket() -> None:
    """Unicast discovery needs no namespace if port 20002 on 127.0.0.1 is free."""
    from kasa import Credentials, Discover

    cam = EmulatedCamera("C110(EU)_2.0_1.4.3.json", discovery=True, username="u", password="p")
    try:
        await cam.start()
    except OSError as exc:
        pytest.skip(f"UDP 20002 on loopback is busy: {exc}")
    try:
        dev = await Discover.discover_single(
            "127.0.0.1", credentials=Credentials("u", "p"), discovery_timeout=3
        )
        assert dev is not None
        await dev.update()
        assert dev.model == "C110"
        await dev.disconnect()
    finally:
        await cam.stop()


def test_responder_is_a_public_class() -> None:
    assert DiscoveryResponder("127.0.0.1", 0).port == 0
