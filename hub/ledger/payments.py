"""Payments and allocations in the ledger: reading what matching needs, and
writing payments, allocations and their events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.bank import IncomingPayment
from hub.domain.errors import UserError
from hub.domain.matching import KnownCustomer
from hub.domain.matching import OpenBook
from hub.domain.matching import OpenInvoice
from hub.domain.model import InvoiceStatus
from hub.domain.model import PaymentStatus
from hub.domain.model import invoice_status
from hub.domain.money import Money
from hub.ledger.event_log import add_events as add_events  # noqa: PLC0414 - callers import it here
from hub.ledger.tables import allocations
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments

OPEN_STATUSES = (InvoiceStatus.OPEN.value, InvoiceStatus.PARTIALLY_PAID.value)
_CHUNK = 500  # bound parameters per IN (...) query
MAX_REFERENCE = 128  # payments.reference


class LedgerConflict(UserError):
    """The ledger changed underneath a running import; running it again is safe."""


@dataclass(frozen=True, slots=True)
class LedgerView:
    """What matching needs: the open book, and ids to write with."""

    book: OpenBook
    customer_ids: dict[str, int]
    customer_codes: dict[int, str]


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def existing_payments(connection: Connection, references: Iterable[str]) -> dict[str, Money]:
    """Amounts of the payments already recorded under these references."""
    wanted = sorted(set(references))
    found: dict[str, Money] = {}
    for chunk in _chunks(wanted):
        rows = connection.execute(
            sa.select(payments.c.reference, payments.c.amount_minor, payments.c.currency)
            .where(payments.c.reference.in_(chunk)))
        for row in rows:
            found[row.reference] = Money.from_minor(row.amount_minor, row.currency)
    return found


def _open_invoice(row: Any, code: str) -> OpenInvoice:
    return OpenInvoice(
        number=row.number, customer=code, issue_date=row.issue_date, due_date=row.due_date,
        amount=Money.from_minor(row.amount_minor, row.currency),
        open=Money.from_minor(row.open_minor, row.currency), id=row.id)


def load_view(connection: Connection, currencies: Iterable[str]) -> LedgerView:
    """Open invoices in these currencies, every customer, and the accounts they paid from."""
    codes = {row.id: row.code for row in connection.execute(
        sa.select(customers.c.id, customers.c.code))}
    names = {row.code: row.name for row in connection.execute(
        sa.select(customers.c.code, customers.c.name))}
    rows = connection.execute(
        sa.select(invoices.c.id, invoices.c.number, invoices.c.customer_id,
                  invoices.c.issue_date, invoices.c.due_date, invoices.c.currency,
                  invoices.c.amount_minor, invoices.c.open_minor)
        .where(invoices.c.status.in_(OPEN_STATUSES), invoices.c.open_minor > 0,
               invoices.c.currency.in_(sorted(set(currencies)))))
    open_invoices = [_open_invoice(row, codes[row.customer_id]) for row in rows]
    accounts: dict[str, set[str]] = defaultdict(set)
    for row in connection.execute(
            sa.select(payments.c.customer_id, payments.c.payer_account).distinct()
            .where(payments.c.customer_id.is_not(None), payments.c.payer_account.is_not(None))):
        accounts[codes[row.customer_id]].add(row.payer_account)
    known = [KnownCustomer(code, names[code], frozenset(accounts.get(code, ())))
             for code in names]
    return LedgerView(OpenBook(open_invoices, known), {v: k for k, v in codes.items()}, codes)


def _fit(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]


_INSERT_ALLOCATION = allocations.insert()
# Lowers an invoice only if it is still as the matcher saw it.
_LOWER_INVOICE = (
    invoices.update()
    .where(invoices.c.id == sa.bindparam("invoice_id"),
           invoices.c.open_minor == sa.bindparam("seen_open"),
           # not IN (...): an expanding parameter cannot be sent as executemany
           sa.or_(*(invoices.c.status == status for status in OPEN_STATUSES)))
    .values(open_minor=sa.bindparam("left"), status=sa.bindparam("new_status"),
            updated_at=sa.bindparam("now")))
_FIND_ALLOCATION = sa.select(allocations.c.id, allocations.c.amount_minor).where(
    allocations.c.payment_id == sa.bindparam("payment_id"),
    allocations.c.invoice_id == sa.bindparam("invoice_id"))


def payment_row(payment: IncomingPayment, *, source: str | None, customer_id: int | None,
                status: PaymentStatus, unallocated: Money, now: datetime) -> dict[str, Any]:
    remittance = " ".join(filter(None, [payment.remittance, payment.structured_reference]))
    return {
        "reference": payment.reference, "customer_id": customer_id,
        "received_on": payment.received_on, "currency": payment.amount.currency,
        "amount_minor": payment.amount.to_minor(), "unallocated_minor": unallocated.to_minor(),
        "status": status.value, "payer_name": _fit(payment.payer_name, 300),
        "payer_account": _fit(payment.payer_account, 64), "remittance": remittance or None,
        "source": _fit(payment.source or source, 500), "created_at": now, "updated_at": now}


def insert_payments(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert payment rows together; returns each reference's new id."""
    ids: dict[str, int] = {}
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        connection.execute(payments.insert(), list(chunk))
        found = connection.execute(sa.select(payments.c.reference, payments.c.id).where(
            payments.c.reference.in_([row["reference"] for row in chunk])))
        ids.update({row.reference: row.id for row in found})
    return ids


def allocation_row(*, payment_id: int, invoice: OpenInvoice, part: Money, method: str,
                   allocated_on: date, actor: str, now: datetime) -> dict[str, Any]:
    return {"payment_id": payment_id, "invoice_id": invoice.id, "currency": part.currency,
            "amount_minor": part.to_minor(), "method": method, "allocated_on": allocated_on,
            "actor": actor, "created_at": now}


def insert_allocations(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection.execute(_INSERT_ALLOCATION, list(rows))


def _lowering(invoice: OpenInvoice, left: Money, now: datetime) -> dict[str, Any]:
    return {"invoice_id": invoice.id, "seen_open": invoice.open.to_minor(),
            "left": left.to_minor(), "new_status": invoice_status(invoice.amount, left).value,
            "now": now}


def lower_invoices(connection: Connection, changes: Sequence[tuple[OpenInvoice, Money]],
                   now: datetime) -> None:
    """Set what is open on each invoice (as the matcher read it) to what is left, and its
    status; only where it is still as the matcher saw it, so two imports running at
    once cannot both spend the same open amount."""
    together = connection.dialect.supports_sane_multi_rowcount
    for start in range(0, len(changes), _CHUNK if together else 1):
        chunk = changes[start:start + (_CHUNK if together else 1)]
        changed = connection.execute(_LOWER_INVOICE, [_lowering(i, left, now)
                                                      for i, left in chunk])
        if changed.rowcount != len(chunk):
            names = ", ".join(invoice.number for invoice, _ in chunk[:3])
            raise LedgerConflict(f"an invoice ({names}{', ...' if len(chunk) > 3 else ''}) "
                                 "changed while payments were being matched; nothing was "
                                 "saved, run the import again")


def allocate(connection: Connection, *, payment_id: int, invoice: OpenInvoice, part: Money,
             method: str, allocated_on: date, actor: str, now: datetime) -> Money:
    """Apply part of an existing payment to one invoice; returns what is still open on it."""
    left = invoice.open - part
    lower_invoices(connection, [(invoice, left)], now)
    already = connection.execute(
        _FIND_ALLOCATION, {"payment_id": payment_id, "invoice_id": invoice.id}).first()
    if already is None:
        insert_allocations(connection, [allocation_row(
            payment_id=payment_id, invoice=invoice, part=part, method=method,
            allocated_on=allocated_on, actor=actor, now=now)])
    else:  # more of the same payment on the same invoice (a credit applied later)
        connection.execute(allocations.update().where(allocations.c.id == already.id)
                           .values(amount_minor=already.amount_minor + part.to_minor()))
    return left


def update_payment(connection: Connection, payment_id: int, *, customer_id: int | None,
                   status: PaymentStatus, unallocated: Money, now: datetime) -> None:
    connection.execute(payments.update().where(payments.c.id == payment_id).values(
        customer_id=customer_id, status=status.value,
        unallocated_minor=unallocated.to_minor(), updated_at=now))


def find_payment(connection: Connection, reference_or_id: str) -> Any | None:
    """By reference; else by number ("17" or "#17") when no reference is that."""
    columns = (payments, customers.c.code.label("customer_code"))
    query = sa.select(*columns).select_from(
        payments.outerjoin(customers, customers.c.id == payments.c.customer_id))
    row = connection.execute(query.where(payments.c.reference == reference_or_id)).first()
    number = reference_or_id.removeprefix("#")
    if row is None and number.isdigit():
        row = connection.execute(query.where(payments.c.id == int(number))).first()
    return row


def invoices_by_number(connection: Connection, numbers: Sequence[str]
                       ) -> dict[str, tuple[OpenInvoice, str, int]]:
    """Each named invoice (any status) as an OpenInvoice, with its status and customer id."""
    found: dict[str, tuple[OpenInvoice, str, int]] = {}
    rows = connection.execute(
        sa.select(invoices, customers.c.code)
        .join(customers, customers.c.id == invoices.c.customer_id)
        .where(invoices.c.number.in_(list(numbers))))
    for row in rows:
        found[row.number] = (_open_invoice(row, row.code), row.status, row.customer_id)
    return found


def payment_rows(connection: Connection, *, status: str | None = None,
                 customer_code: str | None = None) -> list[Any]:
    query = (sa.select(payments, customers.c.code.label("customer_code"))
             .select_from(payments.outerjoin(customers,
                                             customers.c.id == payments.c.customer_id))
             .order_by(payments.c.received_on, payments.c.id))
    if status is not None:
        query = query.where(payments.c.status == status)
    if customer_code is not None:
        query = query.where(customers.c.code == customer_code)
    return list(connection.execute(query))


def allocated_invoices(connection: Connection, payment_ids: Sequence[int]
                       ) -> dict[int, list[str]]:
    """Invoice numbers each payment was allocated to."""
    found: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(payment_ids), _CHUNK):
        rows = connection.execute(
            sa.select(allocations.c.payment_id, invoices.c.number)
            .join(invoices, invoices.c.id == allocations.c.invoice_id)
            .where(allocations.c.payment_id.in_(payment_ids[start:start + _CHUNK]))
            .order_by(allocations.c.id))
        for row in rows:
            found[row.payment_id].append(row.number)
    return found


def customer_exists(connection: Connection, code: str) -> bool:
    return connection.execute(
        sa.select(customers.c.id).where(customers.c.code == code)).first() is not None
