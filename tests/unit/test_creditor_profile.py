"""The creditor profile file: every field checked and every problem named by its field
(IBAN checksum with schwifty, BIC format, UK sort code and account number, currencies,
the SMS sender id); national payment references; the EPC QR payload decoded back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hub.creditor import CreditorFileError
from hub.creditor import creditor_state
from hub.creditor import load_creditor
from hub.creditor import profile_from_data
from hub.creditor import write_creditor
from hub.domain.creditor import epc_payload
from hub.domain.creditor import payment_block
from hub.domain.money import Money
from hub.domain.national_references import belgian_payload
from hub.domain.national_references import belgian_reference
from hub.domain.national_references import dutch_payload
from hub.domain.national_references import dutch_reference
from hub.domain.national_references import finnish_payload
from hub.domain.national_references import finnish_reference
from hub.domain.references import is_creditor_reference
from hub.payment_qr import qr_png
from tests.creditor_support import CREDITOR_YAML
from tests.creditor_support import decode_qr
from tests.creditor_support import epc_fields


def _problems(data: dict[str, object]) -> dict[str, str]:
    with pytest.raises(CreditorFileError) as caught:
        profile_from_data(data, "creditor.yaml")
    return caught.value.problems


def test_the_sample_profile_loads(tmp_path: Path) -> None:
    path = tmp_path / "creditor.yaml"
    path.write_text(CREDITOR_YAML, encoding="utf-8")
    profile = load_creditor(path)
    assert profile.name == "Rheinwerk"
    eur = profile.account_for("EUR")
    assert eur is not None
    assert eur.iban == "DE89370400440532013000"
    gbp = profile.account_for("GBP")
    assert gbp is not None
    assert (gbp.sort_code, gbp.account_number) == ("601613", "31926819")
    assert profile.letterhead()[:3] == ("Rheinwerk", "Rheinwerk Handels GmbH", "Hafenstraße 12")
    write_creditor(path, profile)  # what the admin page writes reads back the same
    assert load_creditor(path) == profile


def test_every_problem_is_named_by_its_field() -> None:
    problems = _problems({
        "trading_name": "X", "email": "not-an-address", "sms_sender_id": "123456789012",
        "colour": "blue", "reference_per": "month", "national_reference": "se",
        "accounts": [{"currency": "EUX", "iban": "DE89 3704 0044 0532 0130 01",
                      "bic": "COBA-DE"},
                     {"currency": "GBP", "sort_code": "60-16", "account_number": "3192681"},
                     {"currency": "USD"}]})
    assert problems.keys() == {
        "legal_name", "email", "sms_sender_id", "colour", "reference_per",
        "national_reference", "accounts[0].currency", "accounts[0].iban", "accounts[0].bic",
        "accounts[1].sort_code", "accounts[1].account_number", "accounts[2].iban"}
    assert "checksum" in problems["accounts[0].iban"].lower()
    assert "6 digits" in problems["accounts[1].sort_code"]
    assert "8 digits" in problems["accounts[1].account_number"]


@pytest.mark.parametrize(("sender", "ok"), [
    ("Rheinwerk", True), ("ACME & Co", True), ("A1-B2_C3", True), ("12345", False),
    ("TwelveLetter", False), ("Zürich", False)])
def test_sms_sender_id_follows_twilios_rules(sender: str, ok: bool) -> None:
    data = {"legal_name": "X GmbH", "sms_sender_id": sender}
    if ok:
        assert profile_from_data(data, "f").sms_sender_id == sender
    else:
        assert "sms_sender_id" in _problems(data)


def test_a_missing_or_broken_file_is_reported_not_invented(tmp_path: Path) -> None:
    assert "HUB_CREDITOR_FILE is not set" in creditor_state(None).problem
    broken = tmp_path / "c.yaml"
    broken.write_text("legal_name: [unclosed\n", encoding="utf-8")
    state = creditor_state(broken)
    assert state.profile is None
    assert "not valid YAML" in state.problem
    assert "does not exist" in creditor_state(tmp_path / "none.yaml").problem


def test_national_references_round_trip_and_check_digits() -> None:
    assert dutch_payload("5000056789012345") == "000056789012345"  # the NVB example
    assert dutch_payload("5000056789012346") is None
    assert belgian_payload("+++090/9337/55493+++") == "0909337554"
    assert belgian_payload("+++090/9337/55494+++") is None
    assert finnish_payload("1234561") == "123456"
    for number in ("INV-1002", "2026-000017", "9"):
        digits = "".join(c for c in number if c.isdigit())
        assert int(dutch_payload(dutch_reference(number)) or "x") == int(digits)
        assert int(belgian_payload(belgian_reference(number)) or "x") == int(digits)
        assert int(finnish_payload(finnish_reference(number)) or "x") == int(digits)


def test_epc_payload_decodes_back_from_the_qr_image() -> None:
    profile = profile_from_data({
        "legal_name": "Łódź Dostawy Sp. z o.o.", "national_reference": "fi",
        "accounts": [{"currency": "EUR", "iban": "NL91ABNA0417164300"}]}, "f")
    block = payment_block(profile, customer_code="C1", invoice_numbers=["F-2026/17"],
                          amount=Money(Decimal("1999.9"), "EUR"))
    (text,) = decode_qr(qr_png(block.epc_payload))
    fields = epc_fields(text)
    assert fields["name"] == "Łódź Dostawy Sp. z o.o."  # UTF-8, character set 1
    assert (fields["iban"], fields["bic"], fields["amount"]) == \
        ("NL91ABNA0417164300", "", "EUR1999.90")
    assert is_creditor_reference(fields["reference"])
    assert fields["reference"].endswith("F202617")
    assert block.national_reference == finnish_reference("202617")


def test_no_qr_for_other_currencies_and_several_invoices_use_the_customer_reference() -> None:
    profile = profile_from_data({"legal_name": "X Ltd", "accounts": [
        {"currency": "GBP", "sort_code": "601613", "account_number": "31926819"}]}, "f")
    block = payment_block(profile, customer_code="CUST-9", invoice_numbers=["A-1", "A-2"],
                          amount=Money(Decimal("10"), "GBP"))
    assert block.epc_payload == ""
    assert block.has_bank_details
    assert block.reference.replace(" ", "").endswith("CUST9")
    with pytest.raises(ValueError, match="EPC"):
        epc_payload(name="X", iban="NL91ABNA0417164300", bic="", amount=Money.of("1", "GBP"),
                    reference="")
