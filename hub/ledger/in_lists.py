"""Slicing long id lists for `IN (...)`: shared by readers and writers, so it depends on
nothing (the read side may not import the bulk writers, hub.ledger.bulk)."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any


def chunks(values: Sequence[Any], size: int = 2000) -> Iterator[Sequence[Any]]:
    """Slices small enough for an IN (...) list on every database."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
