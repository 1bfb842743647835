"""One emulated camera on the wire: servers, faults that act on the wire, timers.

`EmulatedCamera` owns a `CameraState` (or `LegacyState` for a Kasa camera), the
login/session logic and the listening sockets. It closes its port while the
camera is rebooting, re-joining Wi-Fi or `offline`, and reopens it on the same
port when the camera is back, driven by a single timer per camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Final, Literal

from .camera_api import NO_REPLY, CameraApi
from .discovery import DISCOVERY_PORT, DiscoveryResponder
from .faults import FAULTS, Timings, UnknownFaultError, check_faults
from .fixtures import Fixture, load_fixture
from .https_server import HttpRequest, HttpResponse, HttpServer
from .legacy import LegacyState, LegacyTcpServer, LegacyUdpResponder
from .state import CameraState
from .tapo_protocol import (
    JSON_DECODE_FAIL,
    SESSION_EXPIRED,
    Authenticator,
    PassthroughError,
)
from .tls import server_context

DEFAULT_FIXTURE: Final = "C210(EU)_2.0_1.4.3.json"
DEFAULT_USERNAME: Final = "user@example.com"
DEFAULT_PASSWORD: Final = "kasa-doctor-emulator"
Decision = Literal["ok", "drop", "garbage"]
_GARBAGE_KINDS: Final = 6


@dataclass(frozen=True, slots=True)
class CameraSnapshot:
    """What the camera is reporting right now, as plain values."""

    model: str
    device_type: str
    firmware: str
    rssi: int | None
    signal_level: int | None
    led: str | None
    privacy: str | None
    ssid: str
    uptime: float
    device_time: float
    reboots: int
    down: bool
    upgrading: bool
    upgrade_progress: int
    update_offered: str | None
    faults: frozenset[str]
    failed_logins: int
    locked: bool


class EmulatedCamera:
    """A Tapo camera (or Kasa camera, for an ``iotcam`` fixture) on `host`:`port`.

    Use as ``async with EmulatedCamera(...) as cam:``; `port=0` picks a free port.
    """

    # Started and not yet stopped, so tests can check they leave nothing running.
    _running: ClassVar[set[int]] = set()

    @classmethod
    def running_count(cls) -> int:
        """How many cameras in this process are started and not stopped."""
        return len(cls._running)

    def __init__(
        self,
        fixture: str | Path | Fixture = DEFAULT_FIXTURE,
        *,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        faults: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        timings: Timings | None = None,
        page_size: int = 10,
        discovery: bool | DiscoveryResponder = False,
        discovery_bind: str | None = None,
        discovery_port: int = DISCOVERY_PORT,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.fixture = fixture if isinstance(fixture, Fixture) else load_fixture(fixture)
        self.host = host
        self.port = port
        self.timings = timings or Timings()
        self._clock = clock
        self._rng = random.Random(seed)
        wanted = check_faults(faults)
        now = clock()
        self.camera_state: CameraState | LegacyState
        self._api: CameraApi | None = None
        if self.fixture.kind == "iotcam":
            self.camera_state = LegacyState(self.fixture, self.timings, now, set(wanted))
        else:
            self.camera_state = CameraState(
                self.fixture, timings=self.timings, started_at=now, faults=set(wanted)
            )
            self._api = CameraApi(self.camera_state, page_size=page_size)
        self.auth = Authenticator(
            username,
            password,
            max_failed_logins=self.timings.max_failed_logins,
            lockout_seconds=self.timings.lockout_seconds,
        )
        self._apply_auth_fault()
        self._http: HttpServer | None = None
        self._legacy_tcp: LegacyTcpServer | None = None
        self._legacy_udp: LegacyUdpResponder | None = None
        self._legacy_udp_transport: asyncio.DatagramTransport | None = None
        self._own_discovery = discovery is True
        self._discovery: DiscoveryResponder | None = None
        if isinstance(discovery, DiscoveryResponder):
            self._discovery = discovery
        elif discovery:
            self._discovery = DiscoveryResponder(discovery_bind or host, discovery_port)
        self._timer: asyncio.TimerHandle | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._seen_reboots = self.camera_state.reboots
        self._garbage_counter = 0
        self._mangle_inner = False
        self._started = False
        self.requests_served = 0

    # ----- public API ---------------------------------------------------------

    @property
    def username(self) -> str:
        return self.auth.username

    @property
    def password(self) -> str:
        return self.auth.password

    @property
    def model(self) -> str:
        return self.camera_state.model

    @property
    def faults(self) -> frozenset[str]:
        return frozenset(self.camera_state.faults)

    @property
    def is_legacy(self) -> bool:
        return isinstance(self.camera_state, LegacyState)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def state(self) -> CameraSnapshot:
        now = self._clock()
        st = self.camera_state
        st.tick(now)
        locked = self.auth.is_locked(now)
        if isinstance(st, LegacyState):
            info = st.sysinfo(now)
            return CameraSnapshot(
                model=st.model,
                device_type=str(info.get("type", "")),
                firmware=st.firmware,
                rssi=info.get("rssi") if isinstance(info.get("rssi"), int) else None,
                signal_level=None,
                led=str(info.get("led_status")) if "led_status" in info else None,
                privacy="on" if info.get("camera_switch") == "off" else "off",
                ssid="",
                uptime=st.uptime(now),
                device_time=float(info.get("system_time", now)),
                reboots=st.reboots,
                down=st.is_down(now) or "offline" in st.faults,
                upgrading=False,
                upgrade_progress=0,
                update_offered=None,
                faults=frozenset(st.faults),
                failed_logins=self.auth.failed_logins,
                locked=locked,
            )
        return CameraSnapshot(
            model=st.model,
            device_type=st.device_type,
            firmware=st.firmware,
            rssi=st.rssi(),
            signal_level=st.signal_level(),
            led=st.led,
            privacy=st.privacy,
            ssid=st.ssid,
            uptime=st.uptime(now),
            device_time=st.device_time(now),
            reboots=st.reboots,
            down=st.is_down(now) or "offline" in st.faults,
            upgrading=st.upgrade is not None,
            upgrade_progress=st.upgrade_progress(now),
            update_offered=st.update_offered(),
            faults=frozenset(st.faults),
            failed_logins=self.auth.failed_logins,
            locked=locked,
        )

    def set_fault(self, name: str, on: bool = True) -> None:
        """Switch a fault on or off (takes effect for the next request)."""
        if name not in FAULTS:
            raise UnknownFaultError(name)
        self.camera_state.set_fault(name, on)
        if name == "auth_changed":
            self._apply_auth_fault()
        self._changed()

    def set_faults(self, names: Iterable[str]) -> None:
        """Make exactly `names` the active faults."""
        wanted = check_faults(names)
        for name in sorted(self.faults - wanted):
            self.set_fault(name, False)
        for name in sorted(wanted - self.faults):
            self.set_fault(name, True)

    def reboot(self, downtime: float | None = None) -> None:
        """Reboot now, as if the power was cycled."""
        self.camera_state.reboot(self._clock(), downtime)
        self._changed()

    @property
    def listening(self) -> bool:
        """True while the camera's port accepts connections."""
        if self._http is not None:
            return self._http.listening
        return self._legacy_tcp is not None

    async def wait_until_up(self, timeout: float = 30.0) -> None:
        """Wait until the camera is back from a reboot/Wi-Fi join and listening."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.state.down or not self.listening:
            if loop.time() >= deadline:
                raise TimeoutError(f"camera {self.address} did not come back in {timeout} s")
            await asyncio.sleep(0.02)

    def reset_lockout(self) -> None:
        self.auth.reset_lockout()

    def set_password(self, password: str) -> None:
        """Change the camera's password (clients with the old one are rejected)."""
        self.auth.password = password
        self._apply_auth_fault()

    async def start(self) -> None:
        if self._started:
            return
        if self._discovery is not None and self._own_discovery:
            await self._discovery.start()
        try:
            await self._open_ports()
            if self._discovery is not None:
                key = f"{self.host}:{self.port}:{id(self)}"
                await self._discovery.register(key, self.host, self._discovery_answer)
        except BaseException:
            await self._close_ports()
            if self._discovery is not None and self._own_discovery:
                await self._discovery.stop()
            raise
        self._started = True
        EmulatedCamera._running.add(id(self))
        self._changed()

    async def stop(self) -> None:
        self._started = False
        EmulatedCamera._running.discard(id(self))
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sync_task
            self._sync_task = None
        if self._discovery is not None:
            self._discovery.unregister(f"{self.host}:{self.port}:{id(self)}")
            if self._own_discovery:
                await self._discovery.stop()
        await self._close_ports()

    async def __aenter__(self) -> EmulatedCamera:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----- ports ------------------------------------------------------------------

    async def _open_ports(self) -> None:
        if isinstance(self.camera_state, LegacyState):
            await self._open_legacy()
            return
        if self._http is None:
            self._http = HttpServer(self._handle_http, self.host, self.port, server_context())
        await self._http.start()
        self.port = self._http.port

    async def _open_legacy(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(20):
            tcp = LegacyTcpServer(self._legacy_answer, self._gate, self.host, self.port)
            await tcp.start()
            try:
                responder = LegacyUdpResponder(self._legacy_answer, self._gate)
                transport, _ = await loop.create_datagram_endpoint(
                    _returning(responder), local_addr=(self.host, tcp.port)
                )
            except OSError:
                await tcp.stop()
                if self.port:
                    raise
                continue
            self._legacy_tcp, self._legacy_udp = tcp, responder
            self._legacy_udp_transport = transport
            self.port = tcp.port
            return
        raise OSError(f"no free port pair for the legacy camera on {self.host}")

    async def _close_ports(self) -> None:
        if self._http is not None:
            await self._http.stop()
        if self._legacy_tcp is not None:
            await self._legacy_tcp.stop()
            self._legacy_tcp = None
        if self._legacy_udp is not None:
            self._legacy_udp.close()
            self._legacy_udp = None

    def _should_listen(self, now: float) -> bool:
        st = self.camera_state
        return self._started and "offline" not in st.faults and not st.is_down(now)

    def _changed(self) -> None:
        """Re-evaluate ports, sessions and the timer after any state change."""
        if not self._started:
            return
        st = self.camera_state
        now = self._clock()
        st.tick(now)
        if st.reboots != self._seen_reboots:
            self._seen_reboots = st.reboots
            self.auth.drop_sessions()
        if self._sync_task is None or self._sync_task.done():
            self._sync_task = asyncio.get_running_loop().create_task(self._sync_ports())
        self._schedule(now)

    async def _sync_ports(self) -> None:
        # Let the reply that caused this (a reboot, a Wi-Fi join) reach the client.
        await asyncio.sleep(0.05)
        listen = self._should_listen(self._clock())
        if isinstance(self.camera_state, LegacyState):
            if listen and self._legacy_tcp is None:
                await self._reopen(self._open_legacy)
            elif not listen and self._legacy_tcp is not None:
                await self._close_ports()
            return
        if self._http is None:
            return
        if listen and not self._http.listening:
            await self._reopen(self._http.start)
        elif not listen and self._http.listening:
            await self._http.stop()

    async def _reopen(self, opener: Callable[[], Any]) -> None:
        for attempt in range(10):
            try:
                await opener()
                return
            except OSError:
                await asyncio.sleep(0.05 * (attempt + 1))

    def _schedule(self, now: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        when = self.camera_state.next_transition(now)
        if when is None:
            return
        delay = max(0.01, when - now + 0.005)
        self._timer = asyncio.get_running_loop().call_later(delay, self._changed)

    def _apply_auth_fault(self) -> None:
        changed = "auth_changed" in self.camera_state.faults
        self.auth.password_override = f"{self.auth.password}-changed" if changed else None
        if changed:
            self.auth.drop_sessions()

    # ----- wire faults ---------------------------------------------------------------

    async def _gate(self) -> Decision:
        st = self.camera_state
        if "offline" in st.faults or st.is_down(self._clock()):
            return "drop"
        if "slow" in st.faults:
            await asyncio.sleep(self.timings.slow_delay)
        if "flaky" in st.faults and self._rng.random() < self.timings.flaky_drop_ratio:
            return "drop"
        if "garbage" in st.faults:
            return "garbage"
        return "ok"

    # ----- HTTPS: login and secure passthrough ------------------------------------------

    async def _handle_http(self, request: HttpRequest) -> HttpResponse | None:
        decision = await self._gate()
        if decision == "drop":
            return None
        self.requests_served += 1
        now = self._clock()
        kind = -1
        if decision == "garbage":
            kind = self._garbage_counter % _GARBAGE_KINDS
            self._garbage_counter += 1
        # Wrong types go inside the encryption, where a client's parsing meets them.
        self._mangle_inner = kind == 2
        try:
            reply = self._answer_http(request, now)
        finally:
            self._mangle_inner = False
            self._changed()
        if reply is None or kind < 0:
            return reply
        if not request.path.startswith("/stok="):
            # A garbled challenge cannot be failed by the client: do not count it.
            self.auth.discard_challenge()
        if kind == 2 and request.path.startswith("/stok="):
            return reply
        return _garbage(reply, kind)

    def _answer_http(self, request: HttpRequest, now: float) -> HttpResponse | None:
        if request.method != "POST":
            return HttpResponse(405, b"")
        try:
            body_text = request.body.decode("utf-8")
            body = json.loads(body_text)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _json({"error_code": JSON_DECODE_FAIL})
        if not isinstance(body, dict):
            return _json({"error_code": JSON_DECODE_FAIL})
        path = request.path
        if not path.startswith("/stok="):
            if body.get("method") == "login":
                return _json(self.auth.login(body.get("params"), now))
            return _json({"error_code": SESSION_EXPIRED})
        stok = path[len("/stok=") :].split("/", 1)[0]
        session = self.auth.session(stok)
        if session is None:
            return HttpResponse(401, b'{"error_code":-40401}')
        if body.get("method") != "securePassthrough":
            return self._inner(body, now, encrypt=None)
        try:
            self.auth.check_tag(session, body_text, request.headers)
            params = body.get("params")
            sealed = params.get("request") if isinstance(params, dict) else None
            if not isinstance(sealed, str):
                raise ValueError("no request")
            inner = json.loads(session.cipher.decrypt(sealed))
        except PassthroughError as err:
            return _json({"error_code": err.code})
        except (ValueError, UnicodeDecodeError):
            return _json({"error_code": JSON_DECODE_FAIL})
        return self._inner(inner, now, encrypt=session.cipher.encrypt)

    def _inner(
        self, inner: Any, now: float, encrypt: Callable[[str], str] | None
    ) -> HttpResponse | None:
        if self._api is None:
            return _json({"error_code": -40106})
        reply = self._api.handle(inner, now)
        if reply is NO_REPLY or not isinstance(reply, dict):
            return None
        if self._mangle_inner:
            reply = _mangle_results(reply)
        text = json.dumps(reply)
        if encrypt is None:
            return HttpResponse(200, text.encode())
        return _json({"error_code": 0, "result": {"response": encrypt(text)}})

    # ----- legacy and discovery --------------------------------------------------------------

    def _legacy_answer(self, text: str) -> str:
        st = self.camera_state
        assert isinstance(st, LegacyState)
        self.requests_served += 1
        reply = st.answer(text, self._clock())
        self._changed()
        return reply

    async def _discovery_answer(self) -> tuple[str, str, dict[str, Any] | None]:
        decision = await self._gate()
        st = self.camera_state
        if isinstance(st, LegacyState):
            return "drop", self.host, None
        return decision, self.host, st.discovery_result(self.host, self.port)


def _garbage(reply: HttpResponse, kind: int) -> HttpResponse:
    body = reply.body
    if kind == 0:  # malformed JSON
        return HttpResponse(200, body[: max(1, len(body) // 2)] + b"}}{,")
    if kind == 1:  # truncated body: Content-Length promises more than arrives
        return HttpResponse(200, body + b" " * 64, truncate_to=max(1, len(body) // 3))
    if kind == 2:  # right shape, wrong types
        try:
            return HttpResponse(200, json.dumps(_wrong_types(json.loads(body))).encode())
        except (ValueError, UnicodeDecodeError):
            return HttpResponse(200, b'{"error_code":"zero"}')
    if kind == 3:
        return HttpResponse(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
    if kind == 4:
        return HttpResponse(200, b"")
    return HttpResponse(200, b"[1, 2, 3]")


def _mangle_results(reply: dict[str, Any]) -> dict[str, Any]:
    """Wrong types in every result, envelope (error codes, method names) intact."""
    result = reply.get("result")
    if isinstance(result, dict) and isinstance(result.get("responses"), list):
        responses = [
            {**r, "result": _wrong_types(r.get("result"))} if isinstance(r, dict) else r
            for r in result["responses"]
        ]
        return {**reply, "result": {**result, "responses": responses}}
    if "result" in reply:
        return {**reply, "result": _wrong_types(result)}
    return reply


def _returning(protocol: LegacyUdpResponder) -> Callable[[], LegacyUdpResponder]:
    def factory() -> LegacyUdpResponder:
        return protocol

    return factory


def _json(payload: dict[str, Any]) -> HttpResponse:
    return HttpResponse(200, json.dumps(payload).encode())


def _wrong_types(value: Any) -> Any:
    """Keep the keys, swap every value for one of another type."""
    if isinstance(value, dict):
        return {k: _wrong_types(v) for k, v in value.items()}
    if isinstance(value, list):
        return {"unexpected": "object"}
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return str(value) + "?"
    if isinstance(value, str):
        return [value]
    return 0
