"""The apply phase's open-task lookup, PostgreSQL against SQLite, in the same run.

    HUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \
        python bench/pg_plan.py --size 20000 --rounds 5

A catch-up day's apply phase looks up the open tasks of every account it decides about
(`tasks.customer_id IN ids`), in the transaction that has just written many of those
tasks, so PostgreSQL's statistics still describe the table before them (issue 16: 38 rows
expected, 135,799 found, 29.8 s). Each round builds that state afresh in one transaction
on each database: `--size` customers, no statistics about tasks, then about 1.36 open
tasks per customer inserted, then the lookup, timed. On PostgreSQL four ways:

- `= ANY(bigint[])`: the ids as the array hub.ledger.accounts.ids_in sent before, of
  another type than the integer column, which PostgreSQL does not hash;
- id table: what the apply phase did before: ANALYZE of three columns, then the ids in an
  indexed temporary table the lookup joins;
- lookup: the apply phase now (ids_in, an integer[] that PostgreSQL hashes), with the
  stale statistics, and again with statistics that describe the new rows (ANALYZE before
  the timing: the planner then estimates each id against them);
- ANALYZE + lookup: a batch that wrote more than a tenth of `tasks` (the first cycle,
  a catch-up) also refreshes the statistics (hub.ledger.table_stats.analyze_after).

Prints CPU seconds, min and median, and the PostgreSQL/SQLite ratios (goal: at most 1.5).

Wall-clock seconds on the shared machine move by 2-8x between rounds, so each round also
measures CPU time: this process's (`time.process_time`) and, when the PostgreSQL server runs
on this machine, its backend's for the same statements (`/proc/<pg_backend_pid()>/schedstat`,
nanoseconds on the CPU), so PostgreSQL's CPU is client + server against SQLite's in-process
CPU. With a server elsewhere, the script says it compares client CPU only.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ARRAY
from sqlalchemy import BigInteger

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))  # last: bench/rules.py is no `rules`

from rounds import interleave
from rounds import load_line
from rounds import ratio_line
from scratch_schema import scratch_schema

from hub.ledger.accounts import ids_in
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.table_stats import analyze
from hub.ledger.table_stats import analyze_after
from hub.ledger.tables import customers
from hub.ledger.tables import tasks
from hub.services.accounts.tasks import ANALYZED_COLUMNS

NOW = datetime(2026, 11, 30, 6, tzinfo=UTC)
Filter = Callable[[sa.Connection, sa.Column[Any], list[int]], sa.ColumnElement[bool]]


class Spent:
    """Wall seconds and CPU seconds (client, and the PostgreSQL backend's when readable)
    of each contender's rounds."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.server_cpu_read = True

    def add(self, name: str, wall: float, cpu: float) -> float:
        self.wall.setdefault(name, []).append(wall)
        self.cpu.setdefault(name, []).append(cpu)
        return cpu


SPENT = Spent()
_tables = iter(range(1, 10**6))


def bigint_array(_connection: sa.Connection, column: sa.Column[Any],
                 ids: list[int]) -> sa.ColumnElement[bool]:
    """`column = ANY(:ids)` as ids_in sent it before: a bigint[] against an integer column."""
    return column == sa.any_(sa.bindparam("ids_array", sorted(ids), type_=ARRAY(BigInteger)))


def id_table(connection: sa.Connection, column: sa.Column[Any],
             ids: list[int]) -> sa.ColumnElement[bool]:
    """The lookup's ids as the apply phase gave them before: ANALYZE of three columns of
    tasks, then an indexed temporary table of the ids, joined."""
    analyze(connection, tasks, columns=ANALYZED_COLUMNS)
    name = f"hub_ids_{next(_tables)}"
    connection.execute(sa.text(f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "
                               "SELECT unnest(CAST(:ids AS bigint[])) AS id"),
                       {"ids": sorted(set(ids))})
    connection.exec_driver_sql(f"CREATE UNIQUE INDEX ON {name} (id)")
    table = sa.table(name, sa.column("id", sa.BigInteger))
    return column.in_(sa.select(table.c.id))


def backend_cpu(connection: sa.Connection) -> Callable[[], float]:
    """A reader of the CPU seconds this connection's PostgreSQL backend has used, or of 0.0
    when the server's processes cannot be read (not on this machine)."""
    if connection.dialect.name != "postgresql":
        return lambda: 0.0
    pid = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    stat = Path(f"/proc/{pid}/schedstat")

    def read() -> float:
        try:
            return int(stat.read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            SPENT.server_cpu_read = False
            return 0.0
    return read


def lookup_seconds(engine: sa.Engine, size: int, where: Filter, *, name: str,
                   analyzed: bool = False, current: bool = False) -> float:
    """Customers committed and analyzed; tasks written and looked up in one transaction.
    Records wall and CPU seconds in SPENT; returns the CPU seconds."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # each round from an empty table: no dead rows of the earlier rounds (which
            # autovacuum would clear in a real database) for the lookup to step over
            connection.exec_driver_sql("TRUNCATE tasks, customers CASCADE")
        else:
            connection.execute(tasks.delete())
            connection.execute(customers.delete())
        connection.execute(customers.insert(), [
            {"id": i, "code": f"C{i:07d}", "name": f"Customer {i}", "kind": "B2B",
             "timezone": "UTC", "language": "en", "excluded": False, "on_hold": False,
             "created_at": NOW, "updated_at": NOW} for i in range(1, size + 1)])
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE customers")
            connection.exec_driver_sql("ANALYZE tasks")  # empty: what a stale plan sees
    with engine.begin() as connection:
        connection.execute(tasks.insert(), [
            {"customer_id": 1 + (n * 7919) % size, "task_type": ("call", "follow_up",
                                                                "escalation")[n % 3],
             "due_date": date(2026, 11, 30), "state": "open", "key": f"t{n}",
             "reason": "r", "created_by": "rules", "source": "rules", "created_at": NOW,
             "updated_at": NOW} for n in range(size * 136 // 100)])
        ids = list(range(1, size + 1))
        if current:  # statistics that describe the new rows, before the timing
            analyze(connection, tasks, columns=ANALYZED_COLUMNS)
        server = backend_cpu(connection)
        # the collector paused, as the cycle pauses it per batch (a collection of the
        # tasks just built landed in some rounds and tripled SQLite's CPU there)
        gc.collect()
        gc.disable()
        server_before, client_before = server(), time.process_time()
        started = time.perf_counter()
        if analyzed:  # after the bulk write, as TaskBatch.flush does
            assert analyze_after(connection, tasks, size * 136 // 100,
                                 columns=ANALYZED_COLUMNS)
        found = connection.execute(sa.select(tasks.c.customer_id, tasks.c.task_type).where(
            tasks.c.state == "open", where(connection, tasks.c.customer_id, ids))).all()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - client_before + server() - server_before
        gc.enable()
    assert len(found) == size * 136 // 100, len(found)
    return SPENT.add(name, seconds, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="customers")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("HUB_BENCH_POSTGRES_URL")
    if not url:
        raise SystemExit("set HUB_BENCH_POSTGRES_URL (a PostgreSQL to compare with SQLite)")
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder, \
            scratch_schema(url, "hub_bench_plan") as postgres:
        sqlite = make_engine(f"sqlite:///{folder}/hub.db")
        upgrade(sqlite)
        upgrade(postgres)
        print(f"open-task lookup over {args.size:,} accounts, {args.rounds} interleaved "
              f"rounds ({load_line()})")
        print("  (per round: CPU seconds, this process + the PostgreSQL backend)")
        interleave(args.rounds, {
            "SQLite": lambda: lookup_seconds(sqlite, args.size, ids_in, name="SQLite"),
            "PostgreSQL bigint[]": lambda: lookup_seconds(
                postgres, args.size, bigint_array, name="PostgreSQL bigint[]"),
            "PostgreSQL id table": lambda: lookup_seconds(
                postgres, args.size, id_table, name="PostgreSQL id table"),
            "PostgreSQL lookup": lambda: lookup_seconds(
                postgres, args.size, ids_in, name="PostgreSQL lookup"),
            "PostgreSQL lookup, analyzed": lambda: lookup_seconds(
                postgres, args.size, ids_in, name="PostgreSQL lookup, analyzed",
                current=True),
            "PostgreSQL ANALYZE + lookup": lambda: lookup_seconds(
                postgres, args.size, ids_in, name="PostgreSQL ANALYZE + lookup",
                analyzed=True),
        })
        sqlite.dispose()
    cpu = "s CPU" if SPENT.server_cpu_read else \
        "s CPU (client only: the server's processes are not readable here)"
    for label, name in (
            ("PostgreSQL = ANY(bigint[]) vs SQLite", "PostgreSQL bigint[]"),
            ("PostgreSQL ANALYZE + id table, before, vs SQLite", "PostgreSQL id table"),
            ("PostgreSQL lookup, stale statistics, vs SQLite", "PostgreSQL lookup"),
            ("PostgreSQL lookup, current statistics, vs SQLite",
             "PostgreSQL lookup, analyzed"),
            ("PostgreSQL ANALYZE (a write of more than a tenth) + lookup vs SQLite",
             "PostgreSQL ANALYZE + lookup")):
        print(ratio_line(f"{label} (wall)", SPENT.wall[name], SPENT.wall["SQLite"], "s",
                         "<= 1.5"))
        print(ratio_line(f"{label} (CPU)", SPENT.cpu[name], SPENT.cpu["SQLite"], cpu,
                         "<= 1.5"))

if __name__ == "__main__":
    main()
