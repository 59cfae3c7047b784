"""What every statement reader produces, and the rules shared by all formats:
which lines become payments, how a line's reference is made, and how a line
the ledger cannot hold is reported instead of crashing the import."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from hub.domain.bank import IncomingPayment
from hub.domain.bank import PaymentReversal
from hub.domain.bank import StatementSummary
from hub.domain.currency import UnknownCurrency
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.money import SubMinorAmount

# Banks write these where they have no reference; they identify nothing.
PLACEHOLDERS = frozenset({"", "NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE", "N/A"})
MAX_REFERENCE = 128


class StatementError(UserError):
    """A statement file that cannot be read; the message names the file."""


@dataclass(slots=True)
class ParsedStatement:
    """A statement file's credits, and what was left out and why."""

    source: str
    format: str  # e.g. "camt.053.001.02", "MT940"
    payments: list[IncomingPayment]
    summary: StatementSummary
    pending_skipped: int = 0
    rejected: list[str] = field(default_factory=list)  # one message per line not imported
    sha256: str = ""  # of the file's bytes, to tell import runs of the same file apart
    reversals: list[PaymentReversal] = field(default_factory=list)  # credits taken back


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One credit as a reader found it, before it is checked."""

    position: str  # where in the file: "entry 3" or "entry 3.2"
    account: str | None
    amount: str
    currency: str
    booked_on: date | None
    value_date: date | None
    bank_reference: str | None = None
    payer_name: str | None = None
    payer_account: str | None = None
    remittance: str | None = None
    structured_reference: str | None = None
    end_to_end_id: str | None = None


def clean(text: str | None) -> str | None:
    """One line of text: whitespace collapsed; None when nothing is left."""
    if text is None:
        return None
    cleaned = re.sub(r"\s+", " ", text).strip()
    return cleaned or None


def meaningful(reference: str | None) -> str | None:
    cleaned = clean(reference)
    if cleaned is None or cleaned.upper() in PLACEHOLDERS:
        return None
    return cleaned


def _digest(*parts: object) -> str:
    joined = "|".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:20]


class StatementBuilder:
    """Collects a file's lines; `build` returns the ParsedStatement."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.accounts: list[str] = []
        self.payments: list[IncomingPayment] = []
        self.payment_reversals: list[PaymentReversal] = []
        self.debits = 0
        self.reversals = 0
        self.pending = 0
        self.rejected: list[str] = []

    def account(self, account: str | None) -> None:
        if account and account not in self.accounts:
            self.accounts.append(account)

    def reject(self, position: str, problem: str) -> None:
        self.rejected.append(f"{self.source}: {position}: {problem}; not imported")

    def _amount(self, line: CreditLine, what: str) -> Money | None:
        try:
            amount = Money(Decimal(line.amount.replace(",", ".")), line.currency)
        except UnknownCurrency:
            self.reject(line.position, f"currency {line.currency!r} is not an ISO 4217 "
                        "currency in use (historic and placeholder codes such as DEM or XXX "
                        "cannot be held in the ledger)")
            return None
        except (InvalidOperation, SubMinorAmount, ValueError):
            self.reject(line.position, f"amount {line.amount!r} {line.currency} is not "
                        "a valid amount")
            return None
        if not amount.amount > 0:
            self.reject(line.position, f"{what} of {amount} is not a positive amount")
            return None
        return amount

    def reversal(self, line: CreditLine) -> None:
        """An entry taking back an earlier credit; applied to the payment it reverses."""
        booked_on = line.booked_on or line.value_date
        if booked_on is None:
            self.reject(line.position, "reversal without a booking or value date")
            return
        amount = self._amount(line, "reversal")
        if amount is None:
            return
        bank_reference = meaningful(line.bank_reference)
        original = f"{line.account}/{bank_reference}" if line.account and bank_reference \
            else bank_reference
        self.payment_reversals.append(PaymentReversal(
            source=self.source, position=line.position, booked_on=booked_on, amount=amount,
            original_reference=original, payer_account=clean(line.payer_account),
            payer_name=clean(line.payer_name)))

    def credit(self, line: CreditLine) -> None:
        received_on = line.value_date or line.booked_on
        if received_on is None:
            self.reject(line.position, "credit without a booking or value date")
            return
        amount = self._amount(line, "credit")
        if amount is None:
            return
        self.payments.append(IncomingPayment(
            reference=self._reference(line, received_on, amount),
            received_on=received_on,
            amount=amount,
            payer_name=clean(line.payer_name),
            payer_account=clean(line.payer_account),
            remittance=clean(line.remittance),
            structured_reference=clean(line.structured_reference),
            end_to_end_id=meaningful(line.end_to_end_id),
            source=self.source,
        ))

    def _reference(self, line: CreditLine, received_on: date, amount: Money) -> str:
        """The bank's own reference within the account, else a digest of the line."""
        prefix = f"{line.account}/" if line.account else ""
        bank_reference = meaningful(line.bank_reference)
        if bank_reference:
            reference = prefix + bank_reference
            if len(reference) <= MAX_REFERENCE:
                return reference
        return prefix[:60] + "#" + _digest(line.account, received_on, amount.amount,
                                           amount.currency, line.remittance, line.payer_name,
                                           line.position)

    def build(self, format_name: str) -> ParsedStatement:
        # A reference the bank repeats within one file identifies nothing: use digests.
        counts = Counter(payment.reference for payment in self.payments)
        payments = [
            payment if counts[payment.reference] == 1 else replace(
                payment, reference=payment.reference + "#" + _digest(index))
            for index, payment in enumerate(self.payments)
        ]
        summary = StatementSummary(
            source=self.source, account=", ".join(self.accounts) or None,
            credits=len(payments), debits_skipped=self.debits,
            reversals_skipped=self.reversals)
        return ParsedStatement(self.source, format_name, payments, summary,
                               pending_skipped=self.pending, rejected=self.rejected,
                               reversals=self.payment_reversals)
