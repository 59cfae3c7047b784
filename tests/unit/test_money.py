from __future__ import annotations

from decimal import Decimal

import pytest

from hub.domain.currency import UnknownCurrency
from hub.domain.currency import minor_units
from hub.domain.money import CurrencyMismatch
from hub.domain.money import Money
from hub.domain.money import SubMinorAmount


def test_minor_units_follow_iso_4217() -> None:
    assert (minor_units("EUR"), minor_units("JPY"), minor_units("KWD")) == (2, 0, 3)


def test_money_round_trips_through_minor_units() -> None:
    assert Money(Decimal("12.5"), "eur").to_minor() == 1250
    assert Money.from_minor(1005, "KWD") == Money(Decimal("1.005"), "KWD")
    assert Money.from_minor(5, "JPY").amount == Decimal(5)


def test_money_refuses_float_and_sub_minor_amounts() -> None:
    with pytest.raises(TypeError):
        Money(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(SubMinorAmount):
        Money(Decimal("1.001"), "EUR")
    assert Money.of("2309.7899999999995", "USD").amount == Decimal("2309.79")


def test_money_refuses_unknown_currency_and_mixing() -> None:
    with pytest.raises(UnknownCurrency, match="XYZ"):
        Money(Decimal(1), "XYZ")
    with pytest.raises(CurrencyMismatch):
        _ = Money(Decimal(1), "EUR") + Money(Decimal(1), "USD")
