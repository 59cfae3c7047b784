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
import itertools
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from hub.domain.bank import IncomingPayment
from hub.domain.model import CustomerKind
from hub.domain.outbox import PostalAddress


def digest(values: tuple[object, ...]) -> str:
    """A short, stable fingerprint of a normalised row (the ledger's source_hash)."""
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


_blake2b_16 = partial(hashlib.blake2b, digest_size=16)


def digests(rows: Iterable[tuple[object, ...]]) -> list[str]:
    """digest() of each row, with the loop in C (map over builtins): for a million rows
    it is the difference between one second and three."""
    return list(map(hashlib.blake2b.hexdigest,
                    map(_blake2b_16, map(str.encode, map(repr, rows)))))


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
    address: PostalAddress | None = None
    cells: Sequence[object] = field(default=(), repr=False, compare=False)
    account_manager: str | None = None  # e-mail of the salesperson who owns the relationship
    whatsapp_opt_in: bool | None = None  # the primary contact agreed to WhatsApp messages

    def digest(self) -> str:
        # The address joins the fingerprint only when there is one, so that rows without
        # an address keep the fingerprints they had before addresses could be imported.
        address = () if self.address is None else (tuple(self.address.lines),
                                                    self.address.postcode, self.address.city)
        return digest((
            self.code, self.name, self.kind, self.country, self.timezone, self.language,
            self.owner, self.department, self.segment, self.currency,
            self.credit_limit, self.lifetime_value,
            self.contact_name, self.contact_email, self.contact_phone, self.excluded,
            *address,
            # like the address: only when given, so older fingerprints stay valid
            *(() if self.account_manager is None else ("account_manager",
                                                       self.account_manager.lower())),
            *(() if self.whatsapp_opt_in is None else ("whatsapp", self.whatsapp_opt_in)),
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
    credits_invoice: str | None = None  # a credit note: the invoice it credits, if named

    @property
    def is_credit(self) -> bool:
        return self.amount < 0

    def digest(self) -> str:
        # Customer master data is not part of the invoice: a renamed customer
        # must not make every one of its invoices look changed. InvoiceColumns.digests
        # builds the same tuple.
        # credits_invoice only when given: invoices and older credit notes keep their digest
        return digest((
            self.number, self.customer_code, self.issue_date.toordinal(),
            self.due_date.toordinal(), self.currency, self.amount, self.open_amount,
            self.disputed, self.excluded, self.document_ref, self.description,
            None if self.settled_on is None else self.settled_on.toordinal(),
            *(() if self.credits_invoice is None else (self.credits_invoice,)),
        ))


@dataclass(slots=True)
class InvoiceColumns:
    """A chunk of invoice rows that passed every check a row gets on its own, as one
    list per InvoiceRecord field (same names, same values; a field the file does not
    give is a list of None). A clean file is read this way at C speed
    (sync/sources/columnar.py); `records()` gives the same rows one by one."""

    line: list[int]
    number: list[str]
    customer_code: list[str]
    customer_name: list[str | None]
    customer_country: list[str | None]
    customer_segment: list[str | None]
    issue_date: list[date]
    due_date: list[date]
    currency: list[str]
    amount: list[Decimal]
    open_amount: list[Decimal | None]
    disputed: list[bool | None]
    excluded: list[bool | None]
    document_ref: list[str | None]
    description: list[str | None]
    settled_on: list[date | None]
    cells: Sequence[Sequence[object]]  # the rows as read (built on demand from columns)

    def __len__(self) -> int:
        return len(self.line)

    @property
    def credits_invoice(self) -> list[str | None]:
        """Always None: a chunk with credit notes is read row by row."""
        return [None] * len(self.line)

    def records(self) -> list[ImportRecord]:
        columns: list[Any] = [getattr(self, item.name) for item in fields(InvoiceRecord)]
        return list(itertools.starmap(InvoiceRecord, zip(*columns, strict=True)))

    def digests(self) -> list[str]:
        """InvoiceRecord.digest() of every row."""
        return digests(zip(
            self.number, self.customer_code, map(date.toordinal, self.issue_date),
            map(date.toordinal, self.due_date), self.currency, self.amount, self.open_amount,
            self.disputed, self.excluded, self.document_ref, self.description,
            [None if day is None else day.toordinal() for day in self.settled_on], strict=True))


@dataclass(slots=True)
class PaymentRecord:
    line: int
    payment: IncomingPayment
    cells: Sequence[object] = field(default=(), repr=False, compare=False)


ImportRecord = CustomerRecord | InvoiceRecord | PaymentRecord


# What an import source hands over, a chunk at a time: records and refused rows in
# file order, or a clean chunk of invoices as columns.
RowBatch = list[ImportRecord | RejectedRow] | InvoiceColumns
