"""The network probes inside a network namespace that has no route at all.

The namespace has only a loopback interface, so the probes can be pointed at
ordinary non-loopback addresses (TEST-NET ranges) with nothing able to leave it:
this is "the internet is unreachable" for real, not a stand-in.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.netns

HELPER = r"""
import asyncio, json
from kasa_doctor.probes.network import Endpoint, NetworkProbeConfig, probe_network

async def main():
    fast = dict(connect_timeout=1.0, dns_timeout=1.0)
    by_address = NetworkProbeConfig(
        dns_server="192.0.2.53",
        internet_targets=(Endpoint("192.0.2.1", 443), Endpoint("198.51.100.1", 443)),
        **fast,
    )
    # Default names and cloud endpoints, but DNS asked at a TEST-NET address.
    by_name = NetworkProbeConfig(dns_server="192.0.2.53", **fast)
    with_gateway = NetworkProbeConfig(
        gateway="192.0.2.254", dns_server="192.0.2.53",
        internet_targets=(Endpoint("203.0.113.1", 443),), **fast,
    )
    out = {}
    for label, config in (("by_address", by_address), ("by_name", by_name),
                          ("with_gateway", with_gateway)):
        out[label] = [o.to_dict() for o in await probe_network(config)]
    print(json.dumps(out))

asyncio.run(main())
"""


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)


@pytest.fixture
def empty_namespace() -> Iterator[str]:
    if not sys.platform.startswith("linux"):
        pytest.skip("network namespaces are a Linux feature")
    if shutil.which("ip") is None:
        pytest.skip("the `ip` tool (iproute2) is not installed")
    if os.geteuid() != 0:
        pytest.skip("creating a network namespace needs root")
    name = f"kdtest-{secrets.token_hex(4)}"
    made = _run("ip", "netns", "add", name)
    if made.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {made.stderr.strip()}")
    try:
        up = _run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up")
        if up.returncode != 0:
            pytest.skip(f"cannot use the network namespace: {up.stderr.strip()}")
        routes = _run("ip", "netns", "exec", name, "ip", "-4", "route", "show")
        assert routes.stdout.strip() == "", "a fresh namespace should have no routes"
        yield name
    finally:
        _run("ip", "netns", "delete", name)


def test_no_route_means_no_internet(empty_namespace: str) -> None:
    done = _run("ip", "netns", "exec", empty_namespace, sys.executable, "-c", HELPER)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)

    def values(label: str) -> dict[str, object]:
        return {o["probe"]: o["value"] for o in results[label]}

    # No default route in the namespace, so there is no gateway to test.
    assert values("by_address") == {
        "gateway_reachable": None,
        "dns_works": "no",
        "internet_reachable": "no",
    }
    targets = results["by_address"][2]["raw"]["targets"]
    assert {t["status"] for t in targets.values()} == {"unreachable"}

    assert values("by_name") == {
        "gateway_reachable": None,
        "dns_works": "no",
        "internet_reachable": "no",
    }
    by_name_targets = results["by_name"][2]["raw"]["targets"]
    assert {t["status"] for t in by_name_targets.values()} == {"unresolved"}

    assert values("with_gateway") == {
        "gateway_reachable": "no",
        "dns_works": "no",
        "internet_reachable": "no",
    }
