"""Reading CSV files: encodings, delimiters, headers, quoting, and broken files."""

from __future__ import annotations

import codecs
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hub.domain.records import InvoiceRecord
from hub.domain.records import RejectedRow
from sync.sources import textfile
from sync.sources.rows import ColumnsError
from sync.sources.tabular import open_source
from sync.sources.textfile import UnreadableFile
from tests.unit.sources.conftest import Reader

HEADER = ("invoice_number,customer_id,customer_name,issue_date,due_date,currency,amount,"
          "open_amount,disputed,excluded,document_ref,description")
ROW = "INV-1,C1,Café Zoë,2026-01-05,2026-02-04,EUR,1250.00,250.00,no,yes,inv/1.pdf,Goods"


def test_a_generic_row_becomes_an_invoice_record(read: Reader) -> None:
    (record,) = read(f"{HEADER}\n{ROW}\n")
    assert record == InvoiceRecord(
        line=2, number="INV-1", customer_code="C1", customer_name="Café Zoë",
        customer_country=None, customer_segment=None, issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4), currency="EUR", amount=Decimal("1250.00"),
        open_amount=Decimal("250.00"), disputed=False, excluded=True,
        document_ref="inv/1.pdf", description="Goods", settled_on=None)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_any_delimiter_is_recognised(read: Reader, delimiter: str) -> None:
    text = f"{HEADER}\n{ROW}\n".replace(",", delimiter)
    (record,) = read(text)
    assert isinstance(record, InvoiceRecord)
    assert record.amount == Decimal("1250.00")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings(read: Reader, encoding: str) -> None:
    (record,) = read(f"{HEADER}\r\n{ROW}\r\n".encode(encoding))
    assert isinstance(record, InvoiceRecord)
    assert record.customer_name == "Café Zoë"
    assert record.number == "INV-1"  # a BOM does not stick to the first heading


def test_a_file_that_is_neither_utf8_nor_windows_1252(read: Reader) -> None:
    content = f"{HEADER}\n{ROW}\n".encode() + b"INV-2,C\x81\xff,x\n"
    with pytest.raises(UnreadableFile, match=r"neither UTF-8 .* nor Windows-1252"):
        read(content)


def test_windows_1252_behind_a_utf8_bom_names_the_exact_byte(read: Reader) -> None:
    head = codecs.BOM_UTF8 + f"{HEADER}\n".encode()
    content = head + b"INV-1,C1,Caf" + b"\xe9 Zo\xeb,2026-01-05\n"
    offset = len(head) + len("INV-1,C1,Caf")
    assert content[offset] == 0xE9
    with pytest.raises(UnreadableFile) as refused:
        read(content)
    assert str(refused.value).endswith(
        f"starts with a UTF-8 byte order mark but is not UTF-8 text (byte 0xe9 at offset "
        f"{offset}, line 2); save it as CSV UTF-8")


@pytest.mark.parametrize("start", [0, 1, 2, 3, 4, 5])
def test_the_offset_is_exact_across_reading_chunks(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   start: int) -> None:
    """A character cut by a chunk boundary: the decoder holds its first byte back."""
    monkeypatch.setattr(textfile, "CHUNK", 8)
    content = b"amount\n" + b"x" * start + "é".encode()[:1] + b"(9\n"
    offset = len(b"amount\n") + start
    path = tmp_path / "file.csv"
    path.write_bytes(codecs.BOM_UTF8 + content)
    with pytest.raises(UnreadableFile, match=re.escape(
            f"(byte 0xc3 at offset {offset + 3}, line 2)")):
        textfile.scan(path)
    path.write_bytes(content + b"\x81\n")  # no BOM, and not Windows-1252 either
    with pytest.raises(UnreadableFile, match=re.escape(
            f"neither UTF-8 (byte 0xc3 at offset {offset}, line 2) nor Windows-1252")):
        textfile.scan(path)


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "file.csv", "the file is empty"),
    (b"  \r\n\r\n", "file.csv", "the file is empty"),
    (b"invoice_number\x00,amount\n", "file.csv", "NUL bytes"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "file.xls", "old Excel .xls"),
    (b"not a zip", "file.xlsx", "not a valid XLSX workbook"),
    (b"PK\x03\x04broken zip", "file.xlsx", "not a readable XLSX workbook"),
])
def test_unreadable_files_say_why(read: Reader, content: bytes, name: str,
                                  message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        read(content, name=name)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="file not found"):
        open_source(tmp_path / "nope.csv", "invoices")


def test_a_header_without_rows_imports_nothing(read: Reader) -> None:
    assert read(f"{HEADER}\n") == []


def test_quoted_fields_keep_delimiters_and_line_breaks(read: Reader) -> None:
    text = (f"{HEADER}\n"
            'INV-1,C1,"Smith, Jones & Co",2026-01-05,2026-02-04,EUR,"1,250.00",,no,no,,'
            '"two\nlines"\n'
            "INV-2,C1,,2026-01-05,2026-02-04,EUR,10.00,,no,no,,\n")
    first, second = read(text)
    assert isinstance(first, InvoiceRecord)
    assert isinstance(second, InvoiceRecord)
    assert first.customer_name == "Smith, Jones & Co"
    assert first.amount == Decimal("1250.00")
    assert first.description == "two\nlines"
    assert (first.line, second.line) == (2, 4)  # the line each record starts on


def test_rows_with_the_wrong_number_of_fields_are_rejected(read: Reader) -> None:
    text = (f"{HEADER}\n"
            "INV-1,C1,x,2026-01-05,2026-02-04,EUR,10.00\n"
            "INV-2,C1,Smith, Jones,2026-01-05,2026-02-04,EUR,10.00,,no,no,,\n"
            f"{ROW}\n")
    short, long, fine = read(text)
    assert short == RejectedRow(2, "row has 7 fields, the header has 12")
    assert isinstance(long, RejectedRow)
    assert long.reason == "row has 13 fields, the header has 12"
    assert isinstance(fine, InvoiceRecord)


def test_every_problem_of_a_row_is_reported_at_once(read: Reader) -> None:
    text = (f"{HEADER}\n"
            ",C1,,2026-13-05,2026-02-04,EURO,12.5.0,,perhaps,no,,\n"
            "INV-2,C1,,2026-03-05,2026-02-04,EUR,10.00,20.00,no,no,,\n")
    broken, dates = read(text)
    assert isinstance(broken, RejectedRow)
    assert broken.reason == (
        "invoice_number is empty; "
        "issue_date: '2026-13-05' is not a date; expected iso (e.g. 2026-12-31); "
        "currency: 'EURO' is not an ISO 4217 currency code (e.g. EUR); "
        "disputed: 'perhaps' is not yes/no (expected yes, no, true, false, 1 or 0)")
    assert isinstance(dates, RejectedRow)
    assert dates.reason == ("due date 2026-02-04 is before issue date 2026-03-05; "
                            "open amount 20.00 is not between 0 and the amount 10.00")
    assert dates.cells[0] == "INV-2"  # the original row, for the rejects file


def test_missing_required_columns_are_named_with_the_columns_found(read: Reader) -> None:
    with pytest.raises(ColumnsError) as caught:
        read("invoice_number;customer;amount\nINV-1;C1;10\n")
    message = str(caught.value)
    assert "missing required column(s) 'customer_id', 'issue_date', 'due_date', " \
           "'currency'" in message
    assert "columns found: 'invoice_number', 'customer', 'amount'" in message


def test_the_generic_layout_refuses_unknown_columns(read: Reader) -> None:
    with pytest.raises(ColumnsError, match=r"unknown column\(s\) 'open_amout' \(did you mean "
                                           r"'open_amount'\?\)"):
        read(f"{HEADER},open_amout\n{ROW},1\n")


def test_a_rejects_file_can_be_imported_again(read: Reader) -> None:
    text = f"rejected_line,rejected_reason,{HEADER}\n7,bad date,{ROW}\n"
    (record,) = read(text)
    assert isinstance(record, InvoiceRecord)


def test_an_unclosed_quote_stops_the_file_after_streaming_the_rows_before_it(
        tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(f'{HEADER}\n{ROW}\nINV-2,C1,"unclosed,2026-01-05\n', encoding="utf-8")
    with open_source(path, "invoices") as source:
        rows = source.records()
        first = next(rows)
        assert isinstance(first, InvoiceRecord)
        with pytest.raises(UnreadableFile, match="malformed CSV at line 3"):
            next(rows)
