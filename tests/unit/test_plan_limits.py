"""Payment-plan limits: inside them a plan is approved without a person; outside them
each reason is said in words (for the review task and for the debtor)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hub.domain.money import Money
from hub.domain.plans import PlanLimits
from hub.domain.plans import review_reasons

TODAY = date(2026, 11, 23)
LIMITS = PlanLimits(max_instalments=3, max_total=Decimal("5000"), max_months=3,
                    min_first_payment_percent=Decimal("20"))


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def test_a_plan_inside_every_limit_needs_no_review() -> None:
    plan = [(date(2026, 12, 1), eur("400.00")), (date(2027, 1, 1), eur("300.00")),
            (date(2027, 2, 23), eur("300.00"))]
    assert review_reasons(plan, today=TODAY, open_balance=eur("1000.00"), limits=LIMITS) == ()


def test_each_limit_crossed_is_named() -> None:
    plan = [(date(2026, 12, 1), eur("100.00"))] + [
        (date(2027, month, 1), eur("1300.00")) for month in (1, 2, 3, 4)]
    reasons = review_reasons(plan, today=TODAY, open_balance=eur("6000.00"), limits=LIMITS)
    assert reasons == (
        "5 instalments, at most 3 are approved automatically",
        "total 5,300.00 EUR is above 5,000.00 EUR",
        "last instalment on 2027-04-01 is more than 3 months ahead",
        "first payment 100.00 EUR is below 20% of the total",
        "the plan covers 5,300.00 EUR of the 6,000.00 EUR open")


def test_the_month_limit_ends_on_the_same_day_three_months_on() -> None:
    on_the_day = [(date(2027, 2, 23), eur("100.00"))]
    day_after = [(date(2027, 2, 24), eur("100.00"))]
    balance = eur("100.00")
    assert review_reasons(on_the_day, today=TODAY, open_balance=balance, limits=LIMITS) == ()
    assert len(review_reasons(day_after, today=TODAY, open_balance=balance,
                              limits=LIMITS)) == 1
