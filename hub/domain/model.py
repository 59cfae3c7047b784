"""Entities of the receivables ledger. Plain data; no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.domain.money import Money


class CustomerKind(StrEnum):
    BUSINESS = "B2B"
    CONSUMER = "B2C"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    WRITTEN_OFF = "written_off"


class PaymentStatus(StrEnum):
    UNMATCHED = "unmatched"  # waits in the manual matching queue
    PARTIALLY_ALLOCATED = "partially_allocated"
    ALLOCATED = "allocated"  # fully spent on invoices
    CREDIT = "credit"  # over-payment kept as credit on the customer's account
    REVERSED = "reversed"  # taken back by the bank (returned, charged back): nothing left
    RETURNED = "returned"  # refunded to the payer by finance: nothing allocated, nothing left


class PromiseState(StrEnum):
    """promises.state. Stored as these values (StrEnum: a member is its string)."""

    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PlanState(StrEnum):
    """payment_plans.state: proposed (in review) -> active -> completed | broken; or
    proposed -> rejected."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    REJECTED = "rejected"


class DisputeState(StrEnum):
    """disputes.state."""

    OPEN = "open"
    RESOLVED = "resolved"


class TaskState(StrEnum):
    """tasks.state (a CHECK constraint in the ledger holds the same three)."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    MANAGER = "manager"
    COLLECTOR = "collector"
    READ_ONLY = "read_only"


@dataclass(slots=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None
    is_primary: bool = False
    language: str | None = None
    whatsapp_opt_in: bool = False  # agreed to WhatsApp messages on `phone`


@dataclass(slots=True)
class Customer:
    code: str  # the ERP's customer number: the natural key
    name: str
    kind: CustomerKind = CustomerKind.BUSINESS
    country: str | None = None  # ISO 3166-1 alpha-2
    timezone: str = "UTC"  # IANA name, for the debtor's send window
    language: str = "en"  # BCP 47 primary tag, e.g. "nl"
    owner: str | None = None  # user e-mail of the collector who owns the account
    department: str | None = None
    segment: str | None = None
    currency: str | None = None  # account currency, when the ERP gives one
    credit_limit: Money | None = None
    lifetime_value: Money | None = None
    excluded: bool = False
    on_hold: bool = False
    score: int | None = None  # 0 (worst) to 100 (best) payment behaviour
    contacts: list[Contact] = field(default_factory=list)
    id: int | None = None
    account_manager: str | None = None  # e-mail of the salesperson who owns the relationship


def invoice_status(amount: Money, open_amount: Money) -> InvoiceStatus:
    """Status implied by what is still open on an invoice."""
    if open_amount.is_zero() or open_amount.is_negative():
        return InvoiceStatus.PAID
    if open_amount < amount:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.OPEN


@dataclass(slots=True)
class Invoice:
    number: str  # unique invoice number: the natural key
    customer_code: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money
    status: InvoiceStatus = InvoiceStatus.OPEN
    disputed: bool = False
    excluded: bool = False
    document_ref: str | None = None  # path or URL of the invoice copy
    description: str | None = None
    id: int | None = None

    def days_overdue(self, as_of: date) -> int:
        """Days past the due date on `as_of`; 0 when not yet due."""
        return max(0, (as_of - self.due_date).days)

    @property
    def is_settled(self) -> bool:
        return self.status in (InvoiceStatus.PAID, InvoiceStatus.CANCELLED,
                               InvoiceStatus.WRITTEN_OFF)


@dataclass(slots=True)
class CreditNote:
    number: str
    customer_code: str
    issue_date: date
    amount: Money  # positive: what the customer is owed
    open_amount: Money
    invoice_number: str | None = None
    reason: str | None = None
    id: int | None = None


@dataclass(slots=True)
class Payment:
    reference: str  # unique: bank reference, or a digest of the statement line
    received_on: date
    amount: Money
    unallocated: Money
    customer_code: str | None = None
    payer_name: str | None = None
    payer_account: str | None = None  # IBAN or account number
    remittance: str | None = None  # free text and structured reference
    source: str | None = None  # file it came from
    status: PaymentStatus = PaymentStatus.UNMATCHED
    id: int | None = None


@dataclass(slots=True, frozen=True)
class Allocation:
    payment_reference: str
    invoice_number: str
    amount: Money
    method: str  # reference | amount | manual | import


@dataclass(slots=True)
class User:
    email: str
    name: str
    role: Role = Role.COLLECTOR
    department: str | None = None
    manager_email: str | None = None
    active: bool = True
    id: int | None = None


@dataclass(slots=True, frozen=True)
class Event:
    """One append-only entry of the ledger's history: who did what, when and why."""

    occurred_at: datetime
    actor: str  # user e-mail, "system", "import", "bank", "rules", ...
    kind: str  # see hub.domain.events
    summary: str  # one line a person can read on the timeline
    customer_code: str | None = None
    invoice_number: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
