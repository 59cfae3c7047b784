"""The aging API is kept per ledger version: asked again on an unchanged ledger it runs
no aggregation, and an import, a payment or any timeline event shows at once."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.domain.model import Event
from hub.ledger.import_runs import append_events
from hub.services.read.report_cache import cached_aging_report
from tests.builders import add_payment

AS_OF = date(2026, 11, 23)


@contextmanager
def statements(hub: Hub) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    sa.event.listen(hub.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(hub.engine, "before_cursor_execute", record)


def eur_total(hub: Hub, by: str = "currency") -> str:
    report = cached_aging_report(hub.engine, AS_OF, by)
    return str(next(row.total.amount for row in report.totals if row.currency == "EUR"))


def test_an_unchanged_ledger_is_not_aggregated_again(ledger: Hub) -> None:
    first = eur_total(ledger)
    with statements(ledger) as seen:
        assert eur_total(ledger) == first
    assert len(seen) == 1  # the version lookup only
    assert "invoices" not in seen[0]


def test_an_import_shows_at_once(ledger: Hub, tmp_path: Path) -> None:
    assert eur_total(ledger) == "3100.00"
    path = tmp_path / "invoices.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["invoice_number", "customer_id", "issue_date", "due_date",
                         "currency", "amount"])
        writer.writerow(["N-1", "BOLT", "2026-11-01", "2026-11-30", "EUR", "99.00"])
    import_file(ledger.engine, path, "invoices", actor="tests", clock=ledger.clock)
    assert eur_total(ledger) == "3199.00"


def test_a_payment_shows_at_once(ledger: Hub) -> None:
    assert eur_total(ledger, "owner") == "3100.00"
    with ledger.engine.begin() as connection:
        b1 = connection.execute(sa.text("SELECT id, customer_id FROM invoices "
                                        "WHERE number = 'B-1'")).one()
        add_payment(connection, "late", received_on="2026-11-22", amount="100.00",
                    customer_id=b1.customer_id, allocate={b1.id: "100.00"})
    assert eur_total(ledger, "owner") == "3000.00"


def test_any_timeline_event_is_a_new_version(ledger: Hub) -> None:
    assert eur_total(ledger) == "3100.00"
    with ledger.engine.begin() as connection:  # e.g. a write-off from the account page
        connection.execute(sa.text("UPDATE invoices SET status = 'written_off' "
                                   "WHERE number = 'B-1'"))
        append_events(connection, [Event(occurred_at=ledger.clock.now(), actor="tests",
                                         kind="invoice.written_off", customer_code="BOLT",
                                         summary="B-1 written off")],
                      {"BOLT": connection.execute(sa.text(
                          "SELECT id FROM customers WHERE code = 'BOLT'")).scalar_one()})
    assert eur_total(ledger) == "1100.00"
