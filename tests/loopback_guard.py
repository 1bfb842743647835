"""Keep tests off the LAN: socket connects and datagrams to anything but loopback fail.

A test folder opts in by importing ``loopback_only`` into its conftest.py (a fixture
imported into a conftest is registered there). The failure is "network unreachable",
as on a computer with no route, so nothing a test does can reach a real camera, and
the "no route" code paths get exercised.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

import pytest


def is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths (PostgreSQL's socket) and the like are local by nature
    host = str(address[0]).split("%")[0]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        # A host name: only the loopback names are allowed through.
        return host == "localhost" or host.endswith(".localhost")


def block_off_loopback(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Install the guard; returns the list the refused addresses are appended to."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto

    def connect(self: socket.socket, address: Any) -> None:
        if not is_loopback(address):
            attempts.append(address)
            raise OSError(errno.ENETUNREACH, "Network is unreachable (test stand-in)")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not is_loopback(address):
            attempts.append(address)
            return errno.ENETUNREACH
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        address = args[-1]
        if not is_loopback(address):
            attempts.append(address)
            raise OSError(errno.ENETUNREACH, "Network is unreachable (test stand-in)")
        return real_sendto(self, data, *args)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    return attempts


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The addresses off loopback that the test tried to reach."""
    return block_off_loopback(monkeypatch)
