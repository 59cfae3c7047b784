"""Cash application: which open invoices an incoming payment pays.

First by reference (an RF creditor reference, a Belgian, Dutch or Finnish structured
reference, an ISR/QR reference, or invoice numbers found in the remittance text; an RF
or national reference made of a customer code pays that customer's invoices oldest
first), then by amount and customer (the payer
is a known customer and the amount equals one open invoice, or the oldest ones
together); anything else waits in the manual queue. Pure: the service loads an
`OpenBook` from the ledger, asks `match_payment`, writes the result, and tells
the book with `settle` so the next payment of the same batch sees it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from enum import StrEnum

from hub.domain.bank import IncomingPayment
from hub.domain.money import Money
from hub.domain.national_references import BELGIAN
from hub.domain.national_references import DUTCH
from hub.domain.national_references import FORMATS
from hub.domain.national_references import national_payloads_in
from hub.domain.references import compact_text
from hub.domain.references import creditor_reference_payload
from hub.domain.references import creditor_references_in
from hub.domain.references import digit_run_keys
from hub.domain.references import isr_payload
from hub.domain.references import mentions
from hub.domain.references import number_key
from hub.domain.references import significant
from hub.domain.references import split_references


class MatchMethod(StrEnum):
    REFERENCE = "reference"
    AMOUNT = "amount"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    number: str
    customer: str  # customer code
    issue_date: date
    due_date: date
    amount: Money
    open: Money
    id: int | None = None

    @property
    def currency(self) -> str:
        return self.amount.currency


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    code: str
    name: str
    accounts: frozenset[str] = frozenset()  # payer IBANs seen on earlier payments


@dataclass(frozen=True, slots=True)
class Match:
    """What to do with one payment: allocations, and what is left over."""

    method: MatchMethod | None  # None: to the manual queue
    customer: str | None
    allocations: tuple[tuple[OpenInvoice, Money], ...]
    remainder: Money
    reason: str

    @property
    def matched(self) -> bool:
        return bool(self.allocations)


def oldest_first(invoices: Iterable[OpenInvoice]) -> list[OpenInvoice]:
    return sorted(invoices, key=lambda inv: (inv.due_date, inv.issue_date, inv.number))


def allocate(amount: Money, invoices: Sequence[OpenInvoice]
             ) -> tuple[list[tuple[OpenInvoice, Money]], Money]:
    """Spend `amount` on `invoices` in the order given; return the plan and what is left."""
    plan: list[tuple[OpenInvoice, Money]] = []
    left = amount
    for invoice in invoices:
        if left.is_zero():
            break
        if invoice.currency != amount.currency or not invoice.open.amount > 0:
            continue
        part = invoice.open if invoice.open <= left else left
        plan.append((invoice, part))
        left = left - part
    return plan, left


_LEGAL_FORMS = frozenset({
    "ab", "ag", "as", "aps", "bv", "bvba", "co", "corp", "corporation", "cv", "gmbh", "inc",
    "kg", "llc", "llp", "ltd", "limited", "nv", "oy", "plc", "sa", "sarl", "sas", "spa",
    "sp", "srl", "zoo", "the", "und", "and",
})


def normalise_name(name: str) -> str:
    """Casefolded words without accents, punctuation or legal forms ("ACME B.V." -> "acme")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain.casefold().replace(".", ""))  # b.v. -> bv
    return " ".join(w for w in words if w not in _LEGAL_FORMS)


def normalise_account(account: str) -> str:
    return re.sub(r"[\s\-./]", "", account).upper()


class OpenBook:
    """Open invoices and known customers, kept current while a batch is matched."""

    def __init__(self, invoices: Iterable[OpenInvoice],
                 customers: Iterable[KnownCustomer]) -> None:
        self._invoices: dict[str, OpenInvoice] = {}
        self._by_key: dict[str, set[str]] = defaultdict(set)
        self._by_compact: dict[str, set[str]] = defaultdict(set)
        self._by_customer: dict[str, set[str]] = defaultdict(set)
        self._by_open: dict[Money, set[str]] = defaultdict(set)
        self._by_digits: dict[str, set[str]] = defaultdict(set)
        for invoice in invoices:
            self._add(invoice)
        self._customers: set[str] = set()
        self._customer_refs: dict[str, set[str]] = defaultdict(set)  # loose code / digits
        self._by_account: dict[str, set[str]] = defaultdict(set)
        self._by_name: dict[str, set[str]] = defaultdict(set)
        for customer in customers:
            self._customers.add(customer.code)
            self._customer_refs[_loose(customer.code)].add(customer.code)
            if digits := _all_digits(customer.code):
                self._customer_refs["#" + digits].add(customer.code)
            for account in customer.accounts:
                self.learn_account(account, customer.code)
            name = normalise_name(customer.name)
            if len(name) >= 3:
                self._by_name[name].add(customer.code)

    def _add(self, invoice: OpenInvoice) -> None:
        self._invoices[invoice.number] = invoice
        key = number_key(invoice.number)
        if key:
            self._by_key[key].add(invoice.number)
        self._by_compact[_loose(invoice.number)].add(invoice.number)
        self._by_customer[invoice.customer].add(invoice.number)
        self._by_open[invoice.open].add(invoice.number)
        if digits := _all_digits(invoice.number):
            self._by_digits[digits].add(invoice.number)

    def get(self, number: str) -> OpenInvoice | None:
        return self._invoices.get(number)

    def learn_account(self, account: str, customer: str) -> None:
        cleaned = normalise_account(account)
        if len(cleaned) >= 5:
            self._by_account[cleaned].add(customer)

    def settle(self, invoice: OpenInvoice, paid: Money) -> None:
        """Record a payment on `invoice`; once nothing is open it leaves the book."""
        current = self._invoices.get(invoice.number, invoice)
        left = current.open - paid
        self._by_open[current.open].discard(invoice.number)
        if left.amount > 0:
            self._invoices[invoice.number] = replace(current, open=left)
            self._by_open[left].add(invoice.number)
            return
        self._invoices.pop(invoice.number, None)
        for index in (self._by_key.get(number_key(invoice.number) or ""),
                      self._by_compact.get(_loose(invoice.number)),
                      self._by_digits.get(_all_digits(invoice.number)),
                      self._by_customer.get(invoice.customer)):
            if index is not None:
                index.discard(invoice.number)

    def customer_invoices(self, customer: str, currency: str) -> list[OpenInvoice]:
        return oldest_first(inv for n in self._by_customer.get(customer, ())
                            if (inv := self._invoices[n]).currency == currency)

    def with_open_amount(self, amount: Money) -> list[OpenInvoice]:
        return oldest_first(self._invoices[n] for n in self._by_open.get(amount, ()))

    def referenced(self, payment: IncomingPayment) -> list[OpenInvoice]:
        """Open invoices the payment names, by structured reference or in its text."""
        numbers: dict[str, None] = {}
        structured = payment.structured_reference or ""
        for token in [structured, *split_references([structured])]:
            for number in sorted(self._by_structured(token)):
                numbers[number] = None
        for text in (payment.remittance, structured, payment.end_to_end_id):
            payloads, rest = creditor_references_in(text or "")
            for payload in payloads:
                numbers.update(dict.fromkeys(sorted(self._by_compact.get(_loose(payload), ()))))
            numbers.update(dict.fromkeys(self._in_text(rest)))
        for payload in self._national_payloads(payment):
            numbers.update(dict.fromkeys(sorted(self._by_digits.get(payload, ()))))
        return [self._invoices[n] for n in numbers if n in self._invoices]

    @staticmethod
    def _national_payloads(payment: IncomingPayment) -> list[str]:
        """Digits named by Belgian, Dutch or Finnish references: all three in the
        structured field, Belgian (framed) and Dutch (sixteen digits) in free text; a
        Finnish check digit holds for one digit run in ten, too weak for free text."""
        found: list[str] = []
        structured = payment.structured_reference or ""
        for token in [structured, *split_references([structured])]:
            found.extend(national_payloads_in(token, FORMATS))
        for text in (payment.remittance, payment.end_to_end_id):
            found.extend(national_payloads_in(text or "", (BELGIAN, DUTCH)))
        return [digits for payload in found if (digits := significant(payload))]

    def referenced_customer(self, payment: IncomingPayment) -> str | None:
        """The one customer whose own reference (RF or national, made of the customer
        code) the payment carries, when it names no invoice."""
        keys: list[str] = []
        structured = payment.structured_reference or ""
        for token in [structured, *split_references([structured])]:
            if (payload := creditor_reference_payload(token)) is not None:
                keys.append(_loose(payload))
        for text in (payment.remittance, structured, payment.end_to_end_id):
            keys.extend(_loose(payload) for payload in creditor_references_in(text or "")[0])
        keys.extend("#" + digits for digits in self._national_payloads(payment))
        found = {code for key in keys for code in self._customer_refs.get(key, ())}
        return next(iter(found)) if len(found) == 1 else None

    def _by_structured(self, token: str) -> set[str]:
        if not token:
            return set()
        payload = creditor_reference_payload(token)
        if payload is None and re.match(r"RF\d{2}", compact_text(token)):
            return set()  # an RF reference with wrong check digits names nothing
        if payload is None:
            payload = isr_payload(token)
        return set(self._by_compact.get(_loose(payload or token), ()))

    def _in_text(self, text: str) -> list[str]:
        found: list[str] = []
        for key in dict.fromkeys(digit_run_keys(text)):
            found.extend(n for n in sorted(self._by_key.get(key, ())) if mentions(text, n))
        return found

    def identify(self, payment: IncomingPayment) -> str | None:
        """The customer who paid: named by the file, known by account, or by exact name."""
        if payment.customer_code and payment.customer_code in self._customers:
            return payment.customer_code
        if payment.payer_account:
            by_account = self._by_account.get(normalise_account(payment.payer_account), set())
            if len(by_account) == 1:
                return next(iter(by_account))
        if payment.payer_name:
            by_name = self._by_name.get(normalise_name(payment.payer_name), set())
            if len(by_name) == 1:
                return next(iter(by_name))
        return None


def _all_digits(number: str) -> str:
    """Every digit of an invoice number or customer code, without leading zeros: what a
    national reference is made of ("INV-2024-0017" -> "20240017")."""
    return significant("".join(char for char in number if char.isdigit()))


def _loose(number: str) -> str:
    """Structured references compare without separators, case or leading zeros."""
    return significant(compact_text(number))


def match_payment(payment: IncomingPayment, book: OpenBook) -> Match:
    currency = payment.amount.currency
    customer = book.identify(payment)
    named = book.referenced(payment)
    if named:
        usable = [inv for inv in named if inv.currency == currency]
        if customer is not None and any(inv.customer == customer for inv in usable):
            usable = [inv for inv in usable if inv.customer == customer]
        if usable:
            plan, left = allocate(payment.amount, oldest_first(usable))
            owner = plan[0][0].customer
            numbers = ", ".join(inv.number for inv, _ in plan)
            return Match(MatchMethod.REFERENCE, owner, tuple(plan), left,
                         f"names invoice {numbers}")
        others = ", ".join(f"{inv.number} ({inv.currency})" for inv in named)
        return Match(None, customer, (), payment.amount,
                     f"names {others}, but the payment is in {currency}")
    referenced = book.referenced_customer(payment)
    if referenced is not None:
        oldest = book.customer_invoices(referenced, currency)
        if oldest:
            plan, left = allocate(payment.amount, oldest)
            return Match(MatchMethod.REFERENCE, referenced, tuple(plan), left,
                         f"carries the payment reference of customer {referenced}")
        customer = referenced
    if customer is None:
        return Match(None, None, (), payment.amount,
                     "no invoice number or reference, and the payer is not a known customer")
    candidates = book.customer_invoices(customer, currency)
    chosen = _by_amount(payment.amount, candidates)
    if chosen:
        plan, left = allocate(payment.amount, chosen)
        return Match(MatchMethod.AMOUNT, customer, tuple(plan), left,
                     f"amount equals open {', '.join(inv.number for inv in chosen)}")
    return Match(None, customer, (), payment.amount,
                 f"customer {customer} has no open invoice, or oldest invoices together, "
                 f"of {payment.amount}")


def _by_amount(amount: Money, oldest: Sequence[OpenInvoice]) -> list[OpenInvoice]:
    """One invoice of exactly `amount`, else the oldest ones that add up to it."""
    for invoice in oldest:
        if invoice.open == amount:
            return [invoice]
    total = Money.zero(amount.currency)
    for count, invoice in enumerate(oldest, start=1):
        total = total + invoice.open
        if total == amount and count > 1:
            return list(oldest[:count])
        if total > amount:
            break
    return []


def suggestions(payment: IncomingPayment, book: OpenBook, limit: int = 3) -> list[OpenInvoice]:
    """Invoices a person may want to match an unmatched payment with."""
    return [invoice for invoice, _why in explained_suggestions(payment, book, limit)]


def explained_suggestions(payment: IncomingPayment, book: OpenBook, limit: int = 3
                          ) -> list[tuple[OpenInvoice, str]]:
    """`suggestions`, each with why: "reference" (the payment names it), "customer" (the
    payer is its customer) or "amount" (its open amount equals the payment)."""
    found: dict[str, tuple[OpenInvoice, str]] = {}
    customer = book.identify(payment)
    currency = payment.amount.currency
    for invoice in book.referenced(payment):
        found.setdefault(invoice.number, (invoice, "reference"))
    if customer is not None:
        for invoice in book.customer_invoices(customer, currency):
            found.setdefault(invoice.number, (invoice, "customer"))
    for invoice in book.with_open_amount(payment.amount):
        found.setdefault(invoice.number, (invoice, "amount"))
    return list(found.values())[:limit]
