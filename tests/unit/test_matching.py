"""Matching incoming payments to open invoices (pure domain logic)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.domain.bank import IncomingPayment
from hub.domain.matching import KnownCustomer
from hub.domain.matching import MatchMethod
from hub.domain.matching import OpenBook
from hub.domain.matching import OpenInvoice
from hub.domain.matching import allocate
from hub.domain.matching import match_payment
from hub.domain.matching import normalise_name
from hub.domain.matching import suggestions
from hub.domain.money import Money
from hub.domain.references import creditor_reference
from hub.domain.references import creditor_references_in
from hub.domain.references import is_creditor_reference
from hub.domain.references import isr_payload
from hub.domain.references import mentions


def eur(amount: str, currency: str = "EUR") -> Money:
    return Money(Decimal(amount), currency)


def inv(number: str, customer: str, amount: str, due: str, *, open_amount: str | None = None,
        currency: str = "EUR") -> OpenInvoice:
    return OpenInvoice(number=number, customer=customer, issue_date=date(2026, 1, 1),
                       due_date=date.fromisoformat(due), amount=eur(amount, currency),
                       open=eur(open_amount or amount, currency))


def pay(amount: str, *, text: str | None = None, structured: str | None = None,
        name: str | None = None, account: str | None = None, currency: str = "EUR",
        customer: str | None = None) -> IncomingPayment:
    return IncomingPayment(reference="P1", received_on=date(2026, 11, 20),
                           amount=eur(amount, currency), payer_name=name,
                           payer_account=account, remittance=text,
                           structured_reference=structured, customer_code=customer)


@pytest.fixture
def book() -> OpenBook:
    return OpenBook(
        [inv("INV-000123", "ACME", "100.00", "2026-09-30"),
         inv("INV-000124", "ACME", "250.00", "2026-10-31"),
         inv("INV-000125", "ACME", "40.00", "2026-11-30"),
         inv("2024-0017", "BOLT", "80.00", "2026-08-31"),
         inv("41234", "BOLT", "55.00", "2026-10-15"),
         inv("US-9", "YANK", "100.00", "2026-10-01", currency="USD")],
        [KnownCustomer("ACME", "Acme Trading B.V.", frozenset({"NL91ABNA0417164300"})),
         KnownCustomer("BOLT", "Bolt GmbH"),
         KnownCustomer("YANK", "Yankee Inc.")])


@pytest.mark.parametrize(("number", "text", "found"), [
    ("INV-000123", "Invoice INV-000123", True),
    ("INV-000123", "inv 123", True),
    ("INV-000123", "paid INV 000 123", True),
    ("INV-000123", "betaling factuur 123, dank u", True),
    ("INV-000123", "ref 4123", False),
    ("INV-000123", "1234", False),
    ("INV-000123", "total 123.50", False),
    ("INV-000123", "on 2026-123", False),
    ("2024-0017", "RE 2024 17", True),
    ("2024-0017", "202417", False),
    ("41234", "Rechnung 41234 vom 2026-10-01", True),
    ("41234", "order 141234", False),
    ("INV-000123", "paid 123,50 EUR", False),
    ("2026-A-17", "ref 2026 a 17", True),
    ("2026-A-17", "ref 2026AB17", False),
    ("17B", "17B3", False),
])
def test_invoice_numbers_are_found_tolerantly_but_never_inside_longer_numbers(
        number: str, text: str, found: bool) -> None:
    assert mentions(text, number) is found


def test_rf_references_are_read_from_free_text() -> None:
    payloads, rest = creditor_references_in("pay RF18 5390 0754 7034 and RF99INV1 ok")
    assert payloads == ["539007547034"]
    assert "INV1" not in rest
    assert "ok" in rest


def test_creditor_references_follow_iso_11649() -> None:
    assert is_creditor_reference("RF18539007547034")  # the standard's own example
    assert is_creditor_reference("RF18 5390 0754 7034")
    assert not is_creditor_reference("RF19539007547034")
    made = creditor_reference("INV-000124")
    assert made.startswith("RF")
    assert is_creditor_reference(made)


def test_swiss_qr_reference_check_digit() -> None:
    assert isr_payload("210000000003139471430009017") == "21000000000313947143000901"
    assert isr_payload("210000000003139471430009018") is None


def test_invoice_number_in_remittance_matches_by_reference(book: OpenBook) -> None:
    match = match_payment(pay("100.00", text="Payment inv 123 thanks"), book)
    assert match.method is MatchMethod.REFERENCE
    assert [(i.number, p) for i, p in match.allocations] == [("INV-000123", eur("100.00"))]
    assert match.customer == "ACME"
    assert match.remainder.is_zero()


def test_valid_rf_reference_matches_its_invoice(book: OpenBook) -> None:
    match = match_payment(pay("250.00", structured=creditor_reference("INV000124")), book)
    assert match.method is MatchMethod.REFERENCE
    assert [i.number for i, _ in match.allocations] == ["INV-000124"]


def test_rf_reference_with_wrong_check_digits_is_not_trusted(book: OpenBook) -> None:
    reference = creditor_reference("INV000124")
    broken = reference[:2] + f"{(int(reference[2:4]) + 1) % 100:02d}" + reference[4:]
    assert not match_payment(pay("250.00", structured=broken), book).matched
    assert not match_payment(pay("250.00", text=f"ref {broken}"), book).matched
    spaced = " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))
    assert match_payment(pay("250.00", text=f"ref {spaced} thanks"), book).matched


def test_number_inside_a_longer_number_goes_to_the_queue(book: OpenBook) -> None:
    match = match_payment(pay("55.00", text="order 9941234"), book)
    assert not match.matched
    assert match.customer is None


def test_amount_and_known_account_match_one_invoice(book: OpenBook) -> None:
    match = match_payment(pay("250.00", text="thanks", account="NL91 ABNA 0417 1643 00"), book)
    assert match.method is MatchMethod.AMOUNT
    assert [i.number for i, _ in match.allocations] == ["INV-000124"]


def test_amount_and_customer_name_match_the_oldest_invoices_together(book: OpenBook) -> None:
    match = match_payment(pay("350.00", name="ACME TRADING BV"), book)
    assert match.method is MatchMethod.AMOUNT
    assert [(i.number, str(p.amount)) for i, p in match.allocations] == [
        ("INV-000123", "100.00"), ("INV-000124", "250.00")]


def test_known_customer_with_no_fitting_amount_waits_for_a_person(book: OpenBook) -> None:
    match = match_payment(pay("120.00", name="Acme Trading"), book)
    assert not match.matched
    assert match.customer == "ACME"
    assert "ACME" in match.reason


def test_one_payment_for_several_invoices_pays_the_oldest_due_first(book: OpenBook) -> None:
    match = match_payment(pay("300.00", text="INV-000125 INV-000124 INV-000123"), book)
    assert [(i.number, str(p.amount)) for i, p in match.allocations] == [
        ("INV-000123", "100.00"), ("INV-000124", "200.00")]
    assert match.remainder.is_zero()


def test_partial_payment_is_allocated(book: OpenBook) -> None:
    match = match_payment(pay("60.00", text="INV-000124 part 1"), book)
    assert [(i.number, str(p.amount)) for i, p in match.allocations] == [("INV-000124", "60.00")]


def test_over_payment_leaves_a_remainder_as_credit(book: OpenBook) -> None:
    match = match_payment(pay("130.00", text="INV-000123"), book)
    assert match.remainder == eur("30.00")
    assert match.customer == "ACME"


def test_currency_must_match(book: OpenBook) -> None:
    match = match_payment(pay("100.00", text="invoice US-9"), book)
    assert not match.matched
    assert "USD" in match.reason
    assert "EUR" in match.reason
    usd = match_payment(pay("100.00", text="invoice US-9", currency="USD"), book)
    assert [i.number for i, _ in usd.allocations] == ["US-9"]


def test_unknown_payer_without_reference_goes_to_the_queue(book: OpenBook) -> None:
    match = match_payment(pay("100.00", name="Somebody Else", text="thanks"), book)
    assert not match.matched
    assert match.method is None


def test_settled_invoice_leaves_the_book_and_is_never_allocated_again(book: OpenBook) -> None:
    first = match_payment(pay("100.00", text="INV-000123"), book)
    for invoice, part in first.allocations:
        book.settle(invoice, part)
    again = match_payment(pay("100.00", text="INV-000123"), book)
    assert not again.matched
    assert book.get("INV-000123") is None


def test_partial_settlement_keeps_the_rest_open(book: OpenBook) -> None:
    invoice = book.get("INV-000124")
    assert invoice is not None
    book.settle(invoice, eur("50.00"))
    remaining = book.get("INV-000124")
    assert remaining is not None
    assert remaining.open == eur("200.00")
    match = match_payment(pay("200.00", name="Acme Trading"), book)
    assert [i.number for i, _ in match.allocations] == ["INV-000124"]


def test_customer_code_given_by_the_file_identifies_the_payer(book: OpenBook) -> None:
    match = match_payment(pay("80.00", customer="BOLT"), book)
    assert [i.number for i, _ in match.allocations] == ["2024-0017"]


def test_allocate_never_spends_more_than_is_open() -> None:
    plan, left = allocate(eur("500.00"), [inv("A-1", "X", "100.00", "2026-01-31",
                                              open_amount="30.00")])
    assert [str(p.amount) for _, p in plan] == ["30.00"]
    assert left == eur("470.00")


def test_names_compare_without_case_punctuation_or_legal_form() -> None:
    assert normalise_name("ACME Trading B.V.") == normalise_name("Acme trading bv")
    assert normalise_name("Müller GmbH") == "muller"


def test_suggestions_offer_the_customers_invoices_and_equal_amounts(book: OpenBook) -> None:
    found = [i.number for i in suggestions(pay("55.00", name="Bolt GmbH"), book)]
    assert found[:2] == ["2024-0017", "41234"]
