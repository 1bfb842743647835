"""Stand-ins for the network the probes talk to, all on loopback.

* ``no_route_off_loopback`` (autouse): any socket connect to a non-loopback address
  fails at once with "network unreachable", as on a computer with no route. Nothing
  a test does can leave the machine, and the "no route" code paths get exercised.
* ``tcp_listener``: a TCP server on 127.0.0.1 that accepts and closes.
* ``closed_port``: a loopback port nobody listens on (connections are refused).
* ``silent_port``: a loopback port whose accept queue is full, so new connections
  are never answered (how a hung router looks).
* ``dns_responder``: a tiny DNS server on 127.0.0.1 with scripted answers.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from tests.loopback_guard import block_off_loopback

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture(autouse=True)
def no_route_off_loopback(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    return block_off_loopback(monkeypatch)


@pytest.fixture
async def tcp_listener() -> AsyncIterator[int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield int(port)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # bound and released: nothing listens there now


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A listener that never accepts, with its queue filled so new SYNs are dropped."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port: int = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


# --- a tiny DNS server -------------------------------------------------------------


@dataclass
class DnsScript:
    """What the stand-in answers. Names not listed get NXDOMAIN."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    nxdomain: set[str] = field(default_factory=set)
    servfail: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    wrong_id_first: set[str] = field(default_factory=set)
    queries: list[tuple[str, int]] = field(default_factory=list)


def _read_question(data: bytes) -> tuple[int, str, int, bytes]:
    """(id, name, qtype, raw question) of a query; written independently of the client."""
    query_id = struct.unpack("!H", data[:2])[0]
    labels: list[str] = []
    offset = 12
    while data[offset] != 0:
        length = data[offset]
        labels.append(data[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length
    qtype = struct.unpack("!H", data[offset + 1 : offset + 3])[0]
    return query_id, ".".join(labels).lower(), qtype, data[12 : offset + 5]


def _response(query_id: int, question: bytes, rcode: int, addresses: list[str]) -> bytes:
    flags = 0x8180 | rcode  # response, recursion desired + available
    header = struct.pack("!HHHHHH", query_id, flags, 1, len(addresses), 0, 0)
    records = b"".join(
        struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(a) for a in addresses
    )
    return header + question + records


class _DnsProtocol(asyncio.DatagramProtocol):
    def __init__(self, script: DnsScript) -> None:
        self.script = script
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        assert self.transport is not None
        query_id, name, qtype, question = _read_question(data)
        self.script.queries.append((name, qtype))
        s = self.script
        if name in s.silent:
            return
        if name in s.wrong_id_first:
            self.transport.sendto(_response(query_id ^ 0xFFFF, question, 0, ["203.0.113.66"]), addr)
        if name in s.servfail:
            self.transport.sendto(_response(query_id, question, 2, []), addr)
        elif name in s.answers:
            self.transport.sendto(_response(query_id, question, 0, s.answers[name]), addr)
        else:
            self.transport.sendto(_response(query_id, question, 3, []), addr)


@dataclass
class DnsResponder:
    host: str
    port: int
    script: DnsScript


@pytest.fixture
async def dns_responder() -> AsyncIterator[DnsResponder]:
    script = DnsScript()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _DnsProtocol(script), local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    try:
        yield DnsResponder("127.0.0.1", int(port), script)
    finally:
        transport.close()
