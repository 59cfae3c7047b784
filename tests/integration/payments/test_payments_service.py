"""Recording and matching incoming payments in the ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.bootstrap import Hub
from hub.domain.bank import IncomingPayment
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.ledger import payments as repo
from hub.ledger.tables import events
from hub.services.payments import incoming as service
from tests.integration.payments import ledger_rows as rows

TODAY = date(2026, 11, 23)


def credit(reference: str, amount: str, *, text: str | None = None, name: str | None = None,
           account: str | None = None, currency: str = "EUR",
           structured: str | None = None) -> IncomingPayment:
    return IncomingPayment(reference=reference, received_on=date(2026, 11, 20),
                           amount=Money(Decimal(amount), currency), payer_name=name,
                           payer_account=account, remittance=text,
                           structured_reference=structured, source="test.xml")


@pytest.fixture
def ledger(hub: Hub) -> dict[str, int]:
    with hub.engine.begin() as connection:
        acme = rows.customer(connection, "ACME", "Acme Trading B.V.")
        bolt = rows.customer(connection, "BOLT", "Bolt GmbH")
        rows.invoice(connection, acme, "INV-1001", "100.00", due="2026-09-30")
        rows.invoice(connection, acme, "INV-1002", "250.00", due="2026-10-31")
        rows.invoice(connection, acme, "INV-1003", "40.00", due="2026-11-30")
        rows.invoice(connection, bolt, "INV-2001", "80.00", due="2026-10-15")
        rows.invoice(connection, bolt, "INV-2002", "80.00", due="2026-08-15", open_amount="0.00",
                     status="paid")
        rows.invoice(connection, bolt, "INV-2003", "500.00", due="2026-10-20", currency="USD")
    return {"ACME": acme, "BOLT": bolt}


def record(hub: Hub, *payments: IncomingPayment) -> service.PaymentsResult:
    with hub.engine.begin() as connection:
        return service.record_incoming(connection, payments, source="test.xml",
                                       actor="ann@example.com", today=TODAY,
                                       now=hub.clock.now())


def test_reference_match_pays_the_invoice_and_writes_the_timeline(
        hub: Hub, ledger: dict[str, int]) -> None:
    result = record(hub, credit("P1", "100.00", text="Invoice INV 1001, thanks",
                                account="NL91ABNA0417164300"))
    assert (result.created, result.matched_by_reference, result.unmatched) == (1, 1, 0)
    with hub.engine.connect() as connection:
        assert rows.invoice_state(connection, "INV-1001") == ("0.00", "paid")
        assert rows.payment_state(connection, "P1") == {
            "status": "allocated", "customer": "ACME", "unallocated": "0.00"}
        assert rows.allocations_of(connection, "P1") == [("INV-1001", "100.00", "reference")]
        assert rows.event_kinds(connection, ledger["ACME"]) == [
            "payment.received", "payment.allocated"]


def test_partial_payment_leaves_the_invoice_partially_paid(
        hub: Hub, ledger: dict[str, int]) -> None:
    record(hub, credit("P1", "60.00", text="INV-1002 first part"))
    with hub.engine.connect() as connection:
        assert rows.invoice_state(connection, "INV-1002") == ("190.00", "partially_paid")
        assert rows.payment_state(connection, "P1")["status"] == "allocated"


def test_one_payment_for_several_invoices_and_the_over_payment_as_credit(
        hub: Hub, ledger: dict[str, int]) -> None:
    result = record(hub, credit("P1", "400.00", text="INV-1003 INV-1001 INV-1002"))
    assert result.credits == 1
    with hub.engine.connect() as connection:
        assert rows.allocations_of(connection, "P1") == [
            ("INV-1001", "100.00", "reference"), ("INV-1002", "250.00", "reference"),
            ("INV-1003", "40.00", "reference")]
        assert rows.payment_state(connection, "P1") == {
            "status": "credit", "customer": "ACME", "unallocated": "10.00"}
        assert rows.event_kinds(connection, ledger["ACME"]).count("credit.recorded") == 1


def test_amount_and_customer_match_after_the_account_is_known(
        hub: Hub, ledger: dict[str, int]) -> None:
    record(hub, credit("P1", "100.00", text="INV-1001", account="NL91ABNA0417164300"))
    result = record(hub, credit("P2", "250.00", text="october", account="NL91ABNA0417164300"))
    assert result.matched_by_amount == 1
    with hub.engine.connect() as connection:
        assert rows.allocations_of(connection, "P2") == [("INV-1002", "250.00", "amount")]


def test_never_allocates_to_a_settled_invoice_or_across_currencies(
        hub: Hub, ledger: dict[str, int]) -> None:
    result = record(hub, credit("P1", "80.00", text="INV-2002"),
                    credit("P2", "500.00", text="INV-2003"))
    assert (result.matched, result.unmatched) == (0, 2)
    with hub.engine.connect() as connection:
        assert rows.invoice_state(connection, "INV-2002") == ("0.00", "paid")
        assert rows.invoice_state(connection, "INV-2003") == ("500.00", "open")
        assert rows.count(connection, rows.allocations) == 0


def test_same_batch_does_not_spend_an_invoice_twice(hub: Hub, ledger: dict[str, int]) -> None:
    result = record(hub, credit("P1", "80.00", text="INV-2001"),
                    credit("P2", "80.00", text="INV-2001"))
    assert (result.matched, result.unmatched) == (1, 1)


def test_reimporting_the_same_payments_changes_nothing(hub: Hub, ledger: dict[str, int]) -> None:
    batch = [credit("P1", "100.00", text="INV-1001"), credit("P2", "12.34", name="Nobody")]
    record(hub, *batch)
    with hub.engine.connect() as connection:
        before = rows.snapshot(connection)
    again = record(hub, *batch)
    assert (again.created, again.unchanged, again.matched, again.unmatched) == (0, 2, 0, 0)
    with hub.engine.connect() as connection:
        assert rows.snapshot(connection) == before


def test_changed_amount_under_a_known_reference_is_reported(
        hub: Hub, ledger: dict[str, int]) -> None:
    record(hub, credit("P1", "100.00", text="INV-1001"))
    result = record(hub, credit("P1", "101.00", text="INV-1001"))
    assert result.unchanged == 1
    assert "P1" in result.warnings[0]


def test_manual_queue_and_manual_match(hub: Hub, ledger: dict[str, int]) -> None:
    record(hub, credit("P9", "300.00", name="Acme Trading BV", text="see mail"))
    with hub.engine.connect() as connection:
        (item,) = service.unmatched(connection)
    assert (item.reference, item.customer_code) == ("P9", "ACME")
    assert item.suggestions[:2] == ["INV-1001", "INV-1002"]
    with hub.engine.begin() as connection:
        done = service.match_manually(connection, "P9", ["INV-1002", "INV-1003"],
                                      actor="ann@example.com", today=TODAY)
    assert [(n, str(m.amount)) for n, m in done.allocations] == [
        ("INV-1002", "250.00"), ("INV-1003", "40.00")]
    assert done.remainder == Money(Decimal("10.00"), "EUR")
    with hub.engine.connect() as connection:
        assert service.unmatched(connection) == []
        assert rows.payment_state(connection, "P9")["status"] == "credit"
        assert rows.allocations_of(connection, "P9")[0][2] == "manual"
    with hub.engine.begin() as connection:  # the credit pays a later invoice
        later = service.match_manually(connection, "P9", ["INV-1001"], actor="ann@x", today=TODAY)
    assert str(later.allocations[0][1].amount) == "10.00"
    assert later.status.value == "allocated"
    with hub.engine.connect() as connection:
        assert rows.invoice_state(connection, "INV-1001") == ("90.00", "partially_paid")


def test_manual_match_refuses_what_a_person_may_get_wrong(
        hub: Hub, ledger: dict[str, int]) -> None:
    record(hub, credit("P9", "80.00", name="Nobody"))
    cases = [("nope", ["INV-2001"], NotFound, "no payment 'nope'"),
             ("P9", ["INV-0000"], NotFound, "no invoice 'INV-0000'"),
             ("P9", ["INV-2002"], UserError, "INV-2002 is paid"),
             ("P9", ["INV-2003"], UserError, "in USD, payment P9 in EUR")]
    for payment, invoices, error, message in cases:
        with pytest.raises(error, match=message), hub.engine.begin() as connection:
            service.match_manually(connection, payment, invoices, actor="a", today=TODAY)
    with hub.engine.connect() as connection:
        assert rows.count(connection, rows.allocations) == 0


def test_payment_can_be_named_by_its_number(hub: Hub, ledger: dict[str, int]) -> None:
    record(hub, credit("P9", "80.00", name="Nobody"))
    with hub.engine.connect() as connection:
        (item,) = service.unmatched(connection)
    with hub.engine.begin() as connection:
        done = service.match_manually(connection, f"#{item.id}", ["INV-2001"], actor="a",
                                      today=TODAY)
    assert done.status.value == "allocated"


def test_list_payments_per_customer(hub: Hub, ledger: dict[str, int]) -> None:
    record(hub, credit("P1", "100.00", text="INV-1001"), credit("P2", "80.00", text="INV-2001"))
    with hub.engine.connect() as connection:
        acme = service.list_payments(connection, customer_code="ACME")
        assert [(p.reference, p.invoices) for p in acme] == [("P1", ["INV-1001"])]
        assert len(service.list_payments(connection)) == 2
        with pytest.raises(NotFound):
            service.list_payments(connection, customer_code="NOPE")


def test_import_statement_is_one_transaction_with_an_import_run(
        hub: Hub, ledger: dict[str, int]) -> None:
    result = service.import_statement(hub.engine, [credit("P1", "100.00", text="INV-1001")],
                                      source="s.xml", actor="a", clock=hub.clock,
                                      sha256="ab" * 32, rejected=2)
    assert result.matched == 1
    with hub.engine.connect() as connection:
        assert rows.count(connection, rows.import_runs) == 1
        assert rows.count(connection, events) == 2


def test_an_invoice_changed_meanwhile_stops_the_import(hub: Hub, ledger: dict[str, int]) -> None:
    with hub.engine.connect() as connection:
        stale = repo.load_view(connection, {"EUR"}).book.get("INV-1001")
    assert stale is not None
    record(hub, credit("P1", "30.00", text="INV-1001"))  # someone else pays part of it
    with pytest.raises(repo.LedgerConflict, match="INV-1001"), \
            hub.engine.begin() as connection:
        repo.lower_invoices(connection, [(stale, Money(Decimal("0.00"), "EUR"))],
                            hub.clock.now())
    with hub.engine.connect() as connection:
        assert rows.invoice_state(connection, "INV-1001") == ("70.00", "partially_paid")


def test_reader_contract_is_enforced(hub: Hub, ledger: dict[str, int]) -> None:
    with pytest.raises(UserError, match="must have 1 to 128 characters"):
        record(hub, credit("x" * 129, "1.00"))
    with pytest.raises(UserError, match="is not positive"):
        record(hub, credit("P0", "0.00"))
