"""The Tapo camera request API, answered from a `CameraState`.

This is the layer inside the encryption: it turns one decrypted request
(``multipleRequest``, a single method, or the older ``get``/``set``/``do`` form)
into the reply a camera would send. Unknown methods get a per-entry error, as on
a real camera, so a client's module probing behaves as it does in the field.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any, Final

from .state import JSON, CameraState
from .tapo_protocol import decrypt_wifi_password, wifi_public_key_b64

UNSUPPORTED_METHOD: Final = -40106
PROTOCOL_FORMAT_ERROR: Final = -40210
PARAMS_ERROR: Final = -1008
FIRMWARE_NOT_OFFERED: Final = -1402
MAX_REQUESTS_PER_BATCH: Final = 20
_ENVELOPE_KEYS = frozenset({"method", "request_time_milis", "terminal_uuid", "params"})


class NoReply:
    """The camera acts on the request but never answers (it is leaving the network)."""


NO_REPLY: Final = NoReply()

Result = tuple[int, JSON]
Handler = Callable[["CameraApi", CameraState, Any, float], Result]


class CameraApi:
    """Answers decrypted requests for one camera (and its hub children)."""

    def __init__(self, state: CameraState, *, page_size: int = 10) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.state = state
        self.page_size = page_size
        self._no_reply = False

    def handle(self, request: Any, now: float) -> JSON | NoReply:
        """Answer one decrypted request. Never raises for any JSON input."""
        self._no_reply = False
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return {"error_code": PROTOCOL_FORMAT_ERROR}
        self.state.tick(now)
        method: str = request["method"]
        if method == "multipleRequest":
            reply = self._multiple(self.state, request.get("params"), now)
        elif method in ("get", "set", "do"):
            reply = self._sectioned(method, request, now)
        else:
            code, result = self.call(self.state, method, request.get("params"), now)
            reply = {"error_code": code, "result": result} if code == 0 else {"error_code": code}
        return NO_REPLY if self._no_reply else reply

    # ----- request shapes ------------------------------------------------------

    def _multiple(self, state: CameraState, params: Any, now: float) -> JSON:
        requests = params.get("requests") if isinstance(params, dict) else None
        if not isinstance(requests, list) or len(requests) > MAX_REQUESTS_PER_BATCH:
            return {"error_code": PROTOCOL_FORMAT_ERROR}
        responses: list[JSON] = []
        for entry in requests:
            if not isinstance(entry, dict) or not isinstance(entry.get("method"), str):
                responses.append({"method": "", "result": {}, "error_code": PARAMS_ERROR})
                continue
            code, result = self.call(state, entry["method"], entry.get("params"), now)
            responses.append({"method": entry["method"], "result": result, "error_code": code})
        return {"error_code": 0, "result": {"responses": responses}}

    def _sectioned(self, verb: str, request: JSON, now: float) -> JSON:
        """The ``{"method": "get", "led": {...}}`` form some clients still use."""
        sections = {k: v for k, v in request.items() if k not in _ENVELOPE_KEYS}
        reply: JSON = {"error_code": 0}
        for section, params in sections.items():
            if verb == "get":
                found = self._find_section(section, now)
                if found is None:
                    return {"error_code": UNSUPPORTED_METHOD}
                reply[section] = found
            elif verb == "set":
                getter = self._getter_with_section(section)
                if getter is None:
                    return {"error_code": UNSUPPORTED_METHOD}
                self.state.apply_setter(getter, {section: params})
            else:
                code, result = self._do(section, params, now)
                if code != 0:
                    return {"error_code": code}
                reply.update(result)
        return reply

    def _do(self, section: str, params: Any, now: float) -> Result:
        state = self.state
        if section == "system" and isinstance(params, dict) and "reboot" in params:
            return self.call(state, "rebootDevice", {"system": params}, now)
        if section == "cloud_config" and isinstance(params, dict):
            if "fw_download" in params:
                return self.call(state, "startFirmwareUpgrade", {section: params}, now)
            if "check_fw_version" in params:
                return self.call(state, "checkFirmwareVersionByCloud", {section: params}, now)
        if section == "motor":
            return 0, {}
        if section.startswith("get_"):
            method = _camel("get", section[4:])
            code, result = self.call(state, method, None, now)
            return code, result
        return UNSUPPORTED_METHOD, {}

    def _find_section(self, section: str, now: float) -> Any:
        getter = self._getter_with_section(section)
        if getter is not None:
            view = self.state.view(getter, now)
            return None if view is None else view.get(section)
        view = self.state.view(_camel("get", section), now)
        return view

    def _getter_with_section(self, section: str) -> str | None:
        for name, value in self.state.data.items():
            if name.startswith("get") and isinstance(value, dict) and section in value:
                return name
        return None

    # ----- methods ------------------------------------------------------------------

    def call(self, state: CameraState, method: str, params: Any, now: float) -> Result:
        handler = _HANDLERS.get(method)
        if handler is not None:
            return handler(self, state, params, now)
        if method.startswith("get"):
            view = state.view(method, now)
            if view is None:
                return UNSUPPORTED_METHOD, {}
            return 0, self._page(view, params)
        if method.startswith("set"):
            getter = "get" + method[3:]
            if getter in state.data and isinstance(params, dict):
                state.apply_setter(getter, params)
                return 0, {}
        return UNSUPPORTED_METHOD, {}

    def _page(self, view: JSON, params: Any) -> JSON:
        """Slice a paged list (a result with ``start_index`` and ``sum``)."""
        if "start_index" not in view or "sum" not in view:
            return view
        list_key = next((k for k, v in view.items() if isinstance(v, list)), None)
        if list_key is None:
            return view
        start = 0
        if isinstance(params, dict):
            inner = next(iter(params.values()), None)
            if isinstance(inner, dict) and isinstance(inner.get("start_index"), int):
                start = max(0, inner["start_index"])
        items = view[list_key]
        page = dict(view)
        page[list_key] = items[start : start + self.page_size]
        page["start_index"] = start
        page["sum"] = len(items)
        return page

    def mark_no_reply(self) -> None:
        self._no_reply = True


def _camel(prefix: str, snake: str) -> str:
    return prefix + "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def _reboot(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    state.reboot(now)
    return 0, {}


def _alias(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    try:
        alias = params["system"]["sys"]["dev_alias"]
    except (KeyError, TypeError):
        return PARAMS_ERROR, {}
    if not isinstance(alias, str):
        return PARAMS_ERROR, {}
    state.set_alias(alias)
    return 0, {}


def _check_firmware(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    return 0, {}


def _start_upgrade(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    if state.upgrade is not None:
        return 0, {}
    return (0, {}) if state.start_upgrade(now) else (FIRMWARE_NOT_OFFERED, {})


def _can_scan(state: CameraState) -> bool:
    return state.link_type == "wifi" or "scanApList" in state.data


def _scan(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    if not _can_scan(state):
        return UNSUPPORTED_METHOD, {}
    wpa3 = "false"
    fixture_scan = state.data.get("scanApList", {})
    if isinstance(fixture_scan, dict):
        wpa3 = str(fixture_scan.get("onboarding", {}).get("scan", {}).get("wpa3_supported", wpa3))
    ap_list = [
        {
            "auth": net.auth,
            "bssid": net.bssid,
            "encryption": net.encryption,
            "rssi": net.level,
            "ssid": base64.b64encode(net.ssid.encode()).decode(),
        }
        for net in state.scan_networks()
    ]
    scan = {"ap_list": ap_list, "wpa3_supported": wpa3, "publicKey": wifi_public_key_b64()}
    return 0, {"onboarding": {"scan": scan}}


def _connect(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    if not _can_scan(state):
        return UNSUPPORTED_METHOD, {}
    try:
        connect = params["onboarding"]["connect"]
        ssid_raw = str(connect["ssid"])
        secret = str(connect["password"])
    except (KeyError, TypeError):
        return PARAMS_ERROR, {}
    ssid = _maybe_b64(ssid_raw)
    password = decrypt_wifi_password(secret)
    state.join_network(ssid, password if password is not None else "", now)
    api.mark_no_reply()
    return 0, {}


def _child_categories(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    view = state.view("getSupportChildDeviceCategory", now)
    if view is not None:
        return 0, view
    if not state.is_hub:
        return UNSUPPORTED_METHOD, {}
    # Not in the hub dumps; these are the categories an H200 pairs.
    categories = ["ipcamera", "subg.trigger", "subg.plugswitch"]
    return 0, {"device_category_list": [{"category": c} for c in categories]}


def _connect_status(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    view = state.view("getConnectStatus", now)
    return 0, view if view is not None else {"onboarding": {"get_connect_status": {"status": 0}}}


def _control_child(api: CameraApi, state: CameraState, params: Any, now: float) -> Result:
    try:
        control = params["childControl"]
        device_id = str(control["device_id"])
        request = control["request_data"]
        method = request["method"]
    except (KeyError, TypeError):
        return PARAMS_ERROR, {}
    if not isinstance(method, str):
        return PARAMS_ERROR, {}
    inner = request.get("params") if isinstance(request, dict) else None
    child = state.children.get(device_id)
    if child is not None:
        if method == "multipleRequest":
            data = api._multiple(child, inner, now)
        else:
            code, result = api.call(child, method, inner, now)
            data = {"error_code": code, "result": result}
        return 0, {"response_data": data}
    entry = _child_entry(state, device_id)
    if entry is None:
        return PROTOCOL_FORMAT_ERROR, {}
    code, result = _smart_child_call(entry, method, now)
    return 0, {"response_data": {"error_code": code, "result": result}}


def _child_entry(state: CameraState, device_id: str) -> JSON | None:
    listing = state.data.get("getChildDeviceList", {}).get("child_device_list", [])
    for entry in listing if isinstance(listing, list) else []:
        if isinstance(entry, dict) and entry.get("device_id") == device_id:
            return entry
    return None


def _smart_child_call(entry: JSON, method: str, now: float) -> Result:
    """A hub's sensor or button: the few smart-protocol answers it always has."""
    if method == "get_device_info":
        return 0, entry
    if method == "get_connect_cloud_state":
        return 0, {"status": 0}
    if method == "get_device_time":
        return 0, {"timestamp": int(now), "time_diff": 0, "region": entry.get("region", "")}
    if method == "get_trigger_logs":
        return 0, {"start_id": 0, "logs": [], "sum": 0}
    return UNSUPPORTED_METHOD, {}


def _maybe_b64(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", value) and len(value) % 4 == 0:
        try:
            decoded = base64.b64decode(value).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return value
        return decoded if decoded.isprintable() else value
    return value


_HANDLERS: dict[str, Handler] = {
    "rebootDevice": _reboot,
    "setDeviceAlias": _alias,
    "checkFirmwareVersionByCloud": _check_firmware,
    "startFirmwareUpgrade": _start_upgrade,
    "scanApList": _scan,
    "connectAp": _connect,
    "getConnectStatus": _connect_status,
    "getSupportChildDeviceCategory": _child_categories,
    "controlChild": _control_child,
}
