"""Formula-safe cells: the one place every CSV and XLSX the hub writes neutralises text a
spreadsheet program would run as a formula (CSV / formula injection, OWASP).

Text starting with `= + - @`, a tab or a carriage return is:
- in a CSV, written with a leading apostrophe (`'=HYPERLINK(...)`), so Excel and
  LibreOffice show it as text;
- in an XLSX, written as a string cell (data type "s", never "f") with Excel's quote
  prefix, so the text stays exactly what it was and editing it in Excel keeps it text.

Numbers stay numbers: an int, Decimal or float is written as a number, and text that is
a plain decimal number (`-120.50`, as reports print amounts) is left alone in a CSV,
since a number cannot run anything. Pure standard library, so every layer may use it
(the XLSX writers hand their openpyxl cells to `set_cell`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import IO
from typing import Any
from typing import Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
NUMBER_TYPES = (int, float, Decimal)


def is_formula_like(text: str) -> bool:
    """Text a spreadsheet program could run as a formula."""
    return text.startswith(FORMULA_PREFIXES)


def needs_escape(text: str) -> bool:
    """Formula-like text that is not just a plain number."""
    return is_formula_like(text) and _PLAIN_NUMBER.fullmatch(text) is None


def csv_text(value: object) -> str:
    """The CSV text of one value: empty for None, numbers as they are, formula-like text
    behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, NUMBER_TYPES):
        return str(value)
    text = str(value)
    return f"'{text}" if needs_escape(text) else text


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `csv_text`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([csv_text(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


class Cell(Protocol):
    """What `set_cell` needs of a spreadsheet cell (an openpyxl Cell or WriteOnlyCell)."""

    value: Any
    data_type: str
    quotePrefix: bool  # openpyxl's name


def set_cell(cell: Cell, value: object) -> None:
    """Put `value` in an XLSX cell: numbers as numbers, text always as a string cell; a
    formula-like text is marked with Excel's quote prefix."""
    if value is None or value == "":
        cell.value = None
        return
    if isinstance(value, (*NUMBER_TYPES, date)) and not isinstance(value, bool):
        cell.value = value  # dates stay dates
        return
    text = str(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl would make "=..." a formula ("f")
    formula_like = is_formula_like(text)
    if formula_like or cell.quotePrefix:  # a cell rewritten with plain text loses the mark
        cell.quotePrefix = formula_like


def unescape(text: str) -> str:
    """The text `csv_text` escaped, as it was (a rejects file imported again as it is)."""
    return text[1:] if text[:1] == "'" and is_formula_like(text[1:]) else text
