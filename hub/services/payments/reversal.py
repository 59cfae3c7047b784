"""Taking a payment back off its invoices: unmatched by a person (it was matched to the wrong
invoices: it returns to the manual queue) or reversed by the bank (a returned transfer or a
chargeback, from `payments reverse` or a reversal entry on a statement: the money is gone).

Either way each invoice it paid reopens for what the payment had covered, the allocations go,
and the account's timeline says so. The ladder then resumes where it was: the steps already
taken for the reopened invoice stay taken (rules/decide.py counts them by the invoice's due
date), so the next cycle takes the next step, never the one already sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.bank import PaymentReversal
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.model import InvoiceStatus
from hub.domain.model import PaymentStatus
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger import payments as repo
from hub.ledger.tables import allocations
from hub.ledger.tables import invoices
from hub.ledger.tables import payments

REOPENABLE = (InvoiceStatus.OPEN.value, InvoiceStatus.PARTIALLY_PAID.value,
              InvoiceStatus.PAID.value)  # a cancelled or written-off invoice stays so


@dataclass(frozen=True)
class Unallocation:
    reference: str
    status: PaymentStatus
    reopened: list[tuple[str, Money, Money]]  # invoice, put back, open now


def unmatch(connection: Connection, payment_reference_or_id: str, *, actor: str, now: datetime,
            reason: str | None = None, reversed_by_bank: bool = False) -> Unallocation:
    """Take the payment off every invoice it paid. Unmatched: it waits in the manual queue
    for its whole amount. Reversed: it is marked `reversed` and nothing of it is left."""
    row = repo.find_payment(connection, payment_reference_or_id)
    if row is None:
        raise NotFound(lazy_gettext("no payment %(payment)s (see `payments list`)",
                                    payment=repr(payment_reference_or_id)))
    if row.status == PaymentStatus.REVERSED.value:
        raise UserError(lazy_gettext("payment %(reference)s was already reversed",
                                     reference=row.reference))
    parts = list(connection.execute(
        sa.select(allocations.c.id, allocations.c.amount_minor, invoices.c.id.label("invoice"),
                  invoices.c.number, invoices.c.customer_id, invoices.c.amount_minor.label("of"),
                  invoices.c.open_minor, invoices.c.status)
        .join(invoices, invoices.c.id == allocations.c.invoice_id)
        .where(allocations.c.payment_id == row.id).order_by(allocations.c.id)))
    if not parts and not reversed_by_bank and row.status == PaymentStatus.UNMATCHED.value:
        raise UserError(lazy_gettext("payment %(reference)s is not matched to any invoice; it "
                                     "already waits in the manual queue", reference=row.reference))
    amount = Money.from_minor(row.amount_minor, row.currency)
    why = f": {reason}" if reason else ""
    rows: list[dict[str, Any]] = []
    reopened: list[tuple[str, Money, Money]] = []
    for part in parts:
        back = Money.from_minor(part.amount_minor, row.currency)
        open_minor = part.open_minor
        if part.status in REOPENABLE:
            open_minor = min(part.of, part.open_minor + part.amount_minor)
            status = InvoiceStatus.OPEN.value if open_minor >= part.of else \
                InvoiceStatus.PARTIALLY_PAID.value
            connection.execute(invoices.update().where(invoices.c.id == part.invoice)
                               .values(open_minor=open_minor, status=status, updated_at=now))
        left = Money.from_minor(open_minor, row.currency)
        reopened.append((part.number, back, left))
        rows.append(_event(now, actor, kinds.PAYMENT_UNALLOCATED,
                           f"{back} of payment {row.reference} taken off invoice {part.number}"
                           f" ({'reversed by the bank' if reversed_by_bank else 'unmatched'}"
                           f"{why}); {left} open again",
                           customer_id=part.customer_id, invoice_id=part.invoice,
                           payment=row.reference,
                           invoice=part.number, amount=str(back.amount),
                           currency=row.currency, open_after=str(left.amount),
                           reason=reason))
    connection.execute(allocations.delete().where(allocations.c.payment_id == row.id))
    status = PaymentStatus.REVERSED if reversed_by_bank else PaymentStatus.UNMATCHED
    connection.execute(payments.update().where(payments.c.id == row.id).values(
        status=status.value,
        unallocated_minor=0 if reversed_by_bank else row.amount_minor, updated_at=now))
    customers = {part.customer_id for part in parts} or {row.customer_id}
    for customer_id in sorted(c for c in customers if c is not None) or [None]:
        if reversed_by_bank:
            rows.append(_event(now, actor, kinds.PAYMENT_REVERSED,
                               f"Payment {row.reference} of {amount} reversed by the bank"
                               f"{why}", customer_id=customer_id, invoice_id=None,
                               payment=row.reference,
                               amount=str(amount.amount), currency=row.currency,
                               reason=reason))
        else:
            rows.append(_event(now, actor, kinds.PAYMENT_UNMATCHED,
                               f"Payment {row.reference} of {amount} unmatched by {actor}{why}; "
                               "it waits for manual matching", customer_id=customer_id,
                               invoice_id=None, payment=row.reference,
                               reason=reason or f"unmatched by {actor}"))
    repo.add_events(connection, rows)
    return Unallocation(row.reference, status, reopened)


def _event(now: datetime, actor: str, kind: str, summary: str, *, customer_id: int | None,
           invoice_id: int | None, **data: Any) -> dict[str, Any]:
    return {"occurred_at": now, "actor": actor, "kind": kind, "summary": summary,
            "customer_id": customer_id, "invoice_id": invoice_id,
            "data": {key: value for key, value in data.items() if value is not None}}


@dataclass
class ReversalsResult:
    reversed: list[str] = field(default_factory=list)  # payment references
    unchanged: int = 0  # reversals applied by an earlier import of the same statement
    warnings: list[str] = field(default_factory=list)


def apply_reversals(connection: Connection, reversals: Sequence[PaymentReversal], *,
                    actor: str, now: datetime) -> ReversalsResult:
    """Reverse the payment each statement reversal takes back: the one with the bank's
    reference, else the one payment of that amount from that account (or payer) received
    on or before the reversal. Anything less certain is left for a person, with a warning
    naming the entry."""
    result = ReversalsResult()
    for reversal in reversals:
        candidates = _candidates(connection, reversal)
        live = [c for c in candidates if c.status != PaymentStatus.REVERSED.value]
        if len(live) == 1:
            unmatch(connection, str(live[0].reference), actor=actor, now=now,
                    reason=f"reversal on {reversal.booked_on.isoformat()} in {reversal.source}",
                    reversed_by_bank=True)
            result.reversed.append(str(live[0].reference))
        elif not live and candidates:
            result.unchanged += 1
        else:
            found = "several payments fit" if live else "no recorded payment fits"
            result.warnings.append(
                f"{reversal.source}: {reversal.position}: reversal of {reversal.amount} on "
                f"{reversal.booked_on}: {found}; reverse the right one with "
                "`python app.py payments reverse PAYMENT`")
    return result


def _candidates(connection: Connection, reversal: PaymentReversal) -> list[Any]:
    if reversal.original_reference:
        exact = list(connection.execute(sa.select(payments.c.reference, payments.c.status)
                                        .where(payments.c.reference ==
                                               reversal.original_reference)))
        if exact:
            return exact
    query = sa.select(payments.c.reference, payments.c.status).where(
        payments.c.currency == reversal.amount.currency,
        payments.c.amount_minor == reversal.amount.to_minor(),
        payments.c.received_on <= reversal.booked_on)
    if reversal.payer_account:
        query = query.where(payments.c.payer_account == reversal.payer_account)
    elif reversal.payer_name:
        query = query.where(payments.c.payer_name == reversal.payer_name)
    else:
        return []
    return list(connection.execute(query.order_by(payments.c.received_on.desc())))
