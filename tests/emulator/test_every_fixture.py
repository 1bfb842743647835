"""Every bundled camera, doorbell and hub dump, read back through python-kasa."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest
from emu_support import SHARED_FIXTURES, connected, fast_camera, fixture_json
from kasa import DeviceConfig, Module
from kasa.protocols import IotProtocol
from kasa.transports import XorTransport

from kasa_doctor.emulator import list_fixtures, load_fixture
from kasa_doctor.emulator.legacy import xor_decrypt, xor_encrypt

TAPO_FIXTURES = list_fixtures(kind="smartcam")


def _expected(data: dict[str, Any]) -> tuple[str, str, int | None, bool | None]:
    basic = data["getDeviceInfo"]["device_info"]["basic_info"]
    rssi = data.get("getConnectionType", {}).get("rssiValue")
    led = data.get("getLedStatus", {}).get("led", {}).get("config", {}).get("enabled")
    return basic["device_model"], basic["sw_version"], rssi, None if led is None else led == "on"


def test_all_shared_fixtures_are_bundled_verbatim() -> None:
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {SHARED_FIXTURES}")
    shared = sorted(p.relative_to(SHARED_FIXTURES) for p in SHARED_FIXTURES.rglob("*.json"))
    assert [str(p) for p in shared] == sorted(list_fixtures())
    for rel in shared:
        assert load_fixture(str(rel)).path.read_bytes() == (SHARED_FIXTURES / rel).read_bytes()


def test_fixture_kinds_cover_cameras_doorbells_and_hubs() -> None:
    types = {load_fixture(n).device_type for n in TAPO_FIXTURES}
    assert types == {"SMART.IPCAMERA", "SMART.TAPODOORBELL", "SMART.TAPOHUB"}
    assert len(TAPO_FIXTURES) == 23


@pytest.mark.parametrize("name", TAPO_FIXTURES)
async def test_python_kasa_reads_what_the_fixture_says(name: str) -> None:
    model, firmware, rssi, led = _expected(fixture_json(name))
    async with fast_camera(name) as cam, connected(cam) as dev:
        assert dev.model == model
        assert dev.hw_info["sw_ver"] == firmware
        assert dev.rssi == rssi
        led_module = dev.modules.get(Module.Led)
        assert (led_module.led if led_module is not None else None) == led


async def test_hub_child_doorbell_reads_its_own_fixture() -> None:
    child = fixture_json("child/D230(EU)_1.20_1.1.19.json")
    model, firmware, _, led = _expected(child)
    async with fast_camera("H200(EU)_1.0_1.3.6.json") as cam, connected(cam) as hub:
        assert [c.model for c in hub.children] == [model]
        doorbell = hub.children[0]
        assert doorbell.device_info.firmware_version == firmware.split(" ")[0]
        assert doorbell.modules[Module.Led].led is led


async def test_hub_children_are_paged() -> None:
    async with (
        fast_camera("H200(US)_1.0_1.3.6.json", page_size=2) as cam,
        connected(cam) as hub,
    ):
        assert len(hub.children) == 5
        assert sorted(c.model for c in hub.children) == ["S200B", "S200B", "T110", "T310", "T315"]


async def test_kasa_ec60_answers_get_sysinfo_over_tcp_with_xor_transport() -> None:
    sysinfo = fixture_json("iotcam/EC60(US)_4.0_2.3.22.json")["system"]["get_sysinfo"]["system"]
    async with fast_camera("EC60(US)_4.0_2.3.22.json") as cam:
        proto = IotProtocol(
            transport=XorTransport(config=DeviceConfig(cam.host, port_override=cam.port))
        )
        try:
            reply = await proto.query({"system": {"get_sysinfo": {}}})
        finally:
            await proto.close()
        # Kasa cameras nest the sysinfo once more than plugs do.
        info = reply["system"]["get_sysinfo"]["system"]
        for key in ("model", "sw_ver", "rssi", "led_status", "camera_switch"):
            assert info[key] == sysinfo[key]


async def test_kasa_ec60_answers_xor_datagrams_on_udp() -> None:
    async with fast_camera("EC60(US)_4.0_2.3.22.json", faults={"weak_signal"}) as cam:
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            await loop.sock_connect(sock, (cam.host, cam.port))
            await loop.sock_sendall(sock, xor_encrypt('{"system":{"get_sysinfo":{}}}'))
            data = await asyncio.wait_for(loop.sock_recv(sock, 65536), 5)
        info = json.loads(xor_decrypt(data))["system"]["get_sysinfo"]["system"]
        assert info["model"] == "EC60(US)"
        assert info["rssi"] == -80
