"""The minimal DNS client's wire format, checked against an independent reader."""

from __future__ import annotations

import contextlib
import socket
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kasa_doctor.probes.dns_client import (
    DnsFormatError,
    build_query,
    encode_name,
    parse_response,
    query_a,
    resolve_system,
)

from .conftest import DnsResponder, _read_question

LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
NAMES = st.lists(LABEL, min_size=1, max_size=5).map(".".join)


@given(NAMES, st.integers(min_value=0, max_value=0xFFFF))
def test_query_round_trip(name: str, query_id: int) -> None:
    packet = build_query(name, query_id)
    got_id, got_name, qtype, _ = _read_question(packet)
    assert (got_id, got_name, qtype) == (query_id, name, 1)
    flags = struct.unpack("!H", packet[2:4])[0]
    assert flags == 0x0100  # a question, recursion desired


def test_encode_name_rules() -> None:
    assert encode_name("a.bc.") == b"\x01a\x02bc\x00"
    assert encode_name("bücher.example").startswith(b"\x0dxn--bcher-kva")
    for bad in ("", ".", "a..b", "x" * 64 + ".test", ".".join(["abcdefghi"] * 30)):
        with pytest.raises(ValueError):
            encode_name(bad)


def _answer(rcode: int = 0, records: bytes = b"", ancount: int = 0, flags: int = 0x8180) -> bytes:
    question = b"\x05cloud\x04test\x00" + struct.pack("!HH", 1, 1)
    header = struct.pack("!HHHHHH", 0x1234, flags | rcode, 1, ancount, 0, 0)
    return header + question + records


def test_parse_response_follows_cname_answers() -> None:
    cname = struct.pack("!HHHIH", 0xC00C, 5, 1, 60, 6) + b"\x03cdn\xc0\x12"
    a_record = struct.pack("!HHHIH", 0xC028, 1, 1, 60, 4) + socket.inet_aton("198.51.100.4")
    response = parse_response(_answer(records=cname + a_record, ancount=2))
    assert response.query_id == 0x1234
    assert response.rcode == 0
    assert response.addresses == ("198.51.100.4",)


def test_parse_response_rejects_broken_messages() -> None:
    with pytest.raises(DnsFormatError):
        parse_response(b"\x12\x34")
    with pytest.raises(DnsFormatError):
        parse_response(_answer(flags=0x0100))  # a query, not a response
    truncated = _answer(records=struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + b"\x01", ancount=1)
    with pytest.raises(DnsFormatError):
        parse_response(truncated)


@given(st.binary(max_size=200))
def test_parse_response_never_fails_unexpectedly(data: bytes) -> None:
    with contextlib.suppress(DnsFormatError):
        parse_response(data)


async def test_query_a_against_responder(dns_responder: DnsResponder) -> None:
    dns_responder.script.answers["two.test"] = ["192.0.2.10", "192.0.2.11"]
    result = await query_a("two.test", dns_responder.host, dns_responder.port, 1.0)
    assert result.status == "ok"
    assert result.addresses == ("192.0.2.10", "192.0.2.11")
    assert result.elapsed_ms is not None and result.elapsed_ms < 1000
    missing = await query_a("none.test", dns_responder.host, dns_responder.port, 1.0)
    assert (missing.status, missing.rcode) == ("nxdomain", 3)


async def test_query_a_refuses_non_addresses() -> None:
    result = await query_a("x.test", "dns.example", 53, 0.5)
    assert result.status == "error"


async def test_resolve_system_hosts_file() -> None:
    result = await resolve_system("localhost", 2.0)
    assert result.status == "ok"
    assert any(a in {"127.0.0.1", "::1"} for a in result.addresses)
