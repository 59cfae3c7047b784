"""What the engine is sent for an account: only the fields its rules test, each value
replaced by a representative of its class, so accounts in one class share one engine
evaluation (issue 16: the engine cost 40-60x the shadow per account).

A rule only asks on which side of its thresholds a value lies: `days_overdue >= 30` is
true for 31 and 300 alike. So a number becomes the threshold it equals, or a value
strictly inside the same gap between two thresholds (below the lowest, above the highest);
a text becomes itself when a rule names it and one shared "other" text when none does;
yes/no values and missing values stay as they are. Every test of every rule then gives
the same answer on the representative as on the real value, so the engine fires the same
rules; the shadow is still computed per account on the real values and must agree with
the engine's answer for the account's class (rules/policy.py withholds the account if
not). The activation gate (rules/gate.py) still sends the engine raw, random values.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

Key = tuple[Any, ...]


class EngineFacts:
    """Turns the full fact (the shadow's) into the engine's class key and back."""

    def __init__(self, tests: Iterable[tuple[str, str, Any]]) -> None:
        values: dict[str, set[Any]] = {}
        for name, _op, value in tests:
            values.setdefault(name, set()).add(value)
        self.fields = tuple(sorted(values))
        # per field, by the values its tests name: numbers split into gaps, texts into
        # the named ones and one "other"; yes/no values are their own class already
        self._numbers = [(index, numbers) for index, name in enumerate(self.fields)
                         if (numbers := sorted({float(v) for v in values[name]
                                                if _is_number(v)}))]
        self._texts = [(index, named, _other_text(named))
                       for index, name in enumerate(self.fields)
                       if (named := frozenset(v for v in values[name] if isinstance(v, str)))]

    def key(self, fact: dict[str, Any]) -> Key:
        """The account's class: one representative value per tested field (None: the
        account has no value for it)."""
        found = list(map(fact.get, self.fields))
        for index, thresholds in self._numbers:
            value = found[index]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found[index] = _gap(thresholds, value)
        for index, named, other in self._texts:
            value = found[index]
            if isinstance(value, str) and value not in named:
                found[index] = other
        return tuple(found)

    def fact(self, key: Key) -> dict[str, Any]:
        """The engine fact for a class."""
        return {name: value for name, value in zip(self.fields, key, strict=True)
                if value is not None}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _gap(thresholds: list[float], value: float) -> Any:
    """`value` itself when it is a threshold, else a representative strictly inside the
    same gap (the value itself if no representative fits, e.g. a NaN)."""
    if not thresholds or value != value:  # noqa: PLR0124 - NaN compares false to all
        return value
    index = bisect_left(thresholds, value)
    if index < len(thresholds) and thresholds[index] == value:
        return value
    if index == 0:
        chosen = thresholds[0] - 1.0
    elif index == len(thresholds):
        chosen = thresholds[-1] + 1.0
    else:
        chosen = (thresholds[index - 1] + thresholds[index]) / 2
    below = thresholds[index - 1] if index > 0 else None
    above = thresholds[index] if index < len(thresholds) else None
    if (below is not None and not chosen > below) or (above is not None and not chosen < above):
        return value  # floats too close to split: the real value is its own class
    return chosen


def _other_text(named: frozenset[str]) -> str:
    """A text no rule names (a value no rule names falls in this class)."""
    other = "other"
    while other in named:
        other += "~"
    return other
