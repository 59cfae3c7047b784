"""Customers and invoices put straight into the ledger (Core inserts), and
small readers for what the payments tests check."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.money import Money
from hub.ledger.tables import allocations
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import import_runs
from hub.ledger.tables import invoices
from hub.ledger.tables import payments

__all__ = ["allocations", "import_runs", "payments"]

STAMP = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def customer(connection: Connection, code: str, name: str) -> int:
    return int(connection.execute(customers.insert().values(
        code=code, name=name, kind="B2B", timezone="UTC", language="en", excluded=False,
        on_hold=False, created_at=STAMP, updated_at=STAMP).returning(customers.c.id)
    ).scalar_one())


def invoice(connection: Connection, customer_id: int, number: str, amount: str, *,
            due: str, currency: str = "EUR", open_amount: str | None = None,
            status: str = "open") -> int:
    due_date = date.fromisoformat(due)
    total = Money(Decimal(amount), currency).to_minor()
    still_open = total if open_amount is None else Money(Decimal(open_amount),
                                                         currency).to_minor()
    return int(connection.execute(invoices.insert().values(
        number=number, customer_id=customer_id, issue_date=due_date.replace(day=1),
        due_date=due_date, currency=currency, amount_minor=total, open_minor=still_open,
        status=status, disputed=False, excluded=False, created_at=STAMP, updated_at=STAMP,
    ).returning(invoices.c.id)).scalar_one())


def invoice_state(connection: Connection, number: str) -> tuple[str, str]:
    """(open amount, status) of an invoice, the amount as "12.50"."""
    row = connection.execute(sa.select(invoices.c.open_minor, invoices.c.currency,
                                       invoices.c.status)
                             .where(invoices.c.number == number)).one()
    return str(Money.from_minor(row.open_minor, row.currency).amount), row.status


def payment_state(connection: Connection, reference: str) -> dict[str, Any]:
    row = connection.execute(
        sa.select(payments.c.status, payments.c.unallocated_minor, payments.c.currency,
                  customers.c.code)
        .select_from(payments.outerjoin(customers, customers.c.id == payments.c.customer_id))
        .where(payments.c.reference == reference)).one()
    return {"status": row.status, "customer": row.code,
            "unallocated": str(Money.from_minor(row.unallocated_minor, row.currency).amount)}


def allocations_of(connection: Connection, reference: str) -> list[tuple[str, str, str]]:
    """(invoice number, amount, method) of each allocation of a payment."""
    rows = connection.execute(
        sa.select(invoices.c.number, allocations.c.amount_minor, allocations.c.currency,
                  allocations.c.method)
        .join(invoices, invoices.c.id == allocations.c.invoice_id)
        .join(payments, payments.c.id == allocations.c.payment_id)
        .where(payments.c.reference == reference).order_by(allocations.c.id))
    return [(row.number, str(Money.from_minor(row.amount_minor, row.currency).amount),
             row.method) for row in rows]


def event_kinds(connection: Connection, customer_id: int | None = None) -> list[str]:
    query = sa.select(events.c.kind).order_by(events.c.id)
    if customer_id is not None:
        query = query.where(events.c.customer_id == customer_id)
    return list(connection.execute(query).scalars())


def count(connection: Connection, table: sa.Table) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def snapshot(connection: Connection) -> dict[str, Any]:
    """Everything a re-import must leave as it was."""
    return {
        "payments": connection.execute(sa.select(payments).order_by(payments.c.id)).all(),
        "allocations": connection.execute(
            sa.select(allocations).order_by(allocations.c.id)).all(),
        "invoices": connection.execute(sa.select(invoices).order_by(invoices.c.id)).all(),
        "events": count(connection, events),
    }
