"""Promises, plans, disputes, tasks and the worklist on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.plans import PlanLimits
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import payment_plans
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.services.accounts import disputes
from hub.services.accounts import plans
from hub.services.accounts import promises as promise_service
from hub.services.accounts import tasks as task_service
from hub.services.cycle.account_facts import load_account_facts
from hub.services.read.worklist import worklist
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


@pytest.fixture
def ledger(hub: Hub) -> Hub:
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME", owner="ann@example.com", department="sales")
        add_contact(connection, acme, "Pat", email="pat@acme.example", is_primary=True)
        add_invoice(connection, "INV-1", acme, issued="2026-09-01", due="2026-10-01",
                    amount="800.00")
        add_invoice(connection, "INV-2", acme, issued="2026-10-01", due="2026-11-01",
                    amount="200.00")
        add_customer(connection, "BETA", owner="bob@example.com")
    return hub


def _timeline(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        return [row.kind for row in connection.execute(sa.select(events.c.kind)
                                                       .order_by(events.c.id))]


def test_a_promise_is_recorded_with_an_event_and_replaces_the_open_one(ledger: Hub) -> None:
    with ledger.engine.begin() as connection:
        first = promise_service.record_promise(
            connection, customer_code="ACME", amount=eur("100.00"), due_date=date(2026, 11, 30),
            actor="pat@acme.example", source="portal", now=NOW)
        second = promise_service.record_promise(
            connection, customer_code="ACME", amount=eur("300.00"), due_date=date(2026, 12, 2),
            actor="ann@example.com", source="sheet", now=NOW)
        states = dict(connection.execute(sa.select(promises.c.id, promises.c.state)).all())
    assert states == {first: "cancelled", second: "open"}
    assert _timeline(ledger).count("promise.recorded") == 2


@pytest.mark.parametrize(("due", "message"), [
    (date(2026, 11, 1), "in the past"), (date(2027, 1, 30), "more than 14 days ahead")])
def test_a_promise_outside_the_horizon_is_refused(ledger: Hub, due: date, message: str) -> None:
    with pytest.raises(UserError, match=message), ledger.engine.begin() as connection:
        promise_service.record_promise(connection, customer_code="ACME", amount=eur("1.00"),
                                       due_date=due, actor="x", source="portal", now=NOW,
                                       max_days_ahead=14)


def test_unknown_customer_and_source_are_named(ledger: Hub) -> None:
    with pytest.raises(NotFound, match="'NOPE'"), ledger.engine.begin() as connection:
        task_service.add_note(connection, customer_code="NOPE", text="hi", actor="x",
                              source="web", now=NOW)
    with pytest.raises(UserError, match="unknown source 'fax'"), \
            ledger.engine.begin() as connection:
        task_service.add_note(connection, customer_code="ACME", text="hi", actor="x",
                              source="fax", now=NOW)


def test_promise_kept_by_a_payment_and_broken_without_one(ledger: Hub) -> None:
    with ledger.engine.begin() as connection:
        acme, beta = (row.id for row in connection.execute(
            sa.text("SELECT id FROM customers ORDER BY code")))
        add_invoice(connection, "B-1", beta, issued="2026-09-01", due="2026-10-01",
                    amount="50.00")
        kept = promise_service.record_promise(
            connection, customer_code="ACME", amount=eur("100.00"), due_date=date(2026, 11, 25),
            actor="x", source="web", now=NOW)
        broken = promise_service.record_promise(
            connection, customer_code="BETA", amount=eur("50.00"), due_date=date(2026, 11, 25),
            actor="x", source="web", now=NOW)
        add_payment(connection, "P-1", received_on="2026-11-24", amount="100.00",
                    customer_id=acme)
        early = promise_service.review_promises(connection, as_of=date(2026, 11, 26),
                                                grace_days=2, now=NOW)
        late = promise_service.review_promises(connection, as_of=date(2026, 11, 27),
                                               grace_days=2, now=NOW)
        states = dict(connection.execute(sa.select(promises.c.id, promises.c.state)).all())
        follow_up = connection.execute(sa.select(tasks.c.task_type, tasks.c.assignee,
                                                 tasks.c.due_date)).all()
    assert (early.kept, early.broken, late.broken) == (1, 0, 1)
    assert states == {kept: "kept", broken: "broken"}
    assert follow_up == [("follow_up", "bob@example.com", date(2026, 11, 27))]


def test_a_plan_inside_the_limits_is_approved_and_outside_becomes_a_review_task(
        ledger: Hub) -> None:
    limits = PlanLimits(max_instalments=3, max_total=Decimal("5000"), max_months=3,
                        min_first_payment_percent=Decimal("20"))
    with ledger.engine.begin() as connection:
        inside = plans.propose_plan(
            connection, customer_code="ACME", actor="pat", source="portal", now=NOW,
            limits=limits, instalments=[(date(2026, 12, 1), eur("500.00")),
                                        (date(2027, 1, 1), eur("500.00"))])
        outside = plans.propose_plan(
            connection, customer_code="ACME", actor="pat", source="portal", now=NOW,
            limits=limits, instalments=[(date(2026, 12, 1), eur("100.00"))] + [
                (date(2027, month, 1), eur("225.00")) for month in (1, 2, 3, 4)])
        states = dict(connection.execute(sa.select(payment_plans.c.id,
                                                   payment_plans.c.state)).all())
        review = connection.execute(sa.select(tasks.c.task_type, tasks.c.assignee)).all()
    assert inside.approved
    assert inside.reasons == ()
    assert not outside.approved
    assert any("5 instalments" in reason for reason in outside.reasons)
    assert any("first payment" in reason for reason in outside.reasons)
    assert states == {inside.plan_id: "active", outside.plan_id: "proposed"}
    assert review == [("review_plan", "ann@example.com")]


def test_a_missed_instalment_breaks_the_plan(ledger: Hub) -> None:
    with ledger.engine.begin() as connection:
        outcome = plans.propose_plan(
            connection, customer_code="ACME", actor="pat", source="portal", now=NOW,
            limits=PlanLimits(), instalments=[(date(2026, 12, 1), eur("500.00")),
                                              (date(2027, 1, 1), eur("500.00"))])
        assert plans.review_plans(connection, as_of=date(2026, 12, 3), grace_days=3,
                                  now=NOW) == (0, 0)
        assert plans.review_plans(connection, as_of=date(2026, 12, 4), grace_days=3,
                                  now=NOW) == (0, 1)
        state = connection.execute(sa.select(payment_plans.c.state).where(
            payment_plans.c.id == outcome.plan_id)).scalar_one()
    assert state == "broken"


def test_a_dispute_flags_its_invoices_until_resolved(ledger: Hub) -> None:
    with ledger.engine.begin() as connection:
        first = disputes.open_dispute(connection, customer_code="ACME", invoice_numbers=["INV-1"],
                                      reason="goods damaged", actor="pat", source="portal",
                                      now=NOW)
        disputes.open_dispute(connection, customer_code="ACME", invoice_numbers=[],
                              reason="wrong price", actor="ann", source="web", now=NOW)
        disputes.resolve_dispute(connection, dispute_id=first, resolution="credit note",
                                 actor="ann", source="web", now=NOW)
        flags = dict(connection.execute(sa.select(invoices.c.number, invoices.c.disputed)).all())
        facts = next(load_account_facts(connection, as_of=TODAY, customer_codes=["ACME"]))
    assert flags == {"INV-1": True, "INV-2": True}  # the second dispute still names both
    assert facts.open_disputes == 1
    with pytest.raises(NotFound, match="no invoice X-9"), ledger.engine.begin() as connection:
        disputes.open_dispute(connection, customer_code="ACME", invoice_numbers=["X-9"],
                              reason="?", actor="pat", source="portal", now=NOW)


def test_tasks_feed_the_worklist_until_done_or_snoozed(ledger: Hub) -> None:
    with ledger.engine.begin() as connection:
        task_id = task_service.create_task(
            connection, customer_code="ACME", task_type="call", assignee="ann@example.com",
            due_date=TODAY, reason="21 days overdue", actor="rules", now=NOW, key="ACME|call")
        again = task_service.create_task(
            connection, customer_code="ACME", task_type="call", assignee="ann@example.com",
            due_date=TODAY, reason="21 days overdue", actor="rules", now=NOW, key="ACME|call")
        task_service.mark_contacted(connection, customer_code="ACME", actor="ann@example.com",
                                    source="sheet", now=NOW, note="will pay Friday")
        rows = worklist(connection, as_of=TODAY, owner="ann@example.com")
        nobody = worklist(connection, as_of=TODAY, owner="bob@example.com")
    assert again is None
    assert nobody == []
    [row] = rows
    assert (row.customer_code, row.open_task_ids, row.suggested_action) == (
        "ACME", (task_id,), "Call the customer")
    assert row.balance == eur("1000.00")
    assert row.days_overdue == 53
    assert row.main_contact == "Pat <pat@acme.example>"
    assert row.last_contact == TODAY
    with ledger.engine.begin() as connection:
        task_service.snooze(connection, customer_code="ACME", until=date(2026, 11, 30),
                            actor="ann@example.com", source="slack", now=NOW)
        assert worklist(connection, as_of=TODAY, owner="ann@example.com") == []
        assert len(worklist(connection, as_of=date(2026, 11, 30), owner="ann@example.com")) == 1
        closed = task_service.complete_account(connection, customer_code="ACME",
                                               actor="ann@example.com", source="web", now=NOW)
        assert closed == [task_id]
        assert worklist(connection, as_of=date(2026, 11, 30)) == []
    assert "account.completed" in _timeline(ledger)


def test_account_facts_carry_invoices_channels_and_promises(ledger: Hub) -> None:
    with ledger.engine.begin() as connection:
        promise_service.record_promise(connection, customer_code="ACME", amount=eur("100.00"),
                                       due_date=date(2026, 11, 30), actor="x", source="web",
                                       now=NOW)
        facts = {f.customer_code: f for f in load_account_facts(connection, as_of=TODAY)}
    acme = facts["ACME"]
    assert [i.number for i in acme.overdue_invoices] == ["INV-1", "INV-2"]
    assert [i.days_overdue for i in acme.invoices] == [53, 22]
    assert acme.channels == frozenset({"email"})  # no postal address on file: no letter
    assert acme.currency == "EUR"
    assert acme.owner == "ann@example.com"
    assert [p.state for p in acme.promises] == ["open"]
    assert facts["BETA"].invoices == ()
