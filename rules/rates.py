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
        return holidays.country_holidays(country)
    except NotImplementedError:
        return None


def is_business_day(country: str | None, day: date) -> bool:
    """Monday to Friday and not a public holiday in the country (weekends only when the
    country is unknown to the holidays package)."""
    if day.weekday() >= 5:
        return False
    calendar = _calendar(country) if country else None
    return calendar is None or day not in calendar
