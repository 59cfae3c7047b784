"""Each preset reads the layout it promises (docs/imports.md), including the title,
section and total rows real report exports carry."""

from __future__ import annotations

import shutil
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from hub.domain.records import InvoiceRecord
from hub.domain.records import RejectedRow
from sync.sources.rows import ColumnsError
from sync.sources.tabular import open_source
from tests.unit.sources.conftest import Reader

SAP = (
    "Customer Line Item Display\n"
    "\n"
    "\tSt\tCustomer\tName 1\tAssignment\tDocumentNo\tType\tReference\tDoc. Date\t"
    "Net due date\tAmount in DC\tCurr.\tText\n"
    "\t@5C@\t100042\tRheinwerk GmbH\t0090001234\t1800000123\tRV\t90001234\t03.11.2026\t"
    "03.12.2026\t1.234,56\tEUR\tDelivery 4711\n"
    "\t@5C@\t100042\tRheinwerk GmbH\t0090001240\t1800000130\tDG\t\t10.11.2026\t"
    "10.11.2026\t200,00-\tEUR\tCredit memo\n"
    "\t*\t100042\t\t\t\t\t\t\t\t1.034,56\tEUR\t\n")

QUICKBOOKS = (
    '"A/R Aging Detail"\n'
    '"Craig\'s Design and Landscaping Services"\n'
    '"As of November 23, 2026"\n'
    "\n"
    '"","Date","Transaction Type","Num","Customer","Due Date","Past Due","Amount",'
    '"Open Balance"\n'
    '"Current","","","","","","","",""\n'
    '"","11/01/2026","Invoice","1037","Sonnenschein Family Store","12/01/2026","-8",'
    '"$1,362.07","$362.07"\n'
    '"","11/05/2026","Credit Memo","1040","Sonnenschein Family Store","11/05/2026","18",'
    '"-$100.00","-$100.00"\n'
    '"Total for Current","","","","","","","$1,262.07","$262.07"\n'
    '"TOTAL","","","","","","","$1,262.07","$262.07"\n')

XERO = (
    "ContactName,Date,Reference,DueDate,Overdue,Currency,Total,Paid,Credited,Due\n"
    "Ridgeway University,12 Oct 2026,INV-0042,11 Nov 2026,12 days overdue,GBP,"
    "2400.00,400.00,0.00,2000.00\n"
    "Total Ridgeway University,,,,,,2400.00,400.00,0.00,2000.00\n")


def test_sap_fbl5n_line_items(read: Reader) -> None:
    invoice, credit = read(SAP, name="fbl5n.txt", preset="sap-fbl5n")
    assert isinstance(invoice, InvoiceRecord)
    assert isinstance(credit, InvoiceRecord)
    assert (invoice.number, invoice.customer_code, invoice.customer_name) == \
        ("90001234", "100042", "Rheinwerk GmbH")
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 11, 3), date(2026, 12, 3))
    assert (invoice.amount, invoice.currency) == (Decimal("1234.56"), "EUR")
    assert invoice.line == 4
    assert credit.number == "1800000130"  # no Reference: the document number
    assert credit.amount == Decimal("-200.00")
    assert credit.is_credit


def test_quickbooks_aging_detail_skips_titles_sections_and_totals(read: Reader) -> None:
    invoice, credit = read(QUICKBOOKS, preset="quickbooks-ar-aging-detail", currency="USD")
    assert isinstance(invoice, InvoiceRecord)
    assert isinstance(credit, InvoiceRecord)
    assert (invoice.number, invoice.customer_code) == ("1037", "Sonnenschein Family Store")
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 11, 1), date(2026, 12, 1))
    assert (invoice.amount, invoice.open_amount) == (Decimal("1362.07"), Decimal("362.07"))
    assert credit.amount == Decimal("-100.00")


def test_quickbooks_without_a_currency_asks_for_one(read: Reader) -> None:
    with pytest.raises(ColumnsError, match=r"missing required column\(s\) 'Currency' "
                                           r"\(currency; or give a default with --currency\) .*; "
                                           r"columns found: 'Date', "):
        read(QUICKBOOKS, preset="quickbooks-ar-aging-detail")


def test_xero_aged_receivables(read: Reader) -> None:
    (record,) = read(XERO, preset="xero-aged-receivables")
    assert isinstance(record, InvoiceRecord)
    assert (record.number, record.customer_code, record.currency) == \
        ("INV-0042", "Ridgeway University", "GBP")
    assert (record.issue_date, record.due_date) == (date(2026, 10, 12), date(2026, 11, 11))
    assert (record.amount, record.open_amount) == (Decimal("2400.00"), Decimal("2000.00"))


def test_ibm_rows_are_settled_invoices_with_padded_numbers(read: Reader) -> None:
    text = ("countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,"
            "InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\n"
            "391,0379-NEVHP,4/6/2013,611365,1/2/2013,2/1/2013,38.0,No,1/15/2013,Paper,13,0\n"
            "391,0379-NEVHP,,611366,1/2/2013,2/1/2013,38.0,No,1/15/2013,,13,0\n")
    record, broken = read(text, preset="ibm-late-payment")
    assert isinstance(record, InvoiceRecord)
    assert (record.number, record.customer_segment, record.description) == \
        ("0000611365", "country-391", "Paper bill")
    assert (record.amount, record.currency, record.disputed) == (Decimal("38.00"), "USD", False)
    assert record.settled_on == date(2013, 1, 15)
    assert broken == RejectedRow(3, "PaperlessBill is empty; PaperlessDate is empty")


@pytest.mark.shared_data
def test_the_dirty_ibm_file_rejects_each_broken_row(shared_data: Path, tmp_path: Path) -> None:
    source = tmp_path / "dirty.csv"
    shutil.copy(shared_data / "ar" / "ibm-late-payment-histories-dirty.csv", source)
    with open_source(source, "invoices", preset="ibm-late-payment") as opened:
        items = list(opened.records())
    rejected = [item for item in items if isinstance(item, RejectedRow)]
    assert len(items) == 2586
    assert len(rejected) == 120
    assert {item.reason for item in rejected} == {"PaperlessBill is empty; "
                                                  "PaperlessDate is empty"}


def _workbook(path: Path) -> None:
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "Cover"
    cover.append(["This sheet is not the data"])
    sheet = book.create_sheet("Open items")
    sheet.append(["Open items per 23.11.2026"])
    sheet.append([])
    sheet.append(["invoice_number", "customer_id", "issue_date", "due_date", "currency",
                  "amount", "disputed"])
    naive = [datetime(2026, 11, 3), datetime(2026, 12, 3)]  # noqa: DTZ001 - Excel has no zones
    sheet.append([10042, "C1", *naive, "EUR", 0.1 + 0.2, True])
    sheet.append(["INV-2", "C2", 46085, 46115, "EUR", 1500])
    book.save(path)


def test_xlsx_sheets_with_typed_cells(tmp_path: Path) -> None:
    path = tmp_path / "open-items.xlsx"
    _workbook(path)
    mapping = tmp_path / "sheet.yaml"
    mapping.write_text("extends: generic\nsheet: Open items\ndates: [iso, excel]\n"
                       "extra_columns: ignore\n", encoding="utf-8")
    with open_source(path, "invoices", mapping=mapping) as source:
        first, second = source.records()
    assert isinstance(first, InvoiceRecord)
    assert isinstance(second, InvoiceRecord)
    assert (first.number, first.line, first.amount, first.disputed) == \
        ("10042", 4, Decimal("0.30"), True)
    assert (first.issue_date, first.due_date) == (date(2026, 11, 3), date(2026, 12, 3))
    assert (second.issue_date, second.amount, second.disputed) == \
        (date(2026, 3, 4), Decimal("1500.00"), None)


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "open-items.xlsx"
    _workbook(path)
    mapping = tmp_path / "sheet.yaml"
    mapping.write_text("extends: generic\nsheet: Invoices\n", encoding="utf-8")
    with pytest.raises(Exception, match="no sheet named 'Invoices'; sheets: Cover, Open items"):
        open_source(path, "invoices", mapping=mapping)
