"""Where the camera login comes from: environment, OS keyring, or the owner typing it.

The login is the owner's TP-Link cloud account (e-mail and password), the same one
the Tapo app uses. It never comes from a command-line argument (it would land in
shell history and ``ps``), never reaches a log, a report or the database, and a
:class:`CameraCredentials` object prints as ``CameraCredentials(<redacted>)`` so
an accidental ``repr`` in a traceback or a log line cannot leak it.

Resolution order: the environment variables (python-kasa's own convention,
``KASA_USERNAME`` / ``KASA_PASSWORD``), then the OS keyring (service
``kasa-doctor``), else nothing — the caller then asks with hidden input, or runs
the checks that need no login.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from kasa import Credentials as KasaCredentials

_LOGGER = logging.getLogger(__name__)

KEYRING_SERVICE: Final = "kasa-doctor"
# The keyring stores one secret per (service, name). The account name is kept under
# this fixed entry, and the password under the account name.
KEYRING_USERNAME_ENTRY: Final = "__username__"
USERNAME_ENV: Final = "KASA_USERNAME"
PASSWORD_ENV: Final = "KASA_PASSWORD"

CredentialSource = Literal["environment", "keyring", "prompt"]


@dataclass(frozen=True)
class CameraCredentials:
    """A camera login. ``repr`` and ``str`` never show either part."""

    username: str = field(repr=False)
    password: str = field(repr=False)
    source: CredentialSource = "prompt"

    def __repr__(self) -> str:
        return f"CameraCredentials(<redacted>, source={self.source!r})"

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be written anywhere (for scrubbing and tests).

        python-kasa's SslAes transport keeps a base64 JSON of the plain login as its
        "credentials hash", and the camera handshake uses SHA-256 / MD5 digests of the
        password; all of those are as good as the password itself.
        """
        plain = json.dumps({"un": self.username, "pwd": self.password}, separators=(",", ":"))
        spaced = json.dumps({"un": self.username, "pwd": self.password})
        out = {
            self.password,
            self.username,
            base64.b64encode(plain.encode()).decode(),
            base64.b64encode(spaced.encode()).decode(),
            hashlib.sha256(self.password.encode()).hexdigest().upper(),
            hashlib.md5(self.password.encode(), usedforsecurity=False).hexdigest().upper(),
        }
        return tuple(s for s in out if s)

    def to_kasa(self) -> KasaCredentials:
        """python-kasa's own ``Credentials`` (imported late: python-kasa is heavy)."""
        from kasa import Credentials

        return Credentials(self.username, self.password)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***`` (case-insensitive for hex digests)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) < 3:
            continue  # too short to replace without mangling ordinary words
        text = text.replace(secret, "***")
        if secret.isalnum() and secret.upper() == secret:
            text = text.replace(secret.lower(), "***")
    return text


def from_environment(
    environ: Mapping[str, str] | None = None,
    *,
    username_env: str = USERNAME_ENV,
    password_env: str = PASSWORD_ENV,
) -> CameraCredentials | None:
    """Both variables set and non-empty, or None."""
    env = os.environ if environ is None else environ
    username = env.get(username_env, "")
    password = env.get(password_env, "")
    if username and password:
        return CameraCredentials(username, password, "environment")
    return None


def from_keyring(service: str = KEYRING_SERVICE) -> CameraCredentials | None:
    """The login saved with :func:`save_to_keyring`, or None.

    A missing or locked keyring (headless Linux without a Secret Service, a keyring
    that refuses access) is not an error for a diagnostic tool: it just means "not
    saved here". Only the exception type is logged, never its text, because some
    backends echo what they were asked to store.
    """
    try:
        import keyring

        username = keyring.get_password(service, KEYRING_USERNAME_ENTRY)
        if not username:
            return None
        password = keyring.get_password(service, username)
    except Exception as exc:  # any backend failure means "nothing saved"
        _LOGGER.debug("keyring not usable: %s", type(exc).__name__)
        return None
    if not password:
        return None
    return CameraCredentials(username, password, "keyring")


def resolve_credentials(
    environ: Mapping[str, str] | None = None,
    *,
    username_env: str = USERNAME_ENV,
    password_env: str = PASSWORD_ENV,
    use_keyring: bool = True,
    service: str = KEYRING_SERVICE,
) -> CameraCredentials | None:
    """Environment first (explicit for this run), then the keyring, else None."""
    found = from_environment(environ, username_env=username_env, password_env=password_env)
    if found is not None:
        return found
    if use_keyring:
        return from_keyring(service)
    return None


def save_to_keyring(credentials: CameraCredentials, service: str = KEYRING_SERVICE) -> bool:
    """Store the login in the OS keyring; False (and nothing stored) if that fails."""
    try:
        import keyring

        previous = keyring.get_password(service, KEYRING_USERNAME_ENTRY)
        keyring.set_password(service, credentials.username, credentials.password)
        keyring.set_password(service, KEYRING_USERNAME_ENTRY, credentials.username)
        if previous and previous != credentials.username:
            # The old account's password would otherwise linger in the keyring.
            try:
                keyring.delete_password(service, previous)
            except Exception as exc:  # already gone is fine
                _LOGGER.debug("could not remove the old keyring entry: %s", type(exc).__name__)
    except Exception as exc:
        _LOGGER.debug("keyring not usable: %s", type(exc).__name__)
        return False
    return True


def forget_keyring(service: str = KEYRING_SERVICE) -> bool:
    """Remove the saved login; True if something was removed."""
    try:
        import keyring

        username = keyring.get_password(service, KEYRING_USERNAME_ENTRY)
        if not username:
            return False
        keyring.delete_password(service, username)
        keyring.delete_password(service, KEYRING_USERNAME_ENTRY)
    except Exception as exc:
        _LOGGER.debug("keyring not usable: %s", type(exc).__name__)
        return False
    return True


Prompt = Callable[[str, bool], str]
"""Asks one question; the bool says whether the input must be hidden."""


def ask_credentials(prompt: Prompt) -> CameraCredentials | None:
    """Ask for the login (password hidden); None if the owner gives nothing."""
    username = prompt("TP-Link account e-mail", False).strip()
    if not username:
        return None
    password = prompt("TP-Link account password", True)
    if not password:
        return None
    return CameraCredentials(username, password, "prompt")
