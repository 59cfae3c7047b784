"""Late-payment money: statutory interest, fixed compensation, limitation periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.domain.fees import RatePeriod
from hub.domain.fees import RateTable
from hub.domain.fees import Scheme
from hub.domain.fees import fixed_compensation
from hub.domain.fees import interest_between
from hub.domain.fees import limitation_expiry
from hub.domain.fees import simple_interest
from hub.domain.fees import statutory_margin
from hub.domain.money import Money


def test_100_overdue_15_days_at_10_percent_gives_0_41() -> None:
    assert simple_interest(Money.of("100.00", "EUR"), Decimal(10), 15) == Money.of("0.41", "EUR")


def test_interest_counts_from_the_day_after_the_due_date() -> None:
    interest = interest_between(Money.of("100.00", "EUR"), after=date(2026, 1, 1),
                                until=date(2026, 1, 16), margin=Decimal(0),
                                fixed_percent=Decimal(10))
    assert interest.amount == Money.of("0.41", "EUR")
    assert interest.segments[0].start == date(2026, 1, 2)
    assert interest.segments[0].days == 15


def test_interest_is_split_where_the_reference_rate_changes() -> None:
    table = RateTable("t", (RatePeriod(date(2025, 1, 1), Decimal(2)),
                            RatePeriod(date(2025, 7, 1), Decimal(4))))
    interest = interest_between(Money.of("3650.00", "EUR"), after=date(2025, 6, 20),
                                until=date(2025, 7, 10), margin=Decimal(8), table=table)
    # 10 days at 10% (1.00 a day) and 10 days at 12% (1.20 a day)
    assert [(s.days, s.percent) for s in interest.segments] == [(10, Decimal(10)),
                                                                (10, Decimal(12))]
    assert interest.amount == Money.of("22.00", "EUR")


def test_nothing_is_due_before_or_on_the_due_date() -> None:
    interest = interest_between(Money.of("100.00", "EUR"), after=date(2026, 1, 1),
                                until=date(2026, 1, 1), margin=Decimal(8),
                                fixed_percent=Decimal(10))
    assert interest.amount.is_zero()


def test_margins_per_scheme_and_kind() -> None:
    assert statutory_margin(Scheme.EU, "B2B") == 8
    assert statutory_margin(Scheme.EU, "B2C") is None
    assert statutory_margin(Scheme.DE, "B2B") == 9
    assert statutory_margin(Scheme.DE, "B2C") == 5
    assert statutory_margin(Scheme.UK, "B2B") == 8


@pytest.mark.parametrize(("amount", "fee"), [("999.99", 40), ("1000.00", 70),
                                             ("9999.99", 70), ("10000.00", 100)])
def test_uk_fixed_compensation_by_debt_size(amount: str, fee: int) -> None:
    assert fixed_compensation(Scheme.UK, "B2B", Money.of(amount, "GBP")) == Money.of(fee, "GBP")


def test_eu_and_de_fixed_compensation_is_40_euro_for_businesses_only() -> None:
    assert fixed_compensation(Scheme.EU, "B2B", Money.of("5", "EUR")) == Money.of(40, "EUR")
    assert fixed_compensation(Scheme.DE, "B2C", Money.of("5", "EUR")) is None
    assert fixed_compensation(Scheme.EU, "B2B", Money.of("5", "PLN")) is None


def test_limitation_periods() -> None:
    assert limitation_expiry(Scheme.DE, date(2024, 3, 15)) == date(2027, 12, 31)
    assert limitation_expiry(Scheme.UK, date(2024, 3, 15)) == date(2030, 3, 15)
    assert limitation_expiry(Scheme.UK, date(2024, 2, 29)) == date(2030, 2, 28)
    assert limitation_expiry(Scheme.EU, date(2024, 3, 15)) is None
