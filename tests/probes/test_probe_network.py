"""Network probes against stand-ins on loopback (see conftest.py); never a real host."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from kasa_doctor.probes.commands import recorded_runner
from kasa_doctor.probes.network import (
    DEFAULT_DNS_NAMES,
    DEFAULT_INTERNET_TARGETS,
    Endpoint,
    NetworkProbeConfig,
    check_dns,
    check_gateway,
    check_internet,
    probe_network,
    tcp_connect,
)
from kasa_doctor.probes.observation import Observation

from .conftest import DnsResponder

FAST = {"connect_timeout": 0.4, "dns_timeout": 0.4}


def _fake_proc(tmp_path: Path, rows: list[str]) -> Path:
    header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/route").write_text(header + "".join(r + "\n" for r in rows))
    return tmp_path


# --- tcp_connect -------------------------------------------------------------------


async def test_tcp_connect_outcomes(tcp_listener: int, closed_port: int, silent_port: int) -> None:
    assert (await tcp_connect("127.0.0.1", tcp_listener, 1.0)).status == "open"
    assert (await tcp_connect("127.0.0.1", closed_port, 1.0)).status == "refused"
    started = time.monotonic()
    silent = await tcp_connect("127.0.0.1", silent_port, 0.3)
    assert silent.status == "timeout"
    assert time.monotonic() - started < 1.0
    unrouted = await tcp_connect("192.0.2.1", 443, 1.0)  # conftest: no route off loopback
    assert unrouted.status == "unreachable"
    assert (await tcp_connect("not-an-ip", 80, 1.0)).status == "error"


# --- gateway_reachable -------------------------------------------------------------


async def test_gateway_answers(tcp_listener: int) -> None:
    config = NetworkProbeConfig(gateway="127.0.0.1", gateway_ports=(tcp_listener,), **FAST)
    obs = await check_gateway(config)
    assert obs.value == "yes"
    assert obs.raw["gateway"] == "127.0.0.1"
    assert isinstance(obs.raw["latency_ms"], float)
    assert "accepts" in obs.detail


async def test_gateway_refusing_every_port_is_still_up(closed_port: int) -> None:
    # A refusal is the router's TCP stack answering: the host is up.
    config = NetworkProbeConfig(gateway="127.0.0.1", gateway_ports=(closed_port,), **FAST)
    obs = await check_gateway(config)
    assert obs.value == "yes"
    assert "refuses" in obs.detail


async def test_gateway_silent_is_down(silent_port: int) -> None:
    config = NetworkProbeConfig(gateway="127.0.0.1", gateway_ports=(silent_port,), **FAST)
    obs = await check_gateway(config)
    assert obs.value == "no"
    assert obs.raw["ports"] == {
        str(silent_port): {"status": "timeout", "ms": pytest.approx(400, abs=300)}
    }


async def test_gateway_without_route_is_down(no_route_off_loopback: list[Any]) -> None:
    config = NetworkProbeConfig(gateway="192.0.2.254", **FAST)
    obs = await check_gateway(config)
    assert obs.value == "no"
    assert {a[0] for a in no_route_off_loopback} == {"192.0.2.254"}


async def test_gateway_found_in_proc_route(tmp_path: Path, tcp_listener: int) -> None:
    # 0100007F is 127.0.0.1 as a little-endian machine writes it.
    proc = _fake_proc(tmp_path, ["eth0\t00000000\t0100007F\t0003\t0\t0\t100\t00000000\t0\t0\t0"])
    config = NetworkProbeConfig(gateway_ports=(tcp_listener,), **FAST)
    obs = await check_gateway(config, system="linux", proc_root=proc)
    if obs.raw.get("gateway") != "127.0.0.1":
        pytest.skip("route table sample is little-endian; this machine is not")
    assert obs.value == "yes"
    assert obs.raw["gateway_source"] == "/proc/net/route"
    assert obs.raw["interface"] == "eth0"


async def test_no_default_route_gives_no_value(tmp_path: Path) -> None:
    proc = _fake_proc(tmp_path, ["eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0"])
    obs = await check_gateway(NetworkProbeConfig(**FAST), system="linux", proc_root=proc)
    assert obs.value is None
    assert "no default gateway" in obs.detail


async def test_gateway_from_macos_and_windows_tools(tcp_listener: int) -> None:
    config = NetworkProbeConfig(gateway_ports=(tcp_listener,), **FAST)
    mac = recorded_runner(
        {("route", "-n", "get", "default"): "    gateway: 127.0.0.1\n  interface: en0\n"}
    )
    assert (await check_gateway(config, runner=mac, system="darwin")).value == "yes"
    row = "          0.0.0.0          0.0.0.0        127.0.0.1     127.0.0.2     25\n"
    win = recorded_runner({("route", "print", "-4"): row})
    assert (await check_gateway(config, runner=win, system="win32")).value == "yes"
    nothing = recorded_runner({})
    for system in ("darwin", "win32", "sunos5"):
        assert (await check_gateway(config, runner=nothing, system=system)).value is None


# --- dns_works ---------------------------------------------------------------------


def _dns(responder: DnsResponder, *names: str, timeout: float = 0.4) -> NetworkProbeConfig:
    return NetworkProbeConfig(
        dns_server=responder.host,
        dns_port=responder.port,
        dns_names=names,
        dns_timeout=timeout,
        connect_timeout=0.4,
    )


async def test_dns_answer(dns_responder: DnsResponder) -> None:
    dns_responder.script.answers["cloud.test"] = ["203.0.113.7"]
    obs = await check_dns(_dns(dns_responder, "cloud.test"))
    assert obs.value == "yes"
    names = obs.raw["names"]
    assert isinstance(names, dict)
    assert names["cloud.test"]["addresses"] == ["203.0.113.7"]
    assert "203.0.113.7" in obs.detail
    assert dns_responder.script.queries == [("cloud.test", 1)]


async def test_dns_nxdomain(dns_responder: DnsResponder) -> None:
    obs = await check_dns(_dns(dns_responder, "gone.test", "also-gone.test"))
    assert obs.value == "no"
    assert "do not exist" in obs.detail


async def test_dns_no_reply_times_out(dns_responder: DnsResponder) -> None:
    dns_responder.script.silent.add("slow.test")
    started = time.monotonic()
    obs = await check_dns(_dns(dns_responder, "slow.test", timeout=0.3))
    assert obs.value == "no"
    assert obs.raw["names"] == {
        "slow.test": {"status": "timeout", "addresses": [], "ms": pytest.approx(300, abs=250)}
    }
    assert time.monotonic() - started < 1.0


async def test_dns_server_failure_and_sinkhole(dns_responder: DnsResponder) -> None:
    dns_responder.script.servfail.add("broken.test")
    dns_responder.script.answers["blocked.test"] = ["0.0.0.0"]
    assert (await check_dns(_dns(dns_responder, "broken.test"))).value == "no"
    blocked = await check_dns(_dns(dns_responder, "blocked.test"))
    assert blocked.value == "no"
    assert "blocker" in blocked.detail


async def test_dns_one_good_name_is_enough(dns_responder: DnsResponder) -> None:
    dns_responder.script.answers["ok.test"] = ["198.51.100.9", "198.51.100.10"]
    obs = await check_dns(_dns(dns_responder, "gone.test", "ok.test"))
    assert obs.value == "yes"


async def test_dns_ignores_answers_with_the_wrong_id(dns_responder: DnsResponder) -> None:
    dns_responder.script.wrong_id_first.add("spoofed.test")
    dns_responder.script.answers["spoofed.test"] = ["198.51.100.20"]
    obs = await check_dns(_dns(dns_responder, "spoofed.test"))
    assert obs.value == "yes"
    assert obs.raw["names"]["spoofed.test"]["addresses"] == ["198.51.100.20"]  # type: ignore[index]


async def test_dns_server_port_closed(closed_port: int) -> None:
    config = NetworkProbeConfig(
        dns_server="127.0.0.1", dns_port=closed_port, dns_names=("x.test",), dns_timeout=0.4
    )
    obs = await check_dns(config)
    assert obs.value == "no"
    assert obs.raw["names"]["x.test"]["status"] in {"unreachable", "timeout"}  # type: ignore[index]


async def test_dns_bad_configuration_gives_no_value() -> None:
    config = NetworkProbeConfig(dns_server="127.0.0.1", dns_names=("bad..name",), dns_timeout=0.3)
    assert (await check_dns(config)).value is None
    assert (await check_dns(NetworkProbeConfig(dns_names=()))).value is None


async def test_dns_system_resolver_localhost() -> None:
    # The system path, with a name the hosts file answers: nothing leaves the machine.
    obs = await check_dns(NetworkProbeConfig(dns_names=("localhost",), dns_timeout=2.0))
    assert obs.value == "yes"
    assert obs.raw["server"] is None


# --- internet_reachable ------------------------------------------------------------


async def test_internet_reachable_by_address(tcp_listener: int) -> None:
    config = NetworkProbeConfig(internet_targets=(Endpoint("127.0.0.1", tcp_listener),), **FAST)
    obs = await check_internet(config)
    assert obs.value == "yes"
    assert f"127.0.0.1:{tcp_listener}" in obs.detail


async def test_internet_refused_is_not_reachable(closed_port: int) -> None:
    # Unlike the gateway check, a refusing target means the service is not there.
    config = NetworkProbeConfig(internet_targets=(Endpoint("127.0.0.1", closed_port),), **FAST)
    obs = await check_internet(config)
    assert obs.value == "no"
    assert "refused" in obs.detail


async def test_internet_by_name_through_dns(
    dns_responder: DnsResponder, tcp_listener: int, closed_port: int
) -> None:
    dns_responder.script.answers["up.cloud.test"] = ["127.0.0.1"]
    config = NetworkProbeConfig(
        dns_server=dns_responder.host,
        dns_port=dns_responder.port,
        dns_names=("up.cloud.test",),
        internet_targets=(
            Endpoint("down.cloud.test", tcp_listener),
            Endpoint("up.cloud.test", closed_port),
            Endpoint("up.cloud.test", tcp_listener),
        ),
        **FAST,
    )
    dns_obs, net_obs = await check_dns(config), await check_internet(config)
    assert dns_obs.value == "yes"
    assert net_obs.value == "yes"
    targets = net_obs.raw["targets"]
    assert isinstance(targets, dict)
    assert targets[f"down.cloud.test:{tcp_listener}"]["status"] == "unresolved"
    assert targets[f"up.cloud.test:{closed_port}"]["status"] == "refused"
    assert targets[f"up.cloud.test:{tcp_listener}"]["status"] == "open"


async def test_internet_names_that_do_not_resolve(dns_responder: DnsResponder) -> None:
    config = NetworkProbeConfig(
        dns_server=dns_responder.host,
        dns_port=dns_responder.port,
        internet_targets=(Endpoint("nowhere.test", 443),),
        **FAST,
    )
    obs = await check_internet(config)
    assert obs.value == "no"
    assert "could not be looked up" in obs.detail


async def test_internet_without_route(no_route_off_loopback: list[Any]) -> None:
    config = NetworkProbeConfig(
        internet_targets=(Endpoint("192.0.2.1", 443), Endpoint("2001:db8::1", 443)), **FAST
    )
    obs = await check_internet(config)
    assert obs.value == "no"
    assert len(no_route_off_loopback) == 2


# --- all three ---------------------------------------------------------------------


async def test_probe_network_all_on_loopback(
    dns_responder: DnsResponder, tcp_listener: int
) -> None:
    dns_responder.script.answers["n-wap.cloud.test"] = ["127.0.0.1"]
    config = NetworkProbeConfig(
        gateway="127.0.0.1",
        gateway_ports=(tcp_listener,),
        dns_server=dns_responder.host,
        dns_port=dns_responder.port,
        dns_names=("n-wap.cloud.test",),
        internet_targets=(Endpoint("n-wap.cloud.test", tcp_listener),),
        **FAST,
    )
    observations = await probe_network(config)
    assert [o.probe for o in observations] == [
        "gateway_reachable",
        "dns_works",
        "internet_reachable",
    ]
    assert [o.value for o in observations] == ["yes", "yes", "yes"]
    # One lookup serves both the DNS check and the internet check.
    assert dns_responder.script.queries == [("n-wap.cloud.test", 1)]
    assert all(isinstance(o, Observation) and o.detail for o in observations)


async def test_probe_network_runs_checks_concurrently(
    dns_responder: DnsResponder, silent_port: int
) -> None:
    dns_responder.script.silent.add("slow.test")
    config = NetworkProbeConfig(
        gateway="127.0.0.1",
        gateway_ports=(silent_port,),
        dns_server=dns_responder.host,
        dns_port=dns_responder.port,
        dns_names=("slow.test",),
        internet_targets=(Endpoint("127.0.0.1", silent_port),),
        connect_timeout=0.5,
        dns_timeout=0.5,
    )
    started = time.monotonic()
    values = [o.value for o in await probe_network(config)]
    elapsed = time.monotonic() - started
    assert values == ["no", "no", "no"]
    assert elapsed < 1.2  # three 0.5 s timeouts side by side, not one after another


async def test_probe_network_survives_a_broken_runner(tmp_path: Path) -> None:
    async def explode(argv: Any, timeout: float) -> Any:
        raise RuntimeError("boom")

    config = NetworkProbeConfig(dns_names=(), internet_targets=())
    observations = await probe_network(config, runner=explode, system="darwin")
    assert [o.value for o in observations] == [None, None, None]


def test_defaults_are_tplink_cloud_names() -> None:
    assert "n-wap.tplinkcloud.com" in DEFAULT_DNS_NAMES
    assert all(t.port == 443 for t in DEFAULT_INTERNET_TARGETS)
    assert NetworkProbeConfig().connect_timeout <= 2.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.test", Endpoint("example.test", 443)),
        ("example.test:80", Endpoint("example.test", 80)),
        ("192.0.2.1:8443", Endpoint("192.0.2.1", 8443)),
        ("[2001:db8::1]:443", Endpoint("2001:db8::1", 443)),
        ("2001:db8::1", Endpoint("2001:db8::1", 443)),
    ],
)
def test_endpoint_parse(text: str, expected: Endpoint) -> None:
    assert Endpoint.parse(text) == expected


def test_endpoint_parse_rejects_nonsense() -> None:
    for text in ("", ":80", "host:0", "host:99999"):
        with pytest.raises(ValueError):
            Endpoint.parse(text)
    assert str(Endpoint("2001:db8::1", 443)) == "[2001:db8::1]:443"
