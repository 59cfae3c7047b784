"""`import invoices` on SQLite and PostgreSQL: create, update, leave unchanged,
reject, and never half-import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.domain import events as kinds
from hub.domain.errors import UserError
from hub.ledger.tables import credit_notes
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import import_runs
from hub.ledger.tables import invoices
from hub.services.imports.run import ImportResult
from tests.builders import add_payment
from tests.integration.imports.conftest import INVOICE_HEADER
from tests.integration.imports.conftest import Importer
from tests.integration.imports.conftest import Writer
from tests.integration.imports.conftest import snapshot


@pytest.fixture(params=[False, True], ids=["in-process", "read-ahead"])
def run(hub: Hub, request: pytest.FixtureRequest) -> Importer:
    """Every test twice: reading in this process, and in a reader process (what large
    files get)."""
    def run(path: Path, kind: str = "invoices", **options: object) -> ImportResult:
        return import_file(hub.engine, path, kind, actor="tests", clock=hub.clock,
                           read_ahead=request.param, **options)  # type: ignore[arg-type]
    return run


def _row(number: str, customer: str = "C1", amount: str = "100.00", *, name: str = "Acme BV",
         issued: str = "2026-10-01", due: str = "2026-10-31", currency: str = "EUR",
         open_amount: str = "", disputed: str = "no", description: str = "Goods") -> list[str]:
    return [number, customer, name, issued, due, currency, amount, open_amount, disputed, "no",
            "", description]


def _invoice(hub: Hub, number: str) -> sa.Row[tuple[object, ...]]:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(invoices).where(invoices.c.number == number)).one()


def _events(hub: Hub, kind: str) -> list[str]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(events.c.summary)
                                       .where(events.c.kind == kind).order_by(events.c.id))
                    .scalars())


def test_invoices_create_their_customers_and_one_event_per_customer(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    path = write_csv("open-items.csv", INVOICE_HEADER, [
        _row("INV-1"), _row("INV-2", amount="250.50", open_amount="50.50"),
        _row("INV-3", "C2", name="Bolt GmbH")])
    result = run(path)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 0)
    assert result.details["customers_created"] == 2
    second = _invoice(hub, "INV-2")
    assert (second.amount_minor, second.open_minor, second.status) == \
        (25050, 5050, "partially_paid")
    assert _invoice(hub, "INV-1").status == "open"
    with hub.engine.connect() as connection:
        made = connection.execute(sa.select(customers.c.code, customers.c.name,
                                            customers.c.timezone, customers.c.language)
                                  .order_by(customers.c.code)).all()
        run_row = connection.execute(sa.select(import_runs)).one()
    assert [tuple(row) for row in made] == [("C1", "Acme BV", "UTC", "en"),
                                            ("C2", "Bolt GmbH", "UTC", "en")]
    assert _events(hub, kinds.INVOICES_IMPORTED) == [
        "2 invoices imported from open-items.csv", "1 invoice imported from open-items.csv"]
    assert (run_row.kind, run_row.created, run_row.rejected, run_row.source) == \
        ("invoices", 3, 0, str(path))
    assert run_row.finished_at is not None
    assert len(run_row.sha256) == 64


def test_importing_the_same_file_twice_changes_nothing(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    path = write_csv("open-items.csv", INVOICE_HEADER, [
        _row("INV-1"), _row("CN-1", amount="-20.00"), _row("INV-2", "C2")])
    run(path)
    before = snapshot(hub)
    again = run(path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert snapshot(hub) == before
    with hub.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(import_runs)) == 2


def test_a_changed_row_updates_the_invoice_and_says_what_changed(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    run(write_csv("day1.csv", INVOICE_HEADER, [_row("INV-1"), _row("INV-2")]))
    result = run(write_csv("day2.csv", INVOICE_HEADER, [
        _row("INV-1", due="2026-11-15", disputed="yes"), _row("INV-2")]))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    invoice = _invoice(hub, "INV-1")
    assert (invoice.due_date, invoice.disputed) == (date(2026, 11, 15), True)
    assert _events(hub, kinds.INVOICE_UPDATED) == [
        "invoice INV-1 updated from day2.csv: due_date, disputed"]
    assert _events(hub, kinds.INVOICES_IMPORTED)[-1] == "1 invoice updated from day2.csv"


def test_an_update_never_reopens_what_the_hub_has_allocated(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    run(write_csv("day1.csv", INVOICE_HEADER, [_row("INV-1", amount="100.00"),
                                               _row("INV-2", amount="100.00")]))
    with hub.engine.begin() as connection:
        for number in ("INV-1", "INV-2"):
            invoice_id = _invoice(hub, number).id
            add_payment(connection, f"BANK-{number}", received_on="2026-10-20", amount="60.00",
                        allocate={invoice_id: "60.00"})
    # The ERP has not booked the payments yet: INV-1 still fully open there, with a new
    # description; INV-2 without an open amount, with a larger amount.
    run(write_csv("day2.csv", INVOICE_HEADER, [
        _row("INV-1", amount="100.00", open_amount="100.00", description="Goods and freight"),
        _row("INV-2", amount="120.00")]))
    first, second = _invoice(hub, "INV-1"), _invoice(hub, "INV-2")
    assert (first.open_minor, first.status) == (4000, "partially_paid")
    assert (second.amount_minor, second.open_minor) == (12000, 6000)
    # The ERP books a further payment the hub has not seen: its lower open amount wins.
    run(write_csv("day3.csv", INVOICE_HEADER, [
        _row("INV-1", amount="100.00", open_amount="10.00", description="Goods and freight")]))
    assert _invoice(hub, "INV-1").open_minor == 1000


def test_negative_amounts_become_credit_notes(hub: Hub, write_csv: Writer,
                                              run: Importer) -> None:
    result = run(write_csv("items.csv", INVOICE_HEADER, [
        _row("CN-7", amount="-45.00", description="Returned goods")]))
    assert result.details["credit_notes"] == 1
    with hub.engine.connect() as connection:
        note = connection.execute(sa.select(credit_notes)).one()
        assert connection.scalar(sa.select(sa.func.count()).select_from(invoices)) == 0
    assert (note.number, note.amount_minor, note.open_minor, note.reason) == \
        ("CN-7", 4500, 4500, "Returned goods")
    assert _events(hub, kinds.CREDIT_NOTE_IMPORTED) == [
        "credit note CN-7 of 45.00 EUR imported from items.csv"]


def test_rejected_rows_go_to_a_csv_beside_the_source(hub: Hub, write_csv: Writer,
                                                     run: Importer) -> None:
    path = write_csv("items.csv", INVOICE_HEADER, [
        _row("INV-1"), _row("INV-1", amount="999.00"),
        _row("INV-2", due="2026-09-01"), _row("INV-3", currency="XYZ"),
        _row("INV-4", "C1", name="Someone Else")])
    result = run(path)
    assert (result.created, result.rejected) == (1, 4)
    assert result.rejects_path == str(path.with_name("items.rejects.csv"))
    lines = Path(result.rejects_path).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "rejected_line,rejected_reason," + ",".join(INVOICE_HEADER)
    assert lines[1:] == [
        "3,invoice number INV-1 appears twice in the file (first on line 2); this row is "
        "ignored,INV-1,C1,Acme BV,2026-10-01,2026-10-31,EUR,999.00,,no,no,,Goods",
        "4,due date 2026-09-01 is before issue date 2026-10-01,INV-2,C1,Acme BV,2026-10-01,"
        "2026-09-01,EUR,100.00,,no,no,,Goods",
        "5,currency: 'XYZ' is not an ISO 4217 currency code (e.g. EUR),INV-3,C1,Acme BV,"
        "2026-10-01,2026-10-31,XYZ,100.00,,no,no,,Goods",
        "6,customer C1 has name 'Someone Else' here but 'Acme BV' on line 2,INV-4,C1,"
        "Someone Else,2026-10-01,2026-10-31,EUR,100.00,,no,no,,Goods"]
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(import_runs.c.rejected, import_runs.c.rejects_path)
                                  ).one() == (4, result.rejects_path)


def test_rows_that_contradict_the_ledger_are_rejected(hub: Hub, write_csv: Writer,
                                                      run: Importer) -> None:
    run(write_csv("day1.csv", INVOICE_HEADER, [_row("INV-1"), _row("CN-1", amount="-5.00")]))
    result = run(write_csv("day2.csv", INVOICE_HEADER, [
        _row("INV-1", "C9", name="Other"), _row("CN-1", amount="5.00")]))
    assert (result.created, result.updated, result.rejected) == (0, 0, 2)
    reasons = Path(str(result.rejects_path)).read_text(encoding="utf-8-sig")
    assert "invoice INV-1 belongs to another customer in the ledger (not C9)" in reasons
    assert "CN-1 is a credit note in the ledger, not an invoice" in reasons
    result = run(write_csv("day3.csv", INVOICE_HEADER, [
        _row("INV-1", currency="USD"), _row("INV-1x", amount="-1.00")][:1]))
    assert "invoice INV-1 is in EUR in the ledger, not USD" in \
        Path(str(result.rejects_path)).read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(("content", "message"), [
    ("invoice_number,customer_id,amount\nINV-9,C1,10\n", "missing required column"),
    ("", "the file is empty"),
    (None, "neither UTF-8"),
])
def test_a_fatal_error_leaves_the_ledger_exactly_as_it_was(  # noqa: PLR0917
        hub: Hub, write_csv: Writer, run: Importer, tmp_path: Path,
        content: str | None, message: str) -> None:
    run(write_csv("day1.csv", INVOICE_HEADER, [_row("INV-1")]))
    before = snapshot(hub)
    bad = tmp_path / "bad.csv"
    if content is None:
        bad.write_bytes(b"invoice_number\n\x81\xff\n")
    else:
        bad.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        run(bad)
    assert snapshot(hub) == before


def test_a_broken_line_deep_in_the_file_rolls_back_every_row_before_it(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    rows = [_row(f"INV-{i}", f"C{i % 7}", name=f"Customer {i % 7}") for i in range(12_000)]
    path = write_csv("big.csv", INVOICE_HEADER, rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('INV-X,C1,"never closed,2026-10-01\n')
        handle.write(",".join(_row("INV-Y")) + "\n")
    before = snapshot(hub)
    with pytest.raises(UserError, match="malformed CSV at line 12002"):
        run(path)
    assert snapshot(hub) == before
    assert not path.with_name("big.rejects.csv").exists()
    with hub.engine.connect() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(import_runs)) == 0
