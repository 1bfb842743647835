"""Options of the live checks; kept apart so the CLI can declare them without
importing python-kasa and the probes (start-up time)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LiveOptions:
    host: str | None = None
    target: str | None = None
    #: also check the home network and this computer's Wi-Fi (they touch the router)
    network: bool = False
    gateway: str | None = None
    internet: tuple[str, ...] = ()
    timeout: float = 5.0

    @property
    def wanted(self) -> bool:
        return bool(self.host or self.target or self.network)
