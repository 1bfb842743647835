"""The camera side of the Tapo "SslAes" login and secure passthrough. No I/O.

Login is two steps. Step one answers a client nonce with a server nonce and a
``device_confirm`` proving the camera knows the password hash; step two checks the
client's ``digest_passwd`` and opens a session (``stok``, start sequence number,
AES-128-CBC key and IV derived from both nonces). Every later request carries a
``Tapo_tag`` header, a hash over the session secret, the body and the sequence
number, which is checked before the body is decrypted.

Failed logins are counted as a camera does: a wrong digest in step two, and a
step one that the client abandoned (python-kasa stops after step one when the
``device_confirm`` does not match its password). After `max_failed_logins` in a
row the camera answers every login with -40404 and ``sec_left`` until the
lockout ends.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

INVALID_NONCE: Final = -40413
DEVICE_BLOCKED: Final = -40404
SESSION_EXPIRED: Final = -40401
BAD_USERNAME: Final = -40411
PROTOCOL_FORMAT_ERROR: Final = -40210
JSON_DECODE_FAIL: Final = -1003
MAX_SESSIONS: Final = 16
DEFAULT_ADMIN: Final = "admin"


def sha256_upper(data: str) -> str:
    return hashlib.sha256(data.encode()).hexdigest().upper()


def md5_upper(data: str) -> str:
    return hashlib.md5(data.encode(), usedforsecurity=False).hexdigest().upper()


def _session_key(kind: str, cnonce: str, nonce: str, pwd_hash: str) -> bytes:
    hashed = sha256_upper(cnonce + pwd_hash + nonce)
    return hashlib.sha256((kind + cnonce + nonce + hashed).encode()).digest()[:16]


class AesCbc:
    """AES-128-CBC with PKCS7 and base64, one fixed IV per session (as the camera)."""

    def __init__(self, key: bytes, iv: bytes) -> None:
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(iv))

    def encrypt(self, text: str) -> str:
        padder = sym_padding.PKCS7(128).padder()
        padded = padder.update(text.encode()) + padder.finalize()
        enc = self._cipher.encryptor()
        return base64.b64encode(enc.update(padded) + enc.finalize()).decode()

    def decrypt(self, b64: str) -> str:
        """Raise ValueError on anything that is not our ciphertext."""
        raw = base64.b64decode(b64, validate=True)
        if not raw or len(raw) % 16:
            raise ValueError("ciphertext is not a whole number of blocks")
        dec = self._cipher.decryptor()
        padded = dec.update(raw) + dec.finalize()
        unpadder = sym_padding.PKCS7(128).unpadder()
        return (unpadder.update(padded) + unpadder.finalize()).decode()


@dataclass(slots=True)
class Session:
    stok: str
    cnonce: str
    pwd_hash: str
    cipher: AesCbc
    next_seq: int
    tag_secret: str = field(init=False)

    def __post_init__(self) -> None:
        self.tag_secret = sha256_upper(self.pwd_hash + self.cnonce)

    def tag_for(self, body: str, seq: int) -> str:
        return sha256_upper(self.tag_secret + body + str(seq))


@dataclass(slots=True)
class _Challenge:
    cnonce: str
    nonce: str
    username: str


class PassthroughError(Exception):
    """A passthrough request the camera refuses; `code` is the error_code to send."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class Authenticator:
    """Logins and sessions of one camera."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        max_failed_logins: int = 5,
        lockout_seconds: int = 1800,
    ) -> None:
        self.username = username
        self.password = password
        self.max_failed_logins = max_failed_logins
        self.lockout_seconds = lockout_seconds
        self.failed_logins = 0
        self.locked_until = 0.0
        self.password_override: str | None = None
        self._pending: _Challenge | None = None
        self._sessions: dict[str, Session] = {}

    # ----- state ------------------------------------------------------------

    @property
    def effective_password(self) -> str:
        return self.password if self.password_override is None else self.password_override

    def is_locked(self, now: float) -> bool:
        return now < self.locked_until

    def reset_lockout(self) -> None:
        self.failed_logins = 0
        self.locked_until = 0.0
        self._pending = None

    def discard_challenge(self) -> None:
        """Forget the last challenge: it never reached the client intact."""
        self._pending = None

    def drop_sessions(self) -> None:
        """A reboot forgets every session (clients must log in again)."""
        self._sessions.clear()
        self._pending = None

    def session(self, stok: str) -> Session | None:
        return self._sessions.get(stok)

    # ----- login -----------------------------------------------------------------

    def login(self, params: Any, now: float) -> dict[str, Any]:
        """Answer a ``login`` request body's params."""
        if not isinstance(params, dict):
            return {"error_code": PROTOCOL_FORMAT_ERROR}
        if self.is_locked(now):
            return self._blocked(now)
        cnonce = params.get("cnonce")
        username = params.get("username")
        if not isinstance(cnonce, str) or not cnonce or not isinstance(username, str):
            return {"error_code": PROTOCOL_FORMAT_ERROR}
        digest = params.get("digest_passwd")
        if digest is None:
            return self._step_one(cnonce, username, now)
        if not isinstance(digest, str):
            return {"error_code": PROTOCOL_FORMAT_ERROR}
        return self._step_two(cnonce, username, digest, now)

    def _step_one(self, cnonce: str, username: str, now: float) -> dict[str, Any]:
        if username not in (self.username, DEFAULT_ADMIN):
            return {"error_code": BAD_USERNAME, "result": {"data": {"code": BAD_USERNAME}}}
        # An earlier challenge that was never answered: the client gave up on it.
        if self._pending is not None and self._count_failure(now):
            return self._blocked(now)
        nonce = secrets.token_hex(8).upper()
        pwd_hash = sha256_upper(self.effective_password)
        confirm = sha256_upper(cnonce + pwd_hash + nonce) + nonce + cnonce
        self._pending = _Challenge(cnonce=cnonce, nonce=nonce, username=username)
        data = {
            "code": INVALID_NONCE,
            "encrypt_type": ["3"],
            "key": "",
            "nonce": nonce,
            "device_confirm": confirm,
        }
        return {"error_code": INVALID_NONCE, "result": {"data": data}}

    def _step_two(self, cnonce: str, username: str, digest: str, now: float) -> dict[str, Any]:
        pending = self._pending
        if pending is None or pending.cnonce != cnonce:
            return {"error_code": INVALID_NONCE, "result": {"data": {"code": INVALID_NONCE}}}
        self._pending = None
        nonce = pending.nonce
        for pwd_hash in (
            sha256_upper(self.effective_password),
            md5_upper(self.effective_password),
        ):
            if digest == sha256_upper(pwd_hash + cnonce + nonce) + cnonce + nonce:
                return self._open_session(cnonce, nonce, pwd_hash)
        if self._count_failure(now):
            return self._blocked(now)
        return {"error_code": INVALID_NONCE, "result": {"data": {"code": INVALID_NONCE}}}

    def _open_session(self, cnonce: str, nonce: str, pwd_hash: str) -> dict[str, Any]:
        self.failed_logins = 0
        key = _session_key("lsk", cnonce, nonce, pwd_hash)
        iv = _session_key("ivb", cnonce, nonce, pwd_hash)
        stok = secrets.token_hex(16)
        start_seq = secrets.randbelow(10_000) + 1
        if len(self._sessions) >= MAX_SESSIONS:
            self._sessions.pop(next(iter(self._sessions)))
        self._sessions[stok] = Session(stok, cnonce, pwd_hash, AesCbc(key, iv), start_seq)
        return {
            "error_code": 0,
            "result": {"stok": stok, "user_group": "root", "start_seq": start_seq},
        }

    def _count_failure(self, now: float) -> bool:
        """Count one failed login; True if that locked the camera."""
        self.failed_logins += 1
        if self.failed_logins >= self.max_failed_logins:
            self.locked_until = now + self.lockout_seconds
            self._pending = None
            return True
        return False

    def _blocked(self, now: float) -> dict[str, Any]:
        data = {"code": DEVICE_BLOCKED, "sec_left": max(1, int(self.locked_until - now))}
        return {"error_code": DEVICE_BLOCKED, "data": data, "result": {"data": data}}

    # ----- passthrough -------------------------------------------------------------

    @staticmethod
    def check_tag(session: Session, body: str, headers: dict[str, str]) -> None:
        """Check the Tapo_tag and Seq headers of a passthrough request (lower-case names)."""
        try:
            seq = int(headers.get("seq", ""))
        except ValueError as exc:
            raise PassthroughError(SESSION_EXPIRED, "missing or bad Seq header") from exc
        tag = headers.get("tapo_tag", "")
        if seq < session.next_seq or tag != session.tag_for(body, seq):
            raise PassthroughError(SESSION_EXPIRED, "bad Tapo_tag or replayed Seq")
        session.next_seq = seq + 1


@lru_cache(maxsize=1)
def _wifi_key() -> rsa.RSAPrivateKey:
    # One key per process: generating one per camera would make a 1000-camera
    # farm take minutes to start, and a shared key is invisible to clients.
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def wifi_public_key_b64() -> str:
    """The DER public key a camera hands out with scanApList for password wrapping."""
    der = (
        _wifi_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


def decrypt_wifi_password(b64: str) -> str | None:
    """Unwrap a connectAp password (RSA PKCS#1 v1.5); None if it is not ours."""
    try:
        raw = base64.b64decode(b64, validate=True)
        return _wifi_key().decrypt(raw, rsa_padding.PKCS1v15()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
