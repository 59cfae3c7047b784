"""The manual matching queue, matching by hand, and the list of payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hub.domain.bank import IncomingPayment
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.matching import OpenBook
from hub.domain.matching import OpenInvoice
from hub.domain.matching import allocate
from hub.domain.matching import suggestions
from hub.domain.model import PaymentStatus
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger import payments as repo
from hub.services.payments.writes import Writer
from hub.services.payments.writes import payment_status


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    reference: str
    received_on: date
    amount: Money
    payer_name: str | None
    payer_account: str | None
    remittance: str | None
    customer_code: str | None  # when the payer was recognised
    suggestions: list[str] = field(default_factory=list)  # invoice numbers


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: int
    reference: str
    received_on: date
    amount: Money
    unallocated: Money
    status: PaymentStatus
    customer_code: str | None
    payer_name: str | None
    invoices: list[str]


@dataclass(frozen=True, slots=True)
class ManualMatch:
    reference: str
    allocations: list[tuple[str, Money]]  # invoice number, amount applied
    remainder: Money  # left on the payment (kept as credit)
    status: PaymentStatus
    untouched: list[str]  # named invoices the payment did not reach


def waiting_payments(connection: Connection
                     ) -> tuple[list[tuple[Any, IncomingPayment]], OpenBook | None]:
    """Payments waiting for a person, oldest first, each with its ledger row and as the
    matcher reads it, and the open invoices to match them against (None: nothing waits)."""
    rows = repo.payment_rows(connection, status=PaymentStatus.UNMATCHED.value)
    if not rows:
        return [], None
    book = repo.load_view(connection, {row.currency for row in rows}).book
    return [(row, IncomingPayment(
        reference=row.reference, received_on=row.received_on,
        amount=Money.from_minor(row.unallocated_minor, row.currency),
        payer_name=row.payer_name, payer_account=row.payer_account,
        remittance=row.remittance, customer_code=row.customer_code)) for row in rows], book


def unmatched(connection: Connection) -> list[QueueItem]:
    """Payments waiting for a person, oldest first, with invoices worth a look."""
    waiting, book = waiting_payments(connection)
    if book is None:
        return []
    return [QueueItem(
        id=row.id, reference=row.reference, received_on=row.received_on,
        amount=payment.amount, payer_name=row.payer_name, payer_account=row.payer_account,
        remittance=row.remittance, customer_code=row.customer_code,
        suggestions=[invoice.number for invoice in suggestions(payment, book)])
        for row, payment in waiting]


def _invoices_to_pay(connection: Connection, numbers: Sequence[str], currency: str,
                     reference: str) -> tuple[list[OpenInvoice], dict[str, int]]:
    found = repo.invoices_by_number(connection, numbers)
    chosen: list[OpenInvoice] = []
    customer_ids: dict[str, int] = {}
    for number in numbers:
        if number not in found:
            raise NotFound(lazy_gettext("no invoice %(number)s in the ledger", number=repr(number)))
        invoice, status, customer_id = found[number]
        if status not in repo.OPEN_STATUSES or not invoice.open.amount > 0:
            raise UserError(lazy_gettext("invoice %(number)s is %(status)s; a settled invoice "
                                         "cannot take a payment",
                                         number=number, status=status.replace('_', ' ')))
        if invoice.currency != currency:
            raise UserError(lazy_gettext("invoice %(number)s is in %(currency)s, payment "
                                         "%(reference)s in %(currency2)s; they cannot be matched",
                                         number=number, currency=invoice.currency,
                                         reference=reference, currency2=currency))
        chosen.append(invoice)
        customer_ids[invoice.customer] = customer_id
    return chosen, customer_ids


def match_manually(connection: Connection, payment_reference_or_id: str,
                   invoice_numbers: Sequence[str], *, actor: str, today: date,
                   now: datetime | None = None) -> ManualMatch:
    """Apply a payment (or what is left of it) to invoices, in the order named.

    What the invoices do not take stays on the payment as credit on the account.
    """
    now = now or datetime.now(UTC)
    row = repo.find_payment(connection, payment_reference_or_id)
    if row is None:
        raise NotFound(lazy_gettext("no payment %(payment)s (see `payments unmatched` or "
                                    "`payments list`)", payment=repr(payment_reference_or_id)))
    numbers = list(dict.fromkeys(invoice_numbers))
    if not numbers:
        raise UserError(lazy_gettext("name at least one invoice to match the payment with"))
    available = Money.from_minor(row.unallocated_minor, row.currency)
    if available.is_zero():
        raise UserError(lazy_gettext("payment %(reference)s is already fully allocated",
                                     reference=row.reference))
    chosen, customer_ids = _invoices_to_pay(connection, numbers, row.currency, row.reference)
    plan, left = allocate(available, chosen)
    customer_id = row.customer_id or customer_ids[chosen[0].customer]
    view = repo.LedgerView(OpenBook(chosen, []), customer_ids,
                           {v: k for k, v in customer_ids.items()})
    writer = Writer(connection, view, actor=actor, now=now, today=today)
    writer.allocate(row.id, row.reference, plan, method="manual",
                    allocated_on=row.received_on, customer_id=customer_id,
                    reason=f"matched by {actor}")
    if row.status == PaymentStatus.UNMATCHED.value:
        writer.credit(row.reference, left, customer_id)
    status = payment_status(True, left)
    repo.update_payment(connection, row.id, customer_id=customer_id, status=status,
                        unallocated=left, now=now)
    writer.flush()
    paid = {invoice.number for invoice, _ in plan}
    return ManualMatch(row.reference, [(invoice.number, part) for invoice, part in plan],
                       left, status, [number for number in numbers if number not in paid])


def list_payments(connection: Connection, *, customer_code: str | None = None
                  ) -> list[PaymentView]:
    if customer_code is not None and not repo.customer_exists(connection, customer_code):
        raise NotFound(lazy_gettext("no customer %(code)s in the ledger",
                                    code=repr(customer_code)))
    rows = repo.payment_rows(connection, customer_code=customer_code)
    numbers = repo.allocated_invoices(connection, [row.id for row in rows])
    return [PaymentView(
        id=row.id, reference=row.reference, received_on=row.received_on,
        amount=Money.from_minor(row.amount_minor, row.currency),
        unallocated=Money.from_minor(row.unallocated_minor, row.currency),
        status=PaymentStatus(row.status), customer_code=row.customer_code,
        payer_name=row.payer_name, invoices=numbers.get(row.id, []))
        for row in rows]
