"""How the web server was started: where it listens, its token, where the cameras are."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kasa_doctor.fixes.model import FixTimings

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name to bind or a Host header's name) is loopback."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8787
    #: required on every request when the server listens beyond loopback; None on
    #: loopback means no token (the owner's own computer)
    token: str | None = None
    #: the watch configuration the dashboard reads (None: the default place)
    config_path: Path | None = None
    #: the watcher's database (None: the configuration's, else the default)
    database: str | None = None
    #: seconds a live check of one camera may take per network step
    check_timeout: float = 5.0
    #: how long kasa-doctor's own repair steps wait (None: a real camera's; tests pass
    #: the emulator's)
    fix_timings: FixTimings | None = None
    #: signs the CSRF tokens of this server run
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @property
    def requires_token(self) -> bool:
        return self.token is not None or not is_loopback(self.host)

    @classmethod
    def for_bind(
        cls, host: str, port: int, token: str | None = None, **kwargs: object
    ) -> WebSettings:
        """Settings for listening on ``host``; beyond loopback a token is made if none
        is given, so the server is never open to the network without one."""
        if token is None and not is_loopback(host):
            token = new_token()
        return cls(host=host, port=port, token=token, **kwargs)  # type: ignore[arg-type]
