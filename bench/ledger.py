"""Ledger benchmark: import N invoices, import them again, run aging and DSO.

    python bench/ledger.py --invoices 100000
    HUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \
        python bench/ledger.py --invoices 100000

Writes a synthetic portfolio (one customer per 20 invoices, `generic` layout) to a
temporary folder, then on SQLite (a fresh file) and, when HUB_BENCH_POSTGRES_URL is
set, on PostgreSQL (a fresh schema, dropped afterwards) prints: import rows a second,
the re-import (nothing changes), aging and DSO report times, and the peak resident
memory of the process. On SQLite it also times storing the same rows again without
reading the file ("SQLite alone"): the most any importer could reach on this machine.
Prints figures; asserts nothing.

Large imports read the file in a second process (hub/services/imports/pipeline.py):
the `cpu` figures are user+system seconds of this process and of that reader, which
on a shared machine say more than the wall clock (the load average is printed too).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import DEPARTMENTS
from portfolio import OWNERS
from portfolio import write_portfolio
from scratch_schema import scratch_schema

from hub.bootstrap.readers import import_file
from hub.domain.clock import FixedClock
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger import tables
from hub.ledger.bulk import BulkInsert
from hub.ledger.bulk import DeferredIndexes
from hub.ledger.bulk import bulk_session
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.users import upsert_users
from hub.services.imports.invoice_rows import INVOICE_COLUMNS
from hub.services.imports.invoices import DEFERRED_INDEXES
from hub.services.read.reports import aging_report
from hub.services.read.reports import dso_report

T = TypeVar("T")
TODAY = date(2026, 11, 30)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def cpu_seconds() -> tuple[float, float]:
    """(this process, its finished child processes): user + system seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def cpu_since(before: tuple[float, float]) -> str:
    own, children = cpu_seconds()
    return f"cpu {own - before[0]:.1f} s + reader {children - before[1]:.1f} s"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_only(engine: sa.Engine, clock: FixedClock) -> tuple[int, float]:
    """Seconds SQLite takes to store the imported invoices again, already read and in the
    driver's form, with the importer's own statement, deferred indexes and commit: what
    an import would take if reading the file cost nothing."""
    columns = list(INVOICE_COLUMNS)
    with engine.connect() as connection:
        rows = [tuple(0 if value is False else 1 if value is True else
                      "" if value is None else value for value in row)
                for row in connection.exec_driver_sql(
                    f"SELECT {', '.join(columns)} FROM invoices")]
    url = engine.url.database
    assert url is not None
    scratch = Path(url).with_suffix(".floor.db")
    scratch.unlink(missing_ok=True)
    copy = make_engine(f"sqlite:///{scratch}")
    try:
        upgrade(copy)
        with copy.begin() as connection:
            connection.exec_driver_sql(f"ATTACH DATABASE '{url}' AS source")
            connection.exec_driver_sql("INSERT INTO customers SELECT * FROM source.customers")
        started = time.perf_counter()
        with copy.begin() as connection, bulk_session(connection):
            connection.exec_driver_sql("DELETE FROM invoices")  # opens the transaction
            indexes = DeferredIndexes.start(connection, tables.invoices, len(rows),
                                            DEFERRED_INDEXES)
            insert = BulkInsert(connection, tables.invoices, columns,
                                {"created_at": clock.now(), "updated_at": clock.now()},
                                ready=columns, empty_is_null=("document_ref", "description"))
            insert.write([(*row, *insert.constants) for row in rows])
            if indexes is not None:
                indexes.restore()
        return len(rows), time.perf_counter() - started
    finally:
        copy.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)


def cpu_reference_ms() -> float:
    """A fixed pure-Python loop, best of five: says how fast this machine is right now
    (shared machines vary by 2x within the hour), so figures can be compared."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000


def run(label: str, engine: sa.Engine, customers_csv: Path, invoices_csv: Path,
        invoices: int) -> None:
    clock = FixedClock(datetime.combine(TODAY, datetime.min.time(), UTC).replace(hour=12))
    upgrade(engine)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{label}: {invoices:,} invoices   (load average {load} on {os.cpu_count()} CPUs, "
          f"CPU reference {cpu_reference_ms():.1f} ms, Python {platform.python_version()})")
    with engine.begin() as connection:  # owners must be users of the hub
        upsert_users(connection, [User(email=owner, name=owner.split("@")[0],
                                       role=Role.COLLECTOR, department=DEPARTMENTS[i % 3])
                                  for i, owner in enumerate(OWNERS)], clock.now())
    result, seconds = timed(lambda: import_file(engine, customers_csv, "customers",
                                                actor="bench", clock=clock))
    print(f"  customers import   {result.created:>9,} rows  {seconds:7.1f} s  "
          f"{result.created / seconds:>9,.0f} rows/s")
    cpu = cpu_seconds()
    result, seconds = timed(lambda: import_file(engine, invoices_csv, "invoices",
                                                actor="bench", clock=clock))
    print(f"  invoices import    {result.created:>9,} rows  {seconds:7.1f} s  "
          f"{result.created / seconds:>9,.0f} rows/s   peak RSS {peak_rss_mb():,.0f} MB   "
          f"{cpu_since(cpu)}")
    cpu = cpu_seconds()
    result, seconds = timed(lambda: import_file(engine, invoices_csv, "invoices",
                                                actor="bench", clock=clock))
    print(f"  same file again    {result.unchanged:>9,} unchanged, {result.created} created, "
          f"{result.updated} updated  {seconds:5.1f} s  "
          f"{result.unchanged / seconds:>9,.0f} rows/s   {cpu_since(cpu)}")
    if engine.dialect.name == "sqlite":
        rows, seconds = store_only(engine, clock)
        print(f"  SQLite alone       {rows:>9,} rows  {seconds:7.1f} s  {rows / seconds:>9,.0f} "
              f"rows/s   (the same rows, already read: the ceiling for any importer)")
    for by in ("currency", "owner", "customer"):
        _, aging_s = timed(lambda by=by: aging_report(engine, TODAY, by))  # type: ignore[misc]
        _, dso_s = timed(lambda by=by: dso_report(engine, TODAY, by))  # type: ignore[misc]
        print(f"  by {by:<9} aging {aging_s:6.2f} s   DSO {dso_s:6.2f} s")
    print(f"  peak RSS {peak_rss_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="Write the files and the SQLite ledger here and keep them.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as scratch:
        folder = args.keep or Path(scratch)
        (customers_csv, invoices_csv), seconds = timed(
            lambda: write_portfolio(folder, args.invoices, TODAY))
        size = invoices_csv.stat().st_size / 1e6
        print(f"portfolio written in {seconds:.1f} s: {invoices_csv} ({size:,.0f} MB)")
        database = folder / "bench.db"
        database.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{database}")
        run("SQLite", engine, customers_csv, invoices_csv, args.invoices)
        engine.dispose()
        url = os.environ.get("HUB_BENCH_POSTGRES_URL")
        if not url:
            print("\nPostgreSQL: skipped (set HUB_BENCH_POSTGRES_URL to include it)")
            return
        with scratch_schema(url, "hub_bench") as engine:
            run("PostgreSQL", engine, customers_csv, invoices_csv, args.invoices)


if __name__ == "__main__":
    main()
