"""Rows of an import file after mapping and validation, as the import service
receives them from a source adapter (sync/sources).

A value of None means the file says nothing about that field (its column is absent
or the cell is blank). Amounts are exact Decimals already quantised to their
currency's minor unit (38, 38.0 and 38.00 USD all read 38.00). Each record remembers
its line and original cells, so a row the ledger refuses can still be written to the
rejects file exactly as it came.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal

from hub.domain.bank import IncomingPayment
from hub.domain.model import CustomerKind


def digest(values: tuple[object, ...]) -> str:
    """A short, stable fingerprint of a normalised row (the ledger's source_hash)."""
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


@dataclass(slots=True, frozen=True)
class RejectedRow:
    """A row that cannot be imported, with a reason a person can act on."""

    line: int
    reason: str
    cells: Sequence[object] = field(default=(), repr=False, compare=False)


# Records are not frozen: a frozen dataclass's __init__ costs twice as much, and
# imports build millions of them. Nothing changes them after they are built.
@dataclass(slots=True)
class CustomerRecord:
    line: int
    code: str
    name: str
    kind: CustomerKind | None
    country: str | None
    timezone: str | None
    language: str | None
    owner: str | None
    department: str | None
    segment: str | None
    currency: str | None
    credit_limit: Decimal | None
    lifetime_value: Decimal | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    excluded: bool | None
    cells: Sequence[object] = field(default=(), repr=False, compare=False)

    def digest(self) -> str:
        return digest((
            self.code, self.name, self.kind, self.country, self.timezone, self.language,
            self.owner, self.department, self.segment, self.currency,
            self.credit_limit, self.lifetime_value,
            self.contact_name, self.contact_email, self.contact_phone, self.excluded,
        ))


@dataclass(slots=True)
class InvoiceRecord:
    """An open item. A negative amount makes it a credit note."""

    line: int
    number: str
    customer_code: str
    customer_name: str | None  # customer_* fields only name a customer created on the fly
    customer_country: str | None
    customer_segment: str | None
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal | None
    disputed: bool | None
    excluded: bool | None
    document_ref: str | None
    description: str | None
    settled_on: date | None  # paid in full on this date (a payment and allocation follow)
    cells: Sequence[object] = field(default=(), repr=False, compare=False)

    @property
    def is_credit(self) -> bool:
        return self.amount < 0

    def digest(self) -> str:
        # Customer master data is not part of the invoice: a renamed customer
        # must not make every one of its invoices look changed.
        return digest((
            self.number, self.customer_code, self.issue_date.toordinal(),
            self.due_date.toordinal(), self.currency, self.amount, self.open_amount,
            self.disputed, self.excluded, self.document_ref, self.description,
            None if self.settled_on is None else self.settled_on.toordinal(),
        ))


@dataclass(slots=True)
class PaymentRecord:
    line: int
    payment: IncomingPayment
    cells: Sequence[object] = field(default=(), repr=False, compare=False)


ImportRecord = CustomerRecord | InvoiceRecord | PaymentRecord
