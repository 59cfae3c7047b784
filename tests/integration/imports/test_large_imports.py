"""What large imports do differently, and that it changes nothing a user can see:
the secondary invoice indexes are dropped during the import and built again."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from hub.bootstrap import Hub
from hub.domain.errors import UserError
from hub.ledger.bulk import DeferredIndexes
from hub.ledger.tables import invoices
from tests.integration.imports.conftest import INVOICE_HEADER
from tests.integration.imports.conftest import Importer
from tests.integration.imports.conftest import Writer
from tests.integration.imports.conftest import snapshot

SECONDARY = {"ix_invoices_customer_status", "ix_invoices_status_due"}


def _rows(count: int, start: int = 0) -> list[list[str]]:
    return [[f"INV-{i}", f"C{i % 3}", f"Customer {i % 3}", "2026-10-01", "2026-10-31", "EUR",
             "100.00", "", "no", "no", "", ""] for i in range(start, start + count)]


def _indexes(hub: Hub) -> set[str]:
    return {str(index["name"]) for index in sa.inspect(hub.engine).get_indexes("invoices")}


@pytest.fixture(autouse=True)
def _small_is_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DeferredIndexes, "MIN_ROWS", 2)


def test_indexes_are_back_after_an_import_and_queries_use_them(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    result = run(write_csv("big.csv", INVOICE_HEADER, _rows(30)), read_ahead=True)
    assert result.created == 30
    assert _indexes(hub) >= SECONDARY
    with hub.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(invoices)
                                 .where(invoices.c.status == "open")) == 30
    # A smaller file into a larger table keeps the indexes (rebuilding would cost more).
    again = run(write_csv("more.csv", INVOICE_HEADER, _rows(5, start=30)))
    assert again.created == 5
    assert _indexes(hub) >= SECONDARY


def test_the_foreign_key_is_back_and_checked_after_a_large_import(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    """PostgreSQL drops the customer foreign key for the load and adds it back (one join
    checks every row); on both databases it holds afterwards."""
    assert run(write_csv("big.csv", INVOICE_HEADER, _rows(30))).created == 30
    keys = sa.inspect(hub.engine).get_foreign_keys("invoices")
    assert any(key["referred_table"] == "customers" for key in keys)
    with pytest.raises(sa.exc.IntegrityError), hub.engine.begin() as connection:
        connection.execute(invoices.update().where(invoices.c.number == "INV-1")
                           .values(customer_id=999_999))


def test_a_failed_large_import_keeps_the_indexes_and_the_ledger(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    run(write_csv("first.csv", INVOICE_HEADER, _rows(2)))
    before = snapshot(hub)
    path = write_csv("big.csv", INVOICE_HEADER, _rows(40, start=2))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('INV-X,C1,"never closed,2026-10-01\n')
    with pytest.raises(UserError, match="malformed CSV at line 42"):
        run(path, read_ahead=True)
    assert snapshot(hub) == before
    assert _indexes(hub) >= SECONDARY


def test_the_reader_process_reports_rejects_with_their_lines(
        hub: Hub, write_csv: Writer, run: Importer, tmp_path: Path) -> None:
    rows = _rows(12)
    rows[3][3] = "not a date"
    rows[9] = rows[1]  # a duplicate number
    result = run(write_csv("big.csv", INVOICE_HEADER, rows), read_ahead=True)
    assert (result.created, result.rejected) == (10, 2)
    lines = Path(str(result.rejects_path)).read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["5", "11"]


def test_a_workbook_with_typed_cells_imports_through_the_reader_process(
        hub: Hub, run: Importer, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["invoice_number", "customer_id", "issue_date", "due_date", "currency",
                  "amount"])
    issued = datetime(2026, 11, 3)  # noqa: DTZ001 - Excel has no zones
    sheet.append([10042, "C1", issued, datetime(2026, 12, 3), "EUR", 0.1 + 0.2])  # noqa: DTZ001
    sheet.append(["INV-2", "C2", issued, "2026-10-01", "EUR", 1500])
    path = tmp_path / "open-items.xlsx"
    book.save(path)
    result = run(path, read_ahead=True)
    assert (result.created, result.rejected) == (1, 1)
    with hub.engine.connect() as connection:
        row = connection.execute(sa.select(invoices)).one()
    assert (row.number, row.issue_date, row.due_date, row.amount_minor) == \
        ("10042", date(2026, 11, 3), date(2026, 12, 3), 30)
    rejects = Path(str(result.rejects_path)).read_text(encoding="utf-8-sig")
    assert "due date 2026-10-01 is before issue date 2026-11-03" in rejects
