"""Properties of Money that must hold for every amount and currency, not just the examples
in test_money.py: rounding to the currency's minor unit, minor units round-tripping, and
splitting or allocating an amount never losing or inventing a cent."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from hub.domain.currency import ACTIVE_CODES
from hub.domain.currency import minor_units
from hub.domain.matching import OpenInvoice
from hub.domain.matching import allocate
from hub.domain.money import CurrencyMismatch
from hub.domain.money import Money
from hub.domain.money import SubMinorAmount
from hub.domain.money import minor_text
from hub.domain.portal import monthly_schedule
from hub.domain.reports import percent
from hub.domain.reports import share_of
from hub.domain.reports import share_text

CURRENCIES = st.sampled_from(sorted(ACTIVE_CODES))
# every minor-unit count the ledger can hold (BIGINT), well beyond any invoice
MINOR = st.integers(min_value=-(10 ** 15), max_value=10 ** 15)
POSITIVE_MINOR = st.integers(min_value=1, max_value=10 ** 12)
DAY = date(2026, 11, 23)


@given(MINOR, CURRENCIES)
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    money = Money.from_minor(minor, currency)
    assert money.to_minor() == minor
    assert money.amount.as_tuple().exponent == -minor_units(currency)


@given(st.decimals(min_value=-(10 ** 9), max_value=10 ** 9, allow_nan=False,
                   allow_infinity=False, places=6), CURRENCIES)
def test_of_rounds_half_up_to_the_minor_unit(value: Decimal, currency: str) -> None:
    money = Money.of(value, currency)
    step = Decimal(1).scaleb(-minor_units(currency))
    assert money.amount == value.quantize(step, rounding=ROUND_HALF_UP)
    assert abs(money.amount - value) <= step / 2  # never further than half a minor unit


@given(MINOR, CURRENCIES)
def test_more_decimals_than_the_currency_has_are_refused(minor: int, currency: str) -> None:
    """A tenth of a minor unit is a mistake to report, never something to round away."""
    exact = Decimal(minor).scaleb(-minor_units(currency))
    with pytest.raises(SubMinorAmount):
        Money(exact + Decimal(1).scaleb(-minor_units(currency) - 1), currency)


@given(MINOR, MINOR, CURRENCIES)
def test_addition_and_subtraction_are_exact(a: int, b: int, currency: str) -> None:
    x, y = Money.from_minor(a, currency), Money.from_minor(b, currency)
    assert (x + y).to_minor() == a + b
    assert (x + y - y) == x
    assert (-x).to_minor() == -a


@given(MINOR, CURRENCIES, CURRENCIES)
def test_two_currencies_never_combine(minor: int, one: str, other: str) -> None:
    if one == other:
        return
    with pytest.raises(CurrencyMismatch):
        Money.from_minor(minor, one) + Money.from_minor(minor, other)


@given(POSITIVE_MINOR, st.integers(min_value=1, max_value=60), CURRENCIES)
def test_a_plan_schedule_adds_up_to_the_total(minor: int, count: int, currency: str) -> None:
    total = Money.from_minor(minor, currency)
    schedule = monthly_schedule(total, count, DAY)
    assert len(schedule) == count
    assert sum(amount.to_minor() for _, amount in schedule) == minor
    shares = [amount.to_minor() for _, amount in schedule[1:]]
    assert all(share == minor // count for share in shares)  # only the first carries the rest


@settings(max_examples=200)
@given(POSITIVE_MINOR, st.lists(st.integers(min_value=0, max_value=10 ** 9), max_size=12),
       CURRENCIES)
def test_allocation_never_loses_a_cent(paid: int, open_amounts: list[int],
                                       currency: str) -> None:
    """What is allocated plus what is left is exactly what was paid; no invoice gets more
    than it has open, and nothing goes to an invoice in another currency."""
    invoices = [OpenInvoice(f"I-{n}", "C", DAY, DAY, Money.from_minor(max(open_minor, 1),
                                                                     currency),
                            Money.from_minor(open_minor, currency))
                for n, open_minor in enumerate(open_amounts)]
    stranger = OpenInvoice("USD-1", "C", DAY, DAY, Money.from_minor(100, "USD"),
                           Money.from_minor(100, "USD"))
    payment = Money.from_minor(paid, currency)
    plan, left = allocate(payment, [*invoices, stranger] if currency != "USD" else invoices)
    assert sum(part.to_minor() for _, part in plan) + left.to_minor() == paid
    assert not left.is_negative()
    for invoice, part in plan:
        assert invoice.currency == currency
        assert Money.zero(currency) < part <= invoice.open
    fully = sum(min(o, 10 ** 15) for o in open_amounts)
    assert left.to_minor() == max(paid - fully, 0)  # the remainder only once all is paid


@given(minor=st.integers(-10**18, 10**18), currency=CURRENCIES)
def test_amounts_printed_from_minor_units_read_as_money_prints_them(minor: int,
                                                                    currency: str) -> None:
    # Reports print tens of thousands of amounts straight from the ledger's minor units.
    amount = Money.from_minor(minor, currency).amount
    assert minor_text(minor, minor_units(currency)) == str(amount)
    assert minor_text(minor, minor_units(currency), grouped=True) == f"{amount:,}"


@given(part=st.integers(0, 10**15), extra=st.integers(0, 10**15))
def test_shares_in_whole_minor_units_round_as_decimal_percent_does(part: int,
                                                                   extra: int) -> None:
    whole = part + extra
    assert str(share_of(part, whole)) == str(percent(Decimal(part), Decimal(whole)))
    assert share_text(part, whole) == str(share_of(part, whole))


@pytest.mark.parametrize(("part", "whole", "shown"), [
    (1, 2000, "0.1"),  # 0.05 % rounds half up
    (1, 2001, "0.0"),
    (1, 8, "12.5"),
    (1, 3, "33.3"),
    (2, 3, "66.7"),
    (5, 5, "100.0"),
    (0, 0, "0.0"),  # nothing open: no share
])
def test_shares_of_worked_examples(part: int, whole: int, shown: str) -> None:
    assert str(share_of(part, whole)) == shown
    assert share_text(part, whole) == shown
