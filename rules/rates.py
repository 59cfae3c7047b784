"""Reference-rate tables (dated data files in rules/data) and business-day calendars."""

from __future__ import annotations

import csv
from datetime import date
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import holidays

from hub.domain.fees import RatePeriod
from hub.domain.fees import RateTable
from hub.domain.fees import Scheme

DATA_DIR = Path(__file__).resolve().parent / "data"
TABLE_FILES = {Scheme.EU: "ecb.csv", Scheme.DE: "de_basiszins.csv", Scheme.UK: "boe.csv"}
STALE_AFTER = timedelta(days=190)  # a half-year plus a little


@cache
def rate_table(scheme: Scheme) -> RateTable | None:
    name = TABLE_FILES.get(scheme)
    if name is None:
        return None
    path = DATA_DIR / name
    with path.open(encoding="utf-8") as handle:
        rows = [line for line in handle if line.strip() and not line.startswith("#")]
    periods = tuple(RatePeriod(date.fromisoformat(row["valid_from"]), Decimal(row["percent"]))
                    for row in csv.DictReader(rows))
    return RateTable(name, periods)


def stale_tables(schemes: set[Scheme], today: date) -> list[str]:
    """Warnings for tables whose last rate is older than a half-year."""
    warnings = []
    for scheme in sorted(schemes):
        table = rate_table(scheme)
        if table is not None and today - table.last_start > STALE_AFTER:
            warnings.append(f"the {scheme.value.upper()} reference-rate table (rules/data/"
                            f"{table.name}) ends with the rate from {table.last_start}; add the "
                            f"rate for the current half-year (interest uses the last one)")
    return warnings


@cache
def _calendar(country: str) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        return None


SATURDAY_SUNDAY = frozenset({5, 6})


def weekend(country: str | None) -> frozenset[int]:
    """The country's rest days as date.weekday() numbers, from the holidays package
    (Friday-Saturday in Israel and Saudi Arabia); Saturday-Sunday when it is unknown."""
    calendar = _calendar(country) if country else None
    return frozenset(calendar.weekend) if calendar is not None else SATURDAY_SUNDAY


def is_business_day(country: str | None, day: date) -> bool:
    """Not on the country's weekend and not one of its public holidays (only the
    Saturday-Sunday weekend when the country is unknown to the holidays package)."""
    calendar = _calendar(country) if country else None
    if day.weekday() in (calendar.weekend if calendar is not None else SATURDAY_SUNDAY):
        return False
    return calendar is None or day not in calendar


def next_business_day(country: str | None, after: date) -> date:
    """The first business day in the country after `after` (at most a month ahead)."""
    day = after + timedelta(days=1)
    for _ in range(31):
        if is_business_day(country, day):
            return day
        day += timedelta(days=1)
    return after + timedelta(days=1)
