"""Cell converters: text (or a typed XLSX cell) to dates, amounts, booleans, codes.

Each converter is built once per column from the mapping's settings and then
called for every row, so the per-row work is a fast path plus a fallback. They
raise FieldError with a message that names the value and the expected form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation
from functools import cache
from functools import lru_cache
from zoneinfo import available_timezones

from hub.domain.countries import COUNTRY_CODES
from hub.domain.currency import UnknownCurrency
from hub.domain.currency import minor_units
from hub.domain.currency import normalise_currency
from hub.domain.model import CustomerKind


class FieldError(ValueError):
    """One cell that cannot be read as its field's type."""


DateParser = Callable[[object], date]

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 date system)
_DMY = re.compile(r"(\d{1,2})[./\-](\d{1,2})[./\-](\d{4}|\d{2})")
_EXAMPLES = {"iso": "2026-12-31", "day-first": "31.12.2026", "month-first": "12/31/2026",
             "excel": "46022"}
DATE_STYLES = frozenset(_EXAMPLES)


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        if len(text) > 10 and text[10] in "T ":  # a timestamp: keep the day
            return date.fromisoformat(text[:10])
        raise


def _numeric(text: str, day_first: bool) -> date:
    match = _DMY.fullmatch(text)
    if match is None:
        raise ValueError(text)
    first, second, year = (int(part) for part in match.groups())
    if len(match.group(3)) == 2:
        year += 2000
    return date(year, second, first) if day_first else date(year, first, second)


def _excel(text: str) -> date:
    serial = float(text)
    if not 1 <= serial < 2958466:  # up to 9999-12-31
        raise ValueError(text)
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _pattern(fmt: str) -> Callable[[str], date]:
    def parse(text: str) -> date:
        return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar day, no time
    return parse


def _style_parser(style: str) -> Callable[[str], date]:
    if style == "iso":
        return _iso
    if style == "day-first":
        return lambda text: _numeric(text, day_first=True)
    if style == "month-first":
        return lambda text: _numeric(text, day_first=False)
    if style == "excel":
        return _excel
    return _pattern(style)


def date_parser(styles: Sequence[str]) -> DateParser:
    """Try each style in order; XLSX date cells are taken as they are."""
    parsers = [_style_parser(style) for style in styles]
    allow_serial = "excel" in styles
    expected = " or ".join(f"{s} (e.g. {_EXAMPLES[s]})" if s in _EXAMPLES else repr(s)
                           for s in styles)

    iso_first = styles[0] == "iso" if styles else False

    def parse(value: object) -> date:
        if type(value) is str:
            if iso_first:  # the common case, 2026-12-31, without the loop below
                try:
                    day = date.fromisoformat(value)
                except ValueError:
                    pass
                else:
                    if 1900 <= day.year <= 2199:
                        return day
            text = value
        elif isinstance(value, datetime):
            return value.date()
        elif isinstance(value, date):
            return value
        elif isinstance(value, int | float) and not isinstance(value, bool) and allow_serial:
            text = str(value)
        else:
            text = str(value).strip()
        for parser in parsers:
            try:
                day = parser(text)
            except ValueError:
                continue
            if not 1900 <= day.year <= 2199:
                raise FieldError(f"{text!r} is out of range (year {day.year})")
            return day
        raise FieldError(f"{text!r} is not a date; expected {expected}")

    return parse


# Amounts ---------------------------------------------------------------------------------

# Fast paths: numbers that can only mean one thing in each style.
_PLAIN = {
    "dot": re.compile(r"-?\d+(?:\.\d+)?"),
    "comma": re.compile(r"-?\d+"),
    "auto": re.compile(r"-?\d+(?:\.(?:\d{1,2}|\d{4,}))?"),
}
_SYMBOLS = "$€£¥₹₽₩₺₴₪"
_SPACES = (" ", "\u00a0", "\u202f", "'")
_GROUPED = {
    ".": re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"),
    ",": re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"),
}
DECIMAL_STYLES = frozenset({"dot", "comma", "auto"})


def plain_amount_pattern(style: str) -> re.Pattern[str]:
    """Amounts that can only mean one thing in `style`, read by Decimal() as they are."""
    return _PLAIN[style]


def _split_sign(text: str) -> tuple[bool, str]:
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.endswith("-"):  # SAP writes 1.234,56-
        negative, text = True, text[:-1].strip()
    elif text.startswith(("-", "+")):
        negative, text = text[0] == "-", text[1:].strip()
    text = text.strip(_SYMBOLS).strip()
    if text.startswith(("-", "+")):  # -$12.00 and $-12.00
        negative, text = text[0] == "-", text[1:].strip()
    return negative, text


def _guess_separator(text: str, units: int | None = None) -> str:
    """Decimal separator of a number written with '.', ',' or both (style auto).

    `units`: the currency's decimals. A currency without minor units (JPY, KRW, ISK,
    CLP, ...) settles `150.000` or `150,000`: a mark there can only group thousands."""
    dot, comma = text.rfind("."), text.rfind(",")
    if dot >= 0 and comma >= 0:
        return "." if dot > comma else ","
    mark = "." if dot >= 0 else ","
    position = max(dot, comma)
    if position < 0:
        return "."
    if text.count(mark) == 1 and len(text) - position - 1 != 3:
        return mark
    if text.count(mark) > 1 or units == 0:
        return "," if mark == "." else "."
    raise FieldError(f"{text!r} is ambiguous: is {mark!r} the decimal separator or a "
                     "thousands separator? Set decimal: dot or decimal: comma in a mapping")


def _text_to_decimal(text: str, style: str, plain: re.Pattern[str],
                     units: int | None = None) -> Decimal:
    if plain.fullmatch(text):
        return Decimal(text)
    negative, body = _split_sign(text.strip())
    for space in _SPACES:
        body = body.replace(space, "")
    separator = {"dot": ".", "comma": ","}.get(style) or _guess_separator(body, units)
    if not _GROUPED[separator].fullmatch(body):
        raise FieldError(f"{text!r} is not an amount"
                         f" (decimal {'comma' if separator == ',' else 'dot'} expected)")
    thousands = "," if separator == "." else "."
    number = Decimal(body.replace(thousands, "").replace(",", "."))
    return -number if negative else number


@cache
def _units(currency: str) -> int:
    return minor_units(currency)


@cache
def currency_step(currency: str) -> Decimal:
    """The currency's minor unit as a Decimal (0.01 for EUR)."""
    return Decimal(1).scaleb(-minor_units(currency))


def amount_parser(style: str) -> Callable[[object, str], Decimal]:
    """Parse an amount and check it against the currency's minor unit.

    Text with more decimals than the currency allows is refused (12.345 EUR usually
    means the decimal style is wrong); binary floats from XLSX cells are rounded.
    """

    plain = _PLAIN[style]

    def parse(value: object, currency: str) -> Decimal:
        if type(value) is str and plain.fullmatch(value):
            # The common case, a plain number with as many decimals as the currency
            # has (12.30 EUR): already exact, so quantize and its check are skipped.
            point = value.find(".")
            if (len(value) - point - 1 if point >= 0 else 0) == _units(currency):
                return Decimal(value)
        step = currency_step(currency)
        if type(value) is str:
            try:
                number = _text_to_decimal(value, style, plain, _units(currency))
            except InvalidOperation:
                raise FieldError(f"{value!r} is not an amount") from None
        elif isinstance(value, bool):
            raise FieldError(f"{value!r} is not an amount")
        elif isinstance(value, float):
            return Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP)
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        else:
            raise FieldError(f"{value!r} is not an amount")
        quantised = number.quantize(step)
        if quantised != number:
            raise FieldError(f"{value!r} has more decimals than {currency} allows "
                             f"({minor_units(currency)}); check the decimal separator")
        return quantised

    return parse


# Small typed values ----------------------------------------------------------------------

_BOOLEANS = {**dict.fromkeys(("yes", "y", "true", "t", "1", "x"), True),
             **dict.fromkeys(("no", "n", "false", "f", "0"), False)}


def to_bool(value: object) -> bool:
    answer = _BOOLEANS.get(value) if type(value) is str else None
    if answer is not None:
        return answer
    if isinstance(value, bool):
        return value
    answer = _BOOLEANS.get(str(value).strip().lower())
    if answer is not None:
        return answer
    raise FieldError(f"{value!r} is not yes/no (expected yes, no, true, false, 1 or 0)")


def to_currency(value: object) -> str:
    try:
        return _currency(str(value))
    except UnknownCurrency:
        raise FieldError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR)") from None


# A file names a handful of currencies, on every row: remember the answers.
_currency = lru_cache(maxsize=256)(normalise_currency)


def to_kind(value: object) -> CustomerKind:
    text = str(value).strip().upper()
    if text in ("B2B", "BUSINESS"):
        return CustomerKind.BUSINESS
    if text in ("B2C", "CONSUMER"):
        return CustomerKind.CONSUMER
    raise FieldError(f"{value!r} is not a customer kind (expected B2B or B2C)")


def to_country(value: object) -> str:
    text = str(value).strip().upper()
    if text not in COUNTRY_CODES:
        raise FieldError(f"{value!r} is not an ISO 3166 two-letter country code (e.g. NL)")
    return text


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def to_timezone(value: object) -> str:
    text = str(value).strip()
    if text not in _zones():
        raise FieldError(f"{value!r} is not an IANA time zone (e.g. Europe/Amsterdam)")
    return text


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def to_language(value: object) -> str:
    text = str(value).strip()
    if not _LANGUAGE.fullmatch(text):
        raise FieldError(f"{value!r} is not a language tag (e.g. nl or pt-BR)")
    primary, _, rest = text.replace("_", "-").partition("-")
    return primary.lower() + (f"-{rest}" if rest else "")


def to_email(value: object) -> str:
    text = str(value).strip()
    if not _EMAIL.fullmatch(text):
        raise FieldError(f"{value!r} is not an e-mail address")
    return text


def to_text(value: object) -> str:
    """Cell as text; whole numbers from XLSX lose the '.0' Excel gives them."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()
