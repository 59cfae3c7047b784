"""What the creditor filter costs (docs/creditors.md): the same statements through the
hub's engine (the filter added once per statement shape, when it is compiled, with the
creditor as a bind parameter), through an engine that rewrites every statement before it
runs (how the query layer worked before: `before`), and through one without any filter
whose statements name the creditor by hand, the same SQL (`plain`), interleaved.

    python bench/tenancy.py [--customers 2000] [--lookups 2000] [--rounds 3]

Prints, for a one-row lookup by customer code (the filter's worst case: the rewrite is a
larger share of a cheap statement) and for a worklist-like aggregate over a join, min and
median seconds of each and the ratios hub/plain, before/plain and hub/before. (`plain`
builds one more `where()` per statement in Python, so hub/plain may come out below 1.)"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.sql.elements import ClauseElement

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


def _rewrite_each_time(conn: Any, clauseelement: Any, multiparams: Any,  # noqa: ARG001
                       params: Any, execution_options: Any  # noqa: ARG001
                       ) -> tuple[Any, Any, Any]:
    """The former query layer: every statement cloned and rewritten before it runs."""
    clause = clauseelement
    creditor = tenancy.current_creditor()
    if creditor != tenancy.ALL_CREDITORS and isinstance(clause, ClauseElement) \
            and (clause.is_dml or getattr(clause, "is_select", False)) \
            and tenancy._touches_tenant(clause):
        clause = tenancy.scoped(clause, creditor)
    return clause, multiparams, params


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


def _lookups(engine: sa.Engine, count: int, customers_count: int, *,
             by_hand: bool = False) -> float:
    """`by_hand`: the statement names the creditor itself (the plain reference: the same
    SQL the filtered engines send, with no filter machinery)."""
    started = time.perf_counter()
    with engine.connect() as c:
        for i in range(count):
            code = f"C{i % customers_count:06d}"
            query = sa.select(customers.c.id, customers.c.name).where(customers.c.code == code)
            if by_hand:
                query = query.where(customers.c.creditor_id == tenancy.DEFAULT_CREDITOR)
            c.execute(query).first()
    return time.perf_counter() - started


def _aggregate(engine: sa.Engine, repeat: int, *, by_hand: bool = False) -> float:
    query = (sa.select(customers.c.code, sa.func.sum(invoices.c.open_minor))
             .join(invoices, invoices.c.customer_id == customers.c.id)
             .where(invoices.c.status == "open").group_by(customers.c.code))
    if by_hand:
        query = query.where(customers.c.creditor_id == tenancy.DEFAULT_CREDITOR,
                            invoices.c.creditor_id == tenancy.DEFAULT_CREDITOR)
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
        tenancy.uninstall(plain)
        before = make_engine(url)
        tenancy.uninstall(before)
        event.listen(before, "before_execute", _rewrite_each_time, retval=True)
        print(load_line())
        found = interleave(args.rounds, {
            "lookup hub": lambda: _lookups(hooked, args.lookups, args.customers),
            "lookup before": lambda: _lookups(before, args.lookups, args.customers),
            "lookup plain": lambda: _lookups(plain, args.lookups, args.customers,
                                             by_hand=True),
            "aggregate hub": lambda: _aggregate(hooked, 20),
            "aggregate before": lambda: _aggregate(before, 20),
            "aggregate plain": lambda: _aggregate(plain, 20, by_hand=True),
        })
        lookups = f"{args.lookups} lookups by code"
        aggregates = f"20 aggregates over {args.customers} accounts"
        print(ratio_line(f"{lookups}, hub", found["lookup hub"], found["lookup plain"], "s",
                         "<= 1.2"))
        print(ratio_line(f"{lookups}, before", found["lookup before"], found["lookup plain"],
                         "s", "was <= 2"))
        print(ratio_line(f"{lookups}, hub against before", found["lookup hub"],
                         found["lookup before"], "s", "< 1"))
        print(ratio_line(f"{aggregates}, hub", found["aggregate hub"],
                         found["aggregate plain"], "s", "<= 1.2"))
        print(ratio_line(f"{aggregates}, before", found["aggregate before"],
                         found["aggregate plain"], "s", "<= 1.2"))
        for engine in (hooked, before, plain):
            engine.dispose()


if __name__ == "__main__":
    main()
