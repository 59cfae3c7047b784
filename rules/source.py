"""Read a rule file's YAML keeping the line of every key and list item.

PyYAML's composer gives nodes with marks; we build plain dicts, lists and scalars from them
and remember lines beside them, so every later message can say where the problem is.
Duplicate keys are an error (YAML would silently keep the last one). The text is read
within hub.safe_yaml's limits (size, references, nesting, values), checked while composing,
so a hostile file is refused at its line before anything is expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

import yaml

from hub.safe_yaml import DEFAULT_LIMITS
from hub.safe_yaml import BoundedLoader
from hub.safe_yaml import YamlLimitError
from hub.safe_yaml import YamlLimits

RULE_FILE_LIMITS: YamlLimits = DEFAULT_LIMITS


class SourceError(Exception):
    """The text is not YAML at all; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Map:
    """A YAML mapping: values by key, with the line of each key."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def __contains__(self, key: str) -> bool:
        return key in self.values


@dataclass
class Seq:
    """A YAML list, with the line of each item."""

    line: int
    items: list[Any] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


class _Loader(BoundedLoader):
    """Safe scalar resolution (numbers, booleans, dates) without building documents."""


def _scalar(loader: _Loader, node: yaml.ScalarNode) -> Any:
    return loader.construct_object(node, deep=True)


def _build(loader: _Loader, node: yaml.Node, problems: list[tuple[int, str]]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = Map(line)
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append((key_line, "a key must be a plain word"))
                continue
            name = str(key_node.value)  # as written: YAML 1.1 would read "on:" as true
            if name in result.values:
                problems.append((key_line, f'"{name}" appears twice here (first on line '
                                           f"{result.lines[name]}); keep one"))
                continue
            result.values[name] = _build(loader, value_node, problems)
            result.lines[name] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        seq = Seq(line)
        for item in node.value:
            seq.items.append(_build(loader, item, problems))
            seq.lines.append(item.start_mark.line + 1)
        return seq
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(loader, node)


def parse(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """The document as Map/Seq/scalars, and (line, message) for duplicate keys.

    Raises SourceError when the text is not YAML or passes RULE_FILE_LIMITS."""
    try:
        loader = _Loader(text, RULE_FILE_LIMITS)
    except YamlLimitError as exc:
        raise SourceError(exc.message, exc.line) from None
    try:
        node = loader.get_single_node()
        problems: list[tuple[int, str]] = []
        if node is None:
            return None, problems
        return _build(loader, node, problems), problems
    except YamlLimitError as exc:
        raise SourceError(exc.message, exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last = max(1, len(text.splitlines()))  # libyaml places "ended too soon" past the end
        line = min(mark.line + 1, last) if mark is not None else None
        what = exc.problem or "not valid YAML"
        raise SourceError(f"this is not valid YAML: {what} (check indentation and quotes)",
                          line) from None
    except yaml.YAMLError as exc:
        raise SourceError(f"this is not valid YAML: {exc}", None) from None
    finally:
        loader.dispose()


def plain(value: Any) -> Any:
    """Map/Seq back to dicts and lists (for tests: sections and example facts)."""
    if isinstance(value, Map):
        return {key: plain(item) for key, item in value.values.items()}
    if isinstance(value, Seq):
        return [plain(item) for item in value.items]
    return value
