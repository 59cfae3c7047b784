"""Cash application by a person: the manual queue with the matcher's suggestions and
why each was suggested, and the four things finance does with a payment that waits
there: match it to an invoice, split it over several, put it on the customer's account
(a credit for no invoice), or return it to the payer.

The web queue and `python app.py payments ...` both call these functions, so there is
one writer; each decision goes on the account's timeline (events) and in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.matching import OpenBook
from hub.domain.matching import OpenInvoice
from hub.domain.matching import explained_suggestions
from hub.domain.model import PaymentStatus
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger import payments as repo
from hub.ledger.staff import audit
from hub.ledger.tables import customers
from hub.ledger.tables import payments
from hub.services.payments.queue import ManualMatch
from hub.services.payments.queue import match_manually
from hub.services.payments.queue import waiting_payments
from hub.services.payments.writes import Writer
from hub.services.payments.writes import payment_status


@dataclass(frozen=True, slots=True)
class Hint:
    """One suggested invoice, and why the matcher suggests it."""

    number: str
    customer: str
    department: str | None
    due_date: date
    open: Money
    why: str  # reference | customer | amount


@dataclass(frozen=True, slots=True)
class Waiting:
    id: int
    reference: str
    received_on: date
    amount: Money
    payer_name: str | None
    payer_account: str | None
    remittance: str | None
    customer_code: str | None  # the payer, when recognised
    customer_department: str | None
    hints: list[Hint] = field(default_factory=list)

    def visible_to(self, department: str | None) -> bool:
        """Whether a viewer limited to `department` (None: not limited) may see it: its
        customer or one of its suggested invoices' customers is in that department."""
        return department is None or self.customer_department == department or any(
            hint.department == department for hint in self.hints)


class SplitRefused(UserError):
    """What is wrong with a split, by field: the part's position ("0", "1"...), or "" for
    the whole."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def queue(connection: Connection, *, department: str | None = None) -> list[Waiting]:
    """Unmatched payments, oldest first, with up to three suggestions each; for a viewer
    limited to `department` only those that concern it, with only its invoices."""
    waiting, book = waiting_payments(connection)
    if book is None:
        return []
    departments = {row.code: row.department for row in connection.execute(
        sa.select(customers.c.code, customers.c.department))}
    found: list[Waiting] = []
    for row, payment in waiting:
        hints = [Hint(inv.number, inv.customer, departments.get(inv.customer), inv.due_date,
                      inv.open, why) for inv, why in explained_suggestions(payment, book)]
        item = Waiting(row.id, row.reference, row.received_on, payment.amount, row.payer_name,
                       row.payer_account, row.remittance, row.customer_code,
                       departments.get(row.customer_code or ""), hints)
        if item.visible_to(department):
            if department is not None:
                item.hints[:] = [h for h in item.hints if h.department == department]
            found.append(item)
    return found


def waiting(connection: Connection, payment_id: int, *, department: str | None = None
            ) -> Waiting:
    """One payment of the queue as `queue` shows it (NotFound when it is not waiting there,
    or does not concern `department`)."""
    for item in queue(connection, department=department):
        if item.id == payment_id:
            return item
    raise NotFound(lazy_gettext("payment #%(payment_id)s does not wait in the manual queue",
                                payment_id=payment_id))


def _unmatched_row(connection: Connection, payment: str) -> Any:
    row = repo.find_payment(connection, payment)
    if row is None:
        raise NotFound(lazy_gettext("no payment %(payment)s (see `payments unmatched`)",
                                    payment=repr(payment)))
    if row.status != PaymentStatus.UNMATCHED.value:
        raise UserError(lazy_gettext("payment %(reference)s is %(status)s, not waiting in "
                                     "the manual queue",
                                     reference=row.reference, status=row.status.replace("_", " ")))
    return row


def match(connection: Connection, payment: str, invoice_numbers: Sequence[str], *,
          actor: str, today: date, now: datetime, address: str | None = None) -> ManualMatch:
    """Apply the payment to the invoices in the order named (what they do not take stays
    as credit on the account), and audit it."""
    result = match_manually(connection, payment, invoice_numbers, actor=actor, today=today,
                            now=now)
    _audit(connection, "payment.matched", result, actor=actor, now=now, address=address)
    return result


def split(connection: Connection, payment: str, parts: Sequence[tuple[str, Money]], *,
          actor: str, today: date, now: datetime, address: str | None = None) -> ManualMatch:
    """Apply the payment to several invoices, an amount each. Refused as a whole, naming
    each wrong field (SplitRefused), when an invoice is unknown, settled, in another
    currency or named twice, an amount is not positive or more than the invoice has open,
    or the amounts together are more than the payment."""
    row = _unmatched_row(connection, payment)
    available = Money.from_minor(row.unallocated_minor, row.currency)
    problems: dict[str, str] = {}
    if not parts:
        problems[""] = "name at least one invoice and the amount it takes"
    found = repo.invoices_by_number(connection, [number for number, _ in parts])
    plan: list[tuple[OpenInvoice, Money]] = []
    ids: dict[str, int] = {}
    total = Money.zero(row.currency)
    seen: set[str] = set()
    for index, (number, amount) in enumerate(parts):
        problem = (f"invoice {number} is named twice" if number in seen
                   else _part_problem(number, amount, found, row.currency))
        seen.add(number)
        if problem:
            problems[str(index)] = problem
            continue
        invoice, _status, customer_id = found[number]
        plan.append((invoice, amount))
        ids[invoice.customer] = customer_id
        total = total + amount
    if not problems and total > available:
        problems[""] = (f"the amounts add up to {total}, more than the payment's "
                        f"{available}")
    if problems:
        raise SplitRefused(problems)
    left = available - total
    customer_id = row.customer_id or ids[plan[0][0].customer]
    view = repo.LedgerView(OpenBook([inv for inv, _ in plan], []), ids,
                           {v: k for k, v in ids.items()})
    writer = Writer(connection, view, actor=actor, now=now, today=today)
    writer.allocate(row.id, row.reference, plan, method="manual",
                    allocated_on=row.received_on, customer_id=customer_id,
                    reason=f"split by {actor}")
    writer.credit(row.reference, left, customer_id)
    status = payment_status(True, left)
    repo.update_payment(connection, row.id, customer_id=customer_id, status=status,
                        unallocated=left, now=now)
    writer.flush()
    result = ManualMatch(row.reference, [(inv.number, part) for inv, part in plan], left,
                         status, [])
    _audit(connection, "payment.split", result, actor=actor, now=now, address=address)
    return result


def _part_problem(number: str, amount: Money, found: dict[str, Any], currency: str
                  ) -> str | None:
    if number not in found:
        return f"no invoice {number!r} in the ledger"
    invoice, status, _customer = found[number]
    if status not in repo.OPEN_STATUSES or not invoice.open.amount > 0:
        return f"invoice {number} is {status.replace('_', ' ')}; it cannot take a payment"
    if invoice.currency != currency:
        return f"invoice {number} is in {invoice.currency}, the payment in {currency}"
    if amount.currency != currency or not amount.amount > 0:
        return f"{amount} is not a positive amount in {currency}"
    if amount > invoice.open:
        return f"{amount} is more than the {invoice.open} open on invoice {number}"
    return None


def put_on_account(connection: Connection, payment: str, customer_code: str, *, actor: str,
                   today: date, now: datetime, address: str | None = None) -> str:
    """Keep the whole payment as credit on the customer's account, for no invoice
    (status credit, the customer recorded, everything unallocated). Returns its reference."""
    row = _unmatched_row(connection, payment)
    customer_id = connection.execute(sa.select(customers.c.id).where(
        customers.c.code == customer_code)).scalar()
    if customer_id is None:
        raise UserError(lazy_gettext("customer: no customer %(code)s in the ledger",
                                     code=repr(customer_code)))
    amount = Money.from_minor(row.unallocated_minor, row.currency)
    view = repo.LedgerView(OpenBook([], []), {customer_code: customer_id},
                           {customer_id: customer_code})
    writer = Writer(connection, view, actor=actor, now=now, today=today)
    writer.credit(row.reference, amount, customer_id)
    _leave_queue(connection, row, customer_id=customer_id, status=PaymentStatus.CREDIT,
                 unallocated=amount, now=now)
    writer.flush()
    audit(connection, actor=actor, action="payment.on_account", now=now, target=row.reference,
          address=address, detail={"customer": customer_code, "amount": str(amount.amount),
                                   "currency": amount.currency})
    return str(row.reference)


def return_to_payer(connection: Connection, payment: str, *, actor: str, now: datetime,
                    reason: str | None = None, address: str | None = None) -> str:
    """Record that finance refunds the payment to the payer: status returned, nothing
    allocated, nothing left. The refund itself is made in the bank. Returns its reference."""
    row = _unmatched_row(connection, payment)
    amount = Money.from_minor(row.unallocated_minor, row.currency)
    payer = row.payer_name or row.payer_account or "the payer"
    why = f": {reason}" if reason else ""
    _leave_queue(connection, row, customer_id=row.customer_id, status=PaymentStatus.RETURNED,
                 unallocated=Money.zero(row.currency), now=now)
    repo.add_events(connection, [{
        "occurred_at": now, "actor": actor, "kind": kinds.PAYMENT_RETURNED,
        "summary": f"Payment {row.reference} of {amount} returned to {payer} by {actor}{why}",
        "customer_id": row.customer_id, "invoice_id": None,
        "data": {k: v for k, v in {"payment": row.reference, "amount": str(amount.amount),
                                   "currency": amount.currency, "reason": reason}.items()
                 if v is not None}}])
    audit(connection, actor=actor, action="payment.returned", now=now, target=row.reference,
          address=address, detail={"amount": str(amount.amount), "currency": amount.currency,
                                   "reason": reason or ""})
    return str(row.reference)


def _leave_queue(connection: Connection, row: Any, *, customer_id: int | None,
                 status: PaymentStatus, unallocated: Money, now: datetime) -> None:
    """Take the payment out of the queue only if it is still there: two people acting on
    one payment at once cannot both put it on account, or return it and match it."""
    done = connection.execute(payments.update().where(
        payments.c.id == row.id, payments.c.status == PaymentStatus.UNMATCHED.value,
        payments.c.unallocated_minor == row.unallocated_minor).values(
        customer_id=customer_id, status=status.value,
        unallocated_minor=unallocated.to_minor(), updated_at=now))
    if done.rowcount != 1:
        raise repo.LedgerConflict(f"payment {row.reference} was changed by someone else just "
                                  "now; nothing was saved, look at it again")


def _audit(connection: Connection, action: str, result: ManualMatch, *, actor: str,
           now: datetime, address: str | None) -> None:
    audit(connection, actor=actor, action=action, now=now, target=result.reference,
          address=address, detail={
              "invoices": {number: str(part.amount) for number, part in result.allocations},
              "credit": str(result.remainder.amount), "currency": result.remainder.currency})
