"""Cycle runs and the cycle lock.

The lock is one row in `cycle_lock`, inserted by the cycle that runs and deleted when it
ends: the primary key makes a second insert fail on SQLite and PostgreSQL alike, so two
schedulers (or a scheduler and a person) never run a cycle at the same time.

The row names its holder (host, pid, process start, a random token) and carries a
heartbeat the running cycle refreshes. A lock whose holder is provably gone (the caller's
`gone` test, e.g. its process on this host has ended) or whose heartbeat is older than
the lock's time-to-live is taken over at once, with an audit entry; the run it left
behind is marked `interrupted`. `force_unlock` is the person's way for the other cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from hub.ledger.staff import audit
from hub.ledger.tables import cycle_lock
from hub.ledger.tables import cycle_runs
from hub.ledger.tables import events

LOCK_NAME = "cycle"
INTERRUPTED = "interrupted"


class Identity(Protocol):
    """Who takes the lock (hub.services.cycle.lock_holders.ProcessIdentity)."""

    @property
    def host(self) -> str: ...

    @property
    def pid(self) -> int: ...

    @property
    def started(self) -> str | None: ...

    @property
    def token(self) -> str: ...


GoneTest = Callable[[Any], "str | None"]


@dataclass(frozen=True, slots=True)
class LockHolder:
    holder: str
    acquired_at: datetime
    expires_at: datetime
    heartbeat_at: datetime | None = None
    host: str | None = None
    pid: int | None = None
    run_id: int | None = None
    token: str | None = None
    process_start: str | None = None

    def describe(self) -> str:
        where = f", pid {self.pid} on {self.host}" if self.pid and self.host else ""
        beat = (f", last heartbeat {self.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
                if self.heartbeat_at else "")
        run = f", run #{self.run_id}" if self.run_id else ""
        return (f"{self.holder}{where}, since {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC"
                f"{beat}{run}")


def _holder(row: Any, now: datetime) -> LockHolder:
    beat = _aware(row.heartbeat_at, now) if row.heartbeat_at is not None else None
    return LockHolder(row.holder, _aware(row.acquired_at, now), _aware(row.expires_at, now),
                      beat, row.host, row.pid, row.run_id, row.token, row.process_start)


def _values(holder: str, identity: Identity | None, now: datetime,
            ttl: timedelta) -> dict[str, Any]:
    values: dict[str, Any] = {"holder": holder, "acquired_at": now, "expires_at": now + ttl,
                              "heartbeat_at": now, "run_id": None, "token": None,
                              "host": None, "pid": None, "process_start": None}
    if identity is not None:
        values.update(token=identity.token, host=identity.host, pid=identity.pid,
                      process_start=identity.started)
    return values


def try_lock(engine: Engine, *, holder: str, now: datetime, ttl: timedelta,
             identity: Identity | None = None, gone: GoneTest | None = None
             ) -> LockHolder | None:
    """Take the cycle lock; None when taken, else the current holder. `ttl`: how long a
    lock lives without a heartbeat. `gone(row)`: why the holder provably no longer
    exists, or None. Runs left `running` by a holder that is no more become
    `interrupted`."""
    values = _values(holder, identity, now, ttl)
    try:
        with engine.begin() as connection:
            connection.execute(cycle_lock.insert().values(name=LOCK_NAME, **values))
            _interrupt_running(connection, now, "it stopped without finishing (no cycle "
                                                "held the lock when the next one started)")
        return None
    except IntegrityError:
        pass
    with engine.begin() as connection:
        row = connection.execute(sa.select(cycle_lock).where(cycle_lock.c.name == LOCK_NAME)
                                 ).first()
        if row is None:  # released in between: try again once
            connection.execute(cycle_lock.insert().values(name=LOCK_NAME, **values))
            _interrupt_running(connection, now, "it stopped without finishing")
            return None
        current = _holder(row, now)
        reason = gone(row) if gone is not None else None
        if reason is None and current.expires_at < now:
            reason = (f"no heartbeat since "
                      f"{(current.heartbeat_at or current.acquired_at):%Y-%m-%d %H:%M:%S} UTC")
        if reason is not None:  # the holder died: take the lock over
            taken = connection.execute(cycle_lock.update().where(
                cycle_lock.c.name == LOCK_NAME, cycle_lock.c.holder == row.holder,
                cycle_lock.c.acquired_at == row.acquired_at,
                cycle_lock.c.expires_at == row.expires_at).values(**values)).rowcount
            if taken == 1:
                _interrupt_running(connection, now, f"the cycle holding the lock "
                                                    f"({current.holder}) stopped: {reason}")
                audit(connection, actor=holder, action="cycle.lock_taken_over", now=now,
                      target=current.holder,
                      detail={**_detail(current), "reason": reason})
                return None
        return current


def _detail(holder: LockHolder) -> dict[str, Any]:
    return {"holder": holder.holder, "host": holder.host, "pid": holder.pid,
            "acquired_at": holder.acquired_at.isoformat(),
            "heartbeat_at": holder.heartbeat_at.isoformat() if holder.heartbeat_at else None,
            "run_id": holder.run_id}


def _interrupt_running(connection: Connection, now: datetime, why: str) -> list[int]:
    """Runs still `running` while this connection holds the lock were left by a cycle that
    was killed: record them as interrupted."""
    rows = connection.execute(sa.select(cycle_runs.c.id, cycle_runs.c.errors)
                              .where(cycle_runs.c.status == "running")).all()
    for row in rows:
        connection.execute(cycle_runs.update().where(
            cycle_runs.c.id == row.id, cycle_runs.c.status == "running").values(
            status=INTERRUPTED, finished_at=now,
            errors=[*(row.errors or []), f"interrupted: {why}"]))
    return [row.id for row in rows]


def attach_run(connection: Connection, *, token: str, run_id: int) -> None:
    """Name the run on the lock, so whoever takes it over knows which run it ends."""
    connection.execute(cycle_lock.update().where(cycle_lock.c.name == LOCK_NAME,
                                                 cycle_lock.c.token == token)
                       .values(run_id=run_id))


def heartbeat(engine: Engine, *, token: str, now: datetime, ttl: timedelta) -> bool:
    """Refresh the holder's heartbeat in its own short transaction; False when the lock is
    no longer this holder's (taken over or removed by `cycle unlock`)."""
    with engine.begin() as connection:
        return bool(connection.execute(cycle_lock.update().where(
            cycle_lock.c.name == LOCK_NAME, cycle_lock.c.token == token)
            .values(heartbeat_at=now, expires_at=now + ttl)).rowcount == 1)


def current_lock(connection: Connection, now: datetime) -> LockHolder | None:
    row = connection.execute(sa.select(cycle_lock).where(cycle_lock.c.name == LOCK_NAME)
                             ).first()
    return _holder(row, now) if row is not None else None


def force_unlock(engine: Engine, *, actor: str, now: datetime,
                 token: str | None = None) -> LockHolder | None:
    """Remove the cycle lock whoever holds it (a person's decision, audited) and mark its
    run interrupted; None when there was no lock. `token`: only that holder's lock."""
    with engine.begin() as connection:
        current = current_lock(connection, now)
        if current is None or (token is not None and current.token != token):
            return None
        removed = connection.execute(cycle_lock.delete().where(
            cycle_lock.c.name == LOCK_NAME, cycle_lock.c.holder == current.holder,
            cycle_lock.c.acquired_at == current.acquired_at)).rowcount
        if removed != 1:
            return None
        if current.run_id is not None:
            run = connection.execute(sa.select(cycle_runs.c.errors).where(
                cycle_runs.c.id == current.run_id, cycle_runs.c.status == "running")).first()
            if run is not None:
                connection.execute(cycle_runs.update().where(
                    cycle_runs.c.id == current.run_id, cycle_runs.c.status == "running")
                    .values(status=INTERRUPTED, finished_at=now,
                            errors=[*(run.errors or []),
                                    f"interrupted: {actor} removed the cycle lock"]))
        audit(connection, actor=actor, action="cycle.unlocked", now=now,
              target=current.holder, detail=_detail(current))
        return current


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
    """Record the outcome, unless the run was marked interrupted meanwhile (its lock was
    taken over or removed: the interruption is the truth about it)."""
    connection.execute(cycle_runs.update().where(cycle_runs.c.id == run_id,
                                                 cycle_runs.c.status == "running").values(
        status=status, finished_at=now, counts=counts, timings=timings, errors=errors,
        hooks=hooks, event_watermark=event_watermark))


def last_event_id(connection: Connection) -> int:
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))
                                  ).scalar_one())


def recent_runs(connection: Connection, limit: int = 20) -> list[Any]:
    """The latest runs, newest first (for the UI and `cycle runs`)."""
    return list(connection.execute(sa.select(cycle_runs).order_by(cycle_runs.c.id.desc())
                                   .limit(limit)).all())
