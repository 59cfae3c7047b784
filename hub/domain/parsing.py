"""Amounts and dates the way people type them: the one reader for every surface.

The staff forms, the debtor portal, the sheet read-back and the API all read what a
person typed through `parse_amount` and `parse_date`, so "150,50" means 150.50 wherever
it is typed. Both writing conventions are understood in every language ("1.234,56" and
"1,234.56" are the same amount), because people copy amounts from bank statements and
e-mails written in the other one. What could mean two things is refused rather than
guessed: "1,234" or "1.234" (a thousand and more, or one and a bit?) and "03/04/2026" in
English (3 April or 4 March?). The refusal carries a message in the reader's language
with an example written their way (`ParseError.message`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from babel.numbers import format_decimal

from hub.domain.money import Money
from hub.i18n import N_
from hub.i18n import gettext_for

LANGUAGES: tuple[str, ...] = ("en", "nl", "de", "pl", "es")

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")  # spaces and apostrophes group digits
_EDGES = re.compile(r"^(?:[A-Za-z\u0142$\u20ac\u00a3\u00a5]{1,3}\.?)?(.*?)"
                    r"(?:[A-Za-z\u0142$\u20ac\u00a3\u00a5]{1,3}\.?)?$")
_NUMBER = re.compile(r"[+-]?[\d.,]+")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+|0")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.+\-Z ]*)?")
_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})")

# key: the English msgid (hub.i18n catalogues hold every language)
_TEXTS: dict[str, str] = {
    "amount_empty": N_("Enter an amount, such as %(example)s."),
    "amount_invalid": N_("%(text)s is not an amount; write it like %(example)s."),
    "amount_ambiguous": N_("%(text)s can be read two ways; write it with the cents, like "
                           "%(whole)s."),
    "date_empty": N_("Enter a date, such as %(example)s."),
    "date_invalid": N_("%(text)s is not a date; write it like %(example)s."),
    "date_ambiguous": N_("%(text)s can be read two ways; write it like %(example)s."),
}


@dataclass
class ParseError(ValueError):
    """What the person typed, why it was refused, and how to say so in their language."""

    key: str  # amount_empty | amount_invalid | amount_ambiguous | date_*
    text: str
    values: dict[str, str]

    def message(self, language: str) -> str:
        return gettext_for(language, _TEXTS[self.key], text=f"“{self.text}”", **self.values)

    def __str__(self) -> str:
        return self.message("en")


def language_of(locale: str | None) -> str:
    """"nl_BE", "de-AT", "PL" -> one of LANGUAGES; anything else reads as English."""
    primary = (locale or "").replace("-", "_").split("_")[0].lower()
    return primary if primary in LANGUAGES else "en"


def format_amount(amount: Decimal, language: str) -> str:
    """An amount written the reader's way, without currency: "1.234,56" in Dutch."""
    places = max(0, -int(amount.as_tuple().exponent))
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(amount, format=pattern, locale=language_of(language),
                              group_separator=True)).replace("\u00a0", " ")


def _example(language: str) -> str:
    return format_amount(Decimal("1250.00"), language)


def parse_amount(raw: str | None, language: str) -> Decimal:
    """The amount in `raw`, typed in either convention, with an optional currency code or
    sign around it. Empty, not a number, or readable two ways: ParseError."""
    language = language_of(language)
    text = (raw or "").strip()
    if not text:
        raise ParseError("amount_empty", text, {"example": _example(language)})
    body = _SPACES.sub(" ", text)
    edges = _EDGES.fullmatch(body)
    core = (edges.group(1) if edges else body).strip()
    grouped_by_space = " " in core
    compact = core.replace(" ", "")
    if grouped_by_space and not re.fullmatch(r"[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?", core):
        raise ParseError("amount_invalid", text, {"example": _example(language)})
    if not _NUMBER.fullmatch(compact):
        raise ParseError("amount_invalid", text, {"example": _example(language)})
    sign = "-" if compact.startswith("-") else ""
    digits = compact.lstrip("+-")
    normal = _normalise(digits, text, language)
    try:
        value = Decimal(sign + normal)
    except InvalidOperation:
        raise ParseError("amount_invalid", text, {"example": _example(language)}) from None
    if not value.is_finite():
        raise ParseError("amount_invalid", text, {"example": _example(language)})
    return value


def _normalise(digits: str, text: str, language: str) -> str:
    """`digits` with "." as the decimal mark and no grouping."""
    invalid = ParseError("amount_invalid", text, {"example": _example(language)})
    marks = [c for c in digits if c in ".,"]
    if not marks:
        return digits
    last = max(digits.rfind("."), digits.rfind(","))
    head, tail = digits[:last], digits[last + 1:]
    if not tail.isdigit():
        raise invalid
    if len(set(marks)) == 2 or (marks.count(marks[-1]) == 1 and len(tail) != 3):
        # the last mark is the decimal one; whatever comes before it groups thousands
        if marks[-1] in head or (head and not _GROUPED.fullmatch(head)
                                 and not head.isdigit()):
            raise invalid
        return f"{head.replace('.', '').replace(',', '') or '0'}.{tail}"
    if len(marks) > 1:  # the same mark several times: thousands, "1.234.567"
        if not _GROUPED.fullmatch(digits):
            raise invalid
        return digits.replace(marks[0], "")
    if not 1 <= len(head) <= 3 or head.startswith("0"):  # "0,125", "1234,567": no group
        return f"{head or '0'}.{tail}"
    whole = Decimal(head + tail + ".00")
    raise ParseError("amount_ambiguous", text, {"whole": format_amount(whole, language)})


def parse_money(raw: str | None, currency: str, language: str) -> Money:
    """`parse_amount` in `currency`, refusing more decimals than the currency has (a
    typed "150,505" is a mistake, not something to round away)."""
    value = parse_amount(raw, language)
    try:
        return Money(value, currency)
    except ValueError:
        raise ParseError("amount_invalid", (raw or "").strip(),
                         {"example": _example(language_of(language))}) from None


def _date_example(language: str) -> str:
    return "2026-12-31" if language == "en" else "31-12-2026"


def parse_date(raw: str | None, language: str) -> date:
    """A calendar date: 2026-12-31 everywhere; 31-12-2026, 31.12.2026 and 31/12/2026 day
    first (in English a slash date whose day and month could swap is refused). A sheet's
    "2026-12-31 00:00:00" is that day."""
    language = language_of(language)
    text = (raw or "").strip()
    example = _date_example(language)
    if not text:
        raise ParseError("date_empty", text, {"example": example})
    iso = _ISO.fullmatch(text)
    try:
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            return date(year, month, day)
        local = _DAY_FIRST.fullmatch(text)
        if local:
            day, separator, month, year = (int(local.group(1)), local.group(2),
                                           int(local.group(3)), int(local.group(4)))
            if language == "en" and separator == "/" and day <= 12 and day != month:
                if month <= 12:
                    raise ParseError("date_ambiguous", text, {"example": "2026-12-31"})
                day, month = month, day  # 12/31/2026: only month first makes a date
            return date(year, month, day)
    except ValueError as exc:
        if isinstance(exc, ParseError):
            raise
    raise ParseError("date_invalid", text, {"example": example})
