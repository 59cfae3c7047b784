"""A synthetic ledger with a known payment behaviour, written by bulk insert (a million
invoices for bench/model.py, a few thousand for the tests).

Every customer has a habit (its chance of paying late). With `invoice_effect`, an
invoice's own features matter too: one more than twice the customer's usual amount, or
sent on paper, is paid late far more often. That is what a model can learn and the
customer-history baseline cannot see; without it the baseline is as good as it gets.
"""

from __future__ import annotations

import math
import random
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from hub.ledger.tables import allocations
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments

STAMP = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CHUNK = 20_000


def _logistic(value: float) -> float:
    return 1 / (1 + math.exp(-value))


def build(engine: Engine, *, customers_count: int, invoices_per_customer: int, today: date,
          invoice_effect: bool, seed: int = 7, first_id: int = 1) -> int:
    """Customers C0000001.. with about `invoices_per_customer` invoices each, issued over
    the two years before `today`; returns the number of invoices written."""
    rng = random.Random(seed)
    start = today - timedelta(days=730)
    stamps = {"created_at": STAMP, "updated_at": STAMP}
    people: list[dict[str, Any]] = []
    bills: list[dict[str, Any]] = []
    paid: list[dict[str, Any]] = []
    spent: list[dict[str, Any]] = []
    invoice_id = first_id
    written = 0
    with engine.begin() as connection:
        for k in range(customers_count):
            customer_id = first_id + k
            habit = rng.gauss(-1.0, 1.3)  # log-odds of paying late
            paper = rng.random() < 0.4
            usual = rng.lognormvariate(6, 1)
            people.append({"id": customer_id, "code": f"C{customer_id:07d}",
                           "name": f"Customer {customer_id}", "kind": "B2B", "timezone": "UTC",
                           "language": "en", "excluded": False, "on_hold": False, **stamps})
            gap = 730 / invoices_per_customer
            day = start + timedelta(days=rng.uniform(0, gap))
            while day < today:
                amount = usual * (rng.uniform(2.2, 3.5) if rng.random() < 0.15
                                  else rng.uniform(0.6, 1.4))
                terms = rng.choice((14, 30, 30, 60))
                odds = habit + ((2.5 if amount > 2 * usual else 0.0) + (1.2 if paper else 0.0)
                                if invoice_effect else 0.0)
                late = rng.random() < _logistic(odds)
                days_late = (rng.randint(1, 30) if rng.random() < 0.6 else rng.randint(31, 90)) \
                    if late else rng.randint(-10, 0)
                due = day + timedelta(days=terms)
                settled = due + timedelta(days=days_late)
                minor = max(100, round(amount * 100))
                done = settled < today
                bills.append({
                    "id": invoice_id, "number": f"S{invoice_id:08d}", "customer_id": customer_id,
                    "issue_date": day, "due_date": due, "currency": "EUR", "amount_minor": minor,
                    "open_minor": 0 if done else minor, "status": "paid" if done else "open",
                    "disputed": False, "excluded": False,
                    "description": "Paper bill" if paper else "Electronic bill", **stamps})
                if done:
                    paid.append({"id": invoice_id, "reference": f"P{invoice_id:08d}",
                                 "customer_id": customer_id, "received_on": settled,
                                 "currency": "EUR", "amount_minor": minor,
                                 "unallocated_minor": 0, "status": "allocated", **stamps})
                    spent.append({"payment_id": invoice_id, "invoice_id": invoice_id,
                                  "currency": "EUR", "amount_minor": minor, "method": "import",
                                  "allocated_on": settled, "actor": "synthetic",
                                  "created_at": STAMP})
                invoice_id += 1
                written += 1
                day += timedelta(days=rng.uniform(0.5 * gap, 1.5 * gap))
            if len(bills) >= CHUNK:
                _flush(connection, people, bills, paid, spent)
        _flush(connection, people, bills, paid, spent)
    return written


def _flush(connection: sa.Connection, *rows: list[dict[str, Any]]) -> None:
    for table, found in zip((customers, invoices, payments, allocations), rows, strict=True):
        if found:
            connection.execute(sa.insert(table), found)
            found.clear()
