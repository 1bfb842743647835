"""The Tapo discovery responder on UDP 20002.

A client broadcasts a 16-byte header (``>BBHHBBII``) plus ``{"params":{"rsa_key":
PEM}}``; each camera answers from port 20002 with a header plus its
``discovery_result``. The private part (``decrypted_data``) travels as
``encrypt_info``: AES-128-CBC under a fresh key and IV, the key and IV wrapped
with the client's RSA key (OAEP, SHA-1), as the cameras do.

The port is fixed in every client, so tests run this inside a network namespace.
Broadcasts only reach a socket bound to the wildcard address, so that is where
this listens; each reply goes out through a socket bound to the camera's own
address so its source address is the camera's.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import os
import secrets
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

DISCOVERY_PORT: Final = 20002
_HEADER = struct.Struct(">BBHHBBII")
_CRC_SEED: Final = 0x5A6B7C8D
MAX_QUERY_BYTES: Final = 8 * 1024

Provider = Callable[[], Awaitable[tuple[str, str, dict[str, Any] | None]]]
"""Per camera: returns (decision, camera host, discovery result or None).

decision is "ok", "drop" or "garbage", after any slow-camera delay."""


def build_packet(payload: bytes, serial: int = 0) -> bytes:
    header = _HEADER.pack(2, 0, 2, len(payload), 17, 0, serial, _CRC_SEED)
    packet = bytearray(header + payload)
    packet[12:16] = binascii.crc32(packet).to_bytes(4, "big")
    return bytes(packet)


def parse_query(data: bytes) -> tuple[int, RSAPublicKey | None] | None:
    """Return (serial, client RSA key or None), or None if this is not a query."""
    if len(data) < _HEADER.size or len(data) > MAX_QUERY_BYTES:
        return None
    fields = _HEADER.unpack(data[: _HEADER.size])
    serial = int(fields[6])
    key: RSAPublicKey | None = None
    try:
        body = json.loads(data[_HEADER.size :].decode())
        pem = body["params"]["rsa_key"]
        loaded = serialization.load_pem_public_key(pem.encode())
        if isinstance(loaded, RSAPublicKey):
            key = loaded
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        key = None
    return serial, key


def seal_result(result: dict[str, Any], client_key: RSAPublicKey | None) -> dict[str, Any]:
    """Move ``decrypted_data`` into ``encrypt_info`` if the client sent a key."""
    out = dict(result)
    private = out.pop("decrypted_data", None)
    if client_key is None or not isinstance(private, dict):
        return out
    key, iv = os.urandom(16), os.urandom(16)
    padder = sym_padding.PKCS7(128).padder()
    plain = padder.update(json.dumps(private).encode()) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    data = enc.update(plain) + enc.finalize()
    wrapped = client_key.encrypt(
        key + iv,
        rsa_padding.OAEP(
            mgf=rsa_padding.MGF1(algorithm=hashes.SHA1()),
            algorithm=hashes.SHA1(),
            label=None,
        ),
    )
    out["encrypt_info"] = {
        "sym_schm": "AES",
        "key": base64.b64encode(wrapped).decode(),
        "data": base64.b64encode(data).decode(),
    }
    return out


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, owner: DiscoveryResponder, host: str | None) -> None:
        self._owner = owner
        self._host = host

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._owner.on_query(data, addr, self._host)


class DiscoveryResponder:
    """Listens on (bind_host, port) and answers for every registered camera."""

    def __init__(self, bind_host: str = "0.0.0.0", port: int = DISCOVERY_PORT) -> None:
        self.bind_host = bind_host
        self.port = port
        self._providers: dict[str, tuple[str, Provider]] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self._senders: dict[str, asyncio.DatagramTransport] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def register(self, key: str, host: str, provider: Provider) -> None:
        """Answer for a camera at `host`; also listen on that address itself.

        A query sent straight to the camera (not broadcast) is delivered to the
        most specific socket, so each camera address gets one that answers too.
        """
        self._providers[key] = (host, provider)
        if self._transport is not None and host not in self._senders:
            await self._open_sender(host)

    def unregister(self, key: str) -> None:
        self._providers.pop(key, None)

    async def start(self) -> None:
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        try:
            sock.bind((self.bind_host, self.port))
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        transport, _ = await loop.create_datagram_endpoint(lambda: _Receiver(self, None), sock=sock)
        self._transport = transport
        self.port = int(sock.getsockname()[1])

    async def _open_sender(self, host: str) -> None:
        if self.bind_host not in ("0.0.0.0", ""):
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, self.port))
            sock.setblocking(False)
        except OSError:
            sock.close()
            return
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Receiver(self, host), sock=sock)
        self._senders[host] = transport

    async def stop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for sender in self._senders.values():
            sender.close()
        self._senders.clear()

    def on_query(self, data: bytes, addr: tuple[str | Any, int], host: str | None) -> None:
        """Answer a query; one sent to a camera's own address only for that camera."""
        parsed = parse_query(data)
        if parsed is None or len(self._tasks) > 1024:
            return
        for cam_host, provider in list(self._providers.values()):
            if host is not None and cam_host != host:
                continue
            task = asyncio.get_running_loop().create_task(self._answer(provider, parsed, addr))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(
        self,
        provider: Provider,
        query: tuple[int, RSAPublicKey | None],
        addr: tuple[str | Any, int],
    ) -> None:
        decision, host, result = await provider()
        if decision == "drop" or result is None:
            return
        serial, client_key = query
        if decision == "garbage":
            payload = b'{"error_code":0,"result":{"device_type":' + secrets.token_bytes(8)
        else:
            sealed = seal_result(result, client_key)
            payload = json.dumps({"error_code": 0, "result": sealed}).encode()
        self._send(host, build_packet(payload, serial), addr)

    def _send(self, host: str, packet: bytes, addr: tuple[str | Any, int]) -> None:
        sender = self._senders.get(host) or self._transport
        if sender is not None and not sender.is_closing():
            with contextlib.suppress(OSError):
                sender.sendto(packet, addr)
