"""Sheet cells finance can compute with: the kind of each column and the one conversion
between what a backend reads or writes (numbers, dates, date serials, text) and the
canonical text the sync compares (numbers plain, dates ISO)."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from decimal import InvalidOperation

# What a column holds, so finance can compute with it: "amount" cells are numbers with two
# decimals and a thousands separator (the currency is its own column), "integer" cells
# whole numbers, "date" cells real dates; everything else is text.
AMOUNT, INTEGER, DATE, TEXT = "amount", "integer", "date", "text"
FIELD_KINDS = {"balance": AMOUNT, "promise_amount": AMOUNT, "days_overdue": INTEGER,
               "score": INTEGER, "oldest_due": DATE, "last_contact": DATE,
               "promise_date": DATE, "snooze_until": DATE}
# The summary tab's columns by position (the hidden key first): owner, accounts, balance,
# its currency, most days overdue, last check. One line per owner and currency.
SUMMARY_KINDS = (TEXT, TEXT, INTEGER, AMOUNT, TEXT, INTEGER, TEXT)
SERIAL_EPOCH = date(1899, 12, 30)  # day 0 of spreadsheet date serials (Excel, Google)
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def kind_of(name: str) -> str:
    return FIELD_KINDS.get(name, TEXT)


def number_text(value: Decimal | int | float) -> str:
    """A number as the hub compares it: plain, no exponent, no trailing zeros (100, 1250.5)."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return f"{number.normalize():f}"


def canonical(value: object, kind: str = TEXT) -> str:
    """A cell as a backend read it (a number, a date, a serial, text) as the hub's text.

    Text stays exactly what was typed (the one amount and date readers in
    hub.domain.parsing read "1.250,50" or "31.12.2026" later); numbers and dates become
    their canonical form, and a number in a date column is a date serial (what Google
    returns for a date cell and what a date typed into a general Excel cell becomes)."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).upper()
    if isinstance(value, datetime) and (value.time() != datetime.min.time() and kind != DATE):
        return value.isoformat(sep=" ")
    if isinstance(value, date):  # a datetime at midnight too
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if isinstance(value, int | float | Decimal):
        if kind == DATE and 0 < float(value) < 2_958_466:  # up to 9999-12-31
            return (SERIAL_EPOCH + timedelta(days=int(value))).isoformat()
        return number_text(value)
    return str(value)


def normal(text: str, kind: str) -> str:
    """Text compared by meaning: a plain machine number in a number column by its value
    ("1250.50" and "1250.5" are the same promise), anything else as it is (stripped)."""
    text = text.strip()
    if kind in (AMOUNT, INTEGER) and _PLAIN_NUMBER.fullmatch(text):
        return number_text(Decimal(text))
    return text


def typed(text: str, kind: str) -> Decimal | int | date | str:
    """What a backend writes for the hub's text: a number or a date where the column holds
    them and the text is one; other text (a person's "next friday") stays text."""
    if kind in (AMOUNT, INTEGER) and _PLAIN_NUMBER.fullmatch(text):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        return int(number) if kind == INTEGER and number == int(number) else number
    if kind == DATE and _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text
