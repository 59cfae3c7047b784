"""Aging reports kept per ledger version, so a dashboard polling the aging API does not
aggregate a million invoices on every request (issue 16: p95 1-3 s, recomputed each time).

The ledger version is the newest id of the tables every change that moves an open amount
writes to: import runs, payments, allocations, cycle runs, and the timeline (events), to
which every other change appends (a write-off, a reversal, a new owner). Each is one
index lookup. The version is read before the report, so a change that lands in between
makes the cached report newer than its version, never older: the next request sees the
new version and aggregates again.

Per process (each web worker keeps its own), per engine, a few entries (as-of x grouping).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.reports import AgingReport
from hub.ledger.tables import allocations
from hub.ledger.tables import cycle_runs
from hub.ledger.tables import events
from hub.ledger.tables import import_runs
from hub.ledger.tables import payments
from hub.services.read.reports import aging_report
from hub.services.read.reports import check_grouping

ENTRIES = 16
_VERSIONED = (import_runs, payments, allocations, cycle_runs, events)
Version = tuple[int, ...]

_lock = threading.Lock()
_caches: WeakKeyDictionary[Engine, OrderedDict[tuple[Version, date, str], AgingReport]] = \
    WeakKeyDictionary()


def ledger_version(connection: Connection) -> Version:
    """Changes whenever an import, a payment, a cycle or any timeline event is written."""
    row = connection.execute(sa.select(*(
        sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)).scalar_subquery()
        for table in _VERSIONED))).one()
    return tuple(int(value) for value in row)


def cached_aging_report(engine: Engine, as_of: date, by: str = "currency") -> AgingReport:
    """`aging_report(engine, as_of, by)`, aggregated again only when the ledger changed."""
    check_grouping(by)
    with engine.connect() as connection:
        key = (ledger_version(connection), as_of, by)
        with _lock:
            entries = _caches.setdefault(engine, OrderedDict())
            found = entries.get(key)
            if found is not None:
                entries.move_to_end(key)
                return found
        report = aging_report(connection, as_of, by)
    with _lock:
        entries[key] = report
        while len(entries) > ENTRIES:
            entries.popitem(last=False)
    return report
