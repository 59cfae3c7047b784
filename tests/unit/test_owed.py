"""hub.domain.owed: how open credit notes cover invoices, and what is left owed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hub.domain.money import Money
from hub.domain.owed import Charge
from hub.domain.owed import CreditTarget
from hub.domain.owed import OpenCredit
from hub.domain.owed import OwedInvoice
from hub.domain.owed import apply_credits
from hub.domain.owed import owed


def _eur(amount: str, currency: str = "EUR") -> Money:
    return Money(Decimal(amount), currency)


TARGETS = [CreditTarget("INV-1", _eur("100"), date(2026, 5, 1), chased=True),
           CreditTarget("INV-2", _eur("50"), date(2026, 6, 1), chased=True),
           CreditTarget("INV-3", _eur("80"), date(2026, 4, 1), chased=False),  # disputed
           CreditTarget("USD-1", _eur("70", "USD"), date(2026, 3, 1), chased=True)]


def test_a_credit_naming_nothing_covers_the_oldest_chased_invoice_in_its_currency() -> None:
    assert apply_credits(TARGETS, [OpenCredit("CN-1", _eur("120"))]) == {
        "INV-1": _eur("100"), "INV-2": _eur("20")}


def test_a_named_invoice_comes_first_and_the_rest_goes_oldest_first() -> None:
    covered = apply_credits(TARGETS, [OpenCredit("CN-1", _eur("90"), invoice="INV-3"),
                                      OpenCredit("CN-2", _eur("30"), invoice="INV-2")])
    assert covered == {"INV-3": _eur("80"), "INV-2": _eur("30"), "INV-1": _eur("10")}


def test_credit_beyond_what_is_open_stays_with_the_customer() -> None:
    covered = apply_credits(TARGETS, [OpenCredit("CN-1", _eur("500"))])
    assert covered == {"INV-1": _eur("100"), "INV-2": _eur("50")}  # not the disputed INV-3
    assert apply_credits(TARGETS, [OpenCredit("CN-9", _eur("5", "GBP"))]) == {}


def test_what_is_owed_leaves_disputed_invoices_and_their_charges_out_of_the_total() -> None:
    result = owed([OwedInvoice("INV-1", date(2026, 5, 1), _eur("60"), _eur("40")),
                   OwedInvoice("INV-3", date(2026, 4, 1), _eur("80"), _eur("0"), disputed=True),
                   OwedInvoice("INV-4", date(2026, 4, 1), _eur("0"), _eur("10"))],
                  [Charge("INV-1", "fixed_compensation", _eur("40"), "eu"),
                   Charge("INV-3", "interest", _eur("2"), "eu")])
    assert [i.number for i in result.items] == ["INV-1"]
    assert [i.number for i in result.disputed] == ["INV-3"]
    assert [c.invoice for c in result.charges] == ["INV-1"]
    assert result.totals == (_eur("100"),)
    assert result.disputed_totals == (_eur("80"),)
