"""The formula-safe cell writer every CSV and XLSX of the hub goes through."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from openpyxl import load_workbook

from hub.domain.cells import SafeCsvWriter
from hub.domain.cells import csv_text
from hub.domain.cells import set_cell
from hub.domain.cells import unescape

HOSTILE = ["=1+2", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x","y")']


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_an_apostrophe_and_comes_back(text: str) -> None:
    assert csv_text(text) == f"'{text}"
    assert unescape(csv_text(text)) == text


@pytest.mark.parametrize("value", [Decimal("-1250.00"), -3, "-1250.00", "+12", "1e5", 2.5])
def test_numbers_stay_numbers(value: object) -> None:
    assert csv_text(value) == str(value)


def test_plain_text_and_empty_cells_are_left_alone() -> None:
    assert [csv_text(v) for v in ("ACME B.V. (=owner)", "", None, "'quoted")] == \
        ["ACME B.V. (=owner)", "", "", "'quoted"]
    assert unescape("'quoted") == "'quoted"  # only the hub's own escape is taken off


def test_the_csv_writer_escapes_every_cell() -> None:
    buffer = io.StringIO()
    SafeCsvWriter(buffer, lineterminator="\n").writerow(["=1+2", Decimal("-5.00"), "ok"])
    assert buffer.getvalue() == "'=1+2,-5.00,ok\n"


def test_xlsx_cells_are_text_never_formulas_and_numbers_stay_numbers() -> None:
    book = Workbook()
    sheet = book.active
    values = [*HOSTILE, Decimal("-1250.00"), -3, date(2026, 11, 23), "plain", None]
    for column, value in enumerate(values, start=1):
        set_cell(sheet.cell(row=1, column=column), value)
    set_cell(sheet.cell(row=2, column=1), "=1+2")
    set_cell(sheet.cell(row=2, column=1), "now plain")  # rewritten: the quote mark goes
    buffer = io.BytesIO()
    book.save(buffer)
    cells = load_workbook(io.BytesIO(buffer.getvalue())).active
    row = next(iter(cells.iter_rows(min_row=1, max_row=1)))
    for cell, text in zip(row, HOSTILE, strict=False):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert [c.data_type for c in row[len(HOSTILE):len(HOSTILE) + 3]] == ["n", "n", "d"]
    assert row[len(HOSTILE)].value == -1250
    assert (row[len(HOSTILE) + 3].value, row[len(HOSTILE) + 3].quotePrefix) == ("plain", False)
    assert (cells["A2"].value, cells["A2"].quotePrefix) == ("now plain", False)
