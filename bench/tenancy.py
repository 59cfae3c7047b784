"""What the creditor filter costs (docs/creditors.md): the same statements through an
engine with the query layer's hook and through one without it, interleaved.

    python bench/tenancy.py [--customers 2000] [--lookups 2000] [--rounds 3]

Prints, for a one-row lookup by customer code (the hook's worst case: the rewrite is a
larger share of a cheap statement) and for a worklist-like aggregate over a join, min and
median seconds of each and the ratio hooked/plain."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rounds import interleave
from bench.rounds import load_line
from bench.rounds import ratio_line
from hub.ledger import tenancy
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.tables import customers
from hub.ledger.tables import invoices

STAMP = datetime(2026, 11, 1, tzinfo=UTC)


def _fill(engine: sa.Engine, count: int) -> None:
    with engine.begin() as c:
        c.execute(customers.insert(), [
            {"code": f"C{i:06d}", "name": f"Customer {i}", "kind": "B2B", "timezone": "UTC",
             "language": "en", "excluded": False, "on_hold": False, "created_at": STAMP,
             "updated_at": STAMP} for i in range(count)])
        c.execute(invoices.insert(), [
            {"number": f"I{i:06d}", "customer_id": i + 1, "issue_date": date(2026, 9, 1),
             "due_date": date(2026, 10, 1), "currency": "EUR", "amount_minor": 1000 + i,
             "open_minor": 1000 + i, "status": "open", "disputed": False, "excluded": False,
             "created_at": STAMP, "updated_at": STAMP} for i in range(count)])


def _lookups(engine: sa.Engine, count: int, customers_count: int) -> float:
    started = time.perf_counter()
    with engine.connect() as c:
        for i in range(count):
            code = f"C{i % customers_count:06d}"
            c.execute(sa.select(customers.c.id, customers.c.name)
                      .where(customers.c.code == code)).first()
    return time.perf_counter() - started


def _aggregate(engine: sa.Engine, repeat: int) -> float:
    query = (sa.select(customers.c.code, sa.func.sum(invoices.c.open_minor))
             .join(invoices, invoices.c.customer_id == customers.c.id)
             .where(invoices.c.status == "open").group_by(customers.c.code))
    started = time.perf_counter()
    with engine.connect() as c:
        for _ in range(repeat):
            c.execute(query).all()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/hub.db"
        hooked = make_engine(url)
        upgrade(hooked)
        _fill(hooked, args.customers)
        plain = make_engine(url)
        event.remove(plain, "before_execute", tenancy._before_execute)
        print(load_line())
        found = interleave(args.rounds, {
            "lookup hooked": lambda: _lookups(hooked, args.lookups, args.customers),
            "lookup plain": lambda: _lookups(plain, args.lookups, args.customers),
            "aggregate hooked": lambda: _aggregate(hooked, 20),
            "aggregate plain": lambda: _aggregate(plain, 20),
        })
        print(ratio_line(f"{args.lookups} lookups by code", found["lookup hooked"],
                         found["lookup plain"], "s", "<= 2"))
        print(ratio_line(f"20 aggregates over {args.customers} accounts",
                         found["aggregate hooked"], found["aggregate plain"], "s", "<= 1.2"))
        hooked.dispose()
        plain.dispose()


if __name__ == "__main__":
    main()
