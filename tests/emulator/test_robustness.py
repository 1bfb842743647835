"""Nothing a client sends can crash the emulator; farms and threads clean up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl

from emu_support import connected, fast_camera
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasa_doctor.emulator import EmulatedCamera, load_fixture, run_in_thread, start_many
from kasa_doctor.emulator.camera_api import CameraApi
from kasa_doctor.emulator.state import CameraState
from kasa_doctor.emulator.tapo_protocol import Authenticator

C210 = "C210(EU)_2.0_1.4.3.json"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
method_names = st.sampled_from(
    [
        "multipleRequest",
        "get",
        "set",
        "do",
        "login",
        "getDeviceInfo",
        "controlChild",
        "connectAp",
        "scanApList",
        "rebootDevice",
        "setLedStatus",
        "startFirmwareUpgrade",
    ]
) | st.text(max_size=16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=method_names, params=json_values, extra=json_values)
def test_api_answers_any_request_without_raising(
    method: str, params: object, extra: object
) -> None:
    api = CameraApi(CameraState(load_fixture("H200(EU)_1.0_1.3.6.json")))
    for request in ({"method": method, "params": params}, {"method": method, "x": extra}, extra):
        reply = api.handle(request, 1_000_000.0)
        if isinstance(reply, dict):
            json.dumps(reply)
    batch = {
        "method": "multipleRequest",
        "params": {"requests": [{"method": method, "params": params}]},
    }
    api.handle(batch, 1_000_000.0)


@settings(max_examples=200, deadline=None)
@given(params=json_values)
def test_login_answers_any_params(params: object) -> None:
    auth = Authenticator("u", "p")
    assert "error_code" in auth.login(params, 0.0)


async def _raw(cam: EmulatedCamera, payload: bytes) -> bytes:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    reader, writer = await asyncio.open_connection(cam.host, cam.port, ssl=ctx)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()


async def test_malformed_http_does_not_hurt_the_camera() -> None:
    junk = [
        b"GARBAGE\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n\xff\xfe\x00\x01",
        b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]",
        b"POST /stok=nope/ds HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        b'POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n{"method":"login"',
        b"GET / HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\n" + b"X: " + b"a" * 20000 + b"\r\n\r\n",
    ]
    async with fast_camera(C210) as cam:
        for payload in junk:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError, TimeoutError):
                await _raw(cam, payload)
        async with connected(cam) as dev:
            assert dev.model == "C210"


async def test_bad_passthrough_bodies_after_login() -> None:
    async with fast_camera(C210) as cam, connected(cam) as dev:
        transport = dev.protocol._transport
        for request in (
            "not json",
            "[]",
            '{"method": 5}',
            '{"method":"multipleRequest","params":{"requests":7}}',
        ):
            # The client may object to what comes back; the camera must not fall over.
            with contextlib.suppress(Exception):
                await transport.send(request)
        await dev.update()
        assert dev.model == "C210"


async def test_farm_of_cameras_in_one_loop() -> None:
    async with start_many(40, fixtures=[C210, "H200(EU)_1.0_1.3.6.json"], seed=3) as farm:
        ports = {cam.port for cam in farm.cameras}
        assert len(ports) == 40
        async with connected(farm.cameras[1]) as hub:
            assert hub.model == "H200"
    assert EmulatedCamera.running_count() == 0


def test_run_in_thread_for_sync_callers() -> None:
    handle = run_in_thread(C210, faults={"weak_signal"})
    try:
        assert handle.port > 0
        assert handle.state.rssi == -80
        handle.set_fault("weak_signal", False)
        assert handle.state.rssi == -61
        assert "weak_signal" not in handle.faults

        async def probe() -> str:
            async with connected(handle.target) as dev:
                return dev.model

        assert asyncio.run(probe()) == "C210"
    finally:
        handle.stop()
    handle.stop()
    assert EmulatedCamera.running_count() == 0
