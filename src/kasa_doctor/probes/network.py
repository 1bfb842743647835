"""Home-network probes: is the router up, does DNS work, is the internet reachable?

Three observations, made concurrently, each bounded by a short timeout:

``gateway_reachable``
    A TCP connection attempt to the default gateway on a few ports every home
    router listens on (web admin, DNS). An accepted *or refused* connection both
    prove the router is up — a refusal is its TCP stack answering. Only silence or
    "no route" means no. ICMP ping would need root, so it is not used.
``dns_works``
    A-record lookups of TP-Link cloud names, either through the system resolver or
    straight at a configured DNS server (our own minimal UDP client). Any real
    address means yes; answers of ``0.0.0.0`` are what DNS blockers return and
    count as no.
``internet_reachable``
    TCP connections to TP-Link's cloud endpoints (or configured targets). Here a
    refused connection counts as *not* reachable: the point is whether the camera's
    service can be reached, not whether some host exists.

When a check cannot be made at all (no default route found, only local errors)
the observation has no value; nothing here raises.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kasa_doctor.probes.commands import CommandRunner, run_command
from kasa_doctor.probes.dns_client import DnsResult, query_a, resolve_system
from kasa_doctor.probes.observation import Observation
from kasa_doctor.probes.routes import DefaultRoute, find_default_route

__all__ = [
    "DEFAULT_DNS_NAMES",
    "DEFAULT_GATEWAY_PORTS",
    "DEFAULT_INTERNET_TARGETS",
    "ConnectResult",
    "Endpoint",
    "NetworkProbeConfig",
    "check_dns",
    "check_gateway",
    "check_internet",
    "probe_network",
    "tcp_connect",
]

ConnectStatus = Literal["open", "refused", "timeout", "unreachable", "unresolved", "error"]


@dataclass(frozen=True)
class Endpoint:
    """A TCP service to try: a host name or IP address and a port."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str, default_port: int = 443) -> Endpoint:
        """``"host"``, ``"host:443"``, ``"192.0.2.1:80"`` or ``"[2001:db8::1]:443"``."""
        text = text.strip()
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else default_port
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
            port = int(port_text)
        else:
            host, port = text, default_port  # a bare name or a bare IPv6 address
        if not host or not 0 < port < 65536:
            raise ValueError(f"not a host:port endpoint: {text!r}")
        return cls(host, port)

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


# Names the Kasa and Tapo apps and cameras use for the cloud. They are defaults for
# real runs only; tests always point the probes at stand-ins on loopback.
DEFAULT_DNS_NAMES: tuple[str, ...] = (
    "n-wap.tplinkcloud.com",
    "use1-api.tplinkra.com",
    "security.iot.i.tplinknbu.com",
)
DEFAULT_INTERNET_TARGETS: tuple[Endpoint, ...] = tuple(
    Endpoint(name, 443) for name in DEFAULT_DNS_NAMES
)
# Ports nearly every home router listens on (web admin over HTTP/HTTPS, DNS
# forwarder); one answer is enough.
DEFAULT_GATEWAY_PORTS: tuple[int, ...] = (80, 443, 53)


@dataclass(frozen=True)
class NetworkProbeConfig:
    """Everything the network probes may be told; the defaults suit a real home."""

    gateway: str | None = None
    """The router's IP address; ``None`` reads the computer's default route."""
    gateway_ports: tuple[int, ...] = DEFAULT_GATEWAY_PORTS
    dns_names: tuple[str, ...] = DEFAULT_DNS_NAMES
    dns_server: str | None = None
    """IP address of the DNS server to ask; ``None`` uses the system resolver."""
    dns_port: int = 53
    internet_targets: tuple[Endpoint, ...] = DEFAULT_INTERNET_TARGETS
    connect_timeout: float = 1.5
    dns_timeout: float = 1.5
    command_timeout: float = 2.0
    """For the tools that print the routing table on macOS and Windows."""
    max_addresses_per_target: int = 2


@dataclass(frozen=True)
class ConnectResult:
    """One TCP connection attempt."""

    host: str
    port: int
    status: ConnectStatus
    address: str | None = None
    elapsed_ms: float | None = None
    error: str | None = None

    def to_raw(self) -> dict[str, object]:
        raw: dict[str, object] = {"status": self.status}
        if self.address is not None and self.address != self.host:
            raw["address"] = self.address
        if self.elapsed_ms is not None:
            raw["ms"] = self.elapsed_ms
        if self.error:
            raw["error"] = self.error
        return raw


_UNREACHABLE_ERRNOS = frozenset(
    code
    for code in (
        getattr(errno, "ENETUNREACH", None),
        getattr(errno, "EHOSTUNREACH", None),
        getattr(errno, "EHOSTDOWN", None),
        getattr(errno, "ENETDOWN", None),
        getattr(errno, "WSAENETUNREACH", None),
        getattr(errno, "WSAEHOSTUNREACH", None),
        getattr(errno, "WSAEHOSTDOWN", None),
        getattr(errno, "WSAENETDOWN", None),
    )
    if code is not None
)


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


async def tcp_connect(address: str, port: int, timeout: float) -> ConnectResult:
    """Try one TCP connection to an IP address and close it at once; never raises."""
    started = time.monotonic()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ConnectResult(address, port, "error", error="not an IP address")
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    loop = asyncio.get_running_loop()
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        return ConnectResult(address, port, "error", address, error=str(exc))
    try:
        sock.setblocking(False)
        await asyncio.wait_for(loop.sock_connect(sock, (str(ip), port)), timeout)
    except TimeoutError:
        return ConnectResult(address, port, "timeout", address, _ms_since(started))
    except ConnectionRefusedError:
        return ConnectResult(address, port, "refused", address, _ms_since(started))
    except OSError as exc:
        status: ConnectStatus = "unreachable" if exc.errno in _UNREACHABLE_ERRNOS else "error"
        return ConnectResult(
            address, port, status, address, _ms_since(started), exc.strerror or str(exc)
        )
    finally:
        sock.close()
    return ConnectResult(address, port, "open", address, _ms_since(started))


class _Resolver:
    """Looks each name up once per run, however many checks ask for it."""

    def __init__(self, config: NetworkProbeConfig) -> None:
        self._config = config
        self._pending: dict[str, asyncio.Task[DnsResult]] = {}

    def resolve(self, name: str) -> asyncio.Task[DnsResult]:
        task = self._pending.get(name)
        if task is None:
            task = asyncio.ensure_future(self._lookup(name))
            self._pending[name] = task
        return task

    async def _lookup(self, name: str) -> DnsResult:
        cfg = self._config
        if cfg.dns_server is not None:
            return await query_a(name, cfg.dns_server, cfg.dns_port, cfg.dns_timeout)
        return await resolve_system(name, cfg.dns_timeout)


def _is_sinkhole(address: str) -> bool:
    # Pi-hole, AdGuard and similar answer blocked names with the unspecified address.
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


def _usable_addresses(result: DnsResult) -> list[str]:
    return [a for a in result.addresses if not _is_sinkhole(a)]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --- gateway_reachable -------------------------------------------------------------


async def check_gateway(
    config: NetworkProbeConfig,
    *,
    runner: CommandRunner = run_command,
    system: str | None = None,
    proc_root: Path = Path("/"),
) -> Observation:
    """``gateway_reachable``: does the default gateway answer on any TCP port?"""
    probe = "gateway_reachable"
    route: DefaultRoute | None
    if config.gateway is not None:
        route = DefaultRoute(gateway=config.gateway, interface=None, source="configured")
    else:
        try:
            route = await find_default_route(
                runner, config.command_timeout, system=system, proc_root=proc_root
            )
        except Exception as exc:  # a parser bug must cost this probe, not the run
            return Observation.unknown(
                probe, "Could not read this computer's routes.", {"error": repr(exc)}
            )
    if route is None:
        return Observation.unknown(
            probe,
            "This computer has no default gateway, so there is no router to test.",
            {"gateway": None},
        )
    if not _is_ip(route.gateway):
        return Observation.unknown(
            probe,
            f"The gateway {route.gateway!r} is not an IP address.",
            {"gateway": route.gateway},
        )

    results = await asyncio.gather(
        *(tcp_connect(route.gateway, port, config.connect_timeout) for port in config.gateway_ports)
    )
    raw: dict[str, object] = {
        "gateway": route.gateway,
        "gateway_source": route.source,
        "interface": route.interface,
        "ports": {str(r.port): r.to_raw() for r in results},
    }
    answered = [r for r in results if r.status in {"open", "refused"}]
    if answered:
        fastest = min(answered, key=lambda r: r.elapsed_ms or 0.0)
        raw["latency_ms"] = fastest.elapsed_ms
        how = "accepts" if fastest.status == "open" else "answers (refuses)"
        return Observation(
            probe,
            "yes",
            raw,
            f"The router at {route.gateway} {how} a connection on port {fastest.port} "
            f"in {_fmt_ms(fastest.elapsed_ms)}.",
        )
    if any(r.status in {"timeout", "unreachable"} for r in results):
        return Observation(
            probe,
            "no",
            raw,
            f"The router at {route.gateway} does not answer "
            f"({_summarise(r.status for r in results)}).",
        )
    return Observation(
        probe,
        None,
        raw,
        f"Could not test the router at {route.gateway} from this computer "
        f"({_summarise(r.status for r in results)}).",
    )


# --- dns_works ---------------------------------------------------------------------

_DNS_FAILURES = frozenset(
    {"nxdomain", "nodata", "server_error", "timeout", "unreachable", "malformed"}
)


def _dns_raw(result: DnsResult) -> dict[str, object]:
    raw: dict[str, object] = {"status": result.status, "addresses": list(result.addresses)}
    if result.elapsed_ms is not None:
        raw["ms"] = result.elapsed_ms
    if result.rcode is not None:
        raw["rcode"] = result.rcode
    if result.error:
        raw["error"] = result.error
    if result.status == "ok" and not _usable_addresses(result):
        raw["blocked"] = True
    return raw


async def check_dns(config: NetworkProbeConfig, resolver: _Resolver | None = None) -> Observation:
    """``dns_works``: do the cloud's names resolve to real addresses?"""
    probe = "dns_works"
    resolver = resolver or _Resolver(config)
    server = config.dns_server or "system resolver"
    if not config.dns_names:
        return Observation.unknown(probe, "No names to look up were configured.")
    results = await asyncio.gather(*(resolver.resolve(name) for name in config.dns_names))
    raw: dict[str, object] = {
        "server": config.dns_server,
        "port": config.dns_port if config.dns_server else None,
        "names": {r.name: _dns_raw(r) for r in results},
    }
    good = [r for r in results if r.ok and _usable_addresses(r)]
    if good:
        fastest = min(good, key=lambda r: r.elapsed_ms or 0.0)
        return Observation(
            probe,
            "yes",
            raw,
            f"DNS works: {fastest.name} resolves to {_usable_addresses(fastest)[0]} "
            f"({server}, {_fmt_ms(fastest.elapsed_ms)}).",
        )
    blocked = [r for r in results if r.ok]
    if blocked:
        return Observation(
            probe,
            "no",
            raw,
            f"DNS answers 0.0.0.0 for the test names ({server}) — a DNS blocker such as "
            "Pi-hole is probably blocking them.",
        )
    failures = [r for r in results if r.status in _DNS_FAILURES]
    if failures:
        if all(r.status == "nxdomain" for r in failures):
            why = "the server says the names do not exist — they may be blocked"
        else:
            why = _summarise(r.status for r in results)
        return Observation(probe, "no", raw, f"DNS lookups fail ({server}: {why}).")
    return Observation(
        probe, None, raw, f"Could not test DNS ({_summarise(r.status for r in results)})."
    )


# --- internet_reachable ------------------------------------------------------------


async def _try_target(
    target: Endpoint, config: NetworkProbeConfig, resolver: _Resolver
) -> ConnectResult:
    if _is_ip(target.host):
        return await tcp_connect(target.host, target.port, config.connect_timeout)
    lookup = await resolver.resolve(target.host)
    addresses = _usable_addresses(lookup) if lookup.ok else []
    if not addresses:
        return ConnectResult(
            target.host, target.port, "unresolved", error=f"name lookup: {lookup.status}"
        )
    # IPv4 first: a home with a broken IPv6 setup should not read as "no internet".
    addresses.sort(key=lambda a: ":" in a)
    attempts = await asyncio.gather(
        *(
            tcp_connect(address, target.port, config.connect_timeout)
            for address in addresses[: max(1, config.max_addresses_per_target)]
        )
    )
    best = next((a for a in attempts if a.status == "open"), attempts[0])
    return ConnectResult(
        target.host, target.port, best.status, best.address, best.elapsed_ms, best.error
    )


async def check_internet(
    config: NetworkProbeConfig, resolver: _Resolver | None = None
) -> Observation:
    """``internet_reachable``: does any of the cloud endpoints accept a TCP connection?"""
    probe = "internet_reachable"
    resolver = resolver or _Resolver(config)
    if not config.internet_targets:
        return Observation.unknown(probe, "No internet test servers were configured.")
    results = await asyncio.gather(
        *(_try_target(t, config, resolver) for t in config.internet_targets)
    )
    raw: dict[str, object] = {
        "targets": {
            str(t): r.to_raw() for t, r in zip(config.internet_targets, results, strict=True)
        }
    }
    reached = [
        (t, r) for t, r in zip(config.internet_targets, results, strict=True) if r.status == "open"
    ]
    if reached:
        target, fastest = min(reached, key=lambda pair: pair[1].elapsed_ms or 0.0)
        raw["latency_ms"] = fastest.elapsed_ms
        return Observation(
            probe,
            "yes",
            raw,
            f"The internet is reachable: {target} accepted a connection "
            f"in {_fmt_ms(fastest.elapsed_ms)}.",
        )
    decisive = {"refused", "timeout", "unreachable", "unresolved"}
    if any(r.status in decisive for r in results):
        if all(r.status == "unresolved" for r in results):
            why = "their names could not be looked up"
        else:
            why = _summarise(r.status for r in results)
        return Observation(
            probe, "no", raw, f"None of the internet test servers can be reached ({why})."
        )
    return Observation(
        probe,
        None,
        raw,
        f"Could not test the internet from here ({_summarise(r.status for r in results)}).",
    )


# --- all together ------------------------------------------------------------------


async def probe_network(
    config: NetworkProbeConfig | None = None,
    *,
    runner: CommandRunner | None = None,
    system: str | None = None,
    proc_root: Path = Path("/"),
) -> list[Observation]:
    """Run the three network probes concurrently.

    Returns ``gateway_reachable``, ``dns_works`` and ``internet_reachable``, in that
    order, each possibly without a value. ``runner``, ``system`` and ``proc_root``
    exist so tests can stand in for the operating system.
    """
    cfg = config or NetworkProbeConfig()
    resolver = _Resolver(cfg)
    checks = await asyncio.gather(
        check_gateway(cfg, runner=runner or run_command, system=system, proc_root=proc_root),
        check_dns(cfg, resolver),
        check_internet(cfg, resolver),
        return_exceptions=True,
    )
    probes = ("gateway_reachable", "dns_works", "internet_reachable")
    return [
        outcome
        if isinstance(outcome, Observation)
        else Observation.unknown(probe, "The check failed unexpectedly.", {"error": repr(outcome)})
        for probe, outcome in zip(probes, checks, strict=True)
    ]


def _fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "unknown time"
    return f"{ms:.0f} ms" if ms >= 1 else "under 1 ms"


def _summarise(statuses: Iterable[str]) -> str:
    words = {
        "open": "accepted",
        "refused": "refused",
        "timeout": "timed out",
        "unreachable": "no route",
        "unresolved": "name not found",
        "error": "local error",
        "nxdomain": "no such name",
        "nodata": "no address",
        "server_error": "server error",
        "malformed": "garbled answer",
        "ok": "answered",
    }
    seen = list(dict.fromkeys(words.get(s, s) for s in statuses))
    return ", ".join(seen) if seen else "nothing tried"
