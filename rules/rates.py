"""Reference-rate tables (dated data files shipped in rules/data, extended by finance's own
files in a rates folder without a code change) and business-day calendars."""

from __future__ import annotations

import csv
from datetime import date
from datetime import timedelta
from decimal import Decimal
from functools import cache
from functools import lru_cache
from pathlib import Path

import holidays

from hub.domain.fees import RatePeriod
from hub.domain.fees import RateTable
from hub.domain.fees import Scheme

DATA_DIR = Path(__file__).resolve().parent / "data"
TABLE_FILES = {Scheme.EU: "ecb.csv", Scheme.DE: "de_basiszins.csv", Scheme.UK: "boe.csv"}
STALE_AFTER = timedelta(days=190)  # a half-year plus a little


class RateFileError(ValueError):
    """A rates file finance keeps that cannot be read; the message names file and line."""


def _read(path: Path) -> dict[date, Decimal]:
    """valid_from,percent rows; `#` lines are comments. Raises RateFileError."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RateFileError(f"{path}: cannot be read ({exc})") from None
    numbered = [(number, line) for number, line in enumerate(lines, start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        return {}
    header = [cell.strip() for cell in numbered[0][1].split(",")]
    if header != ["valid_from", "percent"]:
        raise RateFileError(f"{path} line {numbered[0][0]}: the first row must be "
                            f"valid_from,percent, got {numbered[0][1].strip()!r}")
    rates: dict[date, Decimal] = {}
    for number, line in numbered[1:]:
        cells = next(csv.reader([line]))
        try:
            day, percent = date.fromisoformat(cells[0].strip()), Decimal(cells[1].strip())
        except (ValueError, IndexError, ArithmeticError):
            raise RateFileError(f"{path} line {number}: expected a date (2026-07-01) and a "
                                f"percent (2.15), got {line.strip()!r}") from None
        if len(cells) != 2 or not percent.is_finite() or abs(percent) >= 100:
            raise RateFileError(f"{path} line {number}: expected a date and a percent a "
                                f"year, got {line.strip()!r}")
        if day in rates:
            raise RateFileError(f"{path} line {number}: {day} is given twice")
        rates[day] = percent
    return rates


def rate_table(scheme: Scheme, folder: Path | None = None) -> RateTable | None:
    """The shipped table of `scheme`, merged with the same-named file in `folder` (finance's
    rates folder, `fees: rates_folder:` in the rule file): its rows add half-years and
    replace shipped rows of the same date. Raises RateFileError for a broken file."""
    name = TABLE_FILES.get(scheme)
    if name is None:
        return None
    extra = None if folder is None else folder / name
    stamp = None
    if extra is not None and extra.is_file():
        stat = extra.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    return _merged(name, extra if stamp else None, stamp)


@cache
def _merged(name: str, extra: Path | None, _stamp: tuple[int, int] | None) -> RateTable:
    rates = _read(DATA_DIR / name)
    if extra is not None:
        rates.update(_read(extra))
    periods = tuple(RatePeriod(day, rates[day]) for day in sorted(rates))
    return RateTable(name if extra is None else f"{name} + {extra}", periods)


def folder_problems(folder: Path) -> list[str]:
    """What is wrong with a rates folder: missing, or a file that cannot be read."""
    if not folder.is_dir():
        return [f"the rates folder {folder} does not exist"]
    problems = []
    for scheme in TABLE_FILES:
        try:
            rate_table(scheme, folder)
        except RateFileError as exc:
            problems.append(str(exc))
    return problems


def stale_tables(schemes: set[Scheme], today: date, folder: Path | None = None) -> list[str]:
    """Warnings for tables whose last rate is older than a half-year."""
    warnings = []
    for scheme in sorted(schemes):
        try:
            table = rate_table(scheme, folder)
        except RateFileError:
            continue  # folder_problems reports it
        if table is not None and today - table.last_start > STALE_AFTER:
            warnings.append(f"the {scheme.value.upper()} reference-rate table ({table.name}) "
                            f"ends with the rate from {table.last_start}; add the rate for "
                            f"the current half-year to a file {TABLE_FILES[scheme]} in the "
                            f"rates folder (interest uses the last one)")
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


@lru_cache(maxsize=8192)  # asked for every account the cycle evaluates, about a few days
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
