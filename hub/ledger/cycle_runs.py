"""Cycle runs and the cycle lock.

The lock is one row in `cycle_lock`, inserted by the cycle that runs and deleted when it
ends: the primary key makes a second insert fail on SQLite and PostgreSQL alike, so two
schedulers (or a scheduler and a person) never run a cycle at the same time. A lock
whose holder died is taken over once it expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from hub.ledger.tables import cycle_lock
from hub.ledger.tables import cycle_runs
from hub.ledger.tables import events

LOCK_NAME = "cycle"


@dataclass(frozen=True, slots=True)
class LockHolder:
    holder: str
    acquired_at: datetime
    expires_at: datetime


def try_lock(engine: Engine, *, holder: str, now: datetime, ttl: timedelta) -> LockHolder | None:
    """Take the cycle lock; None when taken, else the current holder."""
    try:
        with engine.begin() as connection:
            connection.execute(cycle_lock.insert().values(
                name=LOCK_NAME, holder=holder, acquired_at=now, expires_at=now + ttl))
        return None
    except IntegrityError:
        pass
    with engine.begin() as connection:
        row = connection.execute(sa.select(cycle_lock).where(cycle_lock.c.name == LOCK_NAME)
                                 ).first()
        if row is None:  # released in between: try again once
            connection.execute(cycle_lock.insert().values(
                name=LOCK_NAME, holder=holder, acquired_at=now, expires_at=now + ttl))
            return None
        expires = _aware(row.expires_at, now)
        if expires < now:  # the holder died: take the lock over
            taken = connection.execute(cycle_lock.update().where(
                cycle_lock.c.name == LOCK_NAME, cycle_lock.c.holder == row.holder,
                cycle_lock.c.expires_at == row.expires_at).values(
                holder=holder, acquired_at=now, expires_at=now + ttl)).rowcount
            if taken == 1:
                return None
        return LockHolder(row.holder, _aware(row.acquired_at, now), expires)


def release_lock(engine: Engine, *, holder: str) -> None:
    with engine.begin() as connection:
        connection.execute(cycle_lock.delete().where(cycle_lock.c.name == LOCK_NAME,
                                                     cycle_lock.c.holder == holder))


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


def latest_run(connection: Connection) -> Any | None:
    """The latest finished (not dry) run: the date no new run may precede."""
    return connection.execute(
        sa.select(cycle_runs).where(cycle_runs.c.dry_run.is_(False),
                                    cycle_runs.c.status.in_(("done", "errors")))
        .order_by(cycle_runs.c.as_of.desc(), cycle_runs.c.id.desc()).limit(1)).first()


def last_full_evaluation(connection: Connection, *, scan: int = 400) -> date | None:
    """The date of the latest run that evaluated every account (counts.full_evaluation)."""
    rows = connection.execute(
        sa.select(cycle_runs.c.as_of, cycle_runs.c.counts)
        .where(cycle_runs.c.dry_run.is_(False), cycle_runs.c.status.in_(("done", "errors")))
        .order_by(cycle_runs.c.as_of.desc(), cycle_runs.c.id.desc()).limit(scan))
    for as_of, counts in rows:
        if (counts or {}).get("full_evaluation"):
            return as_of  # type: ignore[no-any-return]
    return None


def start_run(connection: Connection, *, as_of: date, dry_run: bool, actor: str,
              now: datetime, policy_version: str | None) -> int:
    return int(connection.execute(cycle_runs.insert().values(
        as_of=as_of, dry_run=dry_run, status="running", started_at=now, actor=actor,
        policy_version=policy_version, counts={}, timings={}, errors=[], hooks=[])
        .returning(cycle_runs.c.id)).scalar_one())


def finish_run(connection: Connection, run_id: int, *, status: str, now: datetime,
               counts: dict[str, int], timings: dict[str, float], errors: list[str],
               hooks: list[dict[str, Any]], event_watermark: int | None) -> None:
    connection.execute(cycle_runs.update().where(cycle_runs.c.id == run_id).values(
        status=status, finished_at=now, counts=counts, timings=timings, errors=errors,
        hooks=hooks, event_watermark=event_watermark))


def last_event_id(connection: Connection) -> int:
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))
                                  ).scalar_one())


def recent_runs(connection: Connection, limit: int = 20) -> list[Any]:
    """The latest runs, newest first (for the UI and `cycle runs`)."""
    return list(connection.execute(sa.select(cycle_runs).order_by(cycle_runs.c.id.desc())
                                   .limit(limit)).all())
