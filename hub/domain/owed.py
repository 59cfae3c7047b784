"""What a customer owes: open invoices net of credit notes, the fees and interest charged on
them, and the disputed invoices kept apart.

One pure model for every place that states an amount owed (the cycle's facts, debtor
messages, letters and the portal), so a credit note, a dispute or a charge counts the same
everywhere:

- a credit note that names an invoice covers that invoice first; what it does not need,
  and credit notes that name none, cover the other chased invoices in the same currency,
  oldest due first;
- a disputed invoice is not chased: it is listed apart, and neither it nor its charges
  count in the total;
- fees and interest count on the invoices that are chased, each with its period and basis.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.domain.money import Money


@dataclass(frozen=True, slots=True)
class OpenCredit:
    """An open credit note: what the customer is owed back."""

    number: str
    open: Money
    invoice: str | None = None  # the invoice it credits, when the ERP named one


@dataclass(frozen=True, slots=True)
class OwedInvoice:
    number: str
    due_date: date
    open: Money  # net of credit notes
    credited: Money  # what credit notes cover of it
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class Charge:
    """A fee or interest line on an invoice, as the cycle charged it."""

    invoice: str
    kind: str  # fixed_compensation | interest | ...
    amount: Money
    basis: str | None = None  # eu | de | uk | contract | rule_file
    rate: str | None = None  # interest: percent a year ("10.15", or "10.15/9.15" over a change)
    period_from: date | None = None
    period_to: date | None = None

    @property
    def is_interest(self) -> bool:
        return self.kind == "interest"


@dataclass(frozen=True, slots=True)
class CreditTarget:
    """An open invoice as apply_credits sees it."""

    number: str
    open: Money
    due_date: date
    chased: bool  # not disputed, not excluded: unnamed credits may cover it


def apply_credits(targets: Sequence[CreditTarget],
                  credits: Iterable[OpenCredit]) -> dict[str, Money]:
    """How much of each invoice the open credit notes cover (only invoices they cover).

    apply_credits([INV-1 100 EUR due 1 May, INV-2 50 EUR due 1 June], [CN-1 120 EUR])
    == {INV-1: 100 EUR, INV-2: 20 EUR}: a credit note naming nothing covers the oldest
    first. Credit left over once every invoice is covered stays with the customer."""
    left = {target.number: target.open for target in targets}
    covered: dict[str, Money] = {}
    by_number = {target.number: target for target in targets}
    spare: list[Money] = []

    def cover(number: str, available: Money) -> Money:
        open_now = left[number]
        part = available if available.amount <= open_now.amount else open_now
        if part.amount > 0:
            left[number] = open_now - part
            covered[number] = covered[number] + part if number in covered else part
        return available - part

    for credit in credits:
        remaining = credit.open
        named = by_number.get(credit.invoice or "")
        if named is not None and named.open.currency == remaining.currency:
            remaining = cover(named.number, remaining)
        if remaining.amount > 0:
            spare.append(remaining)
    chased = sorted((t for t in targets if t.chased), key=lambda t: (t.due_date, t.number))
    for credit_left in spare:
        rest = credit_left
        for target in chased:
            if rest.amount <= 0:
                break
            if target.open.currency == rest.currency:
                rest = cover(target.number, rest)
    return covered


@dataclass(frozen=True, slots=True)
class Owed:
    """What one message or page states: chased invoices, their charges, the disputed ones
    apart, and the total per currency (invoices plus charges)."""

    items: tuple[OwedInvoice, ...]
    charges: tuple[Charge, ...]
    disputed: tuple[OwedInvoice, ...]

    def _sum(self, amounts: Iterable[Money]) -> tuple[Money, ...]:
        totals: dict[str, Money] = {}
        for amount in amounts:
            totals[amount.currency] = totals[amount.currency] + amount \
                if amount.currency in totals else amount
        return tuple(totals[currency] for currency in sorted(totals))

    @property
    def invoice_totals(self) -> tuple[Money, ...]:
        return self._sum(item.open for item in self.items)

    @property
    def charge_totals(self) -> tuple[Money, ...]:
        return self._sum(charge.amount for charge in self.charges)

    @property
    def totals(self) -> tuple[Money, ...]:
        """Invoices plus charges, per currency."""
        return self._sum([*(item.open for item in self.items),
                          *(charge.amount for charge in self.charges)])

    @property
    def disputed_totals(self) -> tuple[Money, ...]:
        return self._sum(item.open for item in self.disputed)


def owed(invoices: Sequence[OwedInvoice], charges: Sequence[Charge]) -> Owed:
    """Split `invoices` (already net of credits) into chased and disputed, keeping the
    charges of the chased ones."""
    items = tuple(i for i in invoices if not i.disputed and i.open.amount > 0)
    disputed = tuple(i for i in invoices if i.disputed and i.open.amount > 0)
    listed = {item.number for item in items}
    return Owed(items=items,
                charges=tuple(c for c in charges if c.invoice in listed),
                disputed=disputed)
