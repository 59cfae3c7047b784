"""Put customers, invoices and payments straight into the ledger (Core inserts).

For tests that need a known ledger without going through the importers. Amounts
are strings in the currency's units ("1250.00"); dates are `date` or ISO strings.
Payments keep invoices consistent: an allocation lowers the invoice's open amount
and sets its status, as the matching service would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.model import InvoiceStatus
from hub.domain.model import PaymentStatus
from hub.domain.model import invoice_status
from hub.domain.money import Money
from hub.ledger.tables import allocations
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments

STAMP = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def minor(amount: str | Decimal, currency: str) -> int:
    return Money(Decimal(amount), currency).to_minor()


def _insert(connection: Connection, table: sa.Table, **values: object) -> int:
    result = connection.execute(sa.insert(table).values(**values).returning(table.c.id))
    return int(result.scalar_one())


def add_customer(connection: Connection, code: str, *, name: str | None = None,
                 owner: str | None = None, department: str | None = None,
                 country: str | None = None, kind: str = "B2B", language: str = "en",
                 timezone: str = "UTC", segment: str | None = None,
                 currency: str | None = None) -> int:
    return _insert(connection, customers, code=code, name=name or f"Customer {code}",
                   kind=kind, country=country, timezone=timezone, language=language,
                   owner=owner, department=department, segment=segment, currency=currency,
                   excluded=False, on_hold=False, created_at=STAMP, updated_at=STAMP)


def add_contact(connection: Connection, customer_id: int, name: str, *,
                email: str | None = None, phone: str | None = None,
                role: str | None = None, is_primary: bool = False,
                whatsapp_opt_in: bool = False) -> int:
    return _insert(connection, contacts, customer_id=customer_id, name=name, email=email,
                   phone=phone, role=role, is_primary=is_primary,
                   whatsapp_opt_in=whatsapp_opt_in)


def add_invoice(connection: Connection, number: str, customer_id: int, *,
                issued: date | str, due: date | str, amount: str,
                currency: str = "EUR", open_amount: str | None = None,
                status: InvoiceStatus | None = None, disputed: bool = False,
                excluded: bool = False) -> int:
    """An invoice; `open_amount` defaults to the full amount."""
    total = Money(Decimal(amount), currency)
    still_open = Money(Decimal(open_amount), currency) if open_amount is not None else total
    return _insert(connection, invoices, number=number, customer_id=customer_id,
                   issue_date=day(issued), due_date=day(due), currency=total.currency,
                   amount_minor=total.to_minor(), open_minor=still_open.to_minor(),
                   status=(status or invoice_status(total, still_open)).value,
                   disputed=disputed, excluded=excluded, created_at=STAMP, updated_at=STAMP)


def add_payment(connection: Connection, reference: str, *, received_on: date | str,
                amount: str, currency: str = "EUR", customer_id: int | None = None,
                allocate: Mapping[int, str] | None = None,
                allocated_on: date | str | None = None) -> int:
    """A payment, optionally applied to invoices ({invoice id: amount})."""
    allocate = allocate or {}
    total = minor(amount, currency)
    applied = sum(minor(part, currency) for part in allocate.values())
    if not allocate:
        status = PaymentStatus.UNMATCHED
    elif applied < total:
        status = PaymentStatus.CREDIT
    else:
        status = PaymentStatus.ALLOCATED
    payment_id = _insert(connection, payments, reference=reference, customer_id=customer_id,
                         received_on=day(received_on), currency=currency, amount_minor=total,
                         unallocated_minor=total - applied, status=status.value,
                         created_at=STAMP, updated_at=STAMP)
    for invoice_id, part in allocate.items():
        allocate_payment(connection, payment_id, invoice_id, amount=part, currency=currency,
                         allocated_on=day(allocated_on or received_on))
    return payment_id


def allocate_payment(connection: Connection, payment_id: int, invoice_id: int, *,
                     amount: str, currency: str, allocated_on: date) -> None:
    part = minor(amount, currency)
    _insert(connection, allocations, payment_id=payment_id, invoice_id=invoice_id,
            currency=currency, amount_minor=part, method="manual", allocated_on=allocated_on,
            actor="tests", created_at=STAMP)
    row = connection.execute(sa.select(invoices.c.amount_minor, invoices.c.open_minor)
                             .where(invoices.c.id == invoice_id)).one()
    left = row.open_minor - part
    status = invoice_status(Money.from_minor(row.amount_minor, currency),
                            Money.from_minor(left, currency))
    connection.execute(sa.update(invoices).where(invoices.c.id == invoice_id)
                       .values(open_minor=left, status=status.value))


def channel_split(*, at: int, email: int, sms: int, hold_out: int = 0,
                  control: str | None = None) -> str:
    """A rule file's reminder step (YAML lines of a ladder's `steps:`) that splits its
    accounts in experiment first_channel: by e-mail, by SMS and, with `hold_out`, a share
    that gets no reminder (variant control). The split the rule-file, CLI and cycle tests of
    experiments share; hub/experiment_simulation.py runs the same split."""
    lines = ["      - name: reminder", f"        at: {at}", "        send: [email]",
             "        template: reminder-1", "        experiment:",
             "          name: first_channel"]
    if control is not None:
        lines.append(f"          control: {control}")
    lines += ["          variants:", f"            - {{name: email, share: {email}}}",
              f"            - {{name: sms, share: {sms}, send: [sms]}}"]
    if hold_out:
        lines.append(f"            - {{name: control, share: {hold_out}, skip: true}}")
    return "\n".join(lines) + "\n"
