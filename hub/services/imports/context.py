"""What every importer needs to know about the run it belongs to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from typing import Protocol
from typing import runtime_checkable

from hub.domain.currency import minor_units
from hub.domain.records import ImportRecord
from hub.domain.records import InvoiceColumns
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
    expected_rows: int = 0  # the source's estimate, for choices that depend on size


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


@runtime_checkable
class StagedImporter(Importer, Protocol):
    """An importer whose work splits in two: `preparer()` returns the part that needs
    no database (checks across rows, conversions), which may run in a reader process
    on large files; `add_prepared` takes its result and writes it. The preparer gets
    a chunk's records, or a clean chunk as columns (see sync/sources/columnar.py)."""

    def preparer(self) -> Callable[[list[ImportRecord] | InvoiceColumns], Any]: ...

    def add_prepared(self, prepared: Any) -> list[RejectedRow]: ...


@cache
def minor_scale(currency: str) -> int:
    """Digits after the decimal point in `currency` (cached: asked once a row)."""
    return minor_units(currency)


def to_minor(amount: Decimal, currency: str) -> int:
    """Integer minor units of an amount already checked against its currency."""
    return int(amount.scaleb(minor_scale(currency)))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
