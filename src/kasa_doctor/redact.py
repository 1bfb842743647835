"""Redaction: what leaves the owner's computer in a report has no address, name or id.

Done once, by one central list of keys (the way Home Assistant's tplink
``diagnostics.py`` does it with ``TO_REDACT``), for every report kasa-doctor writes.
Three nets, applied together by :class:`Redactor`:

1. **Keys.** A value stored under a key in :data:`KEYS` (or whose key *ends* in a
   word from :data:`LAST_WORDS`, such as ``last_known_ip`` or ``connect_ssid``) is
   replaced by a placeholder, whatever it looks like. Keys are compared without case
   and without ``_``/``-``, so ``deviceId``, ``device_id`` and ``DEVICE-ID`` are one.
2. **Known values.** A value caught by a key is also removed wherever else it
   appears as free text (a probe's sentence "The network 'Home' is …", a dict key),
   including the decoded form of a base64 SSID or nickname.
3. **Patterns.** Any MAC address, IPv4/IPv6 address or e-mail address in any string.

Placeholders are stable within one redaction: the same MAC written as
``40-AE-30-00-00-00`` or ``40ae30000000`` becomes the same ``**REDACTED-MAC-1**``
everywhere, so support can still see that two readings name the same device.

Secrets (passwords, tokens, Matter set-up codes) are removed even when the owner
asks for an unredacted report: credentials never reach a report (DESIGN.md).

Model, hardware and firmware versions are kept untouched (:data:`KEEP`): support
needs them, and a four-part firmware version must not be mistaken for an address.

Values from the knowledge base (question texts, step titles) are our own words; a
dataclass field marked with :data:`TRUSTED` metadata gets only the pattern net, so an
alias such as "Garage" cannot blank out the word in "Restart the garage router".
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from typing import Final, Literal, TypeVar, cast

T = TypeVar("T")

Category = Literal["MAC", "IP", "SSID", "ID", "NAME", "EMAIL", "LOCATION", "SECRET"]

#: dataclass field metadata for text that comes from the knowledge base, not a device
TRUSTED: Final[Mapping[str, object]] = {"redact": "trusted"}

# --- the central key list ---------------------------------------------------------------

#: normalised key (lower case, no ``_``, ``-``, ``.`` or spaces) -> what it holds.
#: Found by reading every fixture in emulator/fixtures (python-kasa's own dumps mask
#: exactly these) and every probe's ``raw``.
KEYS: Final[dict[str, Category]] = {
    # hardware addresses; a BSSID is the router's MAC (and locates it on public maps)
    "mac": "MAC",
    "micmac": "MAC",
    "bssid": "MAC",
    "macaddress": "MAC",
    "hwaddr": "MAC",
    "extaddr": "MAC",  # Zigbee/sub-GHz EUI-64 of hub children
    "lastknownmac": "MAC",
    # network addresses and host names
    "ip": "IP",
    "ipaddr": "IP",
    "ipaddress": "IP",
    "localip": "IP",
    "host": "IP",
    "hostname": "IP",
    "gateway": "IP",
    "address": "IP",
    "addresses": "IP",
    "server": "IP",
    "dnsserver": "IP",
    "lastknownip": "IP",
    "shortaddr": "IP",
    # Wi-Fi network names (Tapo sends them base64-encoded)
    "ssid": "SSID",
    "essid": "SSID",
    "connectssid": "SSID",
    "currentssid": "SSID",
    "wifiname": "SSID",
    "networkname": "SSID",
    # ids and serials of the device, its parts and its owner's account
    "deviceid": "ID",
    "devid": "ID",
    "parentdeviceid": "ID",
    "originaldeviceid": "ID",
    "hwid": "ID",
    "oemid": "ID",
    "fwid": "ID",
    "hwdesc": "ID",
    "serial": "ID",
    "serialnumber": "ID",
    "sn": "ID",
    "barcode": "ID",
    "owner": "ID",
    "uuid": "ID",
    "uniqueid": "ID",
    "clientid": "ID",
    "cloudid": "ID",
    "publickey": "ID",
    # names the owner gave (or the room the icon shows)
    "alias": "NAME",
    "nickname": "NAME",
    "devicealias": "NAME",
    "devicename": "NAME",
    "avatar": "NAME",
    # the owner's account
    "email": "EMAIL",
    "username": "EMAIL",
    "user": "EMAIL",
    "account": "EMAIL",
    "cloudusername": "EMAIL",
    "login": "EMAIL",
    # where the camera is
    "location": "LOCATION",
    "latitude": "LOCATION",
    "longitude": "LOCATION",
    "latitudei": "LOCATION",
    "longitudei": "LOCATION",
    "city": "LOCATION",
    "region": "LOCATION",
    "country": "LOCATION",
    "zoneid": "LOCATION",
    "postcode": "LOCATION",
    "zip": "LOCATION",
    # secrets: removed even from an unredacted report
    "password": "SECRET",
    "passwd": "SECRET",
    "pwd": "SECRET",
    "key": "SECRET",
    "privatekey": "SECRET",
    "token": "SECRET",
    "accesstoken": "SECRET",
    "refreshtoken": "SECRET",
    "secret": "SECRET",
    "credentials": "SECRET",
    "credentialshash": "SECRET",
    "setupcode": "SECRET",
    "setuppayload": "SECRET",
    "cookie": "SECRET",
}

#: the last word of a longer key: ``last_known_ip``, ``connect_ssid``, ``router_mac``
LAST_WORDS: Final[dict[str, Category]] = {
    "mac": "MAC",
    "bssid": "MAC",
    "ip": "IP",
    "ipv4": "IP",
    "ipv6": "IP",
    "ipaddr": "IP",
    "host": "IP",
    "hostname": "IP",
    "gateway": "IP",
    "ssid": "SSID",
    "email": "EMAIL",
    "username": "EMAIL",
    "alias": "NAME",
    "nickname": "NAME",
    "serial": "ID",
    "password": "SECRET",
    "token": "SECRET",
}

#: versions and model names: support needs them, and they are never scanned
KEEP: Final[frozenset[str]] = frozenset(
    {
        "model",
        "devicemodel",
        "hardwareversion",
        "hwver",
        "hwversion",
        "firmware",
        "firmwareversion",
        "swver",
        "swversion",
        "fwver",
        "version",
        "newversion",
        "installed",
    }
)

# --- patterns -----------------------------------------------------------------------------

_HEX = "[0-9A-Fa-f]"
MAC_PATTERN: Final = re.compile(
    rf"(?<![0-9A-Fa-f:.-])(?:{_HEX}{{2}}([:-]))(?:{_HEX}{{2}}\1){{4}}{_HEX}{{2}}(?![0-9A-Fa-f:-])"
    rf"|(?<![0-9A-Fa-f.]){_HEX}{{4}}\.{_HEX}{{4}}\.{_HEX}{{4}}(?![0-9A-Fa-f.])"
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4_PATTERN: Final = re.compile(rf"(?<![\d.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\d|\.\d)")
# Candidates only: anything with at least two colons between hex groups; the
# ipaddress module decides (a time such as 12:30:45 is not an address).
IPV6_CANDIDATE: Final = re.compile(
    r"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
    r"(?:%[0-9A-Za-z_.-]+)?(?![0-9A-Za-z:])"
)
EMAIL_PATTERN: Final = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
)

#: known values shorter than this are not searched for in free text ("EU", "0")
MIN_KNOWN = 3

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def normalise_key(key: str) -> str:
    return re.sub(r"[\s_.\-]", "", key).lower()


def category(key: object) -> Category | None:
    """What a value stored under ``key`` holds, or None when it is not sensitive."""
    if not isinstance(key, str):
        return None
    found = KEYS.get(normalise_key(key))
    if found is not None:
        return found
    words = [w.lower() for w in _WORDS.findall(key)]
    if len(words) > 1:
        return LAST_WORDS.get(words[-1])
    return None


def _decoded_text(value: str) -> str | None:
    """The text a base64 value stands for (Tapo SSIDs and nicknames), if it is one."""
    if len(value) < 4 or len(value) % 4:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if text and text.isprintable() else None


def _canonical(cat: Category, value: str) -> str:
    """One spelling per thing, so its variants share a placeholder."""
    if cat == "MAC":
        digits = re.sub(r"[^0-9A-Fa-f]", "", value)
        return digits.lower() if len(digits) in (12, 16) else value
    if cat == "IP":
        try:
            return ipaddress.ip_address(value.split("%")[0]).compressed
        except ValueError:
            return value.lower()
    if cat in ("SSID", "NAME"):
        return _decoded_text(value) or value
    if cat == "EMAIL":
        return value.lower()
    return value


def _variants(cat: Category, value: str) -> set[str]:
    """Spellings of a caught value to search for in free text."""
    found = {value}
    if cat in ("SSID", "NAME"):
        decoded = _decoded_text(value)
        if decoded:
            found.add(decoded)
    if cat == "MAC":
        digits = re.sub(r"[^0-9A-Fa-f]", "", value)
        if len(digits) == 12:
            pairs = [digits[i : i + 2] for i in range(0, 12, 2)]
            for text in (digits, ":".join(pairs), "-".join(pairs)):
                found |= {text.lower(), text.upper()}
    return {v for v in found if len(v) >= MIN_KNOWN}


class Redactor:
    """Redacts one document; its placeholders are consistent within that document.

    ``identifying=False`` keeps addresses, names and ids (``--no-redact``) but still
    removes secrets.
    """

    def __init__(self, *, identifying: bool = True) -> None:
        self.identifying = identifying
        self._placeholders: dict[tuple[Category, str], str] = {}
        self._counts: dict[Category, int] = {}
        self._known: dict[str, str] = {}  # free-text spelling -> placeholder
        self._kept: set[str] = set()
        self._known_re: re.Pattern[str] | None = None

    # --- public -----------------------------------------------------------------------

    def __call__(self, value: T) -> T:
        """A redacted copy of ``value`` (dicts, lists, tuples, dataclasses, scalars)."""
        self._collect(value, None, trusted=False)
        # A value that is also someone's model or version is not searched for in
        # free text: "C210" as a camera's alias must not hide the model.
        for kept in self._kept:
            self._known.pop(kept, None)
        spellings = sorted(self._known, key=len, reverse=True)
        self._known_re = (
            re.compile(
                r"(?<![0-9A-Za-z])(?:" + "|".join(map(re.escape, spellings)) + r")(?![0-9A-Za-z])"
            )
            if spellings
            else None
        )
        return cast(T, self._apply(value, None, trusted=False))

    def placeholder(self, cat: Category, value: str) -> str:
        if cat == "SECRET":
            return "**REDACTED-SECRET**"
        canon = (cat, _canonical(cat, value))
        found = self._placeholders.get(canon)
        if found is None:
            self._counts[cat] = self._counts.get(cat, 0) + 1
            found = f"**REDACTED-{cat}-{self._counts[cat]}**"
            self._placeholders[canon] = found
        return found

    # --- pass 1: what is sensitive -----------------------------------------------------

    def _active(self, cat: Category | None) -> bool:
        return cat is not None and (self.identifying or cat == "SECRET")

    def _collect(self, value: object, cat: Category | None, *, trusted: bool) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and normalise_key(key) in KEEP:
                    if isinstance(item, str):
                        self._kept.add(item)
                    continue
                self._collect(item, cat or category(key), trusted=trusted)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                self._collect(item, cat, trusted=trusted)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                if normalise_key(f.name) in KEEP:
                    item = getattr(value, f.name)
                    if isinstance(item, str):
                        self._kept.add(item)
                    continue
                self._collect(
                    getattr(value, f.name),
                    cat or category(f.name),
                    trusted=trusted or f.metadata.get("redact") == "trusted",
                )
        elif self._active(cat) and _is_value(value):
            assert cat is not None
            text = str(value)
            mark = self.placeholder(cat, text)
            for spelling in _variants(cat, text):
                self._known.setdefault(spelling, mark)

    # --- pass 2: replace ------------------------------------------------------------------

    def _apply(self, value: object, cat: Category | None, *, trusted: bool) -> object:
        if isinstance(value, Mapping):
            out: dict[object, object] = {}
            for key, item in value.items():
                new_key = self._text(key, trusted=trusted) if isinstance(key, str) else key
                if isinstance(key, str) and normalise_key(key) in KEEP:
                    out[new_key] = item
                else:
                    out[new_key] = self._apply(item, cat or category(key), trusted=trusted)
            return out
        if isinstance(value, list):
            return [self._apply(item, cat, trusted=trusted) for item in value]
        if isinstance(value, tuple):
            return tuple(self._apply(item, cat, trusted=trusted) for item in value)
        if isinstance(value, set | frozenset):
            return [self._apply(item, cat, trusted=trusted) for item in sorted(value, key=str)]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes: dict[str, object] = {}
            for f in dataclasses.fields(value):
                if normalise_key(f.name) in KEEP:
                    continue
                changes[f.name] = self._apply(
                    getattr(value, f.name),
                    cat or category(f.name),
                    trusted=trusted or f.metadata.get("redact") == "trusted",
                )
            return dataclasses.replace(value, **changes)
        if self._active(cat) and _is_value(value):
            assert cat is not None
            return self.placeholder(cat, str(value))
        if isinstance(value, str):
            return self._text(value, trusted=trusted)
        return value

    def _text(self, text: str, *, trusted: bool) -> str:
        if not trusted and self._known_re is not None:
            text = self._known_re.sub(lambda m: self._known.get(m.group(0), m.group(0)), text)
        if not self.identifying:
            return text
        text = EMAIL_PATTERN.sub(lambda m: self.placeholder("EMAIL", m.group(0)), text)
        text = MAC_PATTERN.sub(lambda m: self.placeholder("MAC", m.group(0)), text)
        text = IPV6_CANDIDATE.sub(self._ipv6, text)
        return IPV4_PATTERN.sub(lambda m: self.placeholder("IP", m.group(0)), text)

    def _ipv6(self, match: re.Match[str]) -> str:
        candidate = match.group(0)
        try:
            ipaddress.IPv6Address(candidate.split("%")[0])
        except ValueError:
            return candidate
        return self.placeholder("IP", candidate)


def _is_value(value: object) -> bool:
    """A scalar worth hiding: empty strings and booleans say nothing about anyone."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return value.strip() != ""
    return isinstance(value, int | float)


def redact(value: T, *, identifying: bool = True) -> T:
    """A redacted copy of ``value``; see the module docstring for what is removed."""
    return Redactor(identifying=identifying)(value)


__all__ = [
    "KEEP",
    "KEYS",
    "LAST_WORDS",
    "TRUSTED",
    "Category",
    "Redactor",
    "category",
    "redact",
]
