"""Every recorded tool output in corpus/<tool>/<case>.txt parses to <case>.json.

The JSON holds only the fields a case is about: a dict is matched key by key
against the parsed dataclass, a list must have the same length and match item by
item. For Wi-Fi records, the extra key ``_observations`` gives the probe values
the record must turn into.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kasa_doctor.probes import routes
from kasa_doctor.probes import wifi_parsers as wp
from kasa_doctor.probes.wifi import wifi_observations

CORPUS = Path(__file__).parent / "corpus"

PARSERS: dict[str, Callable[[str], Any]] = {
    "nmcli-wifi": wp.parse_nmcli_wifi_list,
    "nmcli-dev": wp.parse_nmcli_devices,
    "iw-dev": wp.parse_iw_dev,
    "iw-link": wp.parse_iw_link,
    "iw-scan": wp.parse_iw_scan,
    "netsh-interfaces": wp.parse_netsh_interfaces,
    "netsh-networks": wp.parse_netsh_networks,
    "wdutil": wp.parse_wdutil_info,
    "system-profiler": wp.parse_system_profiler_airport,
    # The sample route table was written on a little-endian machine.
    "proc-net-route": lambda text: routes.parse_proc_net_route(text, byteorder="little"),
    "macos-route-get": routes.parse_macos_route_get,
    "macos-netstat": routes.parse_netstat_rn,
    "windows-route-print": routes.parse_windows_route_print,
    "windows-ipconfig": routes.parse_ipconfig,
}

CASES = sorted(CORPUS.glob("*/*.txt"))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def assert_matches(actual: Any, expected: Any, where: str = "result") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a record, got {actual!r}"
        for key, want in expected.items():
            assert key in actual, f"{where}: no field {key!r}"
            assert_matches(actual[key], want, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: expected a list, got {actual!r}"
        assert len(actual) == len(expected), f"{where}: {len(actual)} items, want {len(expected)}"
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            assert_matches(got, want, f"{where}[{index}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 20
    assert {p.parent.name for p in CASES} == set(PARSERS)
    for case in CASES:
        assert case.with_suffix(".json").exists(), f"{case} has no expectation"


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_corpus_case(case: Path) -> None:
    text = case.read_bytes().decode("utf-8")
    expected = json.loads(case.with_suffix(".json").read_text(encoding="utf-8"))
    parsed = PARSERS[case.parent.name](text)

    observations = None
    if isinstance(expected, dict):
        observations = expected.pop("_observations", None)
    assert_matches(_plain(parsed), expected)

    if observations is not None:
        assert isinstance(parsed, wp.HostWifi)
        values = {o.probe: o.value for o in wifi_observations(parsed)}
        for probe, want in observations.items():
            assert values[probe] == want, f"{probe}: {values[probe]!r} != {want!r}"
