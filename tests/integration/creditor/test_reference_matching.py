"""Must show: a bank statement credit that carries the payment reference the hub printed
is matched by that reference alone: no amount, payer name or payer account to help (or
mislead) it. camt.053 `CdtrRefInf/Ref` and MT940 `:86:` text, in the formats banks write;
RF, Belgian, Dutch and Finnish references; per invoice and per customer. On SQLite and
PostgreSQL, through the statement reader and the import service."""

from __future__ import annotations

import pytest

from hub.bootstrap import Hub
from hub.domain.creditor import reference_for
from hub.domain.national_references import belgian_reference
from hub.domain.national_references import dutch_reference
from hub.domain.national_references import finnish_reference
from hub.domain.references import creditor_reference
from hub.services.payments import incoming as service
from sync.sources.bank import parse_statement
from tests.integration.payments import ledger_rows as rows


def camt053(amount: str, reference: str, *, debtor: str = "Unbekannt Handels AG",
            iban: str = "DE02120300000000202051", ustrd: str = "") -> bytes:
    """A camt.053.001.08 statement as German and Dutch banks send it: one booked SEPA
    credit transfer with a structured creditor reference (SCOR)."""
    unstructured = f"<Ustrd>{ustrd}</Ustrd>" if ustrd else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-20261120-001</MsgId><CreDtTm>2026-11-20T06:15:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>2026-11-20-0001</Id><ElctrncSeqNb>224</ElctrncSeqNb>
      <CreDtTm>2026-11-20T06:15:00+01:00</CreDtTm>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy>
        <Svcr><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></Svcr></Acct>
      <Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-19</Dt></Dt></Bal>
      <Ntry>
        <NtryRef>0001</NtryRef>
        <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>
        <AcctSvcrRef>2026112000001234</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <Amt Ccy="EUR">{amount}</Amt>
          <RltdPties>
            <Dbtr><Pty><Nm>{debtor}</Nm></Pty></Dbtr>
            <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf>{unstructured}
            <Strd><CdtrRefInf>
              <Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>
              <Ref>{reference}</Ref>
            </CdtrRefInf></Strd>
          </RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


def mt940(amount: str, details: str) -> bytes:
    """An MT940 statement (Rabobank-style Dutch tagged `:86:`)."""
    return (":20:940S261120\n:25:NL91ABNA0417164300\n:28C:00224/1\n"
            ":60F:C261119EUR10000,00\n"
            f":61:2611201120C{amount}N541NONREF//2026112000045\n"
            f":86:{details}\n"
            ":62F:C261120EUR10099,00\n-\n").encode()


@pytest.fixture
def ledger(hub: Hub) -> dict[str, int]:
    with hub.engine.begin() as connection:
        acme = rows.customer(connection, "ACME", "Acme Trading B.V.")
        rows.invoice(connection, acme, "INV-1001", "100.00", due="2026-09-30")
        rows.invoice(connection, acme, "INV-1002", "250.00", due="2026-10-31")
        bolt = rows.customer(connection, "C-4711", "Bolt GmbH")
        rows.invoice(connection, bolt, "INV-2001", "80.00", due="2026-08-15")
        rows.invoice(connection, bolt, "INV-2002", "70.00", due="2026-10-15")
    return {"ACME": acme, "BOLT": bolt}


def _import(hub: Hub, data: bytes, name: str) -> service.PaymentsResult:
    parsed = parse_statement(data, name)
    assert parsed.payments, parsed.rejected
    return service.import_statement(hub.engine, parsed.payments, source=parsed.source,
                                    actor="test", clock=hub.clock)


def _state(hub: Hub, number: str) -> tuple[str, str]:
    with hub.engine.connect() as connection:
        return rows.invoice_state(connection, number)


def test_a_camt053_credit_with_the_rf_reference_is_matched_by_it_alone(
        hub: Hub, ledger: dict[str, int]) -> None:
    """A stranger's name, an unknown account, an amount that equals no open invoice and
    no invoice number in any text: only the reference can place it."""
    reference = reference_for("INV-1002")  # as printed: "RF.. .... ...."
    result = _import(hub, camt053("99.00", reference), "camt053.xml")
    assert (result.matched_by_reference, result.matched_by_amount, result.unmatched) == (1, 0, 0)
    assert _state(hub, "INV-1002")[0] == "151.00"
    assert _state(hub, "INV-1001")[0] == "100.00"
    with hub.engine.connect() as connection:
        reference_of = "DE89370400440532013000/2026112000001234"
        assert rows.allocations_of(connection, reference_of) == \
            [("INV-1002", "99.00", "reference")]
        assert rows.payment_state(connection, reference_of)["customer"] == "ACME"


def test_the_reference_wins_over_an_amount_that_fits_another_invoice(
        hub: Hub, ledger: dict[str, int]) -> None:
    reference = creditor_reference("INV-1002")
    _import(hub, camt053("100.00", reference, debtor="Acme Trading B.V.",
                         ustrd="Zahlung"), "camt053.xml")
    assert _state(hub, "INV-1001")[0] == "100.00"  # equal amount, but not named
    assert _state(hub, "INV-1002")[0] == "150.00"


def test_a_wrong_check_digit_names_nothing(hub: Hub, ledger: dict[str, int]) -> None:
    good = creditor_reference("INV-1002")
    bad = good[:2] + f"{(int(good[2:4]) + 1) % 100:02d}" + good[4:]
    result = _import(hub, camt053("99.00", bad), "camt053.xml")
    assert result.unmatched == 1
    assert _state(hub, "INV-1002")[0] == "250.00"


def test_a_customer_reference_pays_that_customers_invoices_oldest_first(
        hub: Hub, ledger: dict[str, int]) -> None:
    result = _import(hub, camt053("100.00", creditor_reference("C-4711")), "camt053.xml")
    assert result.matched_by_reference == 1
    assert _state(hub, "INV-2001")[0] == "0.00"
    assert _state(hub, "INV-2002")[0] == "50.00"


@pytest.mark.parametrize("reference", [
    finnish_reference("INV-1002"),
    dutch_reference("INV-1002"),
    belgian_reference("INV-1002"),
])
def test_national_references_in_the_camt_reference_field(
        hub: Hub, ledger: dict[str, int], reference: str) -> None:
    result = _import(hub, camt053("99.00", reference), "camt053.xml")
    assert result.matched_by_reference == 1
    assert _state(hub, "INV-1002")[0] == "151.00"


@pytest.mark.parametrize("details", [
    # Dutch tagged :86: with a structured betalingskenmerk (ABN AMRO, Rabobank)
    "/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/J. JANSEN"
    "/REMI/STRD/CUR/{nl}/EREF/NOTPROVIDED",
    # Belgian structured communication in free text (BNP Paribas Fortis, KBC)
    "/TRTP/SEPA CREDIT TRANSFER/NAME/DUPONT SPRL/REMI/USTD//{be}/",
    # German structured :86: with the RF reference in the SVWZ sub-field
    "166?00SEPA-GUTSCHRIFT?20EREF+NOTPROVIDED?21SVWZ+{rf}?30BYLADEM1001"
    "?31DE02700202700010108669?32Unbekannt GmbH",
])
def test_mt940_86_text_carries_the_reference(hub: Hub, ledger: dict[str, int],
                                             details: str) -> None:
    text = details.format(nl=dutch_reference("INV-1002").replace(" ", ""),
                          be=belgian_reference("INV-1002"),
                          rf=reference_for("INV-1002"))
    result = _import(hub, mt940("99,00", text), "statement.sta")
    assert (result.matched_by_reference, result.unmatched) == (1, 0)
    assert _state(hub, "INV-1002")[0] == "151.00"
