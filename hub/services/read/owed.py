"""What one customer owes, read from the ledger for a message, a letter or the portal:
open invoices net of credit notes, the fees and interest on them, disputed ones apart
(the model is hub.domain.owed). The cycle's facts net credit notes the same way
(hub.services.cycle.account_facts), so what a reminder says is what the rules saw."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.money import Money
from hub.domain.owed import Charge
from hub.domain.owed import CreditTarget
from hub.domain.owed import OpenCredit
from hub.domain.owed import Owed
from hub.domain.owed import OwedInvoice
from hub.domain.owed import apply_credits
from hub.domain.owed import owed
from hub.ledger.in_lists import chunks
from hub.ledger.tables import charges
from hub.ledger.tables import credit_notes
from hub.ledger.tables import invoices

OPEN_STATUSES = ("open", "partially_paid")


def open_credits(connection: Connection,
                 where: sa.ColumnElement[bool]) -> dict[int, list[OpenCredit]]:
    """Open credit notes per customer id (`where` on credit_notes.c.customer_id), with the
    number of the invoice each names, oldest first."""
    found: dict[int, list[OpenCredit]] = defaultdict(list)
    query = (sa.select(credit_notes.c.customer_id, credit_notes.c.number,
                       credit_notes.c.currency, credit_notes.c.open_minor,
                       invoices.c.number.label("invoice"))
             .select_from(credit_notes.outerjoin(invoices,
                                                 invoices.c.id == credit_notes.c.invoice_id))
             .where(where, credit_notes.c.open_minor > 0)
             .order_by(credit_notes.c.customer_id, credit_notes.c.issue_date,
                       credit_notes.c.number))
    for row in connection.execute(query):
        found[row.customer_id].append(OpenCredit(
            row.number, Money.from_minor(row.open_minor, row.currency), row.invoice))
    return found


def owed_by(connection: Connection, customer_id: int, today: date, *,
            overdue_only: bool = True) -> Owed:
    """What the customer owes on `today`: overdue invoices (every open one when none is
    overdue, or with overdue_only=False), net of credit notes, with their charges."""
    return owed_sources(connection, [customer_id])[customer_id].owed(
        today, overdue_only=overdue_only)


@dataclass(frozen=True)
class OwedSource:
    """One customer's open invoices, open credit notes and charges on open invoices, as
    read from the ledger; `owed()` works out what is owed on a given day."""

    rows: tuple[Any, ...] = ()
    credits: tuple[OpenCredit, ...] = ()
    charges: tuple[Charge, ...] = ()

    def owed(self, today: date, *, overdue_only: bool = True) -> Owed:
        rows = self.rows
        targets = [CreditTarget(r.number, Money.from_minor(r.open_minor, r.currency),
                                r.due_date, chased=not r.disputed) for r in rows]
        covered = apply_credits(targets, self.credits)
        listed: list[OwedInvoice] = []
        for row, target in zip(rows, targets, strict=True):
            credited = covered.get(row.number, Money.zero(row.currency))
            listed.append(OwedInvoice(row.number, row.due_date, target.open - credited,
                                      credited, disputed=bool(row.disputed)))
        if overdue_only:
            late = [item for item in listed if item.due_date < today and item.open.amount > 0]
            listed = late or listed
        numbers = {item.number for item in listed}
        return owed(listed, [charge for charge in self.charges if charge.invoice in numbers])


def owed_sources(connection: Connection, customer_ids: Sequence[int]) -> dict[int, OwedSource]:
    """What several customers owe, in three queries whatever their number (a dispatcher
    batch reads its debtors at once); every id asked for has an entry."""
    ids = sorted(set(customer_ids))
    rows: dict[int, list[Any]] = defaultdict(list)
    found: dict[int, list[Charge]] = defaultdict(list)
    credits: dict[int, list[OpenCredit]] = defaultdict(list)
    is_open = (invoices.c.open_minor > 0, invoices.c.status.in_(OPEN_STATUSES),
               invoices.c.excluded.is_(False))
    for part in chunks(ids):
        for row in connection.execute(
                sa.select(invoices.c.customer_id, invoices.c.number, invoices.c.due_date,
                          invoices.c.currency, invoices.c.open_minor, invoices.c.disputed)
                .where(invoices.c.customer_id.in_(part), *is_open)
                .order_by(invoices.c.customer_id, invoices.c.due_date, invoices.c.number)):
            rows[row.customer_id].append(row)
        for customer_id, listed in open_credits(
                connection, credit_notes.c.customer_id.in_(part)).items():
            credits[customer_id].extend(listed)
        for line in connection.execute(
                sa.select(charges.c.customer_id, invoices.c.number, charges.c.kind,
                          charges.c.currency, charges.c.amount_minor, charges.c.basis,
                          charges.c.rate, charges.c.period_from, charges.c.period_to)
                .join(invoices, invoices.c.id == charges.c.invoice_id)
                .where(charges.c.customer_id.in_(part), *is_open)
                .order_by(charges.c.customer_id, invoices.c.due_date, invoices.c.number,
                          charges.c.id)):
            found[line.customer_id].append(Charge(
                line.number, line.kind, Money.from_minor(line.amount_minor, line.currency),
                line.basis, line.rate, line.period_from, line.period_to))
    return {customer_id: OwedSource(tuple(rows.get(customer_id, ())),
                                    tuple(credits.get(customer_id, ())),
                                    tuple(found.get(customer_id, ())))
            for customer_id in ids}


def charges_on(connection: Connection, customer_id: int,
               numbers: Sequence[str]) -> list[Charge]:
    """Fee and interest lines on these invoices, in the order they were charged."""
    if not numbers:
        return []
    query = (sa.select(invoices.c.number, charges.c.kind, charges.c.currency,
                       charges.c.amount_minor, charges.c.basis, charges.c.rate,
                       charges.c.period_from, charges.c.period_to)
             .join(invoices, invoices.c.id == charges.c.invoice_id)
             .where(charges.c.customer_id == customer_id,
                    invoices.c.number.in_(list(numbers)))
             .order_by(invoices.c.due_date, invoices.c.number, charges.c.id))
    return [Charge(row.number, row.kind, Money.from_minor(row.amount_minor, row.currency),
                   row.basis, row.rate, row.period_from, row.period_to)
            for row in connection.execute(query)]
