"""The camt reader on small statements written here, one rule at a time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sync.sources.bank import StatementError
from sync.sources.bank import parse_statement


def entry(amount: str = "100.00", *, ccy: str = "EUR", side: str = "CRDT",
          status: str = "<Sts>BOOK</Sts>", reversal: str = "", ref: str = "REF-1",
          details: str = "", info: str = "") -> str:
    return f"""
      <Ntry>
        <Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>{reversal}{status}
        <BookgDt><Dt>2026-11-19</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>
        {f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""}
        {f"<NtryDtls>{details}</NtryDtls>" if details else ""}
        {f"<AddtlNtryInf>{info}</AddtlNtryInf>" if info else ""}
      </Ntry>"""


def tx(amount: str | None = None, *, name: str = "Acme BV", iban: str = "NL91ABNA0417164300",
       text: str | None = None, strd: str = "", ccy: str = "EUR") -> str:
    return f"""
        <TxDtls>
          <Refs><EndToEndId>E2E-{name[:4]}</EndToEndId></Refs>
          {f'<Amt Ccy="{ccy}">{amount}</Amt>' if amount is not None else ""}
          <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>
          <RmtInf>{f"<Ustrd>{text}</Ustrd>" if text else ""}{strd}</RmtInf>
        </TxDtls>"""


def camt(*entries: str, message: str = "camt.053.001.02", wrapper: str = "BkToCstmrStmt",
         report: str = "Stmt") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{message}">
  <{wrapper}><GrpHdr><MsgId>M1</MsgId></GrpHdr>
    <{report}><Id>S1</Id><Acct><Id><IBAN>NL02BANK0123456789</IBAN></Id></Acct>
      {"".join(entries)}
    </{report}>
  </{wrapper}>
</Document>""".encode()


def test_credit_with_payer_remittance_and_bank_reference() -> None:
    parsed = parse_statement(camt(entry(details=tx(text="Invoice INV-1"))), "s.xml")
    (payment,) = parsed.payments
    assert payment.reference == "NL02BANK0123456789/REF-1"
    assert str(payment.received_on) == "2026-11-20"  # the value date
    assert payment.amount.amount == Decimal("100.00")
    assert (payment.payer_name, payment.payer_account) == ("Acme BV", "NL91ABNA0417164300")
    assert payment.remittance == "Invoice INV-1"
    assert parsed.format == "camt.053.001.02"


def test_debits_reversals_and_pending_entries_are_skipped_and_counted() -> None:
    parsed = parse_statement(camt(
        entry(side="DBIT", ref="D1"), entry(reversal="<RvslInd>true</RvslInd>", ref="R1"),
        entry(status="<Sts><Cd>PDNG</Cd></Sts>", ref="P1"), entry(ref="C1")), "s.xml")
    assert [p.reference.rsplit("/", 1)[1] for p in parsed.payments] == ["C1"]
    assert (parsed.summary.debits_skipped, parsed.summary.reversals_skipped,
            parsed.pending_skipped) == (1, 1, 1)


def test_batch_splits_per_transaction_when_the_amounts_add_up() -> None:
    parsed = parse_statement(camt(entry("300.00", details=tx("100.00", name="A")
                                        + tx("200.00", name="B"))), "s.xml")
    assert [(p.payer_name, str(p.amount.amount), p.reference[-2:]) for p in parsed.payments] == [
        ("A", "100.00", "/1"), ("B", "200.00", "/2")]


def test_batch_that_does_not_add_up_stays_one_payment() -> None:
    parsed = parse_statement(camt(entry("300.00", details=tx("100.00", text="one")
                                        + tx(None, text="two"))), "s.xml")
    (payment,) = parsed.payments
    assert payment.amount.amount == Decimal("300.00")
    assert payment.remittance == "one two"


def test_single_detail_with_zero_amount_takes_the_entry_amount() -> None:
    parsed = parse_statement(camt(entry("75.50", details=tx("0"))), "s.xml")
    assert parsed.payments[0].amount.amount == Decimal("75.50")


def test_structured_references_are_collected() -> None:
    strd = """<Strd><RfrdDocInf><Nb>INV-7</Nb></RfrdDocInf>
              <CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
              <Ref>RF18539007547034</Ref></CdtrRefInf></Strd>"""
    parsed = parse_statement(camt(entry(details=tx(strd=strd))), "s.xml")
    assert parsed.payments[0].structured_reference == "RF18539007547034 INV-7"


def test_version_08_nesting_and_052_054_messages_read_alike() -> None:
    v08 = tx(text="x").replace("<Dbtr><Nm>Acme BV</Nm></Dbtr>",
                               "<Dbtr><Pty><Nm>Acme BV</Nm></Pty></Dbtr>")
    for message, wrapper, report in (("camt.053.001.08", "BkToCstmrStmt", "Stmt"),
                                     ("camt.052.001.08", "BkToCstmrAcctRpt", "Rpt"),
                                     ("camt.054.001.08", "BkToCstmrDbtCdtNtfctn", "Ntfctn")):
        data = camt(entry(status="<Sts><Cd>BOOK</Cd></Sts>", details=v08), message=message,
                    wrapper=wrapper, report=report)
        parsed = parse_statement(data, "s.xml")
        assert parsed.format == message
        assert [p.payer_name for p in parsed.payments] == ["Acme BV"]


def test_reference_without_bank_reference_is_a_stable_digest() -> None:
    data = camt(entry(ref="", info="first"), entry(ref="", info="second"))
    first = [p.reference for p in parse_statement(data, "s.xml").payments]
    again = [p.reference for p in parse_statement(data, "s.xml").payments]
    assert first == again
    assert len(set(first)) == 2


def test_repeated_bank_reference_within_a_file_is_made_unique() -> None:
    parsed = parse_statement(camt(entry(ref="NONUNIQUE", info="a"),
                                  entry(ref="NONUNIQUE", info="b")), "s.xml")
    assert len({p.reference for p in parsed.payments}) == 2


def test_unknown_currency_line_is_rejected_with_file_and_currency() -> None:
    parsed = parse_statement(camt(entry(ccy="XXX"), entry(ref="OK")), "s.xml")
    assert len(parsed.payments) == 1
    assert parsed.rejected == [
        "s.xml: entry 1: currency 'XXX' is not an ISO 4217 currency in use (historic and "
        "placeholder codes such as DEM or XXX cannot be held in the ledger); not imported"]


def test_bad_amount_is_rejected_not_raised() -> None:
    parsed = parse_statement(camt(entry("12.345")), "s.xml")
    assert parsed.payments == []
    assert "s.xml: entry 1: amount '12.345'" in parsed.rejected[0]


def test_truncated_xml_is_refused_with_the_file_name() -> None:
    with pytest.raises(StatementError, match=r"^cut\.xml: not well-formed XML"):
        parse_statement(camt(entry())[:300], "cut.xml")


def test_other_xml_is_refused() -> None:
    pain = (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
            b"<CstmrCdtTrfInitn/></Document>")
    with pytest.raises(StatementError, match=r"pain\.xml: not a camt.*pain\.001\.001\.03"):
        parse_statement(pain, "pain.xml")


def test_external_entities_are_never_resolved() -> None:
    evil = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<Stmt><Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<AddtlNtryInf>&x;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""
    with pytest.raises(StatementError, match=r"evil\.xml: has a DOCTYPE"):
        parse_statement(evil, "evil.xml")
