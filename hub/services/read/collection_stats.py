"""Collection performance for the reports page: promise-kept rate, recovery after
each ladder step and each channel, and what each collector did.

"Recovered" is money applied to the account's invoices within `window_days`
after the step was applied or the message was sent (the customer's payments,
whatever invoice they were allocated to).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.model import PromiseState
from hub.domain.money import Money
from hub.domain.reports import percent
from hub.ledger.tables import allocations
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import promises

PRODUCTIVE_KINDS = {  # event kind -> column of the productivity report
    kinds.ACCOUNT_CONTACTED: "contacts", kinds.PROMISE_RECORDED: "promises",
    kinds.PLAN_APPROVED: "plans", kinds.PLAN_IN_REVIEW: "plans",
    kinds.DISPUTE_OPENED: "disputes", kinds.ACCOUNT_COMPLETED: "done",
    kinds.NOTE_ADDED: "notes",
}


@dataclass(frozen=True)
class PromiseMonth:
    month: str  # YYYY-MM of the promised date
    kept: int
    broken: int
    open: int

    @property
    def rate(self) -> Decimal | None:
        decided = self.kept + self.broken
        return percent(Decimal(self.kept), Decimal(decided)) if decided else None


@dataclass
class Recovery:
    label: str  # ladder step or channel
    applied: int = 0  # steps applied / messages sent
    paid: int = 0  # of which the customer paid something within the window
    recovered: dict[str, Money] = field(default_factory=dict)  # per currency

    @property
    def rate(self) -> Decimal | None:
        return percent(Decimal(self.paid), Decimal(self.applied)) if self.applied else None


@dataclass
class Productivity:
    person: str
    counts: dict[str, int] = field(default_factory=dict)
    collected: dict[str, Money] = field(default_factory=dict)  # on accounts they own


def _day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _of(column: sa.ColumnElement[int], department: str | None) -> sa.ColumnElement[bool]:
    """`column` (a customer id) is in the department; always true without one."""
    if department is None:
        return sa.true()
    return column.in_(sa.select(customers.c.id).where(customers.c.department == department)
                      .scalar_subquery())


def promise_kept_rate(connection: Connection, *, start: date, end: date,
                      department: str | None = None) -> list[PromiseMonth]:
    """Promises falling due between start and end, by month: kept, broken, still open
    (`department`: that department's accounts only)."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in connection.execute(
            sa.select(promises.c.due_date, promises.c.state, sa.func.count().label("n"))
            .where(promises.c.due_date.between(start, end),
                   promises.c.state != PromiseState.CANCELLED,
                   _of(promises.c.customer_id, department))
            .group_by(promises.c.due_date, promises.c.state)):
        tally[_day(row.due_date).strftime("%Y-%m")][row.state] += int(row.n)
    return [PromiseMonth(month, t[PromiseState.KEPT], t[PromiseState.BROKEN],
                         t[PromiseState.OPEN])
            for month, t in sorted(tally.items())]


class _Payments:
    """Money applied per customer by day, to ask "what came in between d1 and d2"."""

    def __init__(self, connection: Connection, since: date) -> None:
        self._days: dict[int, list[date]] = defaultdict(list)
        self._amounts: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for row in connection.execute(
                sa.select(invoices.c.customer_id, allocations.c.allocated_on,
                          allocations.c.amount_minor, allocations.c.currency)
                .join(invoices, invoices.c.id == allocations.c.invoice_id)
                .where(allocations.c.allocated_on > since)
                .order_by(invoices.c.customer_id, allocations.c.allocated_on)):
            self._days[row.customer_id].append(_day(row.allocated_on))
            self._amounts[row.customer_id].append((int(row.amount_minor), row.currency))

    def between(self, customer_id: int, after: date, until: date) -> list[tuple[int, str]]:
        days = self._days.get(customer_id, [])
        lo = bisect.bisect_right(days, after)
        hi = bisect.bisect_right(days, until)
        return self._amounts[customer_id][lo:hi]


def _recovery(touches: Iterable[tuple[str, int, date]], payments: _Payments,
              window_days: int) -> list[Recovery]:
    found: dict[str, Recovery] = {}
    for label, customer_id, day in touches:
        entry = found.setdefault(label, Recovery(label))
        entry.applied += 1
        paid = payments.between(customer_id, day, day + timedelta(days=window_days))
        if paid:
            entry.paid += 1
        for minor, currency in paid:
            entry.recovered[currency] = (entry.recovered.get(currency, Money.zero(currency))
                                         + Money.from_minor(minor, currency))
    return sorted(found.values(), key=lambda r: r.label)


def recovery_by_step(connection: Connection, *, start: date, end: date,
                     window_days: int = 30, department: str | None = None) -> list[Recovery]:
    payments = _Payments(connection, start)
    touches = [(f"{r.ladder}: {r.step}" if r.ladder else str(r.step), r.customer_id,
                _day(r.applied_on))
               for r in connection.execute(
                   sa.select(applied_decisions.c.ladder, applied_decisions.c.step,
                             applied_decisions.c.customer_id, applied_decisions.c.applied_on)
                   .where(applied_decisions.c.step.is_not(None),
                          applied_decisions.c.applied_on.between(start, end),
                          _of(applied_decisions.c.customer_id, department)))]
    return _recovery(touches, payments, window_days)


def recovery_by_channel(connection: Connection, *, start: date, end: date,
                        window_days: int = 14, department: str | None = None
                        ) -> list[Recovery]:
    payments = _Payments(connection, start)
    rows = connection.execute(
        sa.select(messages.c.channel, customers.c.id, messages.c.sent_at)
        .join(customers, customers.c.code == messages.c.customer_code)
        .where(messages.c.recipient_kind == "debtor", messages.c.sent_at.is_not(None),
               _of(customers.c.id, department),
               messages.c.channel.is_not(None),
               messages.c.sent_at >= datetime.combine(start, datetime.min.time()),
               messages.c.sent_at < datetime.combine(end + timedelta(days=1),
                                                     datetime.min.time())))
    return _recovery(((r.channel, r.id, _day(r.sent_at)) for r in rows), payments, window_days)


def productivity(connection: Connection, *, start: date, end: date,
                 people: Iterable[str] | None = None) -> list[Productivity]:
    """Per person: contacts, promises, plans, disputes, accounts done and notes they
    logged (any channel), and the money collected on accounts they own."""
    found: dict[str, Productivity] = {}
    since = datetime.combine(start, datetime.min.time())
    until = datetime.combine(end + timedelta(days=1), datetime.min.time())
    for row in connection.execute(
            sa.select(events.c.actor, events.c.kind, sa.func.count().label("n"))
            .where(events.c.kind.in_(list(PRODUCTIVE_KINDS)), events.c.occurred_at >= since,
                   events.c.occurred_at < until, events.c.actor.contains("@"))
            .group_by(events.c.actor, events.c.kind)):
        person = found.setdefault(row.actor.lower(), Productivity(row.actor.lower()))
        column = PRODUCTIVE_KINDS[row.kind]
        person.counts[column] = person.counts.get(column, 0) + int(row.n)
    for row in connection.execute(
            sa.select(customers.c.owner, allocations.c.currency,
                      sa.func.sum(allocations.c.amount_minor).label("minor"))
            .join(invoices, invoices.c.id == allocations.c.invoice_id)
            .join(customers, customers.c.id == invoices.c.customer_id)
            .where(customers.c.owner.is_not(None), allocations.c.allocated_on.between(start, end))
            .group_by(customers.c.owner, allocations.c.currency)):
        person = found.setdefault(row.owner.lower(), Productivity(row.owner.lower()))
        person.collected[row.currency] = Money.from_minor(int(row.minor), row.currency)
    wanted = {p.lower() for p in people} if people is not None else None
    return sorted((p for p in found.values() if wanted is None or p.person in wanted),
                  key=lambda p: p.person)
