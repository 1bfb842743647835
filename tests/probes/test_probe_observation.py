"""The shared Observation type."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kasa_doctor.probes import CORE_VALUES, Observation, as_evidence


def test_observation_holds_a_core_value() -> None:
    obs = Observation("gateway_reachable", "yes", {"gateway": "192.0.2.1"}, "The router answers.")
    assert obs.known
    assert json.loads(json.dumps(obs.to_dict())) == {
        "probe": "gateway_reachable",
        "value": "yes",
        "raw": {"gateway": "192.0.2.1"},
        "detail": "The router answers.",
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        obs.value = "no"  # type: ignore[misc]


def test_wrong_values_are_caught_where_they_are_made() -> None:
    with pytest.raises(ValueError, match="gateway_reachable"):
        Observation("gateway_reachable", "maybe")
    with pytest.raises(ValueError):
        Observation("host_wifi_band", "6ghz")
    # Probe ids the contract does not list yet are not checked.
    assert Observation("camera_temperature", "41.5").value == "41.5"


def test_unknown_and_evidence() -> None:
    unknown = Observation.unknown("dns_works", "No DNS server could be asked.", {"error": "x"})
    assert not unknown.known
    assert unknown.raw == {"error": "x"}
    evidence = as_evidence(
        [
            Observation("dns_works", "no"),
            unknown,
            Observation("internet_reachable", "no"),
            Observation("internet_reachable", "yes"),
        ]
    )
    assert evidence == {"dns_works": "no", "internet_reachable": "yes"}


def test_contract_probe_ids_are_all_listed() -> None:
    assert {
        "gateway_reachable",
        "dns_works",
        "internet_reachable",
        "host_wifi_band",
        "host_wifi_security",
        "ssid_24ghz_visible",
    } <= set(CORE_VALUES)
    assert len(CORE_VALUES) == 18
