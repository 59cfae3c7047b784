"""Cell converters: every form of date and amount the presets promise, and the
messages for what they refuse."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest

from sync.sources.converters import FieldError
from sync.sources.converters import amount_parser
from sync.sources.converters import date_parser
from sync.sources.converters import to_bool
from sync.sources.converters import to_country
from sync.sources.converters import to_currency
from sync.sources.converters import to_email
from sync.sources.converters import to_language
from sync.sources.converters import to_text
from sync.sources.converters import to_timezone


@pytest.mark.parametrize(("styles", "text", "expected"), [
    (["iso"], "2026-03-04", date(2026, 3, 4)),
    (["iso"], "2020-04-15 12:25:01.718750000", date(2020, 4, 15)),
    (["day-first"], "04.03.2026", date(2026, 3, 4)),
    (["day-first"], "4/3/26", date(2026, 3, 4)),
    (["month-first"], "3/4/2026", date(2026, 3, 4)),
    (["month-first"], "12/31/2013", date(2013, 12, 31)),
    (["excel"], "46085", date(2026, 3, 4)),
    (["excel"], "46085.75", date(2026, 3, 4)),
    (["%d %b %Y"], "04 Mar 2026", date(2026, 3, 4)),
    (["iso", "day-first"], "04.03.2026", date(2026, 3, 4)),
])
def test_dates_in_each_style(styles: list[str], text: str, expected: date) -> None:
    assert date_parser(styles)(text) == expected


def test_workbook_cells_are_taken_as_they_are() -> None:
    parse = date_parser(["excel"])
    assert parse(datetime(2026, 3, 4, 15, 30, tzinfo=UTC)) == date(2026, 3, 4)
    assert parse(date(2026, 3, 4)) == date(2026, 3, 4)
    assert parse(46085) == date(2026, 3, 4)


@pytest.mark.parametrize(("styles", "text", "message"), [
    (["iso"], "31/12/2026", r"expected iso \(e.g. 2026-12-31\)"),
    (["day-first"], "31.02.2026", "not a date"),
    (["month-first"], "31/12/2026", "expected month-first"),
    (["iso"], "1850-01-01", "out of range"),
    (["excel"], "-3", "not a date"),
])
def test_impossible_dates_are_refused_with_the_expected_form(
        styles: list[str], text: str, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        date_parser(styles)(text)


@pytest.mark.parametrize(("style", "text", "currency", "expected"), [
    ("dot", "1234.5", "EUR", "1234.50"),
    ("dot", "1,234,567.89", "USD", "1234567.89"),
    ("dot", "$1,234.56", "USD", "1234.56"),
    ("dot", "-$12.00", "USD", "-12.00"),
    ("dot", "(12.00)", "USD", "-12.00"),
    ("dot", "38.0", "USD", "38.00"),
    ("comma", "1.234,56", "EUR", "1234.56"),
    ("comma", "1 234,56", "EUR", "1234.56"),
    ("comma", "1.234,56-", "EUR", "-1234.56"),
    ("comma", "12", "EUR", "12.00"),
    ("auto", "1.234,56-", "EUR", "-1234.56"),
    ("auto", "1,234.56", "EUR", "1234.56"),
    ("auto", "12,5", "EUR", "12.50"),
    ("auto", "1.234.567", "JPY", "1234567"),
    ("dot", "1'234.50", "CHF", "1234.50"),
    ("dot", "1500", "JPY", "1500"),
])
def test_amounts_in_each_style(style: str, text: str, currency: str, expected: str) -> None:
    value = amount_parser(style)(text, currency)
    assert value == Decimal(expected)
    assert str(value) == expected  # quantised to the currency's minor unit


@pytest.mark.parametrize(("style", "text", "currency", "message"), [
    ("dot", "12.345", "EUR", "more decimals than EUR allows"),
    ("dot", "1,5", "EUR", "not an amount"),
    ("comma", "12.50", "EUR", "not an amount"),
    ("dot", "12.5", "JPY", "more decimals than JPY allows"),
    ("auto", "1,234", "EUR", "ambiguous"),
    ("dot", "abc", "EUR", "not an amount"),
    ("dot", "NaN", "EUR", "not an amount"),
    ("dot", "1e5", "EUR", "not an amount"),
])
def test_wrong_amounts_are_refused(style: str, text: str, currency: str, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        amount_parser(style)(text, currency)


def test_binary_floats_from_workbooks_are_rounded_to_the_cent() -> None:
    parse = amount_parser("dot")
    assert parse(0.1 + 0.2, "EUR") == Decimal("0.30")
    assert parse(2309.7899999999995, "USD") == Decimal("2309.79")
    assert parse(1500, "JPY") == Decimal(1500)


def test_booleans() -> None:
    assert [to_bool(v) for v in ("yes", "No", "TRUE", "false", "1", "0", True)] == \
        [True, False, True, False, True, False, True]
    with pytest.raises(FieldError, match="not yes/no"):
        to_bool("maybe")


def test_codes_are_normalised_or_refused() -> None:
    assert to_currency(" eur") == "EUR"
    assert to_country("nl") == "NL"
    assert to_language("PT_br") == "pt-br"
    assert to_timezone("Europe/Amsterdam") == "Europe/Amsterdam"
    assert to_email("ap@example.com") == "ap@example.com"
    assert to_text(1234.0) == "1234"
    for convert, value, message in ((to_currency, "EURO", "ISO 4217"),
                                    (to_country, "Holland", "ISO 3166"),
                                    (to_timezone, "CET+1", "IANA"),
                                    (to_language, "nl nl", "language tag"),
                                    (to_email, "ap at example", "e-mail")):
        with pytest.raises(FieldError, match=message):
            convert(value)
