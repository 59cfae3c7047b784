"""What the demo's people and debtors do between two cycles.

The demo replays weeks of daily cycles (hub.cli.demo_replay). Between two cycles the
collectors work their task lists through the same services the web app calls (promise,
payment plan, dispute, note, snooze, done), and each debtor decides, by how the demo
generator made it pay (`hub.demo.portfolio.BEHAVIOURS`), whether it keeps its word: a
kept promise or instalment becomes a payment the replay puts on a later day's bank
statement; a broken one is left for the cycle to find. Seeded: the same seed, the same
history.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.plans import PlanLimits
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import tasks
from hub.services.accounts import disputes
from hub.services.accounts import plans
from hub.services.accounts import promises
from hub.services.accounts import tasks as task_service
from hub.services.read.worklist import CALL_TASKS

SOURCE = "web"  # the demo's people use the web app
PER_PERSON_PER_DAY = 2  # tasks a person gets through on a working day; the rest waits
# chance a debtor keeps a promise or an instalment, by how it pays
KEEPS = {"prompt": 0.9, "slow": 0.75, "late": 0.5, "defaulting": 0.2}
DISPUTE_REASONS = ("goods damaged on delivery", "price differs from the order",
                   "service not delivered in full", "invoice sent to the wrong entity")
NOTES = ("left a voicemail", "no answer, try again", "contact is on holiday this week")


@dataclass(frozen=True)
class DebtorPayment:
    """A payment a debtor will make: the replay puts it on the statement of `on`."""

    on: date
    customer: str
    amount: Money
    invoices: tuple[str, ...]


@dataclass
class Activity:
    """What the people did over the replay, for the demo's summary."""

    counts: Counter[str] = field(default_factory=Counter)
    payments: list[DebtorPayment] = field(default_factory=list)
    resolve_on: dict[int, date] = field(default_factory=dict)  # dispute id -> its day


@dataclass(frozen=True)
class _Call:
    """One person on the phone to one debtor, on one day."""

    connection: Connection
    code: str
    person: str
    today: date
    now: datetime


@dataclass(frozen=True)
class _Overdue:
    currency: str
    numbers: tuple[str, ...]  # oldest first
    overdue_minor: int
    open_minor: int  # all open invoices of that currency (a plan covers them all)


class DemoStaff:
    """The demo's collectors and managers, and the debtors they talk to."""

    def __init__(self, seed: int, behaviour: dict[str, str], limits: PlanLimits | None,
                 activity: Activity | None = None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo behaviour, not secrets
        self.behaviour = behaviour
        self.limits = limits
        self.activity = activity or Activity()
        self.pace: dict[str, float] = {}  # chance a person takes up a due task on a day

    def work(self, connection: Connection, *, today: date, now: datetime) -> None:
        """One working day: disputes whose day came are settled, then each person takes
        the oldest of their due tasks, up to PER_PERSON_PER_DAY."""
        for dispute_id, day in sorted(self.activity.resolve_on.items()):
            if day <= today:
                del self.activity.resolve_on[dispute_id]
                disputes.resolve_dispute(connection, dispute_id=dispute_id, actor="demo",
                                         resolution=self.rng.choice(
                                             ("credit note agreed", "delivery confirmed",
                                              "invoice stands, explained to the customer")),
                                         source=SOURCE, now=now)
                self.activity.counts["disputes resolved"] += 1
        if today.weekday() >= 5:
            return  # nobody works at the weekend; the cycle still runs
        done: Counter[str] = Counter()
        for task in connection.execute(
                sa.select(tasks.c.id, tasks.c.task_type, tasks.c.assignee, tasks.c.key,
                          customers.c.code)
                .join(customers, customers.c.id == tasks.c.customer_id)
                .where(tasks.c.state == "open", tasks.c.due_date <= today,
                       sa.or_(tasks.c.snoozed_until.is_(None), tasks.c.snoozed_until <= today))
                .order_by(tasks.c.due_date, tasks.c.id)).all():
            person = task.assignee or ""
            if person not in self.pace:  # some people keep up, others fall behind
                self.pace[person] = self.rng.uniform(0.03, 0.2)
            if done[person] >= PER_PERSON_PER_DAY or self.rng.random() > self.pace[person]:
                continue  # a busy day, or a task put off
            done[person] += 1
            try:  # the services check before they write: a refusal changes nothing
                self._handle(connection, task, person, today, now)
            except UserError:
                self.activity.counts["refused"] += 1  # as a person's slip would be

    def _handle(self, connection: Connection, task: Any, person: str, today: date,
                now: datetime) -> None:
        if task.task_type == "review_plan":
            self._review_plan(connection, task, person, now)
            return
        if task.task_type not in (*CALL_TASKS, "follow_up"):
            task_service.complete_task(connection, task_id=task.id, actor=person, source=SOURCE,
                                       now=now, outcome="handled")
            self.activity.counts["tasks done"] += 1
            return
        owed = _overdue(connection, task.code, today)
        roll = self.rng.random()
        if owed is None:
            outcome = "paid meanwhile"
        elif roll < 0.22:  # nobody picks up: try again in two days
            task_service.add_note(connection, customer_code=task.code, actor=person,
                                  text=self.rng.choice(NOTES), source=SOURCE, now=now)
            task_service.snooze(connection, customer_code=task.code, actor=person,
                                until=today + timedelta(days=2), source=SOURCE, now=now)
            self.activity.counts["calls unanswered"] += 1
            return
        elif roll < 0.72:
            outcome = self._promise(_Call(connection, task.code, person, today, now), owed)
        elif roll < 0.84:
            outcome = self._plan(_Call(connection, task.code, person, today, now), owed)
        elif roll < 0.92:
            outcome = self._dispute(_Call(connection, task.code, person, today, now), owed)
        else:
            outcome = "will pay soon"
            self._maybe_pay(task.code, today + timedelta(days=self.rng.randint(2, 9)),
                            Money.from_minor(owed.overdue_minor, owed.currency), owed.numbers)
        task_service.mark_contacted(connection, customer_code=task.code, actor=person,
                                    source=SOURCE, now=now, note=outcome)
        for open_task in connection.execute(sa.select(tasks.c.id).where(
                tasks.c.id == task.id, tasks.c.state == "open")).scalars():
            task_service.complete_task(connection, task_id=open_task, actor=person,
                                       source=SOURCE, now=now, outcome=outcome)
        self.activity.counts["tasks done"] += 1

    def _keeps(self, code: str) -> bool:
        return self.rng.random() < KEEPS.get(self.behaviour.get(code, "slow"), 0.7)

    def _maybe_pay(self, code: str, on: date, amount: Money, numbers: tuple[str, ...],
                   *, kept: bool | None = None) -> bool:
        """The debtor pays `amount` on `on`, if it keeps its word; a debtor that does not
        sometimes pays part of it a few days late."""
        if kept is None:
            kept = self._keeps(code)
        if kept:
            self.activity.payments.append(DebtorPayment(on, code, amount, numbers))
        elif self.rng.random() < 0.3:
            part = Money.of((amount.amount * Decimal("0.4")).quantize(Decimal("0.01")),
                            amount.currency)
            late = on + timedelta(days=self.rng.randint(3, 10))
            self.activity.payments.append(DebtorPayment(late, code, part, numbers))
        return kept

    def _promise(self, call: _Call, owed: _Overdue) -> str:
        connection, code, person, today, now = (call.connection, call.code, call.person,
                                                 call.today, call.now)
        minor = owed.overdue_minor
        if self.rng.random() < 0.3:
            minor = max(minor // 2, 1)  # "half now, the rest next month"
        amount = Money.from_minor(minor, owed.currency)
        due = today + timedelta(days=self.rng.randint(3, 12))
        promises.record_promise(connection, customer_code=code, amount=amount, due_date=due,
                                actor=person, source=SOURCE, now=now, today=today)
        task_service.close_open_of_type(connection, customer_code=code, task_types=CALL_TASKS,
                                        actor=person, source=SOURCE, now=now, outcome="promise")
        self.activity.counts["promises"] += 1
        early = self.rng.randint(0, 2)
        self._maybe_pay(code, max(due - timedelta(days=early), today + timedelta(days=1)),
                        amount, owed.numbers)
        return f"promised {amount} by {due}"

    def _plan(self, call: _Call, owed: _Overdue) -> str:
        connection, code, person, today, now = (call.connection, call.code, call.person,
                                                 call.today, call.now)
        total = owed.open_minor
        first = total * 4 // 10
        rest = total - first
        parts = [first, rest // 2, rest - rest // 2]
        days = [today + timedelta(days=7 + 21 * index) for index in range(3)]
        instalments = [(day, Money.from_minor(part, owed.currency))
                       for day, part in zip(days, parts, strict=True) if part > 0]
        outcome = plans.propose_plan(connection, customer_code=code, instalments=instalments,
                                     actor=person, source=SOURCE, now=now, limits=self.limits,
                                     today=today)
        self.activity.counts["plans"] += 1
        keeps = self._keeps(code)
        for index, (day, amount) in enumerate(instalments):
            # a debtor that breaks the plan pays the first instalment, then stops
            if not self._maybe_pay(code, day, amount, owed.numbers,
                                   kept=keeps or index == 0):
                break
        return "payment plan " + ("approved" if outcome.approved else "sent for review")

    def _dispute(self, call: _Call, owed: _Overdue) -> str:
        connection, code, person, today, now = (call.connection, call.code, call.person,
                                                 call.today, call.now)
        number = owed.numbers[-1]
        dispute_id = disputes.open_dispute(connection, customer_code=code,
                                           invoice_numbers=[number], actor=person,
                                           reason=self.rng.choice(DISPUTE_REASONS),
                                           source=SOURCE, now=now)
        self.activity.counts["disputes"] += 1
        if self.rng.random() < 0.6:  # settled after a while; the others stay open
            self.activity.resolve_on[dispute_id] = today + timedelta(days=self.rng.randint(4, 20))
        return f"dispute on {number}"

    def _review_plan(self, connection: Connection, task: Any, person: str,
                     now: datetime) -> None:
        plan_id = _plan_of(task)
        if plan_id is not None:
            # decided meanwhile (broken, or paid off): then the task is all that is left
            with contextlib.suppress(UserError):
                plans.decide_plan(connection, plan_id=plan_id, approve=self.rng.random() < 0.85,
                                  actor=person, source=SOURCE, now=now)
        if connection.execute(sa.select(tasks.c.state).where(tasks.c.id == task.id)
                              ).scalar_one() == "open":
            task_service.complete_task(connection, task_id=task.id, actor=person, source=SOURCE,
                                       now=now, outcome="plan reviewed")
        self.activity.counts["plans reviewed"] += 1


def _plan_of(task: Any) -> int | None:
    """The plan a review task names in its key: `<code>|plan-review|<id>`."""
    return None if task.key is None else int(task.key.rsplit("|", 1)[1])


def _overdue(connection: Connection, code: str, today: date) -> _Overdue | None:
    """The customer's overdue, undisputed invoices in its largest overdue currency."""
    rows = connection.execute(
        sa.select(invoices.c.number, invoices.c.currency, invoices.c.open_minor,
                  invoices.c.due_date, invoices.c.disputed)
        .join(customers, customers.c.id == invoices.c.customer_id)
        .where(customers.c.code == code, invoices.c.open_minor > 0,
               invoices.c.status.in_(("open", "partially_paid")))
        .order_by(invoices.c.due_date, invoices.c.number)).all()
    overdue: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.due_date < today and not row.disputed:
            overdue[row.currency].append(row)
    if not overdue:
        return None
    currency = max(overdue, key=lambda c: sum(r.open_minor for r in overdue[c]))
    return _Overdue(currency=currency, numbers=tuple(r.number for r in overdue[currency]),
                    overdue_minor=sum(r.open_minor for r in overdue[currency]),
                    open_minor=sum(r.open_minor for r in rows
                                   if r.currency == currency and not r.disputed))
