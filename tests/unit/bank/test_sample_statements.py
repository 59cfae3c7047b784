"""Every real statement in ../shared/data/bank is read, or refused with a
message naming the file; figures are checked against the files themselves."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hub.domain.errors import UserError
from sync.sources.bank import read_statement

pytestmark = pytest.mark.shared_data

# file: (credits, debits, reversals skipped, lines rejected), counted by reading each file
EXPECTED = {
    "camt053/OCA-bank-statement-import__test-camt053-txdtls.xml": (2, 0, 0, 0),
    "camt053/OCA-bank-statement-import__test-camt053.xml": (1, 1, 0, 0),
    "camt053/OCA-bank-statement-import__test-camt054.xml": (1, 0, 0, 0),
    "camt053/kedder-ofxstatement-iso20022__camt052.xml": (1, 4, 0, 0),
    "camt053/kedder-ofxstatement-iso20022__camt053.xml": (1, 0, 0, 0),
    "camt053/kedder-ofxstatement-iso20022__davider80.xml": (1, 15, 0, 0),
    "camt053/kedder-ofxstatement-iso20022__gcamp6.xml": (0, 0, 0, 5),  # currency XXX
    "camt053/kedder-ofxstatement-iso20022__simple.xml": (0, 4, 0, 0),
    "camt053/sebastienrousseau-camt053__business_sample_camt.053.001.04.xml": (2, 1, 0, 0),
    "camt053/sebastienrousseau-camt053__business_sample_camt.054.001.04.xml": (1, 0, 0, 0),
    "mt940/WoLpH-mt940__ASNB__0708271685_09022020_164516.940.txt": (3, 5, 0, 0),
    "mt940/WoLpH-mt940__betterplace__sepa_mt9401.sta": (41, 54, 0, 0),
    "mt940/WoLpH-mt940__betterplace__sepa_snippet.sta": (8, 3, 0, 0),
    "mt940/WoLpH-mt940__cmxl__mt940.sta": (3, 9, 0, 4),  # four DEM credits
    "mt940/WoLpH-mt940__jejik__abnamro.sta": (0, 10, 0, 0),
    "mt940/WoLpH-mt940__jejik__ing.sta": (2, 5, 0, 0),
    "mt940/WoLpH-mt940__jejik__rabobank-iban.sta": (0, 4, 0, 0),
    "mt940/WoLpH-mt940__jejik__triodos.sta": (0, 2, 0, 0),
    "mt940/WoLpH-mt940__mBank__mt942.sta": (3, 0, 0, 0),
}


# credits taken back (camt DBIT with RvslInd, MT940 RC): read, to reverse their payments
REVERSALS = {"camt053/OCA-bank-statement-import__test-camt053.xml": ["664.05"],
             "mt940/WoLpH-mt940__betterplace__sepa_mt9401.sta": ["204.88", "204.88"]}


def _bank(shared_data: Path) -> Path:
    return shared_data / "bank"


def test_every_sample_file_is_read_or_refused_with_its_name(shared_data: Path) -> None:
    files = sorted((_bank(shared_data) / "camt053").iterdir()) + sorted(
        (_bank(shared_data) / "mt940").iterdir())
    assert len(files) >= len(EXPECTED)
    for path in files:
        try:
            parsed = read_statement(path)
        except UserError as exc:
            refused = str(exc)
            assert path.name in refused
            continue
        assert parsed.summary.credits == len(parsed.payments)
        for payment in parsed.payments:
            assert payment.amount.amount > 0
            assert payment.reference
        assert len({p.reference for p in parsed.payments}) == len(parsed.payments)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_figures(shared_data: Path, name: str) -> None:
    parsed = read_statement(_bank(shared_data) / name)
    summary = parsed.summary
    assert (summary.credits, summary.debits_skipped, summary.reversals_skipped,
            len(parsed.rejected)) == EXPECTED[name]
    for message in parsed.rejected:
        assert message.startswith(Path(name).name)
    assert [str(r.amount.amount) for r in parsed.reversals] == REVERSALS.get(name, [])


def _payments(shared_data: Path, name: str) -> dict[str, tuple[str, str]]:
    parsed = read_statement(_bank(shared_data) / name)
    return {p.reference: (str(p.amount.amount), p.amount.currency) for p in parsed.payments}


def test_batch_entry_becomes_one_payment_per_transaction(shared_data: Path) -> None:
    parsed = read_statement(_bank(shared_data) /
                            "camt053/OCA-bank-statement-import__test-camt053-txdtls.xml")
    assert [(p.amount.amount, p.payer_account, p.structured_reference)
            for p in parsed.payments] == [
        (Decimal("2187.00"), "CH2222000000123456789", "302388292000011111111111111"),
        (Decimal("1296.00"), "CH3333000000123456789", "302388292000022222222222222")]
    assert parsed.payments[0].reference != parsed.payments[1].reference


def test_zero_transaction_amount_falls_back_to_the_entry(shared_data: Path) -> None:
    found = _payments(shared_data,
                      "camt053/sebastienrousseau-camt053__business_sample_camt.053.001.04.xml")
    assert found == {
        "50000000054910000003/AAAASESS-FP-CN_98765/01": ("105678.50", "SEK"),
        # the detail is the payer's EUR 3,255; the account received SEK 30,000
        "50000000054910000003/AAAASESS-FP-CONF-FX": ("30000.00", "SEK"),
    }


def test_camt_payer_and_remittance(shared_data: Path) -> None:
    parsed = read_statement(
        _bank(shared_data) / "camt053/OCA-bank-statement-import__test-camt053.xml")
    (payment,) = parsed.payments
    assert payment.amount.amount == Decimal("1405.31")
    assert payment.payer_name == "3rd party Media"
    assert payment.payer_account == "NL69ABNA0522123643"
    assert payment.remittance == "#RD PARTY MEDIA CUSNO 90782 4210773"
    assert payment.end_to_end_id == "115"


def test_camt054_notification_with_qr_reference(shared_data: Path) -> None:
    parsed = read_statement(
        _bank(shared_data) / "camt053/OCA-bank-statement-import__test-camt054.xml")
    (payment,) = parsed.payments
    assert payment.reference == "NL77ABNA0574908765/98888208N8"
    assert payment.structured_reference == "000000000000000000000000003"
    assert str(payment.received_on) == "2022-01-26"


def test_asn_bank_file_with_swift_blocks(shared_data: Path) -> None:
    parsed = read_statement(
        _bank(shared_data) / "mt940/WoLpH-mt940__ASNB__0708271685_09022020_164516.940.txt")
    assert [(str(p.received_on), str(p.amount.amount), p.payer_account, p.payer_name)
            for p in parsed.payments] == [
        ("2020-01-05", "1000.00", "NL56ASNB9999999999", "paulissen g j l m"),
        ("2020-01-29", "828.72", "NL25INGB9999999999", "transfer solutions bv"),
        ("2020-01-31", "1000.18", "NL56ASNB9999999999", "paulissen g j l m")]
    assert "DIVIDEND 28/01/2020" in (parsed.payments[1].remittance or "")


def test_german_structured_details(shared_data: Path) -> None:
    parsed = read_statement(_bank(shared_data) / "mt940/WoLpH-mt940__betterplace__sepa_snippet.sta")
    first = parsed.payments[0]
    assert first.reference == "50880050/0194787400888/0724710333343453"
    assert first.amount.amount == Decimal("50990.05")
    assert first.payer_account == "DE14508800500194785000"
    assert first.remittance == "Verw CTSc-01 BC-PPP TFNr 22 004"


def test_unknown_currency_lines_are_named_not_imported(shared_data: Path) -> None:
    parsed = read_statement(_bank(shared_data) / "mt940/WoLpH-mt940__cmxl__mt940.sta")
    assert all("'DEM'" in message for message in parsed.rejected)
    assert sorted({p.amount.currency for p in parsed.payments}) == ["EUR", "PLN"]


def test_mt942_interim_report(shared_data: Path) -> None:
    parsed = read_statement(_bank(shared_data) / "mt940/WoLpH-mt940__mBank__mt942.sta")
    assert parsed.format == "MT942"
    assert parsed.payments[0].reference == "PL29114010810000267002001002/MB170119012058"
    assert {str(p.amount) for p in parsed.payments} == {"0.01 PLN"}
