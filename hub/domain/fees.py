"""Late-payment money: statutory interest, fixed compensation and limitation periods.

Pure arithmetic over dated reference-rate tables (the tables themselves are data files
read by rules/). Figures from the research notes (anchors.md section 5):

- EU 2011/7/EU: reference rate + 8 points, EUR 40 once per late invoice (B2B only).
- DE section 288 BGB: base rate + 9 points B2B, + 5 points consumer; EUR 40 B2B only.
- UK Late Payment Act 1998: base rate + 8 points; GBP 40 / 70 / 100 by debt size (B2B only).
- Limitation: DE 3 years from the end of the year the claim fell due; UK 6 years.

Interest is simple daily interest on an actual/365 basis, from the day after the due date,
split at each reference-rate change and rounded once at the end (half up).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum

from hub.domain.money import Money

DAYS_IN_YEAR = Decimal(365)


class Scheme(StrEnum):
    EU = "eu"
    DE = "de"
    UK = "uk"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class RatePeriod:
    starts: date
    percent: Decimal  # a year


@dataclass(frozen=True, slots=True)
class RateTable:
    """A dated table of reference rates: each rate holds from its date to the next one."""

    name: str
    periods: tuple[RatePeriod, ...]  # sorted by start

    def __post_init__(self) -> None:
        starts = [p.starts for p in self.periods]
        if not starts or starts != sorted(set(starts)):
            raise ValueError(f"rate table {self.name}: dates must be unique and ascending")

    def percent_on(self, day: date) -> Decimal:
        index = bisect_right([p.starts for p in self.periods], day) - 1
        if index < 0:
            raise ValueError(f"rate table {self.name} has no rate for {day} "
                             f"(it starts {self.periods[0].starts})")
        return self.periods[index].percent

    @property
    def last_start(self) -> date:
        return self.periods[-1].starts


@dataclass(frozen=True, slots=True)
class InterestSegment:
    start: date  # first day of interest in this segment
    end: date  # last day, inclusive
    days: int
    percent: Decimal  # a year, margin included


@dataclass(frozen=True, slots=True)
class Interest:
    amount: Money
    segments: tuple[InterestSegment, ...]


def simple_interest(principal: Money, percent_a_year: Decimal, days: int) -> Money:
    """`principal` at `percent_a_year` for `days` days (actual/365), rounded half up.

    simple_interest(100.00 EUR, 10, 15) == 0.41 EUR."""
    raw = principal.amount * percent_a_year / 100 * days / DAYS_IN_YEAR
    return Money.of(raw, principal.currency)


def interest_between(principal: Money, *, after: date, until: date, margin: Decimal,
                     table: RateTable | None = None,
                     fixed_percent: Decimal | None = None) -> Interest:
    """Interest for the days after `after` up to and including `until`.

    With a table: each day at that day's reference rate plus `margin`; otherwise at
    `fixed_percent` (a contractual rate)."""
    if until <= after or principal.amount <= 0:
        return Interest(Money.zero(principal.currency), ())
    starts = [after + timedelta(days=1)]
    if table is not None:
        starts += [p.starts for p in table.periods if starts[0] < p.starts <= until]
    segments = []
    raw = Decimal(0)
    for index, start in enumerate(starts):
        end = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else until
        base = table.percent_on(start) if table is not None else Decimal(fixed_percent or 0)
        percent = base + margin if table is not None else base
        days = (end - start).days + 1
        raw += principal.amount * percent / 100 * days / DAYS_IN_YEAR
        segments.append(InterestSegment(start, end, days, percent))
    return Interest(Money.of(raw, principal.currency), tuple(segments))


def statutory_margin(scheme: Scheme, kind: str) -> Decimal | None:
    """Points over the reference rate, or None when the scheme gives no statutory interest."""
    business = kind == "B2B"
    if scheme is Scheme.DE:
        return Decimal(9) if business else Decimal(5)
    if scheme in (Scheme.EU, Scheme.UK) and business:
        return Decimal(8)
    return None


UK_BANDS: Sequence[tuple[Decimal, Decimal]] = (
    (Decimal("1000"), Decimal(40)), (Decimal("10000"), Decimal(70)))


def fixed_compensation(scheme: Scheme, kind: str, debt: Money) -> Money | None:
    """The fixed sum for one late invoice, or None when the scheme gives none.

    Charged once per invoice, never per reminder (the caller checks fees already charged).
    Only in the scheme's own currency: other currencies get none rather than a guess."""
    if kind != "B2B":
        return None
    if scheme in (Scheme.EU, Scheme.DE):
        return Money(Decimal(40), "EUR") if debt.currency == "EUR" else None
    if scheme is Scheme.UK and debt.currency == "GBP":
        for ceiling, fee in UK_BANDS:
            if debt.amount < ceiling:
                return Money(fee, "GBP")
        return Money(Decimal(100), "GBP")
    return None


def limitation_expiry(scheme: Scheme, due_date: date) -> date | None:
    """Last day a claim can be enforced: DE 31 December three years after the year it fell
    due (sections 195, 199 BGB); UK six years after it fell due (Limitation Act 1980 s.5)."""
    if scheme is Scheme.DE:
        return date(due_date.year + 3, 12, 31)
    if scheme is Scheme.UK:
        try:
            return due_date.replace(year=due_date.year + 6)
        except ValueError:  # 29 February
            return date(due_date.year + 6, 2, 28)
    return None
