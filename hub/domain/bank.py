"""Incoming money as it arrives from a bank statement or a payments file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.domain.money import Money


@dataclass(slots=True, frozen=True)
class IncomingPayment:
    """One credit to the company's account, before it is matched to invoices.

    `reference` is the natural key that makes re-importing the same statement a
    no-op: the bank's own reference when it has one, otherwise a digest of the
    statement line (account, date, amount, text and position).
    """

    reference: str
    received_on: date  # value date (booking date when no value date is given)
    amount: Money  # positive
    payer_name: str | None = None
    payer_account: str | None = None  # IBAN or account number
    remittance: str | None = None  # unstructured remittance text
    structured_reference: str | None = None  # RF creditor ref, ISR/QRR, or invoice no.
    end_to_end_id: str | None = None
    customer_code: str | None = None  # when the file names the customer
    source: str | None = None  # file name and statement id


@dataclass(slots=True, frozen=True)
class PaymentReversal:
    """A statement entry that takes back an earlier credit (camt `RvslInd` on a debit,
    MT940 `RC`): the payment it reverses is found by `original_reference` (the bank
    reference, when the bank repeats the original's), else by amount and payer."""

    source: str
    position: str  # "entry 4", "statement 1, transaction 2"
    booked_on: date
    amount: Money  # positive: what is taken back
    original_reference: str | None = None
    payer_account: str | None = None
    payer_name: str | None = None


@dataclass(slots=True, frozen=True)
class StatementSummary:
    """What a statement file held, for the import report."""

    source: str
    account: str | None
    credits: int
    debits_skipped: int
    reversals_skipped: int
