"""XLSX workbooks are written only when their content changes, and read without being
parsed while nobody has saved them since the hub did; one workbook per owner
(HUB_SHEETS_XLSX_WORKBOOKS=owner) makes a change to one owner's rows rewrite that owner's
workbook (and the summary) only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hub.bootstrap import Hub
from hub.domain.sheets import BookPlan
from hub.domain.sheets import SheetRow
from hub.domain.sheets import TabPlan
from hub.domain.sheets import tab_title
from hub.ledger.tables import customers
from hub.services.sheets.sync import SheetSync
from hub.services.sheets.sync import SyncReport
from sync.sheets import xlsx as xlsx_module
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.builders import add_invoice
from tests.contract.conftest import AS_OF
from tests.contract.conftest import BOB
from tests.contract.conftest import portfolio
from tests.contract.conftest import sqlite_copy
from tests.contract.sheet_sides import XlsxSide

LAYOUT = load_layout()


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    return sqlite_copy(tmp_path, sqlite_template)


def _sync(hub: Hub, backend: XlsxBackend) -> SyncReport:
    return SheetSync(hub.engine, backend, LAYOUT).run(as_of=AS_OF, now=hub.clock.now())


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the workbook was parsed")
    monkeypatch.setattr(xlsx_module, "load_workbook", refuse)


def _new_invoice(hub: Hub, code: str) -> None:
    with hub.engine.begin() as connection:
        customer = connection.execute(sa.select(customers.c.id)
                                      .where(customers.c.code == code)).scalar_one()
        add_invoice(connection, f"INV-{code}-2", customer, issued="2026-09-01",
                    due="2026-11-10", amount="55.00")


def test_a_cycle_without_changes_neither_parses_nor_saves_the_workbook(
        hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets")
    _sync(hub, backend)
    before = _stamp(backend.path("Sales"))
    _no_parsing(monkeypatch)

    report = _sync(hub, XlsxBackend(tmp_path / "sheets"))  # a new process: nothing in memory

    assert report.errors == []
    assert (report.total("calls"), report.total("written")) == (0, 0)
    assert _stamp(backend.path("Sales")) == before


def test_a_change_rewrites_an_unsaved_workbook_without_parsing_it(
        hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets")
    _sync(hub, backend)
    _new_invoice(hub, "B1")
    _no_parsing(monkeypatch)

    report = _sync(hub, XlsxBackend(tmp_path / "sheets"))

    assert report.errors == []
    assert report.total("calls") == 1
    assert report.total("written") == 2  # the row whose balance changed, its summary line
    monkeypatch.undo()
    row = next(row for row in XlsxSide(backend, LAYOUT).rows("Sales", BOB)
               if row["key"] == "B1")
    assert row["balance"] == "1,055.00"


def test_one_workbook_per_owner_rewrites_only_the_changed_owners_workbook(
        hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets", workbooks="owner")
    _sync(hub, backend)
    folder = backend.path("Sales")
    assert sorted(path.name for path in backend.files("Sales")) == [
        "Summary.xlsx", "ann.xlsx", "bob.xlsx"]
    ann, bob = _stamp(folder / "ann.xlsx"), _stamp(folder / "bob.xlsx")
    _new_invoice(hub, "B1")
    _no_parsing(monkeypatch)

    report = _sync(hub, XlsxBackend(tmp_path / "sheets", workbooks="owner"))

    assert report.errors == []
    assert report.total("calls") == 2  # bob's workbook and the summary's
    assert _stamp(folder / "ann.xlsx") == ann  # untouched: not even opened
    assert _stamp(folder / "bob.xlsx") != bob


def test_a_workbook_someone_saved_is_parsed_and_their_edit_taken_in(
        hub: Hub, tmp_path: Path) -> None:
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets", workbooks="owner")
    _sync(hub, backend)
    XlsxSide(backend, LAYOUT).edit("Sales", BOB, "B2", "note", "call back Tuesday")
    (backend.path("Sales") / ".ann.xlsx.hubsaved").unlink()  # a cache: may be deleted

    report = _sync(hub, backend)

    assert report.errors == []
    assert report.total("edits") == 1
    assert report.total("conflicts") == 0
    again = _sync(hub, backend)
    assert (again.total("calls"), again.total("edits")) == (0, 0)


def test_the_workbooks_setting_is_checked_and_reaches_the_backend(tmp_path: Path) -> None:
    from hub.config import ConfigError
    from hub.config import SheetSettings

    assert SheetSettings.from_env({}).xlsx_workbooks == "department"
    assert SheetSettings.from_env({"HUB_SHEETS_XLSX_WORKBOOKS": "Owner"}).xlsx_workbooks \
        == "owner"
    with pytest.raises(ConfigError, match="HUB_SHEETS_XLSX_WORKBOOKS must be department or "
                                          "owner, got 'person'"):
        SheetSettings.from_env({"HUB_SHEETS_XLSX_WORKBOOKS": "person"})
    assert XlsxBackend(tmp_path, workbooks="owner").path("Sales") == tmp_path / "Sales"


def _row(code: str, days: int, balance: str, **extra: str) -> SheetRow:
    values = {"customer": f"Customer {code}", "contact": "AP <ap@example.com>",
              "phone": "+31 6 1234 5678", "balance": balance, "currency": "EUR",
              "oldest_due": "2026-01-15", "days_overdue": str(days), "current_step": "",
              "next_action": "Call", "last_contact": "", "score": "", "portal_link": "",
              "status": "open", "outcome": "", "promise_date": "", "promise_amount": "",
              "note": "", "snooze_until": "", **extra}
    return SheetRow(code, values)


def _plan(rows: dict[str, list[SheetRow]]) -> BookPlan:
    taken: set[str] = set()
    return BookPlan("Sales", [TabPlan(owner, tab_title(owner, taken), owner_rows)
                              for owner, owner_rows in sorted(rows.items())],
                    [[owner, str(len(found)), "", "", "2026-11-23 09:00"]
                     for owner, found in sorted(rows.items())])


def _cells(backend: XlsxBackend) -> dict[tuple[str, str], tuple[object, ...]]:
    found = {}
    for path in backend.files("Sales"):
        for sheet in load_workbook(path).worksheets:
            found[(sheet.title, "filter")] = (sheet.auto_filter.ref,)
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is None and not cell.has_style:
                        continue
                    found[(sheet.title, cell.coordinate)] = (
                        cell.value, cell.data_type, cell.number_format, cell.quotePrefix,
                        cell.fill.fgColor.rgb if cell.fill.fill_type else None,
                        cell.protection.locked)
    return {key: value for key, value in found.items()
            if value[:1] != (None,) or key[1] == "filter"}  # blank rows left behind


@pytest.mark.parametrize("workbooks", ["department", "owner"])
def test_rows_patched_into_a_workbook_read_as_the_same_cells_as_a_fresh_write(
        tmp_path: Path, workbooks: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {"ann@example.com": [_row("A1", 120, "100"), _row("A2", 40, "250.5"),
                                  _row("A3", 3, "9")],
              "bob@example.com": [_row("B1", 10, "70")]}
    after = {"ann@example.com": [  # a row gone, one moved into another colour, new ones
        _row("A2", 95, "1250.5", note="=HYPERLINK(\"x\")", promise_date="2026-12-31",
             promise_amount="80"),
        _row("A3", 3, "9", note="  spaced & <odd>  "), _row("A4", 0, "12.25")],
        "bob@example.com": [_row("B1", 10, "70")]}
    patches: list[Path] = []
    real_patch = XlsxBackend._patch

    def counted(path: Path, *args: Any, **kwargs: Any) -> None:
        patches.append(path)
        real_patch(path, *args, **kwargs)
    monkeypatch.setattr(XlsxBackend, "_patch", staticmethod(counted))
    patched = XlsxBackend(tmp_path / "patched", workbooks=workbooks)
    for rows in (before, after):
        snapshot = patched.read("Sales", LAYOUT, remote_id=None)
        patched.write(_plan(rows), snapshot, LAYOUT)
    fresh = XlsxBackend(tmp_path / "fresh", workbooks=workbooks)
    fresh.write(_plan(after), fresh.read("Sales", LAYOUT, remote_id=None), LAYOUT)

    assert [path.name for path in patches] == (  # bob's rows and the summary are the same
        ["Sales.xlsx"] if workbooks == "department" else ["ann.xlsx"])
    assert _cells(patched) == _cells(fresh)


def test_the_summary_tab_writes_balances_as_numbers_beside_their_currency(
        hub: Hub, tmp_path: Path) -> None:
    """Finance can sum the summary: counts and balances are number cells with a number
    format, the currency in its own column (not "1,000.00 EUR" as text)."""
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets")
    _sync(hub, backend)
    sheet = load_workbook(backend.path("Sales"))[LAYOUT.summary_title]
    rows = list(sheet.iter_rows(min_row=1, max_col=7))
    assert [cell.value for cell in rows[0][1:]] == [
        "Owner", "Accounts", "Balance", "Currency", "Most days overdue", "Last check"]
    bob = next(row for row in rows[1:] if row[1].value == BOB)
    accounts, balance, currency, worst = bob[2], bob[3], bob[4], bob[5]
    assert (accounts.value, accounts.data_type) == (2, "n")
    assert balance.data_type == "n"
    assert balance.value == 2000
    assert balance.number_format == "#,##0.00"
    assert currency.value == "EUR"
    assert isinstance(worst.value, int)
    report = _sync(hub, XlsxBackend(tmp_path / "sheets"))  # read back: nothing to write
    assert (report.total("calls"), report.total("written")) == (0, 0)


def test_a_dutch_sheet_says_the_next_action_in_dutch_and_reads_back_unchanged(
        hub: Hub, tmp_path: Path) -> None:
    """HUB_SHEETS_LANGUAGE=nl: headers and the suggested next action in Dutch; the next
    cycle finds the sheet as it wrote it (nothing to write, no edit taken in)."""
    portfolio(hub)
    dutch = load_layout(language="nl")
    backend = XlsxBackend(tmp_path / "sheets")
    SheetSync(hub.engine, backend, dutch).run(as_of=AS_OF, now=hub.clock.now())
    rows = XlsxSide(backend, dutch).rows("Sales", BOB)
    assert {row["next_action"] for row in rows} == {"Bel de klant"}
    again = SheetSync(hub.engine, XlsxBackend(tmp_path / "sheets"), dutch).run(
        as_of=AS_OF, now=hub.clock.now())
    assert (again.total("written"), again.total("edits")) == (0, 0)
