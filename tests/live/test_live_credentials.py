"""Where the login comes from, and that it never shows."""

from __future__ import annotations

import pytest

from kasa_doctor.probes.credentials import (
    KEYRING_SERVICE,
    CameraCredentials,
    ask_credentials,
    forget_keyring,
    from_keyring,
    resolve_credentials,
    save_to_keyring,
    scrub,
)
from tests.live.support import MemoryKeyring


def test_environment_first(memory_keyring: MemoryKeyring) -> None:
    save_to_keyring(CameraCredentials("saved@example.com", "saved-pw"))
    env = {"KASA_USERNAME": "env@example.com", "KASA_PASSWORD": "env-pw"}
    found = resolve_credentials(env)
    assert found is not None
    assert (found.username, found.password, found.source) == (
        "env@example.com",
        "env-pw",
        "environment",
    )


def test_custom_variable_names() -> None:
    env = {"CAM_USER": "u@example.com", "CAM_PASS": "pw"}
    found = resolve_credentials(env, username_env="CAM_USER", password_env="CAM_PASS")
    assert found is not None and found.username == "u@example.com"
    assert resolve_credentials(env, use_keyring=False) is None


def test_half_an_environment_login_is_not_a_login(memory_keyring: MemoryKeyring) -> None:
    assert resolve_credentials({"KASA_USERNAME": "u@example.com"}) is None


def test_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    assert from_keyring() is None
    assert save_to_keyring(CameraCredentials("a@example.com", "pw-a"))
    found = resolve_credentials({})
    assert found is not None
    assert (found.username, found.password, found.source) == ("a@example.com", "pw-a", "keyring")
    # A new account replaces the old one entirely.
    assert save_to_keyring(CameraCredentials("b@example.com", "pw-b"))
    assert (KEYRING_SERVICE, "a@example.com") not in memory_keyring.store
    assert forget_keyring()
    assert from_keyring() is None
    assert memory_keyring.store == {}


def test_broken_keyring_means_nothing_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    def broken(*args: object) -> None:
        raise RuntimeError("no secret service")

    monkeypatch.setattr(keyring, "get_password", broken)
    monkeypatch.setattr(keyring, "set_password", broken)
    assert from_keyring() is None
    assert not save_to_keyring(CameraCredentials("a@example.com", "pw"))


def test_repr_never_shows_the_login() -> None:
    creds = CameraCredentials("who@example.com", "s3cret-value", "prompt")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "s3cret-value" not in text and "who@example.com" not in text
        assert "redacted" in text


def test_ask_hides_the_password() -> None:
    asked: list[tuple[str, bool]] = []
    answers = iter(["me@example.com", "pw"])

    def prompt(question: str, hidden: bool) -> str:
        asked.append((question, hidden))
        return next(answers)

    creds = ask_credentials(prompt)
    assert creds is not None and creds.source == "prompt"
    assert [hidden for _, hidden in asked] == [False, True]
    assert ask_credentials(lambda q, h: "") is None


def test_scrub_removes_every_form_of_the_secret() -> None:
    creds = CameraCredentials("me@example.com", "Pa55word!")
    text = " ".join(creds.secrets()) + " " + creds.secrets()[-1].lower()
    cleaned = scrub(f"x {text} y", creds.secrets())
    for secret in creds.secrets():
        assert secret not in cleaned
    assert cleaned.startswith("x ") and cleaned.endswith(" y")


def test_check_asks_with_hidden_input_and_offers_to_save(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    import typer

    from kasa_doctor.cli import check

    answers = iter(["me@example.com", "typed-pw"])
    asked: list[tuple[str, bool]] = []

    def prompt(text: str, **kwargs: object) -> str:
        asked.append((text, bool(kwargs.get("hide_input"))))
        return next(answers)

    monkeypatch.setattr(typer, "prompt", prompt)
    monkeypatch.setattr(typer, "confirm", lambda *args, **kwargs: True)
    creds = check._credentials("KASA_USERNAME", "KASA_PASSWORD", True, True)
    assert creds is not None and creds.source == "prompt"
    assert [hidden for _, hidden in asked] == [False, True]
    assert memory_keyring.store[(KEYRING_SERVICE, "me@example.com")] == "typed-pw"
    # Saved: the next run finds it without asking.
    monkeypatch.setattr(typer, "prompt", lambda *a, **k: pytest.fail("asked again"))
    again = check._credentials("KASA_USERNAME", "KASA_PASSWORD", True, True)
    assert again is not None and again.source == "keyring"


def test_check_never_asks_when_not_interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from kasa_doctor.cli import check

    monkeypatch.setattr(typer, "prompt", lambda *a, **k: pytest.fail("asked"))
    assert check._credentials("KASA_USERNAME", "KASA_PASSWORD", True, False) is None
