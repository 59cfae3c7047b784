"""Typed reading of YAML values, collecting every problem with its line and rule."""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from hub.domain.decisions import RuleProblem
from rules.source import Map
from rules.source import Seq


def shown(value: Any) -> str:
    if isinstance(value, Map):
        return "a list of keys"
    if isinstance(value, Seq):
        return "a list"
    if isinstance(value, bool):  # YAML reads yes/no/on/off as true/false
        return f'{str(value).lower()} (put the value in quotes if you meant the text)'
    return f'"{value}"'


class Problems:
    """Every problem found in one file; reading goes on after an error."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[RuleProblem] = []

    def error(self, line: int | None, rule: str | None, message: str) -> None:
        self.items.append(RuleProblem(self.file, line, rule, message, "error"))

    def warning(self, line: int | None, rule: str | None, message: str) -> None:
        self.items.append(RuleProblem(self.file, line, rule, message, "warning"))

    @property
    def errors(self) -> list[RuleProblem]:
        return [p for p in self.items if p.severity == "error"]

    def sorted(self) -> list[RuleProblem]:
        return sorted(self.items, key=lambda p: (p.line or 0, p.severity != "error"))


class Reader:
    """Reads keys of one Map for one rule (`step "firm reminder"`), reporting problems."""

    def __init__(self, problems: Problems, node: Map, rule: str | None,
                 known: tuple[str, ...] | None) -> None:
        self.problems = problems
        self.node = node
        self.rule = rule
        if known is not None:
            for key in node.values:
                if key not in known:
                    self.unknown(key, known)

    def unknown(self, key: str, known: tuple[str, ...]) -> None:
        from difflib import get_close_matches  # noqa: PLC0415

        close = get_close_matches(key, known, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        self.problems.error(self.node.line_of(key), self.rule,
                            f'"{key}" is not a setting here{hint}; known: {", ".join(known)}')

    def line(self, key: str) -> int:
        return self.node.line_of(key)

    def error(self, key: str, message: str) -> None:
        self.problems.error(self.line(key), self.rule, message)

    def has(self, key: str) -> bool:
        return key in self.node

    def text(self, key: str, *, required: bool = False,
             choices: tuple[str, ...] = ()) -> str | None:
        if key not in self.node:
            if required:
                self.problems.error(self.node.line, self.rule, f'"{key}" is missing')
            return None
        value = self.node.get(key)
        if isinstance(value, (Map, Seq)) or value is None or isinstance(value, bool):
            self.error(key, f'"{key}" must be a word or text, got {shown(value)}')
            return None
        text = str(value).strip()
        if choices and text not in choices:
            self.error(key, f'"{key}" must be one of {", ".join(choices)}, got "{text}"')
            return None
        return text

    def whole(self, key: str, what: str, *, required: bool = False, default: int = 0,
              minimum: int = 0, maximum: int = 100_000) -> int:
        if key not in self.node:
            if required:
                self.problems.error(self.node.line, self.rule, f'"{key}" is missing')
            return default
        value = self.node.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f'"{key}" must be a number of {what}, got {shown(value)}')
            return default
        if not minimum <= value <= maximum:
            self.error(key, f'"{key}" must be between {minimum} and {maximum} {what}, '
                            f"got {value}")
            return default
        return value

    def amount(self, key: str, default: Decimal) -> Decimal:
        if key not in self.node:
            return default
        return amount(self.problems, self.line(key), self.rule, key, self.node.get(key),
                      default=default)

    def flag(self, key: str, default: bool = False) -> bool:
        if key not in self.node:
            return default
        value = self.node.get(key)
        if not isinstance(value, bool):
            self.error(key, f'"{key}" must be true or false, got {shown(value)}')
            return default
        return value

    def words(self, key: str, choices: tuple[str, ...] = (), what: str = "") -> tuple[str, ...]:
        """A list of words; a single word is read as a list of one."""
        if key not in self.node:
            return ()
        value = self.node.get(key)
        items = value.items if isinstance(value, Seq) else [value]
        result = []
        for item in items:
            if isinstance(item, (Map, Seq)) or item is None or isinstance(item, bool):
                self.error(key, f'"{key}" must be a list of words, got {shown(item)}')
                continue
            word = str(item).strip()
            if choices and word not in choices:
                self.error(key, f'"{word}" is not a known {what or key}; '
                                f'use {", ".join(choices)}')
                continue
            result.append(word)
        return tuple(result)

    def section(self, key: str) -> Map | None:
        if key not in self.node:
            return None
        value = self.node.get(key)
        if not isinstance(value, Map):
            self.error(key, f'"{key}" must hold settings (key: value lines), got {shown(value)}')
            return None
        return value


def amount(problems: Problems, line: int, rule: str | None, key: str, value: Any, *,
           default: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        problems.error(line, rule, f'"{key}" must be an amount such as 25.00, got {shown(value)}')
        return default
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        problems.error(line, rule, f'"{key}" must be an amount such as 25.00, got "{value}" '
                                   f"(no currency signs or thousands separators)")
        return default
    if result < 0:
        problems.error(line, rule, f'"{key}" cannot be negative, got {value}')
        return default
    return result
