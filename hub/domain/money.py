"""Money: an exact Decimal amount in one ISO 4217 currency. Never float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

from hub.domain.currency import minor_units
from hub.domain.currency import normalise_currency


class CurrencyMismatch(ValueError):
    """Raised when amounts in two currencies are combined."""


class SubMinorAmount(ValueError):
    """Raised when an amount has more decimals than its currency allows."""


# Minor units of the codes already checked once (exactly as normalise_currency returns
# them): a report builds hundreds of thousands of amounts from the ledger's integer minor
# units, which need neither the currency check nor the quantize again (issue 16).
_CHECKED_UNITS: dict[str, int] = {}


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("Money refuses float amounts; pass a Decimal or a string")
        code = normalise_currency(self.currency)
        try:
            amount = Decimal(self.amount)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {self.amount!r}") from exc
        exponent = -minor_units(code)
        quantised = amount.quantize(Decimal(1).scaleb(exponent))
        if quantised != amount:
            raise SubMinorAmount(
                f"{amount} has more decimals than {code} allows ({-exponent})"
            )
        object.__setattr__(self, "currency", code)
        object.__setattr__(self, "amount", quantised)
        _CHECKED_UNITS[code] = -exponent

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str) -> Money:
        """Round half-up to the currency's minor unit, then build."""
        code = normalise_currency(currency)
        step = Decimal(1).scaleb(-minor_units(code))
        return cls(Decimal(amount).quantize(step, rounding=ROUND_HALF_UP), code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """Build from an integer count of minor units (cents), as the ledger stores."""
        units = _CHECKED_UNITS.get(currency)
        if units is None or type(minor) is not int:
            return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)
        # Whole minor units scaled by the currency's own exponent: exact by construction.
        return _checked(cls, Decimal(minor).scaleb(-units).quantize(_STEPS[units]), currency)

    def to_minor(self) -> int:
        return int(self.amount.scaleb(minor_units(self.currency)))

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        # The sum of two amounts to the same minor unit is one too.
        return _checked(Money, self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return _checked(Money, self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount:,} {self.currency}"


_STEPS = {units: Decimal(1).scaleb(-units) for units in range(5)}


def minor_text(minor: int, units: int, *, grouped: bool = False) -> str:
    """An integer count of minor units as `Money.from_minor(minor, ...).amount` prints it,
    `f"{amount:,}"` with `grouped`, `str(amount)` without: a report prints tens of
    thousands of amounts and need not build a Decimal for each (issue 16)."""
    whole, part = divmod(-minor if minor < 0 else minor, 10 ** units)
    text = f"{whole:,}" if grouped else str(whole)
    if units:
        text = f"{text}.{part:0{units}d}"
    return f"-{text}" if minor < 0 else text


def _checked(cls: type[Money], amount: Decimal, currency: str) -> Money:
    """A Money from an amount and a code that are valid by construction: no checks."""
    money = object.__new__(cls)
    object.__setattr__(money, "amount", amount)
    object.__setattr__(money, "currency", currency)
    return money
