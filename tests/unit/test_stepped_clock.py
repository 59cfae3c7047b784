"""The demo's replay moves a stepped clock by hand, then lets the real one take over; the
services built meanwhile keep the same clock object and follow both."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.demo.portfolio import generate
from hub.domain.clock import FixedClock
from hub.domain.clock import SteppedClock

BASE = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


def test_a_stepped_clock_tells_the_moment_set_in_its_zone_then_the_base() -> None:
    clock = SteppedClock(ZoneInfo("Pacific/Auckland"), BASE)
    clock.moment = datetime(2026, 10, 5, 20, 0, tzinfo=UTC)  # 09:00 on the 6th in Auckland
    assert clock.now() == datetime(2026, 10, 5, 20, 0, tzinfo=UTC)
    assert clock.today() == date(2026, 10, 6)
    clock.moment = None
    assert (clock.now(), clock.today()) == (BASE.now(), BASE.today())


def test_the_generator_says_how_each_customer_pays_and_what_each_payment_pays() -> None:
    portfolio = generate(5, date(2026, 11, 23), customers=30)
    codes = {row["customer_id"] for row in portfolio.customers}
    assert set(portfolio.behaviour) == set(portfolio.payers) == codes
    numbers = {row["invoice_number"] for row in portfolio.invoices}
    references = {row["reference"] for row in portfolio.payments + portfolio.statement}
    assert set(portfolio.pays) == references
    assert set(portfolio.pays.values()) <= numbers
