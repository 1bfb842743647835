"""A minimal DNS client: one A-record question over UDP to a chosen server.

The DNS probe needs to ask a *specific* server (the router, or a stand-in on
loopback in tests) and to tell apart "the name does not exist", "the server
refused" and "nobody answered" — which the system resolver blurs together. That
needs no more than RFC 1035's wire format for a single question, so it is written
out here instead of pulling in a DNS library.

:func:`resolve_system` is the other path: the operating system's resolver
(``getaddrinfo``), used when no server is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

DnsStatus = Literal[
    "ok",  # at least one address came back
    "nxdomain",  # the server says the name does not exist
    "nodata",  # the name exists but has no address of the asked type
    "server_error",  # SERVFAIL, REFUSED or another error code
    "timeout",  # no answer in time
    "unreachable",  # the server's address could not be reached (no route, port closed)
    "malformed",  # an answer came but could not be read
    "error",  # anything else (e.g. an invalid name)
]

QTYPE_A = 1
QTYPE_CNAME = 5
QCLASS_IN = 1

RCODE_NOERROR = 0
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_REFUSED = 5


@dataclass(frozen=True)
class DnsResult:
    """The outcome of looking up one name."""

    name: str
    status: DnsStatus
    addresses: tuple[str, ...] = ()
    rcode: int | None = None
    elapsed_ms: float | None = None
    server: str | None = None  # None: the system resolver
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class DnsFormatError(ValueError):
    """A DNS message that cannot be read."""


@dataclass(frozen=True)
class DnsResponse:
    """The parts of a response the probe cares about."""

    query_id: int
    rcode: int
    truncated: bool
    addresses: tuple[str, ...] = field(default_factory=tuple)


def encode_name(name: str) -> bytes:
    """A host name in DNS label form; raises ``ValueError`` for names DNS cannot carry."""
    stripped = name.rstrip(".")
    if not stripped:
        raise ValueError("empty DNS name")
    try:
        ascii_name = stripped.encode("idna")
    except UnicodeError as exc:
        raise ValueError(f"invalid DNS name {name!r}: {exc}") from exc
    out = bytearray()
    for label in ascii_name.split(b"."):
        if not 0 < len(label) <= 63:
            raise ValueError(f"invalid DNS name {name!r}: bad label length")
        out.append(len(label))
        out += label
    out.append(0)
    if len(out) > 255:
        raise ValueError(f"invalid DNS name {name!r}: longer than 255 bytes")
    return bytes(out)


def build_query(name: str, query_id: int, qtype: int = QTYPE_A) -> bytes:
    """One recursive question for ``name``."""
    # Flags 0x0100: a standard query with "recursion desired" — the router's
    # forwarder should fetch the answer for us.
    header = struct.pack("!HHHHHH", query_id & 0xFFFF, 0x0100, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack("!HH", qtype, QCLASS_IN)


def _skip_name(message: bytes, offset: int) -> int:
    """Offset just past an encoded name (labels or a compression pointer)."""
    while True:
        if offset >= len(message):
            raise DnsFormatError("name runs past the end of the message")
        length = message[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            if offset + 2 > len(message):
                raise DnsFormatError("truncated compression pointer")
            return offset + 2
        if length & 0xC0:
            raise DnsFormatError("unsupported label type")
        offset += 1 + length


def parse_response(message: bytes) -> DnsResponse:
    """Read the header and every A record of a response; raises :class:`DnsFormatError`.

    Addresses of any owner name are taken, which covers CNAME chains answered in one
    message; the probe only needs to know that an address came back.
    """
    if len(message) < 12:
        raise DnsFormatError("shorter than a DNS header")
    query_id, flags, qdcount, ancount, _nscount, _arcount = struct.unpack("!HHHHHH", message[:12])
    if not flags & 0x8000:
        raise DnsFormatError("not a response")
    offset = 12
    for _ in range(qdcount):
        offset = _skip_name(message, offset) + 4
    addresses: list[str] = []
    for _ in range(ancount):
        offset = _skip_name(message, offset)
        if offset + 10 > len(message):
            raise DnsFormatError("truncated resource record")
        rtype, rclass, _ttl, rdlength = struct.unpack("!HHIH", message[offset : offset + 10])
        offset += 10
        if offset + rdlength > len(message):
            raise DnsFormatError("record data runs past the end of the message")
        if rtype == QTYPE_A and rclass == QCLASS_IN and rdlength == 4:
            addresses.append(socket.inet_ntoa(message[offset : offset + 4]))
        offset += rdlength
    return DnsResponse(
        query_id=query_id,
        rcode=flags & 0x000F,
        truncated=bool(flags & 0x0200),
        addresses=tuple(addresses),
    )


class _OneAnswer(asyncio.DatagramProtocol):
    """Waits for the first datagram from the server that carries our query id."""

    def __init__(self, server: tuple[str, int], query_id: int) -> None:
        self.server = server
        self.query_id = query_id
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        # Anything not from the server or not for this query is ignored: a stray or
        # spoofed packet must not decide the result.
        if (str(addr[0]), int(addr[1])) != self.server or len(data) < 2:
            return
        if struct.unpack("!H", data[:2])[0] != self.query_id:
            return
        if not self.answer.done():
            self.answer.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # An ICMP "port unreachable" for our query arrives here on Linux.
        if not self.answer.done():
            self.answer.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc or ConnectionError("socket closed"))


def _elapsed_ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


async def query_a(name: str, server: str, port: int = 53, timeout: float = 1.5) -> DnsResult:
    """Ask ``server`` for the A records of ``name``; never raises."""
    started = time.monotonic()
    try:
        server_ip = ipaddress.ip_address(server)
    except ValueError:
        return DnsResult(name, "error", server=server, error=f"not an IP address: {server!r}")
    query_id = secrets.randbits(16)
    try:
        query = build_query(name, query_id)
    except ValueError as exc:
        return DnsResult(name, "error", server=server, error=str(exc))

    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if server_ip.version == 6 else socket.AF_INET
    target = (str(server_ip), port)
    transport: asyncio.DatagramTransport | None = None
    try:
        endpoint, protocol = await asyncio.wait_for(
            loop.create_datagram_endpoint(
                lambda: _OneAnswer(target, query_id), remote_addr=target, family=family
            ),
            timeout,
        )
        transport = endpoint
        endpoint.sendto(query)
        remaining = max(0.0, timeout - (time.monotonic() - started))
        data = await asyncio.wait_for(protocol.answer, remaining)
    except TimeoutError:
        return DnsResult(name, "timeout", server=server, elapsed_ms=_elapsed_ms(started))
    except OSError as exc:
        # No route to the server, or its port is closed: nobody to ask.
        return DnsResult(
            name, "unreachable", server=server, elapsed_ms=_elapsed_ms(started), error=str(exc)
        )
    finally:
        if transport is not None:
            transport.close()

    elapsed = _elapsed_ms(started)
    try:
        response = parse_response(data)
    except DnsFormatError as exc:
        return DnsResult(name, "malformed", server=server, elapsed_ms=elapsed, error=str(exc))
    if response.rcode == RCODE_NXDOMAIN:
        status: DnsStatus = "nxdomain"
    elif response.rcode != RCODE_NOERROR:
        status = "server_error"
    elif response.addresses:
        status = "ok"
    else:
        status = "nodata"
    return DnsResult(
        name,
        status,
        addresses=response.addresses,
        rcode=response.rcode,
        elapsed_ms=elapsed,
        server=server,
    )


def _classify_gaierror(exc: socket.gaierror) -> DnsStatus:
    if exc.errno in {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}:
        return "nxdomain"
    if exc.errno == socket.EAI_AGAIN:
        return "timeout"  # "temporary failure": the resolver got no answer
    return "error"


async def resolve_system(name: str, timeout: float = 1.5) -> DnsResult:
    """Look ``name`` up with the operating system's resolver; never raises.

    ``getaddrinfo`` blocks and cannot be cancelled, so it runs on a daemon thread of
    its own: a resolver that hangs for 30 s then costs a thread, not a stuck event
    loop or a program that cannot exit (the loop's default executor is joined at
    shutdown).
    """
    loop = asyncio.get_running_loop()
    result: asyncio.Future[list[str]] = loop.create_future()
    started = time.monotonic()

    def deliver(addresses: list[str] | None, exc: BaseException | None) -> None:
        if result.done():
            return
        if exc is not None:
            result.set_exception(exc)
        else:
            result.set_result(addresses or [])

    def lookup() -> None:
        addresses: list[str] | None = None
        error: BaseException | None = None
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        except BaseException as exc:  # handed to the loop; nothing may escape a thread
            error = exc
        # RuntimeError: the loop is gone, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(deliver, addresses, error)

    threading.Thread(target=lookup, name=f"resolve {name}", daemon=True).start()
    try:
        addresses = await asyncio.wait_for(result, timeout)
    except TimeoutError:
        return DnsResult(name, "timeout", elapsed_ms=_elapsed_ms(started))
    except socket.gaierror as exc:
        return DnsResult(
            name, _classify_gaierror(exc), elapsed_ms=_elapsed_ms(started), error=str(exc)
        )
    except (OSError, UnicodeError, ValueError) as exc:
        return DnsResult(name, "error", elapsed_ms=_elapsed_ms(started), error=str(exc))
    if not addresses:
        return DnsResult(name, "nodata", elapsed_ms=_elapsed_ms(started))
    return DnsResult(name, "ok", addresses=tuple(addresses), elapsed_ms=_elapsed_ms(started))
