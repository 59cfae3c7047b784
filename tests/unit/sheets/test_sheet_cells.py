"""The one conversion between sheet cells and the hub's text: what a backend reads (a
number, a date, a serial, text) compares equal to what the hub wrote, and what a person
typed as text stays exactly that for the amount and date readers."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.domain.sheet_cells import AMOUNT
from hub.domain.sheet_cells import DATE
from hub.domain.sheet_cells import INTEGER
from hub.domain.sheet_cells import TEXT
from hub.domain.sheet_cells import canonical
from hub.domain.sheet_cells import normal
from hub.domain.sheet_cells import number_text
from hub.domain.sheet_cells import typed
from sync.sheets.layout import load_layout


@pytest.mark.parametrize(("value", "kind", "text"), [
    (126695.44, AMOUNT, "126695.44"),  # openpyxl / Google give floats
    (100, AMOUNT, "100"),
    (100.0, AMOUNT, "100"),
    (Decimal("100.00"), AMOUNT, "100"),
    (46387, DATE, "2026-12-31"),  # a Google date serial
    (datetime(2026, 12, 31), DATE, "2026-12-31"),  # noqa: DTZ001 (Excel dates are naive)
    (date(2026, 12, 31), TEXT, "2026-12-31"),
    (34, INTEGER, "34"),
    ("1.250,50", AMOUNT, "1.250,50"),  # text typed the Dutch way: left for the parser
    ("31.12.2026", DATE, "31.12.2026"),
    ("+31 6 1234", TEXT, "+31 6 1234"),
    (None, AMOUNT, ""),
])
def test_cells_read_back_as_the_hubs_text(value: object, kind: str, text: str) -> None:
    assert canonical(value, kind) == text


def test_written_values_read_back_as_what_was_written() -> None:
    for text, kind in (("126695.44", AMOUNT), ("100", AMOUNT), ("2026-12-31", DATE),
                       ("34", INTEGER), ("next friday", DATE), ("", AMOUNT)):
        cell = typed(text, kind)
        if isinstance(cell, Decimal):
            cell = float(cell)  # what a spreadsheet stores
        assert canonical(cell, kind) == text
    assert typed("2026-02-30", DATE) == "2026-02-30"  # not a date: stays text
    assert isinstance(typed("1250.50", AMOUNT), Decimal)


def test_a_number_is_the_same_number_however_it_is_written() -> None:
    assert normal("1250.50", AMOUNT) == normal("1250.5", AMOUNT) == number_text(1250.5)
    assert normal("1.250,50", AMOUNT) == "1.250,50"  # not a machine number: as typed
    assert normal("007", TEXT) == "007"


def test_a_layout_with_balance_but_no_currency_gets_the_currency_beside_it(
        tmp_path: Path) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text("columns:\n  - customer\n  - balance\n  - status\n", encoding="utf-8")

    layout = load_layout(path, language="nl")

    assert layout.fields == ("key", "customer", "balance", "currency", "status")
    assert layout.headers[3] == "Valuta"
