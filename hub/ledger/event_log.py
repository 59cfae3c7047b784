"""The one writer of the event log (the account timelines, the audit trail).

Every append goes through these four functions; the table itself is append-only, enforced
by database triggers on SQLite and PostgreSQL. They differ only in how many rows they take
and how fast: one event (`add_event`), a batch of rows a service collected (`add_events`),
the cycle's batch as tuples (`add_event_rows`), and an import's tens of thousands of
domain events through BulkInsert (`append_events`)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.domain.model import Event
from hub.ledger.bulk import BulkInsert
from hub.ledger.bulk import insert_rows
from hub.ledger.bulk import insert_tuples
from hub.ledger.tables import events

_INSERT = events.insert()  # one statement, compiled once, for every event
# An event row in the order add_event_rows takes it
EVENT_COLUMNS = ("occurred_at", "actor", "kind", "summary", "data", "customer_id",
                 "invoice_id")
_CHUNK = 5000


def add_event(connection: Connection, *, customer_id: int | None, kind: str, actor: str,
              summary: str, now: datetime, data: Mapping[str, Any] | None = None,
              invoice_id: int | None = None) -> None:
    connection.execute(_INSERT, {
        "occurred_at": now, "actor": actor, "kind": kind, "summary": summary,
        "customer_id": customer_id, "invoice_id": invoice_id, "data": dict(data or {})})


def add_events(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append many events (occurred_at, actor, kind, summary, customer_id, invoice_id, data)."""
    for start in range(0, len(rows), _CHUNK):
        insert_rows(connection, events, rows[start:start + _CHUNK])


def add_event_rows(connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Append many events given as tuples in EVENT_COLUMNS' order (occurred_at, actor,
    kind, summary, data, customer_id, invoice_id): the cycle's bulk path, no dict per
    event."""
    for start in range(0, len(rows), _CHUNK):
        part = rows[start:start + _CHUNK]
        if not insert_tuples(connection, events, EVENT_COLUMNS, part):
            connection.execute(_INSERT, [dict(zip(EVENT_COLUMNS, row, strict=True))
                                         for row in part])


def append_events(connection: Connection, items: Sequence[Event],
                  customer_ids: Mapping[str, int],
                  invoice_ids: Mapping[str, int] | None = None) -> None:
    """Insert domain events, resolving customer codes and invoice numbers to row ids.

    Through BulkInsert: an import appends one event per customer, tens of thousands
    for a large file, and Core's insert() spends longer on each than the database."""
    if not items:
        return
    invoice_ids = invoice_ids or {}
    insert = BulkInsert(connection, events, EVENT_COLUMNS)
    insert([(item.occurred_at, item.actor, item.kind, item.summary, item.data,
             customer_ids.get(item.customer_code) if item.customer_code else None,
             invoice_ids.get(item.invoice_number) if item.invoice_number else None)
            for item in items])
