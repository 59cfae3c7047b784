"""Payment plans and go-live, end to end with the shipped rule file: import -> the portal
-> cycles on dated days -> the outbox text, tasks and timeline (issue 11, items 5 and 10).

START is Monday 5 January 2026; the customers are Dutch (business days: Monday-Friday)."""

from __future__ import annotations

import csv
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.domain.model import Role
from hub.domain.model import User
from hub.domain.money import Money
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import messages
from hub.ledger.tables import payment_plans
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.ports import Policy
from hub.services.accounts import plans
from hub.services.notify.compose import Choice
from hub.services.notify.compose import ComposeSettings
from hub.services.notify.compose import compose
from hub.services.notify.compose import load_contact
from hub.services.portal import actions as portal_actions
from notifications.templates import TemplateRenderer
from tests.integration.cycle.helpers import START
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.helpers import run_day
from tests.integration.cycle.helpers import run_days
from tests.integration.cycle.helpers import steps_taken

CUSTOMERS = ["customer_id", "name", "kind", "country", "timezone", "language", "owner",
             "department", "contact_name", "contact_email"]
INVOICES = ["invoice_number", "customer_id", "customer_name", "issue_date", "due_date",
            "currency", "amount", "open_amount"]
PAYMENTS = ["reference", "received_on", "amount", "currency", "payer_name", "remittance",
            "customer_id"]


@pytest.fixture(scope="module")
def policy() -> Policy:
    from notifications.templates import known_templates
    from rules import DEFAULT_POLICY
    from rules import load_policy

    return load_policy(DEFAULT_POLICY, known_templates=known_templates())


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(hub: Hub, tmp_path: Path, accounts: list[tuple[str, str, str, int, str]]) -> None:
    """Customers and their one invoice each: (code, kind, language, days late, amount)."""
    customers = [[code, f"{code} B.V.", kind, "NL", "Europe/Amsterdam", language,
                  "ann@example.com", "sales", "Pat", f"pat@{code.lower()}.example"]
                 for code, kind, language, _late, _amount in accounts]
    invoices = [[f"{code}-1", code, f"{code} B.V.",
                 (START - timedelta(days=late + 30)).isoformat(),
                 (START - timedelta(days=late)).isoformat(), "EUR", amount, amount]
                for code, _kind, _language, late, amount in accounts]
    # owners must be users before the customers import names them
    with hub.engine.begin() as connection:
        upsert_users(connection, [
            User(email="ann@example.com", name="Ann", role=Role("collector"),
                 department="sales", manager_email="carl@example.com"),
            User(email="carl@example.com", name="Carl", role=Role("manager"),
                 department="sales")], morning(START))
    for kind, path in (("customers", _csv(tmp_path / "customers.csv", CUSTOMERS, customers)),
                       ("invoices", _csv(tmp_path / "invoices.csv", INVOICES, invoices))):
        result = import_file(hub.engine, path, kind, actor="tests", clock=hub.clock)
        assert result.rejected == 0, kind


def _pay(hub: Hub, tmp_path: Path, code: str, day: date, amount: str) -> None:
    path = _csv(tmp_path / f"payments-{day}.csv", PAYMENTS,
                [[f"PAY-{day}", day.isoformat(), amount, "EUR", f"{code} B.V.", f"{code}-1",
                  code]])
    assert import_file(hub.engine, path, "payments", actor="tests",
                       clock=hub.clock).rejected == 0


def _outbox(hub: Hub, code: str) -> list[tuple[int, str, str, str]]:
    """(day after START, template, subject, text) of every debtor message to `code`, as
    the dispatcher renders it for e-mail."""
    renderer = TemplateRenderer()
    found = []
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(messages).where(
            messages.c.customer_code == code, messages.c.recipient_kind == "debtor")
            .order_by(messages.c.id)).all()
        for row in rows:
            day = date.fromisoformat(row.batch) if row.batch else row.created_at.date()
            delivery = compose(connection, row, choice=Choice(channel="email", address="x@y"),
                               contact=load_contact(connection, row), renderer=renderer,
                               portal=None, settings=ComposeSettings(), today=day)
            found.append(((day - START).days, row.template, delivery.subject, delivery.text))
    return found


def _tasks(hub: Hub, task_type: str) -> list[tuple[str | None, date, str]]:
    with hub.engine.connect() as connection:
        return [(row.assignee, row.created_at.date(), row.reason) for row in connection.execute(
            sa.select(tasks).where(tasks.c.task_type == task_type).order_by(tasks.c.id))]


def _propose(hub: Hub, policy: Policy, day: date,
             schedule: list[tuple[int, str]]) -> plans.PlanOutcome:
    with hub.engine.begin() as connection:
        return portal_actions.propose_plan(
            connection, customer_code="ACME",
            instalments=[(START + timedelta(days=offset), Money(Decimal(amount), "EUR"))
                         for offset, amount in schedule],
            settings=policy.settings,  # type: ignore[attr-defined]
            language="en", now=morning(day), today=day)


def test_a_plan_in_review_pauses_the_ladder_and_a_late_review_goes_to_the_manager(
        hub: Hub, policy: Policy, tmp_path: Path) -> None:
    _import(hub, tmp_path, [("ACME", "B2B", "en", 10, "1200.00")])
    proposed = START + timedelta(days=1)
    rejected = START + timedelta(days=10)

    def before(day: date) -> None:
        if day == proposed:  # six instalments: outside the automatic limits, so in review
            outcome = _propose(hub, policy, day, [(7 * i, "200.00") for i in range(2, 8)])
            assert not outcome.approved
        if day == rejected:
            with hub.engine.begin() as connection:
                plans.decide_plan(connection, plan_id=1, approve=False, actor="ann@example.com",
                                  source="web", now=morning(day))

    reports = run_days(hub, policy, START, 11, before=before)
    assert {report.status for report in reports} == {"done"}
    # the firm reminder was due on day 4 (14 days late); the plan in review held it back
    # until the plan was rejected on day 10
    assert steps_taken(hub, "ACME") == [(0, "friendly reminder"), (10, "firm reminder")]
    in_review = [text for _day, template, _subject, text in _outbox(hub, "ACME")
                 if template == "plan-in-review"]
    assert len(in_review) == 1
    assert "reply within 2 business days" in in_review[0]
    assert "no further reminders" in in_review[0]
    # two days after the proposal, once, to the reviewer's manager, on the timeline
    [(assignee, created, reason)] = _tasks(hub, "plan_review_overdue")
    assert (assignee, created) == ("carl@example.com", START + timedelta(days=3))
    assert "still waiting for review after 2 days (reviewer: ann@example.com)" in reason
    with hub.engine.connect() as connection:
        timeline = connection.execute(sa.select(events.c.summary).where(
            events.c.kind == "plan.review_overdue")).scalars().all()
    assert timeline == ["payment plan 1 not reviewed within 2 days: escalated to "
                        "carl@example.com"]


def test_instalments_are_reminded_and_a_missed_one_breaks_the_plan(
        hub: Hub, policy: Policy, tmp_path: Path) -> None:
    _import(hub, tmp_path, [("ACME", "B2B", "en", 10, "900.00")])
    # instalments on Thursday 15 January, Thursday 29 January, Thursday 12 February
    schedule = [(10, "300.00"), (24, "300.00"), (38, "300.00")]

    def before(day: date) -> None:
        if day == START + timedelta(days=1):
            assert _propose(hub, policy, day, schedule).approved
        if day == START + timedelta(days=9):  # the first instalment, a day early
            _pay(hub, tmp_path, "ACME", day, "300.00")

    reports = run_days(hub, policy, START, 40, before=before)
    assert {report.status for report in reports} == {"done"}
    again = run_day(hub, policy, START + timedelta(days=39))  # the same day again
    assert again.counts["instalment_reminders"] == 0

    sent = _outbox(hub, "ACME")
    assert [(day, template) for day, template, _s, _t in sent] == [
        (0, "reminder-1"), (1, "plan-confirmation"),
        (7, "instalment-reminder"),   # 3 days before the first instalment
        (21, "instalment-reminder"),  # 3 days before the second
        # the second was missed: broken on day 26 (its date + 2 days' grace), a Saturday,
        # so the ladder resumes on Monday where it stopped; nothing is reminded for the
        # third instalment
        (28, "reminder-2"), (35, "final-notice")]
    _, _, subject, text = sent[2]
    assert subject == "Reminder: instalment of €300.00 due on 15 January 2026"
    assert "instalment 1 of 3, €300.00, is due on 15 January 2026" in text
    assert "instalment 2 of 3, €300.00, is due on 29 January 2026" in sent[3][3]
    assert sent[4][2].startswith("Second reminder")  # a friendly reminder came before
    with hub.engine.connect() as connection:
        state = connection.execute(sa.select(payment_plans.c.state)).scalar_one()
    assert state == "broken"
    [(assignee, created, reason)] = _tasks(hub, "follow_up")
    assert (assignee, created) == ("ann@example.com", START + timedelta(days=26))
    assert "payment plan 1 broken" in reason
    assert steps_taken(hub, "ACME") == [(0, "friendly reminder"), (28, "firm reminder"),
                                        (29, "call"), (30, "escalate"), (35, "final notice")]


def test_go_live_starts_old_debts_at_the_first_contact_step_and_says_no_earlier_reminders(
        hub: Hub, policy: Policy, tmp_path: Path) -> None:
    _import(hub, tmp_path, [("OLD", "B2B", "en", 300, "1200.00"),
                            ("FRESH", "B2B", "en", 4, "800.00"),
                            ("HOME", "B2C", "de", 300, "300.00")])
    reports = run_days(hub, policy, START, 1)
    # the first messages as the dispatcher renders them that day (later fees would be in
    # the total of a message rendered later)
    first_old, first_home = _outbox(hub, "OLD"), _outbox(hub, "HOME")
    with hub.engine.connect() as connection:  # each is evaluated next on its spaced day
        due = dict(connection.execute(sa.select(customers.c.code,
                                                customers.c.next_evaluation_on)).all())
    assert (due["OLD"], due["HOME"]) == (START + timedelta(days=7), START + timedelta(days=10))
    reports += run_days(hub, policy, START + timedelta(days=1), 31)
    assert {report.status for report in reports} == {"done"}
    # the shipped file: old debts start at the step their age fits, never past the firm
    # reminder; then the ladder's own spacing from that day (business: call 7 days after
    # it, escalation 16, final notice 31; consumers: call 10, final notice 25), each on
    # the day it falls
    assert steps_taken(hub, "OLD") == [(0, "firm reminder"), (7, "call"), (16, "escalate"),
                                       (31, "final notice")]
    assert steps_taken(hub, "FRESH") == [(0, "friendly reminder"), (10, "firm reminder"),
                                         (17, "call"), (28, "escalate")]
    assert steps_taken(hub, "HOME") == [(0, "firm reminder"), (10, "call"),
                                        (25, "final notice")]

    old = _outbox(hub, "OLD")
    assert [(day, template) for day, template, _s, _t in old] == [(0, "reminder-2"),
                                                                  (31, "final-notice")]
    assert first_old[0][2] == "Payment reminder: €1,200.00 overdue"  # not "Second reminder"
    # by then a reminder was sent, so this is true
    assert "Despite our reminders these invoices for OLD B.V. remain unpaid" in old[1][3]
    home = _outbox(hub, "HOME")
    assert [(day, template) for day, template, _s, _t in home] == [(0, "reminder-2"),
                                                                   (25, "final-notice")]
    assert first_home[0][2] == "Zahlungserinnerung: 300,00\xa0€ überfällig"
    assert "zweite Erinnerung" not in home[0][3].lower()
    friendly = [code for code in ("OLD", "FRESH", "HOME")
                for _day, template, _s, _t in _outbox(hub, code) if template == "reminder-1"]
    assert friendly == ["FRESH"]
