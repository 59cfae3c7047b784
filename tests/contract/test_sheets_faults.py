"""Quotas, retries and permanent errors of the remote backends, through the real client
libraries against the fakes; a workbook that is open is left alone."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.services.sheets.sync import SheetSync
from hub.services.sheets.sync import SyncReport
from sync.sheets.layout import load_layout
from sync.sheets.smartsheet import calls_bound
from sync.sheets.xlsx import XlsxBackend
from tests.contract.conftest import AS_OF
from tests.contract.conftest import BOB
from tests.contract.conftest import add_account
from tests.contract.conftest import portfolio
from tests.contract.conftest import sqlite_copy
from tests.contract.sheet_sides_remote import SPREADSHEET
from tests.contract.sheet_sides_remote import GoogleSide
from tests.contract.sheet_sides_remote import SmartsheetSide
from tests.contract.sheet_sides_remote import google_backend
from tests.contract.sheet_sides_remote import smartsheet_backend
from tests.fake_servers.google_sheets import GoogleSheetsFake
from tests.fake_servers.smartsheet import SmartsheetFake

LAYOUT = load_layout()


def _sync(hub: Hub, backend: object, *, as_of: date = AS_OF) -> SyncReport:
    return SheetSync(hub.engine, backend, LAYOUT).run(  # type: ignore[arg-type]
        as_of=as_of, now=hub.clock.now())



@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    return sqlite_copy(tmp_path, sqlite_template)


# -- Google Sheets -------------------------------------------------------------------------

def test_google_steady_cycle_is_three_calls_and_one_values_batch_update(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    portfolio(hub)
    google_fake.create(SPREADSHEET)
    backend = google_backend(google_fake, google_key_file)
    _sync(hub, backend)
    GoogleSide(google_fake, LAYOUT).edit("Sales", BOB, "B2", "note", "call back Tuesday")
    with hub.engine.begin() as connection:  # and the hub's side changes: a new invoice
        from tests.builders import add_invoice
        customer = connection.execute(sa.select(customers.c.id)
                                      .where(customers.c.code == "B1")).scalar_one()
        add_invoice(connection, "INV-B1-2", customer, issued="2026-09-01", due="2026-11-10",
                    amount="55.00")
    google_fake.clear_log()

    report = _sync(hub, backend)

    assert report.errors == []
    assert report.total("edits") == 1
    paths = [(entry.method, entry.path.split(SPREADSHEET)[1]) for entry in google_fake.log]
    assert paths == [("GET", ""), ("GET", "/values:batchGet"),
                     ("POST", "/values:batchUpdate")]
    assert len(paths) == report.total("calls") == 3


def test_google_first_sync_formats_each_tab_in_one_structural_batch_update(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    portfolio(hub)
    google_fake.create(SPREADSHEET)

    _sync(hub, google_backend(google_fake, google_key_file))

    assert [entry.path.split(SPREADSHEET)[1] for entry in google_fake.log] == [
        "", "/values:batchGet", ":batchUpdate", "/values:batchUpdate"]
    tab = google_fake.tab(SPREADSHEET, BOB)
    assert tab.hidden_columns == {0}  # the key column
    status = LAYOUT.index("status")
    dropdown = next(v for v in tab.validations
                    if v["range"]["startColumnIndex"] == status)
    assert [value["userEnteredValue"] for value in dropdown["rule"]["condition"]["values"]] \
        == ["open", "contacted", "promised", "disputed", "paid", "done"]
    protected = {p["range"]["startColumnIndex"] for p in tab.protected}
    assert protected == {LAYOUT.index(name) for name in LAYOUT.computed_fields} | {0}
    assert len(tab.conditional) == 3  # severity colours
    value_writes = [entry for entry in google_fake.log if entry.path.endswith("batchUpdate")
                    and b'"valueInputOption": "RAW"' in entry.body]
    assert len(value_writes) == 1


def test_google_token_comes_from_the_service_account_jwt_grant(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    portfolio(hub)
    google_fake.create(SPREADSHEET)
    google_fake.tokens.discard("static-test-token")

    report = _sync(hub, google_backend(google_fake, google_key_file))

    assert report.errors == []
    assert google_fake.token_requests[0]["grant_type"] == \
        "urn:ietf:params:oauth:grant-type:jwt-bearer"


def test_google_user_credentials_refresh_through_the_token_endpoint(
        hub: Hub, google_fake: GoogleSheetsFake, tmp_path: Path) -> None:
    import json

    from sync.sheets.gsheets import GoogleSheetsBackend
    from sync.sheets.gsheets import load_credentials
    portfolio(hub)
    google_fake.create(SPREADSHEET)
    user_file = tmp_path / "user.json"
    user_file.write_text(json.dumps({
        "type": "authorized_user", "client_id": "cid", "client_secret": "secret",
        "refresh_token": "test-refresh", "token_uri": f"{google_fake.url}/token"}))
    backend = GoogleSheetsBackend(spreadsheets={"*": SPREADSHEET},
                                  credentials=load_credentials(user_file),
                                  api_base=google_fake.url)

    assert _sync(hub, backend).errors == []
    assert google_fake.token_requests[0]["grant_type"] == "refresh_token"


def test_google_429_is_retried_after_the_retry_after_header(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    portfolio(hub)
    google_fake.create(SPREADSHEET)
    sleeps: list[float] = []
    google_fake.fail_next(429, retry_after="7")
    google_fake.fail_next(500)

    report = _sync(hub, google_backend(google_fake, google_key_file, sleeps=sleeps))

    assert report.errors == []
    assert sleeps[:2] == [7.0, 2.0]  # Retry-After, then the backoff (1 * 2**1)
    assert [entry.status for entry in google_fake.log[:3]] == [429, 500, 200]


def test_google_retries_are_bounded_and_the_failure_is_reported(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    portfolio(hub)
    google_fake.create(SPREADSHEET)
    google_fake.fail_next(429, times=10)

    report = _sync(hub, google_backend(google_fake, google_key_file))

    assert len(google_fake.log) == 4  # the policy's four attempts, then it stops
    assert "Google Sheets error 429" in report.books[0].error  # type: ignore[operator]


def test_google_401_and_403_stop_only_that_spreadsheet(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    from sync.sheets.gsheets import GoogleSheetsBackend
    from sync.sheets.gsheets import load_credentials
    portfolio(hub)
    add_account(hub, "S1", "sue@example.com", department="Support")
    google_fake.create(SPREADSHEET)
    google_fake.create("SupportKey")
    google_fake.forbidden.add("SupportKey")
    backend = GoogleSheetsBackend(spreadsheets={"Sales": SPREADSHEET, "Support": "SupportKey"},
                                  credentials=load_credentials(google_key_file),
                                  api_base=google_fake.url)

    report = _sync(hub, backend)

    errors = {book.book: book.error for book in report.books}
    assert errors["Sales"] is None
    assert "share the spreadsheet with the service account" in (errors["Support"] or "")
    google_fake.fail_next(401, times=3)  # a refreshed token is refused too: revoked
    report = _sync(hub, backend)
    assert any("credentials were refused (401)" in (book.error or "") for book in report.books)


def test_google_spreadsheet_not_configured_is_reported(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    from sync.sheets.gsheets import GoogleSheetsBackend
    from sync.sheets.gsheets import load_credentials
    portfolio(hub)
    backend = GoogleSheetsBackend(spreadsheets={"Other": SPREADSHEET},
                                  credentials=load_credentials(google_key_file),
                                  api_base=google_fake.url)

    report = _sync(hub, backend)

    assert "HUB_GOOGLE_SPREADSHEETS" in (report.books[0].error or "")
    assert google_fake.log == []


# -- Smartsheet ----------------------------------------------------------------------------

def test_smartsheet_4003_is_retried_and_401_stops_the_sheet(
        hub: Hub, smartsheet_fake: SmartsheetFake) -> None:
    portfolio(hub)
    sleeps: list[float] = []
    backend = smartsheet_backend(smartsheet_fake, sleeps=sleeps)
    smartsheet_fake.fail_next(4003, times=2)

    report = _sync(hub, backend)

    assert report.errors == []
    assert [entry.status for entry in smartsheet_fake.log[:3]] == [429, 429, 200]
    assert sleeps == [1.0, 2.0]
    smartsheet_fake.fail_next(1002)
    report = _sync(hub, backend)
    assert "access token was refused" in (report.books[0].error or "")


def test_smartsheet_bulk_rows_stay_under_500_a_call(
        hub: Hub, smartsheet_fake: SmartsheetFake) -> None:
    from hub.ledger.tables import invoices
    from hub.ledger.tables import tasks
    from tests.builders import STAMP
    with hub.engine.begin() as connection:  # 1,100 accounts with a call task due, in bulk
        connection.execute(customers.insert(), [
            {"code": f"N{n:04d}", "name": f"Customer {n}", "kind": "B2B", "timezone": "UTC",
             "language": "en", "owner": BOB, "department": "Sales", "currency": "EUR",
             "excluded": False, "on_hold": False, "created_at": STAMP, "updated_at": STAMP}
            for n in range(1_100)])
        ids = dict(connection.execute(sa.select(customers.c.code, customers.c.id)).all())
        connection.execute(invoices.insert(), [
            {"number": f"INV-N{n}", "customer_id": ids[f"N{n:04d}"],
             "issue_date": date(2026, 1, 1), "due_date": date(2026, 10, 1), "currency": "EUR",
             "amount_minor": 1000, "open_minor": 1000, "status": "open", "disputed": False,
             "excluded": False, "created_at": STAMP, "updated_at": STAMP}
            for n in range(1_100)])
        connection.execute(tasks.insert(), [
            {"customer_id": ids[f"N{n:04d}"], "task_type": "call", "due_date": AS_OF,
             "state": "open", "key": f"call:N{n}", "reason": "overdue", "created_by": "rules",
             "source": "rules", "created_at": STAMP, "updated_at": STAMP,
             "holder": BOB}  # unassigned: the owner's (as hub.services.accounts.tasks sets it)
            for n in range(1_100)])
    backend = smartsheet_backend(smartsheet_fake)

    report = _sync(hub, backend)

    assert report.errors == []
    adds = [entry for entry in smartsheet_fake.log
            if entry.method == "POST" and entry.path.endswith("/rows")]
    assert len(adds) == 3
    assert len(smartsheet_fake.only_sheet().rows) == 1_100
    smartsheet_fake.log.clear()
    side = SmartsheetSide(smartsheet_fake, LAYOUT)
    for number in range(0, 1_100, 100):  # 1%: eleven people type a note
        side.edit("Sales", BOB, f"N{number:04d}", "note", f"called {number}")
    report = _sync(hub, backend)
    assert report.total("edits") == 11
    assert report.total("calls") <= calls_bound(11)


def test_smartsheet_edits_carry_the_editor_reported_by_the_service(
        hub: Hub, smartsheet_fake: SmartsheetFake) -> None:
    portfolio(hub)
    backend = smartsheet_backend(smartsheet_fake)
    _sync(hub, backend)
    side = SmartsheetSide(smartsheet_fake, LAYOUT)
    side.edit("Sales", BOB, "B1", "status", "contacted")

    _sync(hub, backend)

    with hub.engine.connect() as connection:
        actor = connection.execute(
            sa.select(events.c.actor).join(customers, customers.c.id == events.c.customer_id)
            .where(customers.c.code == "B1", events.c.kind == "account.contacted")).scalar()
    assert actor == BOB


# -- local XLSX ------------------------------------------------------------------------------

def test_an_open_workbook_is_left_alone_and_synced_next_cycle(hub: Hub, tmp_path: Path) -> None:
    from tests.contract.sheet_sides import XlsxSide
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets")
    _sync(hub, backend)
    side = XlsxSide(backend, LAYOUT)
    side.edit("Sales", BOB, "B1", "note", "spoke to the CFO")
    path = backend.path("Sales")
    lock = path.with_name(f"~${path.name}")  # Excel has it open
    lock.write_text("owner")
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)

    report = _sync(hub, backend)

    assert report.books[0].busy
    assert "retried next cycle" in (report.books[0].error or "")
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    lock.unlink()
    report = _sync(hub, backend)
    assert report.errors == []
    assert report.total("edits") == 1


def test_a_damaged_workbook_is_reported_and_not_overwritten(hub: Hub, tmp_path: Path) -> None:
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets")
    path = backend.path("Sales")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a workbook")

    report = _sync(hub, backend)

    assert "cannot read the workbook" in (report.books[0].error or "")
    assert path.read_bytes() == b"not a workbook"


@pytest.mark.parametrize("language", ["nl", "de"])
def test_headers_follow_the_layout_language(hub: Hub, tmp_path: Path, language: str) -> None:
    from openpyxl import load_workbook
    portfolio(hub)
    layout = load_layout(language=language)
    backend = XlsxBackend(tmp_path / "sheets")
    SheetSync(hub.engine, backend, layout).run(as_of=AS_OF, now=hub.clock.now())
    workbook = load_workbook(backend.path("Sales"))
    headers = [cell.value for cell in workbook["bob"][1]]
    assert headers[1] == {"nl": "Klant", "de": "Kunde"}[language]


def test_a_workbook_tab_has_a_hidden_key_a_status_dropdown_and_locked_computed_cells(
        hub: Hub, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets")
    _sync(hub, backend)

    sheet = load_workbook(backend.path("Sales"))["bob"]

    assert sheet.column_dimensions["A"].hidden
    assert sheet.protection.sheet
    assert not sheet.protection.sort  # people may still sort and filter
    dropdown = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert dropdown.formula1 == '"open,contacted,promised,disputed,paid,done"'
    balance = sheet.cell(row=2, column=LAYOUT.index("balance") + 1)
    status = sheet.cell(row=2, column=LAYOUT.index("status") + 1)
    assert balance.protection.locked
    assert not status.protection.locked
    days = sheet.cell(row=2, column=LAYOUT.index("days_overdue") + 1)
    assert days.value == 145  # B2, due 2026-07-01: a number, coloured as severe
    assert days.fill.fgColor.rgb.endswith("F4C7C3")


def test_smartsheet_rows_are_coloured_by_severity_from_the_palette(
        hub: Hub, smartsheet_fake: SmartsheetFake) -> None:
    from tests.fake_servers.smartsheet import PALETTE
    portfolio(hub)
    backend = smartsheet_backend(smartsheet_fake)
    _sync(hub, backend)
    side = SmartsheetSide(smartsheet_fake, LAYOUT)
    key_column = side._columns()["key"]
    fills = {row.cells.get(key_column): row.format.split(",")[9]
             for row in smartsheet_fake.only_sheet().rows}

    assert PALETTE[int(fills["B2"])] == "#FFCCD2"  # 145 days overdue: the red band
    assert PALETTE[int(fills["B1"])] == "#FFF3DF"  # 22 days: the light band
    smartsheet_fake.log.clear()
    _sync(hub, backend)
    assert [entry.method for entry in smartsheet_fake.log] == ["GET"]  # colours are stable


def test_google_a_note_typed_between_read_and_write_survives_the_write(
        hub: Hub, google_fake: GoogleSheetsFake, google_key_file: Path) -> None:
    from hub.services.sheets.rows import department_worklist
    portfolio(hub)
    google_fake.create(SPREADSHEET)
    backend = google_backend(google_fake, google_key_file)
    _sync(hub, backend)
    snapshot = backend.read("Sales", LAYOUT, remote_id=None)
    side = GoogleSide(google_fake, LAYOUT)
    side.edit("Sales", BOB, "B2", "note", "typed just now")  # after the hub's read
    with hub.engine.connect() as connection:
        rows = department_worklist(connection, as_of=AS_OF, department="Sales")
    from hub.domain.sheets import BookPlan
    from hub.domain.sheets import TabPlan
    from hub.services.sheets.rows import sheet_row
    mine = [sheet_row(row, {"status": "open"}, None) for row in rows if row.owner == BOB]
    changed = [type(mine[0])(mine[0].key, {**mine[0].values, "balance": "1.00 EUR"},
                             mine[0].severity, mine[0].rank), *mine[1:]]
    plan = BookPlan("Sales", [TabPlan(BOB, "bob", changed)])

    backend.write(plan, snapshot, LAYOUT)

    row = next(row for row in side.rows("Sales", BOB) if row["key"] == "B2")
    assert row["balance"] == "1.00 EUR"
    assert row["note"] == "typed just now"


def test_read_back_skips_a_workbook_nobody_saved_since_the_hub_wrote_it(
        hub: Hub, tmp_path: Path) -> None:
    from tests.contract.sheet_sides import XlsxSide
    portfolio(hub)
    backend = XlsxBackend(tmp_path / "sheets")
    _sync(hub, backend)

    assert backend.read("Sales", LAYOUT, remote_id=None, for_write=False).untouched
    full = backend.read("Sales", LAYOUT, remote_id=None)  # a write needs every tab: known
    assert full.untouched
    assert set(full.tabs) == {"ann@example.com", BOB}  # known without a parse

    XlsxSide(backend, LAYOUT).edit("Sales", BOB, "B1", "note", "saved in Excel")
    snapshot = backend.read("Sales", LAYOUT, remote_id=None, for_write=False)
    assert not snapshot.untouched
    report = SheetSync(hub.engine, backend, LAYOUT).run(as_of=AS_OF, now=hub.clock.now(),
                                                        write=False)
    assert report.total("edits") == 1
