"""Ninety days of collections with the shipped rule file (issue 11, "must show").

A portfolio imported through the command line (customers in four countries with their own
weekends and holidays, a credit note, an old debt at go-live) is run day by day: the cycle,
then the outbox sent as on that day. Along the way debtors dispute an invoice, promise and
break the promise, propose a plan that goes to review, is approved and then broken, and a
bank takes a payment back. On SQLite and PostgreSQL. What must hold throughout:

- every step is taken on a business day of the debtor's country;
- no debtor message contradicts an earlier one (no reminder while a plan is in review or
  running, or a promise is open; no going back down the ladder; no "second reminder" or
  "despite our reminders" in a first message; no friendly reminder for an old debt);
- no task without an assignee;
- no disputed amount in any reminder.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import holidays
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.domain.money import Money
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import messages
from hub.ledger.tables import payment_plans
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.ports import Policy
from hub.services.accounts import plans
from hub.services.portal import actions as portal_actions
from rules import DEFAULT_POLICY
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.owed_support import cycle_and_send
from tests.integration.cycle.owed_support import import_csv
from tests.integration.cycle.owed_support import policy_from
from tests.integration.cycle.owed_support import run_cli

START = date(2026, 3, 2)  # a Monday; Easter, King's Day and May Day fall inside the 90 days
DAYS = 90
LADDER = ("reminder-1", "reminder-2", "final-notice", "pre-legal")
NOTICE = frozenset(LADDER)

STAFF = [User("ann@example.com", "Ann", Role.COLLECTOR, "sales", "mia@example.com"),
         User("mia@example.com", "Mia", Role.MANAGER, "sales"),
         User("legal@example.com", "Lee", Role.COLLECTOR, "legal"),
         User("collector1@example.com", "Col One", Role.COLLECTOR, "sales",
              "mia@example.com"),
         User("collector2@example.com", "Col Two", Role.COLLECTOR, "sales",
              "mia@example.com"),
         User("fin@example.com", "Fin", Role.FINANCE, "finance")]

CUSTOMERS = ("customer_id,name,kind,country,language,currency,owner,department,contact_name,"
             "contact_email,contact_phone,address_line1,postcode,city\n")
# code: (kind, country, currency); every debtor has an e-mail, a phone and an address
PORTFOLIO = {"NLB": ("B2B", "NL", "EUR"), "DEB": ("B2B", "DE", "EUR"),
             "GBB": ("B2B", "GB", "GBP"), "ILB": ("B2B", "IL", "EUR"),
             "NLC": ("B2C", "NL", "EUR"), "CRD": ("B2B", "NL", "EUR"),
             "REV": ("B2B", "NL", "EUR"), "OLD": ("B2B", "GB", "GBP")}
INVOICES = "invoice_number,customer_id,issue_date,due_date,currency,amount,credits_invoice\n"
# number: (customer, days due before START, amount, credited invoice)
OPEN_ITEMS = {"NLB-1": ("NLB", 2, "1200.00", ""), "DEB-1": ("DEB", 1, "800.00", ""),
              "DEB-2": ("DEB", 1, "500.00", ""), "GBB-1": ("GBB", 3, "2000.00", ""),
              "ILB-1": ("ILB", 2, "900.00", ""), "NLC-1": ("NLC", 1, "600.00", ""),
              "CRD-1": ("CRD", 5, "1000.00", ""), "CRD-CN": ("CRD", 5, "-1000.00", "CRD-1"),
              "REV-1": ("REV", 1, "700.00", ""), "OLD-1": ("OLD", 300, "3000.00", "")}

DISPUTE_DAY, PROMISE_DAY, PROMISED_FOR = 4, 16, 24
PLAN_DAY, PLAN_APPROVED = 7, 9
INSTALMENTS = (20, 34, 48, 62)  # days after START, 150.00 each; only the first is paid
PAID_DAY, REVERSED_DAY = 2, 25


def _customers_csv() -> str:
    rows = [f"{code},{code} Ltd,{kind},{country},en,{currency},ann@example.com,sales,Pat,"
            f"pay@{code.lower()}.example,+31612345678,Main Street 1,1000 AA,Town\n"
            for code, (kind, country, currency) in PORTFOLIO.items()]
    return CUSTOMERS + "".join(rows)


def _invoices_csv() -> str:
    rows = []
    for number, (code, days, amount, credits) in OPEN_ITEMS.items():
        due = START - timedelta(days=days)
        currency = PORTFOLIO[code][2]
        rows.append(f"{number},{code},{due - timedelta(days=30)},{due},{currency},{amount},"
                    f"{credits}\n")
    return INVOICES + "".join(rows)


def _payment(hub: Hub, tmp_path: Path, reference: str, day: date, *, amount: str,
             invoice: str) -> None:
    """The payer names the customer and the invoice (a structured reference)."""
    customer = invoice.split("-", maxsplit=1)[0]
    import_csv(hub, "payments", tmp_path / f"{reference}.csv",
               "reference,received_on,amount,currency,customer_id,structured_reference\n"
               f"{reference},{day},{amount},EUR,{customer},{invoice}\n")


class Debtors:
    """What the debtors (and the bank) do on given days, through the portal's services."""

    def __init__(self, hub: Hub, policy: Policy, tmp_path: Path) -> None:
        self.hub, self.settings, self.tmp_path = hub, policy.settings, tmp_path

    def __call__(self, day: date) -> None:
        offset = (day - START).days
        now = morning(day)
        with self.hub.engine.begin() as connection:
            if offset == DISPUTE_DAY:
                portal_actions.dispute(connection, customer_code="DEB",
                                       invoice_numbers=["DEB-2"], reason="never delivered",
                                       language="en", now=now)
            if offset == PROMISE_DAY:
                portal_actions.promise(connection, customer_code="GBB",
                                       amount=Money(Decimal("2000.00"), "GBP"),
                                       due_date=START + timedelta(days=PROMISED_FOR),
                                       settings=self.settings, language="en", now=now,
                                       today=day)
            if offset == PLAN_DAY:  # four instalments: outside the automatic limits
                outcome = portal_actions.propose_plan(
                    connection, customer_code="NLC", settings=self.settings, language="en",
                    now=now, today=day,
                    instalments=[(START + timedelta(days=d), Money(Decimal("150.00"), "EUR"))
                                 for d in INSTALMENTS])
                assert not outcome.approved
            if offset == PLAN_APPROVED:
                plan_id = connection.execute(sa.select(payment_plans.c.id)).scalar_one()
                plans.decide_plan(connection, plan_id=plan_id, approve=True,
                                  actor="ann@example.com", source="web", now=now)
        if offset == PAID_DAY:
            _payment(self.hub, self.tmp_path, "PAY-REV", day, amount="700.00",
                     invoice="REV-1")
        if offset == INSTALMENTS[0] + 1:
            _payment(self.hub, self.tmp_path, "PAY-NLC", day, amount="150.00",
                     invoice="NLC-1")
        if offset == REVERSED_DAY:
            result = run_cli(self.hub, "payments", "reverse", "PAY-REV",
                             "--reason", "returned by the payer's bank")
            assert result.exit_code == 0, result.output


def _business_day(country: str, day: date) -> bool:
    calendar = holidays.country_holidays(country, years=day.year)
    return day.weekday() not in calendar.weekend and day not in calendar


def _debtor_messages(hub: Hub) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    with hub.engine.connect() as connection:
        for row in connection.execute(
                sa.select(messages.c.customer_code, messages.c.template, messages.c.batch,
                          messages.c.created_at, messages.c.state, messages.c.body,
                          messages.c.subject)
                .where(messages.c.recipient_kind == "debtor")
                .order_by(messages.c.created_at, messages.c.id)):
            found[row.customer_code].append(row)
    return found


def _day_of(row: Any) -> int:
    created = row.created_at if not isinstance(row.created_at, str) else \
        date.fromisoformat(row.created_at[:10])
    day = created.date() if hasattr(created, "date") else created
    return (day - START).days


def test_ninety_days_with_the_shipped_rules_keep_every_promise(hub: Hub, tmp_path: Path
                                                               ) -> None:
    with hub.engine.begin() as connection:
        upsert_users(connection, STAFF, morning(START))
    import_csv(hub, "customers", tmp_path / "customers.csv", _customers_csv())
    import_csv(hub, "invoices", tmp_path / "invoices.csv", _invoices_csv())
    policy = policy_from(DEFAULT_POLICY.read_text(encoding="utf-8"), tmp_path / "rules.yaml")
    debtors = Debtors(hub, policy, tmp_path)

    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        debtors(day)
        cycle_and_send(hub, policy, day)

    with hub.engine.connect() as connection:
        steps = connection.execute(
            sa.select(customers.c.code, customers.c.country, applied_decisions.c.applied_on,
                      applied_decisions.c.step)
            .join(customers, customers.c.id == applied_decisions.c.customer_id)
            .where(applied_decisions.c.step.is_not(None),
                   applied_decisions.c.paused_by.is_(None))).all()
        work = connection.execute(sa.select(tasks.c.task_type, tasks.c.assignee,
                                            customers.c.code)
                                  .join(customers, customers.c.id == tasks.c.customer_id)
                                  ).all()
    sent = _debtor_messages(hub)

    # every step on a business day of the debtor's country (IL rests on Friday-Saturday)
    assert steps, "the ladder never moved"
    off_days = [(code, step, applied) for code, country, applied, step in steps
                if not _business_day(country, applied)]
    assert off_days == []
    assert {code for code, *_ in steps} >= {"NLB", "DEB", "GBB", "ILB", "NLC", "REV", "OLD"}

    # no task without an assignee; the broken promise and the broken plan each give one
    assert work
    assert all(assignee for _, assignee, _ in work), work
    follow_ups = sorted(code for task_type, _, code in work if task_type == "follow_up")
    assert follow_ups.count("GBB") == 1
    assert follow_ups.count("NLC") == 1

    # a credited invoice is never chased
    assert "CRD" not in sent

    for code, rows in sent.items():
        notices = [row for row in rows if row.template in NOTICE]
        # never back down the ladder, never the same notice twice
        order = [LADDER.index(row.template) for row in notices]
        assert order == sorted(order), (code, order)
        assert len(set(order)) == len(order), (code, order)
        if notices:  # a first message does not speak of earlier reminders
            first = f"{notices[0].subject}\n{notices[0].body}".lower()
            assert "second reminder" not in first, (code, first)
            assert "despite" not in first, (code, first)

    # an old debt's first contact is no friendly reminder
    assert sent["OLD"][0].template != "reminder-1"

    # no reminder while a plan is in review or running, or a promise is open
    broken_plan = INSTALMENTS[1] + 2  # due date plus the grace days
    nlc = [(_day_of(row), row.template) for row in sent["NLC"]]
    assert "plan-in-review" in {t for _, t in nlc}
    assert [d for d, t in nlc if t in NOTICE and PLAN_DAY <= d < broken_plan] == [], nlc
    gbb = [(_day_of(row), row.template) for row in sent["GBB"]]
    assert [d for d, t in gbb if t in NOTICE and PROMISE_DAY <= d <= PROMISED_FOR] == [], gbb

    # paid, then reversed: quiet while paid, chased again after the bank took it back
    rev = [(_day_of(row), row.template) for row in sent["REV"]]
    assert [d for d, t in rev if t in NOTICE and d < REVERSED_DAY] == [], rev
    assert [t for d, t in rev if t in NOTICE and d >= REVERSED_DAY], rev

    # the disputed invoice is never in a reminder's list or total, only shown apart
    for row in sent["DEB"]:
        if row.template not in NOTICE or _day_of(row) < DISPUTE_DAY:
            continue
        chased, _, apart = (row.body or "").partition("Under dispute")
        assert "DEB-2" not in chased, row.body
        assert "1,300.00" not in chased, row.body
        assert "DEB-2" in apart, row.body
