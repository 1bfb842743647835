"""Pure parsers: the text that nmcli, iw, netsh, wdutil and system_profiler print
-> one :class:`HostWifi` record (or a list of :class:`WifiNetwork`).

Nothing here runs a command or touches the system, so every parser is tested on a
corpus of recorded outputs (``tests/probes/corpus``). Parsers never raise on odd
input: what they cannot read stays ``None``.

Windows translates netsh's labels ("Authentication" is "Authentifizierung",
"Authentification", "Autenticación" …) and the console code page can garble their
accents, so the netsh parsers recognise fields by a few known labels *and* by the
shape of the value (``802.11ax``, ``5 GHz``, ``96%``, a MAC address) and by position
(authentication always follows the radio type).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

RadioBand = Literal["2.4ghz", "5ghz", "6ghz"]
SecurityKind = Literal[
    "open", "wpa2", "wpa3", "wpa2_wpa3_mixed", "wpa1", "wep", "enterprise", "owe"
]
# The security kinds the scenario contract has values for. The others (WPA1 only,
# WEP, 802.1X enterprise, OWE "enhanced open") are kept in raw but give no value.
CORE_SECURITY: Final[frozenset[str]] = frozenset({"open", "wpa2", "wpa3", "wpa2_wpa3_mixed"})

REDACTED = "<redacted>"


@dataclass(frozen=True)
class WifiNetwork:
    """One network (one access point when the tool lists BSSIDs)."""

    ssid: str | None  # None: hidden, redacted or not shown
    bssid: str | None = None
    frequency_mhz: int | None = None
    channel: int | None = None
    band: RadioBand | None = None
    security: SecurityKind | None = None
    security_raw: str | None = None
    signal: str | None = None  # as the tool prints it: "96%", "-52 dBm", "74"
    active: bool = False  # this computer is associated with it
    ssid_redacted: bool = False  # macOS hid the name (no Location permission)


@dataclass(frozen=True)
class HostWifi:
    """What one tool (or several, merged) says about this computer's Wi-Fi."""

    tool: str
    connected: bool | None  # True / False when the tool says so; None: cannot tell
    interface: str | None = None
    current: WifiNetwork | None = None  # the network this computer is on
    visible: tuple[WifiNetwork, ...] | None = None  # None: no scan list available
    wired_interface: str | None = None  # the default route uses this cable interface
    note: str | None = None  # why nothing could be read, for the report

    @property
    def ssid(self) -> str | None:
        return self.current.ssid if self.current else None

    @property
    def band(self) -> RadioBand | None:
        return self.current.band if self.current else None

    @property
    def security(self) -> SecurityKind | None:
        return self.current.security if self.current else None


# --- bands, channels, security ----------------------------------------------------


def band_from_frequency(mhz: float | None) -> RadioBand | None:
    """2400–2500 MHz -> 2.4 GHz; 4900–5895 (incl. Japan's 4.9 GHz) -> 5; 5925–7125 -> 6."""
    if mhz is None:
        return None
    if 2400 <= mhz <= 2500:
        return "2.4ghz"
    if 4900 <= mhz <= 5895:
        return "5ghz"
    if 5925 <= mhz <= 7125:
        return "6ghz"
    return None


def band_from_channel(channel: int | None, hint: str | None = None) -> RadioBand | None:
    """The band of a channel number; ``hint`` ("2", "5", "6") settles 6 GHz overlaps.

    Without a hint, channels 1–14 are 2.4 GHz and 32–196 are 5 GHz: 6 GHz reuses
    low numbers, but every tool that can show 6 GHz also prints the band.
    """
    if hint is not None:
        first = hint.strip()[:1]
        if first == "2":
            return "2.4ghz"
        if first == "5":
            return "5ghz"
        if first == "6":
            return "6ghz"
    if channel is None:
        return None
    if 1 <= channel <= 14:
        return "2.4ghz"
    if 32 <= channel <= 196:
        return "5ghz"
    return None


def channel_from_frequency(mhz: float | None) -> int | None:
    """The IEEE channel number of a centre frequency, when it is a Wi-Fi channel."""
    if mhz is None:
        return None
    freq = round(mhz)
    if freq == 2484:
        return 14
    if 2412 <= freq <= 2472 and (freq - 2407) % 5 == 0:
        return (freq - 2407) // 5
    if freq == 5935:
        return 2
    if 5955 <= freq <= 7115 and (freq - 5950) % 5 == 0:
        return (freq - 5950) // 5
    if 4910 <= freq <= 5895 and freq % 5 == 0:
        return (freq - 5000) // 5 if freq >= 5000 else (freq - 4000) // 5
    return None


_OPEN_WORDS = frozenset(
    {
        "--",
        "none",
        "open",
        "offen",
        "ouvrir",  # French Windows really says "Ouvrir" ("to open")
        "ouvert",
        "ouverte",
        "abierta",
        "abierto",
        "aperta",
        "aberta",
        "otwarte",
        "geen",
        "オープン",
    }
)
_ENTERPRISE = re.compile(
    r"enterprise|entreprise|empresa|unternehmen|aziendale|802\.?1x|\beap\b|\bwpa[23]?-?eap\b"
)


def normalise_security(text: str | None) -> SecurityKind | None:
    """One security wording from any tool -> a :data:`SecurityKind`, or ``None``.

    Examples: ``WPA2-Personal``, ``WPA2 - Personnel``, ``wpa2-psk`` -> wpa2;
    ``WPA3-Personal``, ``SAE`` -> wpa3; ``WPA2/WPA3 Personal``, ``WPA2 WPA3``, anything
    WPA3 with "transition" -> wpa2_wpa3_mixed; ``Open``, ``None``, ``--`` -> open.
    Enterprise (802.1X) is reported as such: the question the probe answers is
    whether a *camera* could join, and no Kasa/Tapo camera speaks 802.1X.
    """
    if text is None:
        return None
    t = unicodedata.normalize("NFKC", text).strip().lower()
    if not t:
        return None  # blank means "not shown", except in nmcli's terse mode (handled there)
    if t in _OPEN_WORDS:
        return "open"
    if _ENTERPRISE.search(t):
        return "enterprise"
    wpa3 = bool(re.search(r"wpa3|\bsae\b", t))
    wpa2 = bool(re.search(r"wpa2|\brsn\b|\bpsk\b", t))
    wpa1 = bool(re.search(r"wpa1|\bwpa\b(?![23])", t))
    if wpa3 and (wpa2 or "transition" in t):
        return "wpa2_wpa3_mixed"
    if wpa3:
        return "wpa3"
    if wpa2:
        return "wpa2"
    if wpa1:
        return "wpa1"
    if re.search(r"\bowe\b|enhanced open", t):
        return "owe"
    if re.search(r"\bwep\b|\bshared\b", t):
        return "wep"
    return None


_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}$")
_INT = re.compile(r"^\d{1,3}$")


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    match = re.match(r"^\s*(-?\d+)", text)
    return int(match.group(1)) if match else None


def _float_or_none(text: str | None) -> float | None:
    if text is None:
        return None
    match = re.match(r"^\s*(-?\d+(?:[.,]\d+)?)", text)
    return float(match.group(1).replace(",", ".")) if match else None


def _mac_or_none(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip()
    return value.lower().replace("-", ":") if _MAC.match(value) else None


def _fill_band(network: WifiNetwork) -> WifiNetwork:
    """Derive whichever of band, channel and frequency the tool left out."""
    band = network.band or band_from_frequency(network.frequency_mhz)
    band = band or band_from_channel(network.channel)
    channel = network.channel or channel_from_frequency(network.frequency_mhz)
    if band == network.band and channel == network.channel:
        return network
    return replace(network, band=band, channel=channel)


# --- nmcli ------------------------------------------------------------------------

_YES_WORDS = frozenset({"yes", "ja", "oui", "sí", "si", "sì", "sim", "tak", "да", "*"})


def split_nmcli_terse(line: str) -> list[str]:
    r"""Split one ``nmcli -t`` line on ``:``; ``\:`` and ``\\`` are escaped characters."""
    fields: list[str] = []
    current: list[str] = []
    chars = iter(line)
    for char in chars:
        if char == "\\":
            current.append(next(chars, "\\"))
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


NMCLI_WIFI_FIELDS = ("ACTIVE", "SSID", "BSSID", "FREQ", "CHAN", "SECURITY", "SIGNAL")


def parse_nmcli_wifi_list(text: str) -> HostWifi:
    """``nmcli -t -f ACTIVE,SSID,BSSID,FREQ,CHAN,SECURITY,SIGNAL dev wifi list``."""
    networks: list[WifiNetwork] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = split_nmcli_terse(line)
        if len(fields) != len(NMCLI_WIFI_FIELDS):
            continue  # an error message or another field layout
        active, ssid, bssid, freq, chan, security, signal = fields
        # Terse mode prints an open network's security as an empty field.
        security_text = security.strip() or "--"
        networks.append(
            _fill_band(
                WifiNetwork(
                    ssid=ssid or None,
                    bssid=_mac_or_none(bssid),
                    frequency_mhz=_int_or_none(freq),
                    channel=_int_or_none(chan),
                    security=normalise_security(security_text),
                    security_raw=security_text,
                    signal=signal.strip() or None,
                    active=active.strip().lower() in _YES_WORDS,
                )
            )
        )
    if not networks:
        return HostWifi(tool="nmcli", connected=None, note="nmcli listed no Wi-Fi networks")
    current = next((n for n in networks if n.active), None)
    return HostWifi(
        tool="nmcli", connected=current is not None, current=current, visible=tuple(networks)
    )


@dataclass(frozen=True)
class NmDevice:
    """One row of ``nmcli -t -f DEVICE,TYPE,STATE dev``."""

    device: str
    type: str
    state: str

    @property
    def connected(self) -> bool:
        # "connected", "connected (externally)"; not "connecting (…)", "disconnected"
        return self.state.strip().lower().startswith("connected")


def parse_nmcli_devices(text: str) -> list[NmDevice]:
    devices: list[NmDevice] = []
    for line in text.splitlines():
        fields = split_nmcli_terse(line)
        if len(fields) == 3 and fields[0] and fields[1]:
            devices.append(NmDevice(fields[0], fields[1].strip().lower(), fields[2]))
    return devices


# --- iw ---------------------------------------------------------------------------


def unescape_iw_ssid(text: str) -> str:
    r"""iw prints SSID bytes it does not like (non-ASCII, edge spaces, ``\``) as ``\xNN``."""
    raw = bytearray()
    index = 0
    while index < len(text):
        match = re.match(r"\\x([0-9a-fA-F]{2})", text[index:])
        if match:
            raw.append(int(match.group(1), 16))
            index += 4
        else:
            raw += text[index].encode("utf-8")
            index += 1
    return raw.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class IwInterface:
    """One interface from ``iw dev``."""

    name: str
    type: str | None = None
    ssid: str | None = None
    channel: int | None = None
    frequency_mhz: int | None = None


def parse_iw_dev(text: str) -> list[IwInterface]:
    interfaces: list[IwInterface] = []
    inside = False  # the lines belong to the last named interface
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Interface "):
            interfaces.append(IwInterface(name=stripped.split(None, 1)[1]))
            inside = True
            continue
        if stripped.startswith(("phy#", "Unnamed")):
            inside = False  # a new radio, or a P2P device whose "type" is not ours
            continue
        if not inside:
            continue
        last = interfaces[-1]
        if stripped.startswith("type "):
            interfaces[-1] = replace(last, type=stripped[5:].strip())
        elif stripped.startswith("ssid "):
            interfaces[-1] = replace(last, ssid=unescape_iw_ssid(stripped[5:]))
        elif match := re.match(r"channel (\d+) \((\d+)(?:\.\d+)? MHz\)", stripped):
            interfaces[-1] = replace(
                last, channel=int(match.group(1)), frequency_mhz=int(match.group(2))
            )
    return interfaces


def parse_iw_link(text: str, interface: str | None = None) -> HostWifi:
    """``iw dev IFACE link``; it does not show security (that needs a scan entry)."""
    stripped = text.strip()
    if stripped.lower().startswith("not connected"):
        return HostWifi(tool="iw", connected=False, interface=interface)
    header = re.search(r"^Connected to ([0-9a-fA-F:]{17})(?: \(on (\S+)\))?", text, re.M)
    if not header:
        return HostWifi(tool="iw", connected=None, interface=interface, note=stripped[:200] or None)
    ssid: str | None = None
    freq: float | None = None
    signal: str | None = None
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if not sep:
            continue
        if key == "SSID":
            ssid = unescape_iw_ssid(value[1:] if value.startswith(" ") else value)
        elif key == "freq":
            freq = _float_or_none(value)
        elif key == "signal":
            signal = value.strip()
    current = _fill_band(
        WifiNetwork(
            ssid=ssid or None,
            bssid=_mac_or_none(header.group(1)),
            frequency_mhz=round(freq) if freq is not None else None,
            signal=signal,
            active=True,
        )
    )
    return HostWifi(
        tool="iw", connected=True, interface=header.group(2) or interface, current=current
    )


def _iw_security(rsn: list[str] | None, wpa: list[str] | None, privacy: bool) -> SecurityKind:
    suites = [s.upper() for s in (rsn or [])]
    personal = {s.split("/")[-1] for s in suites}  # "FT/PSK" and "PSK" are both PSK
    if rsn is not None:
        has_sae = "SAE" in personal or "SAE-EXT-KEY" in personal
        has_psk = "PSK" in personal or "PSK-SHA-256" in personal or "PSK/SHA-256" in suites
        if any("802.1X" in s for s in suites) and not (has_sae or has_psk):
            return "enterprise"
        if has_sae and has_psk:
            return "wpa2_wpa3_mixed"
        if has_sae:
            return "wpa3"
        if "OWE" in personal:
            return "owe"
        return "wpa2"
    if wpa is not None:
        return "wpa1"
    return "wep" if privacy else "open"


def parse_iw_scan(text: str) -> tuple[WifiNetwork, ...]:
    """``iw dev IFACE scan`` or ``scan dump``; empty when there are no BSS entries."""
    networks: list[WifiNetwork] = []
    block: list[str] = []
    header: re.Match[str] | None = None
    bss_re = re.compile(r"^BSS ([0-9a-fA-F:]{17})(?:\(on \S+\))?(\s*--\s*associated)?")

    def flush() -> None:
        if header is not None:
            networks.append(_parse_iw_bss(header, block))

    for line in text.splitlines():
        match = bss_re.match(line)
        if match:
            flush()
            header, block = match, []
        elif header is not None:
            block.append(line)
    flush()
    return tuple(networks)


def _parse_iw_bss(header: re.Match[str], lines: list[str]) -> WifiNetwork:
    ssid: str | None = None
    freq: float | None = None
    channel: int | None = None
    signal: str | None = None
    privacy = False
    rsn: list[str] | None = None
    wpa: list[str] | None = None
    section: str | None = None
    for line in lines:
        stripped = line.strip()
        # "RSN:" and "WPA:" open sections whose "* Authentication suites:" lines matter.
        if re.match(r"^RSN:", stripped):
            section, rsn = "rsn", rsn or []
            continue
        if re.match(r"^WPA:", stripped):
            section, wpa = "wpa", wpa or []
            continue
        if stripped.startswith("* Authentication suites:"):
            suites = stripped.split(":", 1)[1].split()
            if section == "rsn" and rsn is not None:
                rsn.extend(suites)
            elif section == "wpa" and wpa is not None:
                wpa.extend(suites)
            continue
        if not stripped.startswith("*"):
            section = None
        key, sep, value = stripped.partition(":")
        if not sep:
            continue
        if key == "SSID":
            # Hidden networks show an empty name or a run of NUL bytes.
            ssid = unescape_iw_ssid(value[1:] if value.startswith(" ") else value).strip("\x00")
        elif key == "freq":
            freq = _float_or_none(value)
        elif key == "signal":
            signal = value.strip()
        elif key == "capability":
            privacy = "Privacy" in value.split()
        elif key == "DS Parameter set":
            channel = _int_or_none(value.replace("channel", ""))
        elif key == "* primary channel" and channel is None:
            channel = _int_or_none(value)
    kind = _iw_security(rsn, wpa, privacy)
    raw_parts = []
    if rsn is not None:
        raw_parts.append("RSN " + " ".join(rsn))
    if wpa is not None:
        raw_parts.append("WPA " + " ".join(wpa))
    if not raw_parts:
        raw_parts.append("WEP" if privacy else "open")
    return _fill_band(
        WifiNetwork(
            ssid=ssid or None,
            bssid=_mac_or_none(header.group(1)),
            frequency_mhz=round(freq) if freq is not None else None,
            channel=channel if freq is None else channel_from_frequency(freq) or channel,
            security=kind,
            security_raw="; ".join(part.strip() for part in raw_parts),
            signal=signal,
            active=bool(header.group(2)),
        )
    )


# --- netsh (Windows) ----------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    indent: int
    label: str
    value: str  # stripped
    raw_value: str  # only the separator space removed (SSIDs keep their spaces)


_ENTRY_RE = re.compile(r"^(\s*)([^:]*?)\s*:(.*)$")


def _entries(text: str) -> Iterator[_Entry | None]:
    """Labelled lines; ``None`` marks a blank line (netsh separates blocks with them)."""
    for line in text.splitlines():
        line = line.rstrip("\r\n")
        if not line.strip():
            yield None
            continue
        match = _ENTRY_RE.match(line)
        if not match or not match.group(2).strip():
            continue
        value = match.group(3)
        raw_value = value[1:] if value.startswith(" ") else value
        yield _Entry(len(match.group(1)), match.group(2).strip(), value.strip(), raw_value)


def _fold(label: str) -> str:
    """Lower case without accents, so "Autenticación" and a garbled copy compare alike."""
    decomposed = unicodedata.normalize("NFKD", label.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


_AUTH_LABELS = frozenset(
    {
        "authentication",
        "authentifizierung",
        "authentification",
        "autenticacion",
        "autenticazione",
        "autenticacao",
        "verificatie",
        "uwierzytelnianie",
    }
)
_CHANNEL_LABELS = frozenset({"channel", "kanal", "canal", "canale", "kanaal", "kanał"})
_GUID = re.compile(
    r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$"
)
_GHZ = re.compile(r"^(\d+(?:[.,]\d+)?)\s*GHz$", re.I)
_RADIO = re.compile(r"^802\.11\S*$")
_PERCENT = re.compile(r"^\d{1,3}\s*%$")
_NO_INTERFACE = re.compile(
    r"no wireless interface|keine drahtlosschnittstelle|aucune interface sans fil"
    r"|ninguna interfaz inal|wlansvc",
    re.I,
)


def _band_from_ghz(value: str) -> RadioBand | None:
    match = _GHZ.match(value.strip())
    if not match:
        return None
    return band_from_channel(None, match.group(1))


def _is_channel(entry: _Entry) -> bool:
    return _fold(entry.label) in _CHANNEL_LABELS and bool(_INT.match(entry.value))


def _is_auth_label(entry: _Entry) -> bool:
    return _fold(entry.label) in _AUTH_LABELS


def _find_channel(entries: Sequence[_Entry]) -> int | None:
    for entry in entries:
        if _is_channel(entry):
            return int(entry.value)
    # Labels unreadable: the channel is the number right after the band line
    # (Windows 11), or after the radio type (Windows 10 network lists), or the last
    # plain number before the rate lines whose labels carry a unit "(Mbps)".
    for index, entry in enumerate(entries[:-1]):
        if _GHZ.match(entry.value) or _RADIO.match(entry.value):
            follower = entries[index + 1]
            if _INT.match(follower.value):
                return int(follower.value)
    last: int | None = None
    for entry in entries:
        if "(" in entry.label:
            break
        if _INT.match(entry.value):
            last = int(entry.value)
    return last


def _find_auth(entries: Sequence[_Entry], after_radio: bool) -> tuple[str | None, str | None]:
    """(authentication, cipher) values of a block."""
    for index, entry in enumerate(entries):
        if _is_auth_label(entry):
            cipher = entries[index + 1].value if index + 1 < len(entries) else None
            return entry.value, cipher
    if after_radio:
        for index, entry in enumerate(entries[:-1]):
            if _RADIO.match(entry.value):
                cipher = entries[index + 2].value if index + 2 < len(entries) else None
                return entries[index + 1].value, cipher
    for index, entry in enumerate(entries):
        if re.search(r"WPA|802\.1X|\bSAE\b|\bOWE\b", entry.value):
            cipher = entries[index + 1].value if index + 1 < len(entries) else None
            return entry.value, cipher
    return None, None


def _netsh_security(auth: str | None, cipher: str | None) -> SecurityKind | None:
    kind = normalise_security(auth)
    if kind == "open" and cipher and "wep" in cipher.lower():
        return "wep"  # "Open" authentication with a WEP key
    return kind


def _blocks(text: str) -> list[list[_Entry]]:
    blocks: list[list[_Entry]] = [[]]
    for entry in _entries(text):
        if entry is None:
            if blocks[-1]:
                blocks.append([])
        else:
            blocks[-1].append(entry)
    return [b for b in blocks if b]


def parse_netsh_interfaces(text: str) -> HostWifi:
    """``netsh wlan show interfaces`` in any language, Windows 10 or 11."""
    interfaces = [b for b in _blocks(text) if any(_GUID.match(e.value) for e in b)]
    if not interfaces:
        if _NO_INTERFACE.search(text):
            return HostWifi(tool="netsh", connected=False, note="no Wi-Fi adapter in use")
        return HostWifi(tool="netsh", connected=None, note=text.strip()[:200] or None)
    for block in interfaces:
        ssid_entry = next((e for e in block if e.label.upper() == "SSID"), None)
        if ssid_entry is None:
            continue  # netsh lists the SSID only while connected
        bssid = next(
            (_mac_or_none(e.value) for e in block if e.label.upper().endswith("BSSID")), None
        )
        band = next((b for e in block if (b := _band_from_ghz(e.value))), None)
        auth, cipher = _find_auth(block, after_radio=True)
        signal = next((e.value for e in block if _PERCENT.match(e.value)), None)
        current = _fill_band(
            WifiNetwork(
                ssid=ssid_entry.raw_value or None,
                bssid=bssid,
                channel=_find_channel(block),
                band=band,
                security=_netsh_security(auth, cipher),
                security_raw=auth,
                signal=signal,
                active=True,
            )
        )
        return HostWifi(tool="netsh", connected=True, interface=block[0].value, current=current)
    return HostWifi(tool="netsh", connected=False, interface=interfaces[0][0].value)


_SSID_HEADER = re.compile(r"^SSID\s+\d+$", re.I)
_BSSID_HEADER = re.compile(r"^BSSID\s+\d+$", re.I)


def parse_netsh_networks(text: str) -> tuple[WifiNetwork, ...]:
    """``netsh wlan show networks mode=bssid``; one entry per BSSID (per SSID without)."""
    networks: list[WifiNetwork] = []
    # Group as: SSID header, its own entries, then BSSID sub-blocks.
    groups: list[tuple[_Entry, list[_Entry], list[tuple[_Entry, list[_Entry]]]]] = []
    for entry in _entries(text):
        if entry is None:
            continue
        if _SSID_HEADER.match(entry.label):
            groups.append((entry, [], []))
        elif not groups:
            continue
        elif _BSSID_HEADER.match(entry.label):
            groups[-1][2].append((entry, []))
        elif groups[-1][2]:
            groups[-1][2][-1][1].append(entry)
        else:
            groups[-1][1].append(entry)
    for header, own, bssids in groups:
        ssid = header.raw_value or None
        auth, cipher = _find_auth(own, after_radio=False)
        if auth is None and len(own) >= 2:
            auth = own[1].value  # network type, authentication, encryption
            cipher = own[2].value if len(own) >= 3 else None
        security = _netsh_security(auth, cipher)
        if not bssids:
            networks.append(WifiNetwork(ssid=ssid, security=security, security_raw=auth))
            continue
        for bssid_entry, fields in bssids:
            band = next((b for e in fields if (b := _band_from_ghz(e.value))), None)
            networks.append(
                _fill_band(
                    WifiNetwork(
                        ssid=ssid,
                        bssid=_mac_or_none(bssid_entry.value),
                        channel=_find_channel(fields),
                        band=band,
                        security=security,
                        security_raw=auth,
                        signal=next((e.value for e in fields if _PERCENT.match(e.value)), None),
                    )
                )
            )
    return tuple(networks)


# --- macOS --------------------------------------------------------------------------


def _macos_channel(value: str) -> tuple[int | None, RadioBand | None]:
    """``2g1/20``, ``5g149/80``, ``6g37/160`` (wdutil); ``149 (5GHz, 80MHz)``, ``149,80``."""
    value = value.strip()
    match = re.match(r"^([256])g(\d+)", value)
    if match:
        channel = int(match.group(2))
        return channel, band_from_channel(channel, match.group(1))
    match = re.match(r"^(\d+)(?:\s*\(\s*(\d)(?:[.,]\d)?\s*GHz)?", value, re.I)
    if match:
        channel = int(match.group(1))
        return channel, band_from_channel(channel, match.group(2))
    return None, None


def _macos_ssid(value: str) -> tuple[str | None, bool]:
    value = value.strip()
    if value == REDACTED:
        return None, True
    if value in {"", "None", "(null)"}:
        return None, False
    return value, False


def parse_wdutil_info(text: str) -> HostWifi:
    """``sudo wdutil info``: only the WIFI section is read."""
    section: str | None = None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"[A-Z][A-Z0-9 ]*", stripped):
            section = stripped
            continue
        if section != "WIFI":
            continue
        key, sep, value = stripped.partition(":")
        if sep and key.strip():
            fields.setdefault(key.strip(), value.strip())
    if not fields:
        return HostWifi(tool="wdutil", connected=None, note=text.strip()[:200] or None)
    interface = fields.get("Interface Name") or None
    if fields.get("Power", "").lower().startswith("off"):
        return HostWifi(tool="wdutil", connected=False, interface=interface)
    channel, band = _macos_channel(fields.get("Channel", ""))
    ssid, redacted = _macos_ssid(fields.get("SSID", ""))
    bssid = _mac_or_none(fields.get("BSSID"))
    if channel is None and ssid is None and not redacted and bssid is None:
        return HostWifi(tool="wdutil", connected=False, interface=interface)
    security_raw = fields.get("Security") or None
    current = WifiNetwork(
        ssid=ssid,
        bssid=bssid,
        channel=channel,
        band=band,
        security=normalise_security(security_raw),
        security_raw=security_raw,
        signal=fields.get("RSSI") or None,
        active=True,
        ssid_redacted=redacted,
    )
    return HostWifi(tool="wdutil", connected=True, interface=interface, current=current)


@dataclass
class _Node:
    """A heading of system_profiler's indented outline and what is under it."""

    name: str
    indent: int
    value: str | None
    children: list[_Node]


def _outline(text: str) -> list[_Node]:
    root = _Node("", -1, None, [])
    stack = [root]
    for line in text.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if stripped.endswith(":"):
            name, value = stripped[:-1], None
        else:
            key, sep, rest = stripped.partition(": ")
            if not sep:
                continue
            name, value = key, rest.strip()
        while stack[-1].indent >= indent:
            stack.pop()
        node = _Node(name, indent, value, [])
        stack[-1].children.append(node)
        stack.append(node)
    return root.children


def _walk(nodes: list[_Node]) -> Iterator[_Node]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _sp_network(node: _Node, active: bool) -> WifiNetwork:
    fields = {child.name: child.value or "" for child in node.children}
    channel, band = _macos_channel(fields.get("Channel", ""))
    ssid, redacted = _macos_ssid(node.name)
    security_raw = fields.get("Security") or None
    return WifiNetwork(
        ssid=ssid,
        bssid=_mac_or_none(fields.get("BSSID")),
        channel=channel,
        band=band,
        security=normalise_security(security_raw),
        security_raw=security_raw,
        signal=(fields.get("Signal / Noise") or "").split("/")[0].strip() or None,
        active=active,
        ssid_redacted=redacted,
    )


def parse_system_profiler_airport(text: str) -> HostWifi:
    """``system_profiler SPAirPortDataType`` (macOS 10.15 to 15)."""
    interfaces_node = next((n for n in _walk(_outline(text)) if n.name == "Interfaces"), None)
    if interfaces_node is None:
        return HostWifi(tool="system_profiler", connected=None, note=text.strip()[:200] or None)
    candidates = [
        n
        for n in interfaces_node.children
        if any(c.name in {"Card Type", "Current Network Information"} for c in n.children)
    ]
    if not candidates:
        return HostWifi(tool="system_profiler", connected=False, note="no Wi-Fi interface")
    iface = candidates[0]
    fields = {c.name: c for c in iface.children}
    status = (fields["Status"].value or "") if "Status" in fields else ""
    current_node = fields.get("Current Network Information")
    current = None
    if current_node is not None and current_node.children:
        current = _sp_network(current_node.children[0], active=True)
    visible: tuple[WifiNetwork, ...] | None = None
    others = fields.get("Other Local Wi-Fi Networks")
    if others is not None:
        listed = [_sp_network(n, active=False) for n in others.children]
        visible = tuple(([current] if current else []) + listed)
    connected: bool | None
    if current is not None:
        connected = True
    elif status:
        # "Connected" without a "Current Network Information" block: on Wi-Fi, details
        # unknown. Anything else ("Off", "Not Associated", "Inactive") is not on Wi-Fi.
        connected = status.lower() == "connected"
    else:
        connected = None
    return HostWifi(
        tool="system_profiler",
        connected=connected,
        interface=iface.name,
        current=current,
        visible=visible,
    )
