"""The legacy Kasa camera side: XOR-"encrypted" JSON on port 9999 (UDP and TCP).

Kasa KC/EC/KD cameras answer ``{"system":{"get_sysinfo":{}}}`` there; python-kasa's
discovery broadcasts it on UDP, and its `XorTransport` speaks the same JSON over
TCP with a 4-byte length prefix. The sysinfo comes from an ``iotcam`` fixture with
the faults applied (`rssi`, `led_status`, `camera_switch`, `system_time`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, cast

from .faults import FAULTS, Timings, UnknownFaultError, check_faults
from .fixtures import Fixture

XOR_KEY: Final = 171
MAX_LEGACY_BYTES: Final = 64 * 1024
_LENGTH = struct.Struct(">I")


def xor_encrypt(text: str) -> bytes:
    key = XOR_KEY
    out = bytearray()
    for byte in text.encode():
        key ^= byte
        out.append(key)
    return bytes(out)


def xor_decrypt(data: bytes) -> str:
    key = XOR_KEY
    out = bytearray()
    for byte in data:
        out.append(key ^ byte)
        key = byte
    return out.decode("utf-8", errors="replace")


@dataclass(slots=True)
class LegacyState:
    """A Kasa (IOT) camera built from an ``iotcam`` fixture. Pure."""

    fixture: Fixture
    timings: Timings = field(default_factory=Timings)
    started_at: float = 0.0
    faults: set[str] = field(default_factory=set)
    boot_at: float = field(init=False)
    down_until: float = field(init=False, default=0.0)
    reboots: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.fixture.kind != "iotcam":
            raise ValueError("LegacyState needs an iotcam fixture")
        self.faults = set(check_faults(self.faults))
        self.boot_at = self.started_at - self.timings.initial_uptime

    @property
    def model(self) -> str:
        return str(self._raw_sysinfo().get("model", ""))

    @property
    def firmware(self) -> str:
        return str(self._raw_sysinfo().get("sw_ver", ""))

    def set_fault(self, name: str, on: bool = True) -> None:
        if name not in FAULTS:
            raise UnknownFaultError(name)
        if on:
            self.faults.add(name)
        else:
            self.faults.discard(name)

    def uptime(self, now: float) -> float:
        return max(0.0, now - self.boot_at)

    def is_down(self, now: float) -> bool:
        return now < self.down_until

    def reboot(self, now: float, downtime: float | None = None) -> None:
        wait = self.timings.reboot_downtime if downtime is None else downtime
        self.down_until = now + wait
        self.boot_at = self.down_until
        self.reboots += 1

    def tick(self, now: float) -> None:
        if (
            "reboot_loop" in self.faults
            and not self.is_down(now)
            and self.uptime(now) >= self.timings.reboot_loop_uptime
        ):
            self.reboot(now)

    def next_transition(self, now: float) -> float | None:
        times = [self.down_until] if self.is_down(now) else []
        if "reboot_loop" in self.faults:
            times.append(max(self.boot_at, now) + self.timings.reboot_loop_uptime)
        return min(times) if times else None

    def sysinfo(self, now: float) -> dict[str, Any]:
        info = copy.deepcopy(self._raw_sysinfo())
        if "weak_signal" in self.faults:
            info["rssi"] = -80
        if "led_off" in self.faults:
            info["led_status"] = "off"
        if "privacy_mode" in self.faults:
            info["camera_switch"] = "off"
        if "system_time" in info:
            synced = not self.faults & {"clock_skew", "reboot_loop"} and (
                self.uptime(now) >= self.timings.ntp_sync_delay or self.reboots == 0
            )
            info["system_time"] = int(now if synced else self._build_epoch() + self.uptime(now))
        return info

    def answer(self, request_text: str, now: float) -> str:
        """The JSON reply to one request; unknown modules get the device's own error."""
        self.tick(now)
        try:
            request = json.loads(request_text)
        except json.JSONDecodeError:
            return json.dumps({"err_code": -1, "err_msg": "json decode error"})
        if not isinstance(request, dict):
            return json.dumps({"err_code": -1, "err_msg": "json decode error"})
        reply: dict[str, Any] = {}
        for module, methods in request.items():
            known = self.fixture.data.get(module)
            if not isinstance(known, dict) or not isinstance(methods, dict):
                reply[module] = {"err_code": -1, "err_msg": "module not support"}
                continue
            out: dict[str, Any] = {}
            for method in methods:
                if module == "system" and method == "get_sysinfo":
                    out[method] = {"err_code": 0, "system": self.sysinfo(now)}
                elif method in known:
                    out[method] = known[method]
                else:
                    out[method] = {"err_code": -2, "err_msg": "member not support"}
            reply[module] = out
        return json.dumps(reply)

    def _raw_sysinfo(self) -> dict[str, Any]:
        info = self.fixture.data["system"]["get_sysinfo"]["system"]
        return info if isinstance(info, dict) else {}

    def _build_epoch(self) -> float:
        match = re.search(r"Build (\d{8})", self.firmware)
        if match:
            day = datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=UTC)
            return day.timestamp()
        return 946684800.0


Gate = Callable[[], Awaitable[str]]
"""Decides per request: "ok", "drop" or "garbage" (and sleeps when the camera is slow)."""
Answer = Callable[[str], str]


class LegacyUdpResponder(asyncio.DatagramProtocol):
    """Answers XOR datagrams (no length prefix) on the legacy port."""

    def __init__(self, answer: Answer, gate: Gate) -> None:
        self._answer = answer
        self._gate = gate
        self._transport: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) > MAX_LEGACY_BYTES or len(self._tasks) > 256:
            return
        task = asyncio.get_running_loop().create_task(self._reply(data, addr))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reply(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        decision = await self._gate()
        transport = self._transport
        if decision == "drop" or transport is None or transport.is_closing():
            return
        if decision == "garbage":
            transport.sendto(b"\x00garbage\xff" + data[:8], addr)
            return
        transport.sendto(xor_encrypt(self._answer(xor_decrypt(data))), addr)

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._transport is not None:
            self._transport.close()


class LegacyTcpServer:
    """The same API over TCP with a 4-byte length prefix (python-kasa's XorTransport)."""

    def __init__(self, answer: Answer, gate: Gate, host: str, port: int) -> None:
        self._answer = answer
        self._gate = gate
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._serve, self.host, self.port, reuse_address=True
            )
            self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await asyncio.wait_for(reader.readexactly(4), 30.0)
                (length,) = _LENGTH.unpack(head)
                if length > MAX_LEGACY_BYTES:
                    return
                data = await asyncio.wait_for(reader.readexactly(length), 10.0)
                decision = await self._gate()
                if decision == "drop":
                    return
                if decision == "garbage":
                    writer.write(_LENGTH.pack(1000) + b"\x00garbage")
                    await writer.drain()
                    return
                reply = xor_encrypt(self._answer(xor_decrypt(data)))
                writer.write(_LENGTH.pack(len(reply)) + reply)
                await asyncio.wait_for(writer.drain(), 10.0)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
