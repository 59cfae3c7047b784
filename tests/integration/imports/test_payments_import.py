"""`import payments`: rows become incoming payments, stored once and matched to
invoices by the payments service."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import allocations
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.imports.conftest import PAYMENT_HEADER
from tests.integration.imports.conftest import Importer
from tests.integration.imports.conftest import Writer
from tests.integration.imports.conftest import snapshot


def test_payments_are_recorded_once_and_matched(hub: Hub, write_csv: Writer,
                                                run: Importer) -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, "C1", name="Polder Foods B.V.")
        add_invoice(connection, "INV-2026-000123", customer, issued="2026-10-01",
                    due="2026-10-31", amount="100.00")
    path = write_csv("payments.csv", PAYMENT_HEADER, [
        ["BANK-1", "2026-11-02", "100.00", "EUR", "Polder Foods B.V.", "NL91ABNA0417164300",
         "Invoice INV-2026-000123", ""],
        ["BANK-2", "2026-11-03", "17.00", "EUR", "Somebody", "", "no idea", ""],
        ["BANK-2", "2026-11-03", "17.00", "EUR", "Somebody", "", "no idea", ""],
        ["BANK-3", "2026-11-04", "-5.00", "EUR", "Refund", "", "", ""]])
    result = run(path, "payments")
    assert (result.created, result.unchanged, result.rejected) == (2, 0, 2)
    assert (result.details["matched"], result.details["unmatched"]) == (1, 1)
    with hub.engine.connect() as connection:
        assert connection.scalar(sa.select(invoices.c.status)) == "paid"
        assert connection.scalar(sa.select(sa.func.count()).select_from(allocations)) == 1
        assert set(connection.execute(sa.select(payments.c.reference)).scalars()) == \
            {"BANK-1", "BANK-2"}
    text = Path(str(result.rejects_path)).read_text(encoding="utf-8-sig")
    assert "payment reference BANK-2 appears twice in the file (first on line 3)" in text
    assert "amount -5.00 is not positive" in text
    before = snapshot(hub)
    again = run(path, "payments")
    assert (again.created, again.unchanged) == (0, 2)
    assert snapshot(hub) == before
