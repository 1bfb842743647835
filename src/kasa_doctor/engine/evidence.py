"""What is known so far in one troubleshooting run."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Evidence:
    model: str | None = None
    led: str | None = None
    #: question or probe id -> the answer / reading
    observed: dict[str, str] = field(default_factory=dict)
    #: asked or checked, but the owner did not know / the check was not possible
    unknown: set[str] = field(default_factory=set)
    #: repair steps taken that did not fix it, in order
    failed_steps: list[str] = field(default_factory=list)
    #: the step that fixed it, once one did: the belief then says what was wrong
    fixed_by: str | None = None
    #: steps the owner chose to skip: not evidence, but not proposed again
    skipped_steps: set[str] = field(default_factory=set)

    def settled(self, variable: str) -> bool:
        return variable in self.observed or variable in self.unknown
