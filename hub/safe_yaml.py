"""YAML that people supply (rule files, import mapping files, the sheet layout), read with
limits that hold before anything is expanded.

YAML lets a file name a part (`&a`) and repeat it (`*a`); nine lines that each repeat the
previous one nine times describe a billion values ("billion laughs"). PyYAML composes such
a file cheaply, as shared nodes, but anything that walks the result expands it and runs out
of memory. So the composer here counts, while it composes: the bytes of the text, the
references (aliases), how deep lists and mappings nest, and how many values the document
holds once every reference is written out. The first limit passed stops reading at that
line with `YamlLimitError`: memory and time stay proportional to the (capped) text.

Shared by rules/ and sync/ (which may not import each other); it knows nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KB = 1024


@dataclass(frozen=True, slots=True)
class YamlLimits:
    """What a file may hold. The defaults are far above any real rule or mapping file."""

    max_bytes: int = 256 * KB
    max_aliases: int = 100  # `*name` references
    max_depth: int = 32  # lists and mappings inside each other, references written out
    max_values: int = 20_000  # keys, values and list items, references written out


DEFAULT_LIMITS = YamlLimits()


class YamlLimitError(yaml.MarkedYAMLError):
    """The file passes a limit. `message` says which, in words; `line` is 1-based or None
    (the size of the whole file)."""

    def __init__(self, message: str, mark: Any = None) -> None:  # a yaml Mark or None
        super().__init__(problem=message, problem_mark=mark)
        self.message = message
        self.line = mark.line + 1 if mark is not None else None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def size_words(size: int) -> str:
    if size >= KB * KB:
        return f"{size / (KB * KB):.1f} MB"
    return f"{size / KB:.0f} KB" if size >= KB else f"{size} bytes"


def too_large(size: int, limits: YamlLimits = DEFAULT_LIMITS) -> YamlLimitError | None:
    """The refusal for a file of `size` bytes, or None when it may be read."""
    if size <= limits.max_bytes:
        return None
    return YamlLimitError(f"the file is {size_words(size)}; it can be at most "
                          f"{size_words(limits.max_bytes)}, so it was not read")


def read_limited(path: Path, limits: YamlLimits = DEFAULT_LIMITS) -> str:
    """The UTF-8 text of `path`, refused (YamlLimitError) before reading when too large.

    Raises OSError as `open` does, and UnicodeDecodeError for bytes that are not UTF-8."""
    with path.open("rb") as handle:
        refused = too_large(path.stat().st_size, limits)
        if refused is None:
            data = handle.read(limits.max_bytes + 1)  # a file that grew meanwhile
            refused = too_large(len(data), limits)
    if refused is not None:
        raise refused
    return data.decode("utf-8")


def not_utf8(error: UnicodeDecodeError) -> tuple[int, str]:
    """Where a whole file (decoded at once) is not UTF-8: its line, and the byte in words."""
    data = error.object
    line = data.count(b"\n", 0, error.start) + 1
    return line, (f"byte 0x{data[error.start]:02x} (offset {error.start}) is not UTF-8 text; "
                  "save the file as UTF-8")


class _PythonEvents(yaml.SafeLoader):
    """PyYAML's own scanner and parser, in Python (when libyaml is not installed)."""


def _c_events() -> Any:
    """libyaml's scanner and parser (C, many times faster) under PyYAML's composer in
    Python, whose compose_node BoundedLoader counts in (yaml.CSafeLoader composes in C,
    where nothing can be counted before the whole document is built); None without
    libyaml."""
    try:
        from yaml._yaml import CParser  # noqa: PLC0415
    except ImportError:
        return None

    class CEvents(yaml.composer.Composer, CParser,
                  yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return CEvents


_Events: Any = _c_events() or _PythonEvents


class BoundedLoader(_Events):  # type: ignore[misc]
    """A safe loader whose composer refuses a document past `limits` as it composes it."""

    def __init__(self, stream: str, limits: YamlLimits = DEFAULT_LIMITS) -> None:
        refused = too_large(len(stream), limits) or too_large(len(stream.encode()), limits)
        if refused is not None:
            raise refused
        super().__init__(stream)
        self.limits = limits
        self._depth = 0
        self._aliases = 0
        self._values = 0
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.limits.max_aliases:
                raise YamlLimitError(f"more than {self.limits.max_aliases} references to "
                                     "other parts of the file (*name); write the values out",
                                     event.start_mark)
            node: yaml.Node | None = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:  # still being composed: the part contains itself
                raise YamlLimitError(f"*{event.anchor} refers to the part it is inside, "
                                     "which would repeat without end", event.start_mark)
            self._count(size[0], self._depth + size[1], event.start_mark)
            return node
        self._count(1, self._depth + 1, event.start_mark)
        self._depth += 1
        node = super().compose_node(parent, index)
        self._depth -= 1
        children = _children(node)
        self._sizes[id(node)] = (1 + sum(self._sizes[id(c)][0] for c in children),
                                 1 + max((self._sizes[id(c)][1] for c in children), default=0))
        return node

    def _count(self, values: int, depth: int, mark: Any) -> None:
        self._values += values
        if depth > self.limits.max_depth:
            raise YamlLimitError(f"lists and settings are nested more than "
                                 f"{self.limits.max_depth} levels deep here", mark)
        if self._values > self.limits.max_values:
            raise YamlLimitError(f"the file holds more than {self.limits.max_values:,} values "
                                 "once every *name reference is written out; far more than "
                                 "any real file needs", mark)


def _children(node: yaml.Node | None) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def safe_load(text: str, limits: YamlLimits = DEFAULT_LIMITS) -> Any:
    """yaml.safe_load within `limits` (YamlLimitError, a yaml.YAMLError, past them)."""
    loader = BoundedLoader(text, limits)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
