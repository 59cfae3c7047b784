"""A cycle's accounts split into partitions for the queue workers, and each part's state.

The row is the truth about a part, not the broker: a part is `done` only in the same
transaction that applied its decisions, so a worker killed mid-part leaves it as it was
(its transaction is rolled back with its connection) and the retry applies it once.
Workers take a part with a conditional UPDATE as their transaction's first statement:
on PostgreSQL that locks the row, so a second try of the same part waits and then finds
it done; on SQLite it takes the database's write lock, with the same effect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.ledger.in_lists import chunks
from hub.ledger.tables import customers
from hub.ledger.tables import cycle_partitions as parts
from hub.ledger.tables import cycle_runs

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"  # the run was no longer running (its lock was lost): nothing applied
FINISHED = (DONE, FAILED, SKIPPED)


@dataclass(frozen=True, slots=True)
class Part:
    """One partition to create: an id range (every customer in it) or a list of codes."""

    accounts: int
    first_id: int | None = None
    last_id: int | None = None
    codes: tuple[str, ...] | None = None


def full_ranges(connection: Connection, size: int) -> list[Part]:
    """Every customer, in id ranges of `size` customers: one index probe per part, so the
    coordinator never holds every id (10M customers: 2,000 probes)."""
    found: list[Part] = []
    after = 0
    while True:
        ids = (sa.select(customers.c.id).where(customers.c.id > after)
               .order_by(customers.c.id).limit(size).subquery())
        bounds = connection.execute(sa.select(sa.func.min(ids.c.id), sa.func.max(ids.c.id),
                                              sa.func.count())).one()
        if not bounds[2]:
            return found
        found.append(Part(accounts=int(bounds[2]), first_id=int(bounds[0]),
                          last_id=int(bounds[1])))
        after = int(bounds[1])


def code_lists(codes: Sequence[str], size: int) -> list[Part]:
    return [Part(accounts=len(part), codes=tuple(part))
            for part in chunks(sorted(set(codes)), size)]


def create(connection: Connection, run_id: int, planned: Sequence[Part], *,
           enforcement: bool) -> int:
    rows: list[dict[str, Any]] = [
        {"run_id": run_id, "part": number, "state": QUEUED, "first_id": part.first_id,
         "last_id": part.last_id, "codes": list(part.codes) if part.codes is not None else None,
         "accounts": part.accounts, "enforcement": enforcement, "attempts": 0, "worker": None,
         "started_at": None, "finished_at": None, "counts": {}, "timings": {}, "errors": []}
        for number, part in enumerate(planned)]
    if rows:
        connection.execute(parts.insert(), rows)
    return len(rows)


def _where(run_id: int, part: int) -> sa.ColumnElement[bool]:
    return sa.and_(parts.c.run_id == run_id, parts.c.part == part)


def start_try(engine: Engine, run_id: int, part: int, *, worker: str,
              now: datetime) -> Any | None:
    """Record a try (its own short transaction, so a killed try stays counted); the
    part's row, or None when it is finished already."""
    with engine.begin() as connection:
        started = connection.execute(
            parts.update().where(_where(run_id, part), parts.c.state.in_((QUEUED, RUNNING)))
            .values(state=RUNNING, attempts=parts.c.attempts + 1, worker=worker[:200],
                    started_at=now)).rowcount
        if started != 1:
            return None
        return connection.execute(sa.select(parts).where(_where(run_id, part))).one()


def take(connection: Connection, run_id: int, part: int) -> bool:
    """The first statement of the part's transaction: mark it done (only committed with
    its decisions) and hold its row until then. False: another try finished it."""
    return bool(connection.execute(
        parts.update().where(_where(run_id, part), parts.c.state.in_((QUEUED, RUNNING)))
        .values(state=DONE)).rowcount == 1)


def running_run(connection: Connection, run_id: int) -> Any | None:
    """The run, while it is `running`; read with a share lock on PostgreSQL, so a lock
    take-over (which marks the run interrupted) waits for this part to commit and a part
    never commits into a run already given up."""
    row = connection.execute(
        sa.select(cycle_runs.c.id, cycle_runs.c.as_of, cycle_runs.c.status,
                  cycle_runs.c.policy_version)
        .where(cycle_runs.c.id == run_id).with_for_update(read=True)).first()
    return row if row is not None and row.status == RUNNING else None


def finish(connection: Connection, run_id: int, part: int, *, now: datetime,
           counts: dict[str, int], timings: dict[str, float], errors: list[str],
           state: str = DONE) -> None:
    connection.execute(parts.update().where(_where(run_id, part)).values(
        state=state, finished_at=now, counts=counts, timings=timings, errors=errors))


def give_up(engine: Engine, run_id: int, part: int, *, state: str, error: str,
            now: datetime) -> None:
    """A part that will not be applied (out of tries, or its run was given up)."""
    with engine.begin() as connection:
        connection.execute(parts.update().where(_where(run_id, part),
                                                parts.c.state.in_((QUEUED, RUNNING)))
                           .values(state=state, finished_at=now, errors=[error]))


def progress(connection: Connection, run_id: int) -> list[Any]:
    return list(connection.execute(
        sa.select(parts.c.part, parts.c.state, parts.c.attempts, parts.c.accounts,
                  parts.c.worker, parts.c.counts, parts.c.timings, parts.c.errors)
        .where(parts.c.run_id == run_id).order_by(parts.c.part)).all())
