"""The import_runs log and the events an import appends to the ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import insert
from sqlalchemy import update

from hub.ledger.event_log import append_events as append_events  # noqa: PLC0414 - kept
from hub.ledger.tables import import_runs


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


