"""One troubleshooting run: the evidence, what was done, and where it stands.

A session is plain data with a JSON round-trip, so the wizard can save it on Ctrl-C
and resume later, the web page can hold it, and a support report can be made from it.
It does no I/O itself; callers pass the time in when they want it recorded.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from kasa_doctor.engine.belief import posterior, ranking
from kasa_doctor.engine.evidence import Evidence
from kasa_doctor.engine.model import Model, default_model
from kasa_doctor.engine.planner import Proposal, propose

Status = Literal["open", "fixed", "escalated", "gave_up"]
SCHEMA_VERSION = 1
MAX_STEPS = 40


class SessionError(ValueError):
    """A session file or an answer that does not fit the knowledge base."""


@dataclass
class Entry:
    kind: Literal["question", "probe", "step"]
    id: str
    #: the answer / reading (None = don't know / not possible); for steps
    #: "fixed", "not_fixed" or "skipped"
    value: str | None
    raw: dict[str, Any] = field(default_factory=dict)
    at: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "id": self.id, "value": self.value}
        if self.raw:
            data["raw"] = self.raw
        if self.at:
            data["at"] = self.at
        return data


@dataclass
class Session:
    model_name: str | None = None
    led: str | None = None
    history: list[Entry] = field(default_factory=list)
    status: Status = "open"
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    #: free facts for the report: purchase date, host, hardware version …
    meta: dict[str, str] = field(default_factory=dict)
    engine: Model = field(default_factory=default_model, repr=False, compare=False)

    # --- evidence -------------------------------------------------------------------

    @property
    def evidence(self) -> Evidence:
        ev = Evidence(model=self.model_name, led=self.led)
        for entry in self.history:
            if entry.kind == "step":
                if entry.value == "not_fixed":
                    ev.failed_steps.append(entry.id)
                elif entry.value == "skipped":
                    ev.skipped_steps.add(entry.id)
                elif entry.value == "fixed":
                    ev.fixed_by = entry.id
            elif entry.value is None:
                ev.unknown.add(entry.id)
            else:
                ev.observed[entry.id] = entry.value
                ev.unknown.discard(entry.id)
        return ev

    def belief(self) -> list[tuple[str, float]]:
        return ranking(self.engine, posterior(self.engine, self.evidence))

    def steps_taken(self) -> list[Entry]:
        return [e for e in self.history if e.kind == "step"]

    # --- recording --------------------------------------------------------------------

    def set_led(self, led: str | None) -> None:
        if led is not None and led not in self.engine.leds:
            raise SessionError(f"unknown light {led!r}; valid: {', '.join(self.engine.leds)}")
        self.led = led

    def observe(
        self,
        variable: str,
        value: str | None,
        *,
        raw: dict[str, Any] | None = None,
        at: str | None = None,
    ) -> None:
        """Record an answer or a reading; ``None`` means "don't know" / not possible."""
        var = self.engine.variables.get(variable)
        if var is None:
            raise SessionError(f"unknown question or check {variable!r}")
        if value is not None and value not in var.values:
            raise SessionError(
                f"{variable}: {value!r} is not an answer; valid: {', '.join(var.values)}"
            )
        self.history.append(Entry(var.kind, variable, value, dict(raw or {}), at))  # type: ignore[arg-type]

    def record_step(
        self,
        step: str,
        fixed: bool | None,
        *,
        at: str | None = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        """``fixed=None``: the owner skipped the step (it is not evidence)."""
        if step not in self.engine.steps:
            raise SessionError(f"unknown repair step {step!r}")
        value = "skipped" if fixed is None else ("fixed" if fixed else "not_fixed")
        self.history.append(Entry("step", step, value, dict(raw or {}), at))
        ends = self.engine.kb.step(step).ends_session
        if fixed and not ends:
            self.status = "fixed"
        elif ends:
            self.status = "fixed" if fixed else "escalated"
        elif sum(1 for e in self.history if e.kind == "step") >= MAX_STEPS:
            self.status = "gave_up"

    # --- planning -----------------------------------------------------------------------

    def propose(self, allow: frozenset[str] = frozenset({"question", "probe"})) -> Proposal:
        if self.status != "open":
            raise SessionError(f"the session is already {self.status}")
        return propose(self.engine, self.evidence, allow=allow)

    # --- JSON -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "id": self.id,
            "model": self.model_name,
            "led": self.led,
            "status": self.status,
            "meta": dict(self.meta),
            "history": [e.to_json() for e in self.history],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False)

    @classmethod
    def from_json(cls, data: Any, engine: Model | None = None) -> Session:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
            raise SessionError("not a kasa-doctor session (missing or unknown schema)")
        session = cls(engine=engine or default_model())
        try:
            session.id = str(data["id"])
            session.model_name = data.get("model")
            session.set_led(data.get("led"))
            session.meta = {str(k): str(v) for k, v in dict(data.get("meta") or {}).items()}
            for item in data.get("history") or []:
                kind, ident, value = item["kind"], item["id"], item.get("value")
                if kind == "step":
                    fixed = {"fixed": True, "not_fixed": False, "skipped": None}[value]
                    session.record_step(ident, fixed, at=item.get("at"), raw=item.get("raw"))
                else:
                    session.observe(ident, value, raw=item.get("raw"), at=item.get("at"))
            status = data.get("status", "open")
            if status not in ("open", "fixed", "escalated", "gave_up"):
                raise SessionError(f"unknown status {status!r}")
            session.status = status
        except (KeyError, TypeError) as exc:
            raise SessionError(f"malformed session: {exc}") from exc
        return session

    @classmethod
    def loads(cls, text: str, engine: Model | None = None) -> Session:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SessionError(f"not JSON: {exc.msg} (line {exc.lineno})") from exc
        return cls.from_json(data, engine)
