"""Finding and loading the python-kasa device dumps the emulator answers from.

The bundled fixtures are verbatim copies of python-kasa's test fixtures (GPL-3.0
data, see fixtures/SOURCE.txt). Three kinds exist:

- ``smartcam``: a Tapo camera, doorbell or hub; top-level keys are the Tapo camera
  method names (``getDeviceInfo``, ``getConnectionType`` …) plus ``discovery_result``.
- ``child``: a camera attached to a hub (``child/``); it also has
  ``child_info_from_parent`` and no ``discovery_result``.
- ``iotcam``: a legacy Kasa camera (``iotcam/``) answering ``system.get_sysinfo``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures"

FixtureKind = Literal["smartcam", "child", "iotcam"]


class FixtureError(ValueError):
    """A fixture that cannot be found or does not look like a device dump."""


@dataclass(frozen=True, slots=True)
class Fixture:
    """One device dump. `data` must be treated as read-only; use `copy_data()`."""

    name: str
    path: Path
    kind: FixtureKind
    data: dict[str, Any]

    def copy_data(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    @property
    def model(self) -> str:
        """The short model name the device reports (``C210``, ``EC60(US)`` …)."""
        if self.kind == "iotcam":
            return str(self.data["system"]["get_sysinfo"]["system"]["model"])
        return str(self.data["getDeviceInfo"]["device_info"]["basic_info"]["device_model"])

    @property
    def device_type(self) -> str:
        if self.kind == "iotcam":
            return str(self.data["system"]["get_sysinfo"]["system"]["type"])
        return str(self.data["getDeviceInfo"]["device_info"]["basic_info"]["device_type"])


def _kind_of(data: dict[str, Any], path: Path) -> FixtureKind:
    if "system" in data and "get_sysinfo" in data.get("system", {}):
        return "iotcam"
    if "getDeviceInfo" not in data:
        raise FixtureError(f"{path.name}: neither a Tapo camera dump nor a Kasa get_sysinfo")
    if "child_info_from_parent" in data:
        return "child"
    return "smartcam"


@lru_cache(maxsize=64)
def _load_path(path: Path) -> Fixture:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FixtureError(f"cannot read fixture {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FixtureError(f"fixture {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise FixtureError(f"fixture {path} is not a JSON object")
    return Fixture(name=path.name, path=path, kind=_kind_of(data, path), data=data)


def list_fixtures(kind: FixtureKind | None = None) -> list[str]:
    """Names of the bundled fixtures, sorted; ``kind`` narrows the list.

    Top-level fixtures are named by file name (``C210(EU)_2.0_1.4.3.json``), the
    others by ``child/…`` or ``iotcam/…``.
    """
    names: list[str] = []
    for path in sorted(FIXTURE_DIR.glob("*.json")):
        names.append(path.name)
    for sub in ("child", "iotcam"):
        names.extend(f"{sub}/{p.name}" for p in sorted((FIXTURE_DIR / sub).glob("*.json")))
    if kind is None:
        return names
    return [n for n in names if load_fixture(n).kind == kind]


def resolve_fixture_path(fixture: str | Path) -> Path:
    """A bundled fixture name, a bare bundled file name, or a path to a JSON file."""
    if isinstance(fixture, Path) or ("/" in str(fixture) and Path(fixture).is_file()):
        path = Path(fixture)
        if not path.is_file():
            raise FixtureError(f"fixture file not found: {path}")
        return path.resolve()
    name = str(fixture)
    for candidate in (
        FIXTURE_DIR / name,
        FIXTURE_DIR / "child" / name,
        FIXTURE_DIR / "iotcam" / name,
    ):
        if candidate.is_file():
            return candidate
    as_path = Path(name)
    if as_path.is_file():
        return as_path.resolve()
    raise FixtureError(
        f"fixture not found: {name} (not a file, and not one of the bundled fixtures; "
        "`kasa-doctor emulate --list-fixtures` shows them)"
    )


def load_fixture(fixture: str | Path) -> Fixture:
    """Load a fixture by bundled name or path (cached; the data is shared, read-only)."""
    return _load_path(resolve_fixture_path(fixture))


def child_fixture_for(model: str) -> Fixture | None:
    """The bundled hub-child dump for ``model`` (``D230``), if there is one."""
    for path in sorted((FIXTURE_DIR / "child").glob("*.json")):
        fx = _load_path(path)
        if fx.model == model:
            return fx
    return None
