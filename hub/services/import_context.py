"""What every importer needs to know about the run it belongs to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Protocol

from hub.domain.currency import minor_units
from hub.domain.records import ImportRecord
from hub.domain.records import RejectedRow


@dataclass(frozen=True)
class RunContext:
    run_id: int
    source_name: str  # the file name, for summaries on the timeline
    source_path: str
    provided: frozenset[str]  # fields the file has a column (or constant) for
    actor: str
    now: datetime
    today: date


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: Counter[str] = field(default_factory=Counter)  # customers_created, settled, ...
    warnings: list[str] = field(default_factory=list)


class Importer(Protocol):
    def add(self, records: list[ImportRecord]) -> list[RejectedRow]: ...

    def finish(self) -> Counts: ...


@cache
def _scale(currency: str) -> int:
    return minor_units(currency)


def to_minor(amount: Decimal, currency: str) -> int:
    """Integer minor units of an amount already checked against its currency."""
    return int(amount.scaleb(_scale(currency)))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
