"""Two network namespaces joined by a veth pair, for tests that need real broadcast.

Everything stays inside the namespaces the test makes; they are removed afterwards.
Tests that cannot make them (not root, no iproute2) are skipped with the reason.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@contextmanager
def veth_namespaces(
    tag: str, subnet: str, first: Sequence[str], second: Sequence[str]
) -> Iterator[tuple[str, str]]:
    """Namespaces ``{tag}cam`` and ``{tag}cli`` with the addresses ``first`` and
    ``second`` (/24 in ``subnet``, in order: the first becomes the primary one)."""
    cam_ns, cli_ns = f"{tag}cam", f"{tag}cli"
    try:
        ip("netns", "add", cam_ns)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot create a network namespace here (needs root and iproute2): {exc}")
    try:
        ip("netns", "add", cli_ns)
        ip("link", "add", f"{tag}a", "type", "veth", "peer", "name", f"{tag}b")
        ip("link", "set", f"{tag}a", "netns", cam_ns)
        ip("link", "set", f"{tag}b", "netns", cli_ns)
        for ns, dev, addresses in ((cam_ns, f"{tag}a", first), (cli_ns, f"{tag}b", second)):
            for address in addresses:
                ip("-n", ns, "addr", "add", f"{address}/24", "brd", f"{subnet}.255", "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
            ip("-n", ns, "link", "set", "lo", "up")
        yield cam_ns, cli_ns
    finally:
        for ns in (cam_ns, cli_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)
