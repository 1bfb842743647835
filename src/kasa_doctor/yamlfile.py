"""Read a YAML file and remember the line of every key and list item.

Every file an owner or a maintainer writes (knowledge, scenarios, answers, monitor
configuration) is YAML, and every problem in one must be reported as
``file:line: reason``. This is the one reader that makes that possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]

# libyaml when PyYAML was built with it: reading the knowledge base is on the start path
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFileError(ValueError):
    """A file that cannot be read or parsed; ``str()`` is ``name:line: reason``."""

    def __init__(self, path: Path, line: int, reason: str, *, label: str | None = None) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{label or path}:{line}: {reason}")


@dataclass
class YamlFile:
    path: Path
    data: Any
    lines: dict[Location, int]

    def line(self, loc: Iterable[str | int]) -> int:
        """The line of the deepest part of ``loc`` that exists in the file."""
        parts = tuple(loc)
        while parts and parts not in self.lines:
            parts = parts[:-1]
        return self.lines.get(parts, 1)


def _index_lines(node: yaml.Node, path: Location, out: dict[Location, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            out[(*path, name)] = key.start_mark.line + 1
            _index_lines(value, (*path, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), out)


def read_yaml(path: Path, *, label: str | None = None) -> YamlFile:
    """Parse ``path`` safely; raise YamlFileError (``label`` names the file in it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlFileError(path, 1, f"cannot read: {exc}", label=label) from exc
    return parse_yaml(text, path, label=label)


def parse_yaml(text: str, path: Path, *, label: str | None = None) -> YamlFile:
    """Parse YAML ``text`` that came from ``path``; raise YamlFileError."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)  # _LOADER is a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlFileError(path, line, f"not valid YAML: {problem}", label=label) from exc
    lines: dict[Location, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return YamlFile(path, data, lines)
