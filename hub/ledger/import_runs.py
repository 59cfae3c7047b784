"""The import_runs log and the events an import appends to the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import insert
from sqlalchemy import update

from hub.domain.model import Event
from hub.ledger.bulk import BulkInsert
from hub.ledger.tables import events
from hub.ledger.tables import import_runs

_EVENT_COLUMNS = ("occurred_at", "actor", "kind", "summary", "data", "customer_id", "invoice_id")


def start_run(connection: Connection, *, kind: str, source: str, sha256: str,
              preset: str | None, actor: str, started_at: datetime) -> int:
    result = connection.execute(insert(import_runs).values(
        kind=kind, source=source[:500], sha256=sha256, preset=preset, started_at=started_at,
        created=0, updated=0, unchanged=0, rejected=0, actor=actor).returning(import_runs.c.id))
    return int(result.scalar_one())


def finish_run(connection: Connection, run_id: int, *, finished_at: datetime, created: int,
               updated: int, unchanged: int, rejected: int, rejects_path: str | None) -> None:
    connection.execute(update(import_runs).where(import_runs.c.id == run_id).values(
        finished_at=finished_at, created=created, updated=updated, unchanged=unchanged,
        rejected=rejected, rejects_path=rejects_path))


def append_events(connection: Connection, items: Sequence[Event],
                  customer_ids: Mapping[str, int],
                  invoice_ids: Mapping[str, int] | None = None) -> None:
    """Insert events, resolving customer codes and invoice numbers to row ids.

    Through BulkInsert: an import appends one event per customer, tens of thousands
    for a large file, and Core's insert() spends longer on each than the database."""
    if not items:
        return
    invoice_ids = invoice_ids or {}
    insert = BulkInsert(connection, events, _EVENT_COLUMNS)
    insert([(item.occurred_at, item.actor, item.kind, item.summary, item.data,
             customer_ids.get(item.customer_code) if item.customer_code else None,
             invoice_ids.get(item.invoice_number) if item.invoice_number else None)
            for item in items])
