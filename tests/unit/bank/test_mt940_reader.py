"""The MT940 reader on small statements written here, and format detection."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest

from sync.sources import bank
from sync.sources.bank import StatementError
from sync.sources.bank import parse_statement
from sync.sources.bank import read_statement
from sync.sources.bank.mt940 import prepare

HEAD = ":20:STMT1\n:25:NL02BANK0123456789\n:28C:1/1\n:60F:C261119EUR1000,00\n"
TAIL = ":62F:C261120EUR1500,00\n-\n"


def mt940(*lines: str, head: str = HEAD) -> bytes:
    return (head + "".join(lines) + TAIL).encode()


def test_credit_with_dutch_tagged_details() -> None:
    data = mt940(":61:2611201120C250,00NTRFNONREF//BANKREF1\n",
                 ":86:/EREF/E2E-9/CNTP/NL91ABNA0417164300/ABNANL2A/ACME BV/AMSTERDAM/"
                 "REMI/Factuur INV-000123/\n")
    (payment,) = parse_statement(data, "s.sta").payments
    assert payment.reference == "NL02BANK0123456789/BANKREF1"
    assert payment.amount.amount == Decimal("250.00")
    assert str(payment.received_on) == "2026-11-20"
    assert (payment.payer_name, payment.payer_account) == ("ACME BV", "NL91ABNA0417164300")
    assert payment.remittance == "Factuur INV-000123"
    assert payment.end_to_end_id == "E2E-9"


def test_german_structured_details() -> None:
    data = mt940(":61:2611201120CR99,95NTRFNONREF//B2\n",
                 ":86:166?00GUTSCHRIFT?20EREF+E2E-7?21SVWZ+Rechnung 4711?30BANKDEFF"
                 "?31DE02120300000000202051?32Muster GmbH\n")
    (payment,) = parse_statement(data, "s.sta").payments
    assert payment.payer_name == "Muster GmbH"
    assert payment.payer_account == "DE02120300000000202051"
    assert "Rechnung 4711" in (payment.remittance or "")


def test_debits_are_skipped_and_a_reversed_credit_is_read_as_a_reversal() -> None:
    parsed = parse_statement(mt940(":61:2611201120D10,00NTRFNONREF\n:86:fee\n",
                                   ":61:2611201120RC5,00NTRFNONREF//BANK-9\n:86:back\n",
                                   ":61:2611201120RD3,00NTRFNONREF\n:86:debit back\n",
                                   ":61:2611201120C7,00NTRFNONREF\n:86:in\n"), "s.sta")
    assert [str(p.amount.amount) for p in parsed.payments] == ["7.00"]
    # RC takes back an earlier credit: the payment it reverses is found at import
    (reversal,) = parsed.reversals
    assert (str(reversal.amount.amount), reversal.original_reference) == ("5.00",
                                                                          "NL02BANK0123456789/BANK-9")
    # RD takes back a debit: nothing of a customer's
    assert (parsed.summary.debits_skipped, parsed.summary.reversals_skipped) == (1, 1)


def test_swift_block_framing_and_long_customer_reference_are_repaired() -> None:
    framed = ("{1:F01ASNBNL21XXXX0000000000}{2:O940ASNBNL21XXXXN}{3:}{4:\n" + HEAD
              + ":61:2611201120C1000,00NIOBNL56ASNB9999999999\nj jansen\n"
              + ":86:NL56ASNB9999999999 j jansen\nINV 42\n" + ":62F:C261120EUR2000,00\n-}{5:}\n")
    assert "{" not in prepare(framed)
    (payment,) = parse_statement(framed.encode(), "asn.940").payments
    assert (payment.payer_account, payment.payer_name) == ("NL56ASNB9999999999", "j jansen")
    assert "INV 42" in (payment.remittance or "")


def test_statement_level_information_is_not_glued_to_the_last_line() -> None:
    data = (HEAD + ":61:2611201120C1,00NTRFNONREF\n:86:thanks\n:62F:C261120EUR1,00\n"
            ":86:D000004C000002D25,24C28,71\n-XXX\n").encode()
    (payment,) = parse_statement(data, "s.sta").payments
    assert payment.remittance == "thanks"


def test_full_width_lines_are_joined_without_a_space() -> None:
    line = "/REMI/" + "x" * 53 + "INV-00"  # 65 characters after the tag, as banks write
    assert len(line) == 65
    data = mt940(":61:2611201120C1,00NTRFNONREF\n", f":86:{line}\n17/NAME/ACME/\n")
    (payment,) = parse_statement(data, "s.sta").payments
    assert (payment.remittance or "").endswith("INV-0017")


def test_windows_1252_text_is_read() -> None:
    data = mt940(":61:2611201120C1,00NTRFNONREF\n", ":86:Zahlung M\xfcller\n")
    (payment,) = parse_statement(data.replace(b"\\xfc", b"\xfc"), "s.sta").payments
    assert payment.remittance == "Zahlung Müller"


def test_unknown_currency_is_rejected_per_line() -> None:
    data = mt940(":61:2611201120C1,00NTRFNONREF\n:86:old\n",
                 head=HEAD.replace("EUR", "DEM"))
    parsed = parse_statement(data, "old.sta")
    assert parsed.payments == []
    assert parsed.rejected[0].startswith("old.sta: statement 1, transaction 1: currency 'DEM'")


def test_unreadable_transaction_line_names_the_file_and_line_quietly(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    data = mt940(":61:2611201120C5,00NTRFNONREF\n:86:fine\n",
                 ":61:26112X1120C1,00NTRFNONREF\n")
    with pytest.raises(StatementError) as refused:
        parse_statement(data, "bad.sta")
    assert str(refused.value) == ("bad.sta line 7: cannot read this MT940 line: "
                                  "':61:26112X1120C1,00NTRFNONREF'")
    assert [r for r in caplog.records if r.name.startswith("mt940")] == []  # no package noise


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "the file is empty"),
    (b"  \r\n", "the file is empty"),
    (b"OFXHEADER:100\nDATA:OFXSGML\n", "looks like an OFX file"),
    (b"%PDF-1.7\n", "looks like a PDF document"),
    (b"01,122099999,123456789,150623,0200,1,65,,2/\n", "looks like a BAI2 file"),
    (b"date;amount\n2026-11-20;12.00\n", "not a bank statement this hub can read"),
])
def test_wrong_files_are_refused_with_name_and_reason(content: bytes, problem: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(content, "upload.dat")
    assert str(caught.value).startswith("upload.dat: ")
    assert problem in str(caught.value)


def test_missing_file_folder_and_huge_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    with pytest.raises(StatementError, match="cannot be read"):
        read_statement(tmp_path / "missing.xml")
    with pytest.raises(StatementError, match="is a folder"):
        read_statement(tmp_path)
    big = tmp_path / "big.sta"
    big.write_bytes(mt940(":61:2611201120C1,00NTRFNONREF\n"))
    monkeypatch.setattr(bank, "MAX_BYTES", 10)
    with pytest.raises(StatementError, match=r"big\.sta: .* larger than a bank statement"):
        read_statement(big)
