"""The cycle with the real rules engine and the default rule file
(rules/policies/default.yaml): the issue's "must show" list, end to end."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.money import Money
from hub.ledger.tables import charges
from hub.ledger.tables import customers
from hub.ledger.tables import messages
from hub.ledger.tables import tasks
from hub.ports import Policy
from hub.services.accounts import disputes
from hub.services.accounts import promises
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment
from tests.integration.cycle.helpers import START
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.helpers import run_day
from tests.integration.cycle.helpers import run_days
from tests.integration.cycle.helpers import steps_taken

# days after START (Monday 5 January 2026); notices go out on business days only, so the
# handover due on day 75 (Saturday 21 March) is taken on Monday 23 March
BUSINESS = [(3, "friendly reminder"), (14, "firm reminder"), (21, "call"), (30, "escalate"),
            (45, "final notice"), (60, "pre-legal notice"), (77, "legal handover")]


@pytest.fixture(scope="module")
def policy() -> Policy:
    from notifications.templates import known_templates
    from rules import DEFAULT_POLICY
    from rules import load_policy

    return load_policy(DEFAULT_POLICY, known_templates=known_templates())


def _account(hub: Hub, code: str, *, kind: str = "B2B", due: date = START,
             amount: str = "1200.00") -> int:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, code, kind=kind, owner="ann@example.com",
                                department="sales", country="NL")
        add_contact(connection, customer, "Pat", email=f"pat@{code.lower()}.example",
                    phone="+31612345678", is_primary=True)
        add_invoice(connection, f"{code}-1", customer, issued=due - timedelta(days=30),
                    due=due, amount=amount)
    return customer


def test_ninety_days_take_every_business_step_once_with_fees_charged_once(
        hub: Hub, policy: Policy) -> None:
    _account(hub, "ACME")
    reports = run_days(hub, policy, START, 90)
    assert {report.status for report in reports} == {"done"}, [r.errors for r in reports]
    assert sum(report.incremental for report in reports) > 70  # not every account every day
    assert steps_taken(hub, "ACME") == BUSINESS
    with hub.engine.connect() as connection:
        lines = connection.execute(sa.select(charges.c.kind, charges.c.amount_minor)
                                   .order_by(charges.c.id)).all()
        templates = [row[0] for row in connection.execute(
            sa.select(messages.c.template).where(messages.c.recipient_kind == "debtor")
            .order_by(messages.c.id))]
        on_hold = connection.execute(sa.select(customers.c.on_hold)).scalar_one()
        work = [row[0] for row in connection.execute(sa.select(tasks.c.task_type)
                                                     .order_by(tasks.c.id))]
    assert [kind for kind, _ in lines].count("fixed_compensation") == 1
    assert ("fixed_compensation", 4000) in lines
    assert templates == ["reminder-1", "reminder-2", "final-notice", "pre-legal"]
    assert on_hold is True
    assert work[0] == "call"
    assert "legal_handover" in work


def test_a_payment_stops_the_ladder(hub: Hub, policy: Policy) -> None:
    customer = _account(hub, "ACME")

    def before(day: date) -> None:
        if day == START + timedelta(days=16):
            with hub.engine.begin() as connection:
                invoice = connection.execute(sa.text("SELECT id FROM invoices")).scalar_one()
                add_payment(connection, "PAY-1", received_on=day, amount="1200.00",
                            customer_id=customer, allocate={invoice: "1200.00"})

    run_days(hub, policy, START, 40, before=before)
    assert steps_taken(hub, "ACME") == BUSINESS[:2]


def test_a_dispute_pauses_the_ladder(hub: Hub, policy: Policy) -> None:
    _account(hub, "ACME")

    def before(day: date) -> None:
        with hub.engine.begin() as connection:
            if day == START + timedelta(days=5):
                disputes.open_dispute(connection, customer_code="ACME", invoice_numbers=[],
                                      reason="wrong quantity", actor="pat", source="portal",
                                      now=morning(day))
            if day == START + timedelta(days=36):  # Tuesday 10 February
                disputes.resolve_dispute(connection, dispute_id=1, resolution="explained",
                                         actor="ann", source="web", now=morning(day))

    run_days(hub, policy, START, 40, before=before)
    # nothing while disputed; afterwards one step per cycle from where it was
    assert steps_taken(hub, "ACME") == [(3, "friendly reminder"), (36, "firm reminder"),
                                        (37, "call"), (38, "escalate")]


def test_a_broken_promise_gives_one_task_on_due_date_plus_grace(
        hub: Hub, policy: Policy) -> None:
    _account(hub, "ACME")
    promised = START + timedelta(days=12)

    def before(day: date) -> None:
        if day == START + timedelta(days=8):
            with hub.engine.begin() as connection:
                promises.record_promise(connection, customer_code="ACME",
                                        amount=Money(Decimal("1200.00"), "EUR"),
                                        due_date=promised, actor="pat", source="portal",
                                        now=morning(day))

    run_days(hub, policy, START, 22, before=before)
    broken = promised + timedelta(days=2)
    with hub.engine.connect() as connection:
        follow_ups = connection.execute(sa.select(tasks.c.created_at, tasks.c.due_date)
                                        .where(tasks.c.task_type == "follow_up")).all()
    assert len(follow_ups) == 1
    assert follow_ups[0].created_at.date() == broken
    taken = steps_taken(hub, "ACME")
    assert taken[0] == (3, "friendly reminder")
    assert taken[1][1] == "firm reminder"
    assert taken[1][0] >= (broken - START).days  # the ladder resumed after the promise


def test_a_late_consumer_cycle_goes_straight_to_the_most_severe_step(
        hub: Hub, policy: Policy) -> None:
    _account(hub, "HOME", kind="B2C", due=START - timedelta(days=6), amount="300.00")
    _account(hub, "FIRM", due=START - timedelta(days=6))
    run_day(hub, policy, START)  # both get their first reminder
    run_days(hub, policy, START + timedelta(days=29), 3)  # no cycle for four weeks
    assert steps_taken(hub, "HOME") == [(0, "friendly reminder"), (29, "call")]
    assert steps_taken(hub, "FIRM") == [(0, "friendly reminder"), (29, "firm reminder"),
                                        (30, "call"), (31, "escalate")]
    # debts no step reached yet (go-live): tests/integration/cycle/
    # test_plans_and_first_contact.py


def test_minimum_balance_exclusions_and_enforcement_off(hub: Hub, policy: Policy) -> None:
    _account(hub, "SMALL", amount="20.00")
    _account(hub, "EXCL")
    _account(hub, "INVX")
    _account(hub, "OK")
    with hub.engine.begin() as connection:
        connection.execute(sa.text("UPDATE customers SET excluded = true WHERE code = 'EXCL'"))
        connection.execute(sa.text("UPDATE invoices SET excluded = true "
                                   "WHERE number = 'INVX-1'"))
    run_days(hub, policy, START, 5)
    assert steps_taken(hub, "SMALL") == []
    assert steps_taken(hub, "EXCL") == []
    assert steps_taken(hub, "INVX") == []
    assert steps_taken(hub, "OK") == [(3, "friendly reminder")]
    report = run_day(hub, policy, START + timedelta(days=15), enforcement=False)
    assert report.counts["applied"] == 0
    assert steps_taken(hub, "OK") == [(3, "friendly reminder")]
