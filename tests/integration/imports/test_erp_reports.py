"""ERP report exports as the products write them, imported into the ledger (SQLite and
PostgreSQL): an SAP FBL5N yen amount in German notation, QuickBooks section and footer
lines written as one cell, and a Xero aged-receivables report grouped by contact."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from babel.numbers import get_currency_precision
from openpyxl import Workbook

from hub.bootstrap import Hub
from hub.domain.currency import minor_units
from hub.ledger.tables import credit_notes
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from tests.integration.imports.conftest import Importer


def _ledger(hub: Hub) -> dict[str, tuple[str, str, Decimal, Decimal]]:
    """invoice number -> (customer code, currency, amount, open amount)."""
    with hub.engine.connect() as connection:
        rows = connection.execute(
            sa.select(invoices.c.number, customers.c.code, invoices.c.currency,
                      invoices.c.amount_minor, invoices.c.open_minor)
            .join(customers, customers.c.id == invoices.c.customer_id)).all()
    return {row.number: (row.code, row.currency,
                         Decimal(row.amount_minor).scaleb(-minor_units(row.currency)),
                         Decimal(row.open_minor).scaleb(-minor_units(row.currency)))
            for row in rows}


SAP_YEN = (
    "Customer Line Item Display\n"
    "\n"
    "\tSt\tCustomer\tName 1\tDocumentNo\tType\tReference\tDoc. Date\tNet due date\t"
    "Amount in DC\tCurr.\tText\n"
    "\t@5C@\t200007\tTokai Seiki KK\t1800000201\tRV\t90005001\t03.11.2026\t03.12.2026\t"
    "150.000\tJPY\tParts\n"
    "\t@5C@\t200007\tTokai Seiki KK\t1800000202\tDG\t\t10.11.2026\t10.11.2026\t"
    "12.500-\tJPY\tCredit memo\n"
    "\t@5C@\t200008\tReykjavik Fish ehf\t1800000203\tRV\t90005002\t04.11.2026\t04.12.2026\t"
    "1.250.000\tISK\tFish\n"
    "\t@5C@\t200009\tRheinwerk GmbH\t1800000204\tRV\t90005003\t05.11.2026\t05.12.2026\t"
    "1.500\tEUR\tAmbiguous\n")


def test_sap_yen_and_krona_amounts_in_german_notation_are_read(
        hub: Hub, run: Importer, tmp_path: Path) -> None:
    for code in ("JPY", "KRW", "ISK", "CLP"):  # the digits agree with Babel's (CLDR)
        assert minor_units(code) == get_currency_precision(code) == 0
    path = tmp_path / "fbl5n.txt"
    path.write_text(SAP_YEN, encoding="utf-8")
    result = run(path, preset="sap-fbl5n")
    ledger = _ledger(hub)
    assert ledger["90005001"] == ("200007", "JPY", Decimal(150000), Decimal(150000))
    with hub.engine.connect() as connection:  # the credit memo, 12.500- yen
        assert connection.execute(sa.select(credit_notes.c.amount_minor).where(
            credit_notes.c.number == "1800000202")).scalar_one() in (12500, -12500)
    assert ledger["90005002"] == ("200008", "ISK", Decimal(1250000), Decimal(1250000))
    # a currency with cents still cannot tell 1.500 apart: one thousand five hundred, or
    # one and a half? The row is rejected with the reason, not guessed
    assert result.rejected == 1
    assert "'1.500' is ambiguous" in Path(str(result.rejects_path)).read_text("utf-8-sig")


QUICKBOOKS = (
    '"A/R Aging Detail"\n'
    '"Craig\'s Design and Landscaping Services"\n'
    '"As of November 23, 2026"\n'
    "\n"
    '"","Date","Transaction Type","Num","Customer","Due Date","Past Due","Amount",'
    '"Open Balance"\n'
    "Current\n"
    '"","11/01/2026","Invoice","1037","Sonnenschein Family Store","12/01/2026","-8",'
    '"$1,362.07","$362.07"\n'
    '"Total for Current","","","","","","","$1,362.07","$362.07"\n'
    '"1 - 30 days past due"\n'
    '"","10/01/2026","Invoice","1021","Amy\'s Bird Sanctuary","10/31/2026","23",'
    '"$239.00","$239.00"\n'
    '"Total for 1 - 30 days past due","","","","","","","$239.00","$239.00"\n'
    '"TOTAL","","","","","","","$1,601.07","$601.07"\n'
    "\n"
    '"Monday, November 23, 2026 09:15 AM GMT-08:00"\n')


def test_quickbooks_one_cell_sections_and_footer_are_skipped_on_every_import(
        hub: Hub, run: Importer, tmp_path: Path) -> None:
    path = tmp_path / "aging.csv"
    path.write_text(QUICKBOOKS, encoding="utf-8")
    for _ in range(2):
        result = run(path, preset="quickbooks-ar-aging-detail", currency="USD")
        assert (result.rejected, result.rejects_path) == (0, None)
    assert _ledger(hub) == {
        "1037": ("Sonnenschein Family Store", "USD", Decimal("1362.07"), Decimal("362.07")),
        "1021": ("Amy's Bird Sanctuary", "USD", Decimal("239.00"), Decimal("239.00"))}


XERO_ROWS = [
    ["Aged Receivables Detail"],
    ["Demo Company (UK)"],
    ["As at 30 November 2026"],
    [],
    ["Invoice Date", "Invoice Number", "Due Date", "Overdue", "Currency", "Total", "Paid",
     "Credited", "Due"],
    ["Ridgeway University"],
    ["12 Oct 2026", "INV-0042", "11 Nov 2026", "19 days overdue", "GBP", "2400.00",
     "400.00", "0.00", "2000.00"],
    ["20 Oct 2026", "INV-0047", "19 Nov 2026", "11 days overdue", "GBP", "150.00", "0.00",
     "0.00", "150.00"],
    ["Total Ridgeway University", "", "", "", "", "2550.00", "400.00", "0.00", "2150.00"],
    ["City Limousines"],
    ["01 Nov 2026", "INV-0050", "15 Nov 2026", "15 days overdue", "GBP", "99.50", "0.00",
     "0.00", "99.50"],
    ["01 Nov 2026", "INV-0051", "not a date", "", "GBP", "10.00", "0.00", "0.00", "10.00"],
    ["02 Nov 2026"],  # a lone date: a broken row (rejected), not a contact heading
    ["Total City Limousines", "", "", "", "", "109.50", "0.00", "0.00", "109.50"],
    ["Total", "", "", "", "", "2659.50", "400.00", "0.00", "2259.50"],
]
XERO_LEDGER = {
    "INV-0042": ("Ridgeway University", "GBP", Decimal("2400.00"), Decimal("2000.00")),
    "INV-0047": ("Ridgeway University", "GBP", Decimal("150.00"), Decimal("150.00")),
    "INV-0050": ("City Limousines", "GBP", Decimal("99.50"), Decimal("99.50"))}


def test_xero_report_grouped_by_contact_imports_each_invoice_under_its_contact(
        hub: Hub, run: Importer, tmp_path: Path) -> None:
    path = tmp_path / "aged.csv"
    path.write_text("\n".join(",".join(row) for row in XERO_ROWS) + "\n", encoding="utf-8")
    result = run(path, preset="xero-aged-receivables")
    assert _ledger(hub) == XERO_LEDGER
    assert result.rejected == 2  # the broken rows, kept with their contact for the fix
    rejects = Path(str(result.rejects_path)).read_text("utf-8-sig").splitlines()
    assert rejects[0].endswith(",(heading row)")
    assert "INV-0051" in rejects[1]
    assert rejects[1].endswith(",City Limousines")


def test_xero_grouped_report_as_a_workbook(hub: Hub, run: Importer, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in XERO_ROWS:
        sheet.append(row)
    path = tmp_path / "aged.xlsx"
    book.save(path)
    run(path, preset="xero-aged-receivables")
    assert _ledger(hub) == XERO_LEDGER
