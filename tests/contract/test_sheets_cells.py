"""Sheets finance can compute with, on every backend (XLSX, the Google Sheets fake, the
Smartsheet fake, through the real client libraries): number and date cells with number
formats, the currency and the phone number in their own columns, a filter on the header
row; what a collector types (a number, a localized number, a date) read back correctly; and
a sheet written by the older text layout read, then migrated, without losing an edit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.domain.sheets import SheetLayout
from hub.domain.worklist import WorklistRow
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import promises
from hub.services.sheets import rows as sheets_rows
from hub.services.sheets import sync as sheets_service
from tests.builders import add_contact
from tests.contract.conftest import ANN
from tests.contract.conftest import BOOK
from tests.contract.conftest import Rig
from tests.contract.conftest import sqlite_copy


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    return sqlite_copy(tmp_path, sqlite_template)


def _promises(rig: Rig, code: str) -> list[tuple[int, date]]:
    with rig.hub.engine.connect() as connection:
        return [(row.amount_minor, row.due_date) for row in connection.execute(
            sa.select(promises.c.amount_minor, promises.c.due_date)
            .join(customers, customers.c.id == promises.c.customer_id)
            .where(customers.c.code == code).order_by(promises.c.id))]


def _kinds(rig: Rig, code: str) -> list[str]:
    with rig.hub.engine.connect() as connection:
        return list(connection.execute(
            sa.select(events.c.kind).join(customers, customers.c.id == events.c.customer_id)
            .where(customers.c.code == code).order_by(events.c.id)).scalars())


def _row(rig: Rig, key: str) -> dict[str, str]:
    return next(row for row in rig.side.rows(BOOK, ANN) if row["key"] == key)


def test_amounts_and_dates_are_number_and_date_cells_beside_currency_and_phone(
        rig: Rig) -> None:
    with rig.hub.engine.begin() as connection:
        customer = connection.execute(sa.select(customers.c.id)
                                      .where(customers.c.code == "A3")).scalar_one()
        add_contact(connection, customer, "Pat", phone="+31 6 1234 5678", is_primary=True)

    assert rig.sync().errors == []

    value = rig.side.value
    assert value(BOOK, ANN, "A3", "balance") == Decimal("300")  # a number, not "300.00 EUR"
    assert _row(rig, "A3")["balance"] == "300.00"  # shown with two decimals
    assert value(BOOK, ANN, "A3", "currency") == "EUR"
    assert value(BOOK, ANN, "A3", "oldest_due") == date(2026, 10, 20)
    assert _row(rig, "A3")["oldest_due"] == "2026-10-20"
    assert value(BOOK, ANN, "A3", "days_overdue") == Decimal(34)
    assert value(BOOK, ANN, "A3", "phone") == "+31 6 1234 5678"  # text, not a formula
    assert rig.side.is_literal(BOOK, ANN, "A3", "phone")
    assert rig.side.has_filter(BOOK, ANN)
    again = rig.sync()  # numbers read back as the numbers the hub wrote: nothing to do
    assert (again.total("written"), again.total("edits"), again.total("conflicts")) == (0, 0, 0)


@pytest.mark.parametrize(("amount", "when"), [
    ("1250.50", "2026-12-31"),  # typed as a number and a date: number and date cells
    ("1.250,50", "31.12.2026"),  # typed the Dutch way: kept as text, read by the parsers
])
def test_typed_amounts_and_dates_are_read_back(rig: Rig, amount: str, when: str) -> None:
    rig.sync()
    rig.side.edit(BOOK, ANN, "A1", "promise_amount", amount)
    rig.side.edit(BOOK, ANN, "A1", "promise_date", when)

    report = rig.sync()

    assert report.books[0].problems == []
    assert _promises(rig, "A1") == [(125050, date(2026, 12, 31))]
    again = rig.sync()  # the typed cells are what the hub has taken in: no second promise
    assert (again.total("edits"), again.total("conflicts")) == (0, 0)
    assert len(_promises(rig, "A1")) == 1


def test_a_number_typed_into_a_computed_column_is_put_back_and_kept_on_the_timeline(
        rig: Rig) -> None:
    rig.sync()
    rig.side.edit(BOOK, ANN, "A2", "balance", "5")

    report = rig.sync()

    assert report.total("conflicts") == 1
    assert rig.side.value(BOOK, ANN, "A2", "balance") == Decimal("200")
    assert "sheet.conflict" in _kinds(rig, "A2")


def _old_layout(layout: SheetLayout) -> SheetLayout:
    """The default layout before the currency and phone columns."""
    return SheetLayout(columns=tuple(column for column in layout.columns
                                     if column.field not in ("currency", "phone")),
                       language=layout.language)


def _old_values(row: WorklistRow, portal_link: str | None,
                language: str = "en") -> dict[str, str]:
    """What the older hub wrote: the balance as text with its currency."""
    values = dict(NEW_VALUES(row, portal_link, language))
    values["balance"] = f"{row.balance.amount:,} {row.balance.currency}"
    values.pop("currency")
    values.pop("phone")
    return values


NEW_VALUES: Any = sheets_rows.computed_values


def test_a_sheet_in_the_older_text_layout_is_read_then_migrated_losing_no_edit(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    new_layout = rig.layout
    monkeypatch.setattr(sheets_service, "computed_values", _old_values)
    monkeypatch.setattr(sheets_rows, "computed_values", _old_values)
    rig.layout = _old_layout(new_layout)
    rig.sync()  # written by the older hub: "100.00 EUR" as text, no Currency or Phone
    assert _row(rig, "A1")["balance"] == "100.00 EUR"
    rig.side.edit(BOOK, ANN, "A1", "note", "will pay next week")
    rig.side.edit(BOOK, ANN, "A2", "promise_amount", "150")
    rig.side.edit(BOOK, ANN, "A2", "promise_date", "2026-12-15")
    monkeypatch.undo()
    rig.layout = new_layout

    report = rig.sync()  # the upgraded hub reads the old tab, then rewrites it

    assert report.errors == []
    assert report.books[0].notices == []  # the edits were read in this very cycle
    assert report.total("conflicts") == 0  # "100.00 EUR" is what the hub wrote then
    assert "note.added" in _kinds(rig, "A1")
    assert _promises(rig, "A2") == [(15000, date(2026, 12, 15))]
    assert _row(rig, "A1")["note"] == "will pay next week"  # the edit stays on the sheet
    assert (_row(rig, "A2")["promise_amount"], _row(rig, "A2")["promise_date"]) == (
        "150.00", "2026-12-15")
    assert rig.side.value(BOOK, ANN, "A1", "balance") == Decimal("100")
    assert rig.side.value(BOOK, ANN, "A1", "currency") == "EUR"
    assert rig.side.has_filter(BOOK, ANN)
    again = rig.sync()
    assert (again.total("written"), again.total("edits"), again.total("conflicts")) == (0, 0, 0)


def test_google_reads_unformatted_and_reformats_an_older_layouts_tab_once(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    if rig.side.name != "google":
        pytest.skip("Google Sheets: the structural requests of a migration")
    from tests.contract.sheet_sides_remote import SPREADSHEET
    fake = rig.side.fake  # type: ignore[attr-defined]
    new_layout = rig.layout
    monkeypatch.setattr(sheets_service, "computed_values", _old_values)
    monkeypatch.setattr(sheets_rows, "computed_values", _old_values)
    rig.layout = _old_layout(new_layout)
    rig.sync()
    monkeypatch.undo()
    rig.layout = new_layout
    fake.clear_log()

    rig.sync()

    read = next(entry for entry in fake.log if entry.path.endswith("values:batchGet"))
    assert read.query["valueRenderOption"] == ["UNFORMATTED_VALUE"]
    assert read.query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    tab = fake.tab(SPREADSHEET, ANN)
    protected = sorted(p["range"]["startColumnIndex"] for p in tab.protected)
    assert protected == [0, *sorted(new_layout.index(name)
                                    for name in new_layout.computed_fields)]  # key too
    days = new_layout.index("days_overdue")
    formulas = [rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
                for rule in tab.conditional]
    letter = chr(ord("A") + days)
    assert sorted(formulas) == sorted(f"=${letter}2>={n}" for n in (1, 30, 90))
    assert tab.number_format(1, new_layout.index("balance")) == {
        "type": "NUMBER", "pattern": "#,##0.00"}
    assert tab.number_format(1, new_layout.index("note")) == {"type": "TEXT"}
    fake.clear_log()
    rig.sync()  # formatted once: the next cycle is the steady three calls
    assert [entry.method for entry in fake.log] == ["GET", "GET"]


def test_google_writes_the_summary_balance_as_a_number_with_a_number_format(
        rig: Rig) -> None:
    """The summary tab finance sums (XLSX: tests/contract/test_sheets_xlsx_files.py):
    one line per owner and currency, the balance a number shown with two decimals."""
    if rig.side.name != "google":
        pytest.skip("Google Sheets: the summary tab as the fake holds it")
    from hub.domain.sheets import SUMMARY_KEY
    from tests.contract.sheet_sides_remote import SPREADSHEET
    from tests.fake_servers.google_sheets_batch import shown
    assert rig.sync().errors == []
    sheet = rig.side.fake.tab(SPREADSHEET, SUMMARY_KEY)  # type: ignore[attr-defined]
    assert sheet.grid[0][1:7] == ["Owner", "Accounts", "Balance", "Currency",
                                  "Most days overdue", "Last check"]
    number = next(i for i, line in enumerate(sheet.grid) if line[1] == ANN)
    line = sheet.grid[number]
    assert line[2] == 3  # accounts: a number
    assert line[3] == 600  # 100 + 200 + 300 EUR, a number, not "600.00 EUR"
    assert line[4] == "EUR"
    assert shown(line[3], sheet.number_format(number, 3)) == "600.00"
    again = rig.sync()
    assert again.total("written") == 0
