"""The YAML configuration: defaults, overrides, errors by file:line, logins kept out."""

from __future__ import annotations

from pathlib import Path

import pytest

from kasa_doctor.monitor.config import (
    ConfigError,
    describe_reference,
    load_config,
    parse_config,
    resolve_reference,
)
from tests.live.support import MemoryKeyring

GOOD = """\
interval: 60
concurrency: 4
notify: ["json://127.0.0.1:9/hook"]
thresholds:
  offline_rounds: 5
login_backoff: {initial: 120, max_attempts: 2}
cameras:
  - name: porch
    host: 192.0.2.10
    credentials: env
    thresholds: {offline_rounds: 2, weak_signal_dbm: -75}
    ignore: [update_available]
  - host: "192.0.2.11:8443"
    credentials: "keyring:my-service"
  - host: "[2001:db8::1]:443"
    family: tapo
    credentials: none
"""


def test_a_full_config_is_read_with_defaults_and_overrides() -> None:
    config = parse_config(GOOD)
    assert config.interval == 60 and config.concurrency == 4
    assert config.timeout == 5.0  # default
    porch, second, third = config.cameras
    assert porch.label == "porch"
    assert second.label == "192.0.2.11:8443"  # no name: the address is the name
    assert str(third.target()) == "[2001:db8::1]:443" and third.target().family == "tapo"
    merged = config.thresholds_for(porch)
    assert merged.offline_rounds == 2 and merged.weak_signal_dbm == -75
    assert merged.weak_signal_rounds == 3  # from the defaults
    assert config.thresholds_for(second).offline_rounds == 5  # from the top level
    assert porch.ignore == ["update_available"]
    assert config.login_backoff.max_attempts == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "cameras:\n  - host: 192.0.2.1\n    credentials: wallet\n",
            "cfg.yaml:3: cameras.0.credentials",
        ),
        (
            "cameras:\n  - host: 300.1.1.1\n",
            "cfg.yaml:2: cameras.0.host: '300.1.1.1' is not a valid",
        ),
        ("interval: -1\ncameras:\n  - host: 192.0.2.1\n", "cfg.yaml:1: interval:"),
        ("cameras: []\n", "cfg.yaml:1: cameras:"),
        ("camera:\n  - host: 192.0.2.1\n", "cfg.yaml:1: camera: Extra inputs"),
        (
            "cameras:\n  - host: 192.0.2.1\n    ignore: [bananas]\n",
            "cfg.yaml:3: cameras.0.ignore.0:",
        ),
        (
            "login_backoff: {max_attempts: 5}\ncameras:\n  - host: 192.0.2.1\n",
            "cfg.yaml:1: login_backoff.max_attempts:",
        ),
        ("cameras: [\n", "cfg.yaml:2: not valid YAML"),
        ("- just a list\n", "cfg.yaml:1: expected a mapping"),
    ],
)
def test_problems_are_reported_with_file_and_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cfg.yaml")
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems
    assert all("\n" not in p for p in caught.value.problems)


def test_duplicate_names_are_refused_at_the_second_one() -> None:
    text = "cameras:\n  - {name: a, host: 192.0.2.1}\n  - {name: a, host: 192.0.2.2}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cfg.yaml")
    assert caught.value.problems == [
        "cfg.yaml:3: cameras.1: camera 'a' is listed twice (also cameras.0); "
        "give each a distinct name"
    ]


def test_a_login_in_the_file_is_refused_without_echoing_it() -> None:
    text = "cameras:\n  - host: 192.0.2.1\n    password: hunter2-secret\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cfg.yaml")
    message = str(caught.value)
    assert message.startswith("cfg.yaml:3: cameras.0.password: a login does not belong")
    assert "hunter2-secret" not in message


def test_load_config_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert len(caught.value.problems) == 1 and "no such file" in caught.value.problems[0]


def test_references_resolve_from_environment_and_keyring(
    isolated_home: MemoryKeyring,
) -> None:
    env = {"KASA_USERNAME": "a@x", "KASA_PASSWORD": "pa", "PORCH_USERNAME": "b@x"}
    found = resolve_reference("env", env)
    assert found is not None and found.username == "a@x" and found.source == "environment"
    assert resolve_reference("env:PORCH", env) is None  # password missing
    env["PORCH_PASSWORD"] = "pb"
    porch = resolve_reference("env:PORCH", env)
    assert porch is not None and porch.password == "pb"
    assert resolve_reference("none", env) is None
    assert resolve_reference("keyring:svc", env) is None
    isolated_home.set_password("svc", "__username__", "k@x")
    isolated_home.set_password("svc", "k@x", "pk")
    from_keyring = resolve_reference("keyring:svc", env)
    assert from_keyring is not None and from_keyring.password == "pk"
    assert "PORCH_USERNAME" in describe_reference("env:PORCH")
    assert "'svc'" in describe_reference("keyring:svc")
