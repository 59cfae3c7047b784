"""Matching throughput: N open invoices, N incoming payments, one `record_incoming` call.

    python bench/payments.py --payments 20000 [--database-url URL]

Two payments in three name their invoice in the remittance text; the rest come
from a known payer with the invoice's amount, or from nobody the ledger knows.
Prints payments a second and how they were matched. Prints figures, asserts nothing.
"""

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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.domain.bank import IncomingPayment
from hub.domain.money import Money
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.services.payments.incoming import record_incoming

CUSTOMERS = 500


def build_ledger(engine: sa.Engine, count: int) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(customers.insert(), [
            {"code": f"C{i:04d}", "name": f"Customer {i:04d}", "kind": "B2B", "timezone": "UTC",
             "language": "en", "excluded": False, "on_hold": False, "created_at": now,
             "updated_at": now} for i in range(CUSTOMERS)])
        ids = dict(connection.execute(sa.select(customers.c.code, customers.c.id)).all())
        connection.execute(invoices.insert(), [
            {"number": f"INV-2026-{i:06d}", "customer_id": ids[f"C{i % CUSTOMERS:04d}"],
             "issue_date": date(2026, 1, 1), "due_date": date(2026, 2, 1), "currency": "EUR",
             "amount_minor": 10_000 + i, "open_minor": 10_000 + i, "status": "open",
             "disputed": False, "excluded": False, "created_at": now, "updated_at": now}
            for i in range(count)])


def payments(count: int) -> list[IncomingPayment]:
    made = []
    for i in range(count):
        payer = i % CUSTOMERS
        text = f"Invoice INV-2026-{i:06d}" if i % 3 else "monthly payment"
        name = f"Customer {payer:04d}" if i % 7 else "Someone Unknown"
        made.append(IncomingPayment(
            reference=f"BENCH-{i}", received_on=date(2026, 3, 1),
            amount=Money.from_minor(10_000 + i, "EUR"), payer_name=name,
            payer_account=f"NL00BANK{payer:010d}", remittance=text))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=20_000)
    parser.add_argument("--database-url", default=None,
                        help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(args.database_url or f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        build_ledger(engine, args.payments)
        batch = payments(args.payments)
        started = time.perf_counter()
        with engine.begin() as connection:
            result = record_incoming(connection, batch, source="bench", actor="bench",
                                     today=date(2026, 3, 2))
        seconds = time.perf_counter() - started
        engine.dispose()
    print(f"{engine.dialect.name}: {result.created:,} payments in {seconds:.1f} s "
          f"({result.created / seconds:,.0f} a second); matched by reference "
          f"{result.matched_by_reference:,}, by amount {result.matched_by_amount:,}, "
          f"unmatched {result.unmatched:,}")


if __name__ == "__main__":
    main()
