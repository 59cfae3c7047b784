"""The team view's figures: one row per collector, idle ones included.

Each figure is one grouped query across the whole team (never one query per person),
so a department of fifty collectors costs the same handful of queries as one of two.
A collector's figures are about the accounts they own (`customers.owner`), limited to
the manager's department when one is given; "tasks done today" counts tasks the
person closed today, whoever owns the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.model import PromiseState
from hub.domain.model import Role
from hub.domain.model import TaskState
from hub.domain.money import Money
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.ledger.tables import users

BROKEN_DAYS = 30  # broken promises count when their promised date is this recent


@dataclass
class CollectorFigures:
    email: str
    name: str
    open_accounts: int = 0  # owned accounts with an open invoice balance
    overdue: list[Money] = field(default_factory=list)  # one per currency, sorted
    promises_today: int = 0
    promises_week: int = 0  # open promises due from today to Sunday
    broken: int = 0  # promises broken with a promised date in the last BROKEN_DAYS days
    done_today: int = 0


def week_end(today: date) -> date:
    """The Sunday of `today`'s (ISO) week."""
    return today + timedelta(days=6 - today.weekday())


def team_figures(connection: Connection, *, today: date, day_start: datetime,
                 department: str | None) -> list[CollectorFigures]:
    """Every active collector (of `department`, or all), by name. `day_start` is the
    first instant of `today` in the hub's time zone (for tasks done today)."""
    people = sa.select(users.c.email, users.c.name).where(
        users.c.role == Role.COLLECTOR.value, users.c.active.is_(True))
    if department is not None:
        people = people.where(users.c.department == department)
    rows = {r.email.lower(): CollectorFigures(r.email, r.name)
            for r in connection.execute(people.order_by(users.c.name, users.c.email))}
    if not rows:
        return []
    emails = list(rows)
    owner = sa.func.lower(customers.c.owner)
    scope: list[sa.ColumnElement[bool]] = [owner.in_(emails)]
    if department is not None:
        scope.append(customers.c.department == department)
    open_invoice = sa.and_(invoices.c.open_minor > 0, invoices.c.excluded.is_(False))

    accounts = (sa.select(owner.label("who"),
                          sa.func.count(sa.distinct(customers.c.id)).label("n"))
                .join(invoices, invoices.c.customer_id == customers.c.id)
                .where(open_invoice, *scope).group_by(owner))
    for r in connection.execute(accounts):
        rows[r.who].open_accounts = int(r.n)

    overdue = (sa.select(owner.label("who"), invoices.c.currency,
                         sa.func.sum(invoices.c.open_minor).label("minor"))
               .join(invoices, invoices.c.customer_id == customers.c.id)
               .where(open_invoice, invoices.c.due_date < today, *scope)
               .group_by(owner, invoices.c.currency).order_by(invoices.c.currency))
    for r in connection.execute(overdue):
        rows[r.who].overdue.append(Money.from_minor(int(r.minor), r.currency))

    end = week_end(today)
    due = (sa.select(owner.label("who"),
                     sa.func.sum(sa.case((promises.c.due_date == today, 1), else_=0))
                     .label("today"),
                     sa.func.count().label("week"))
           .join(promises, promises.c.customer_id == customers.c.id)
           .where(promises.c.state == PromiseState.OPEN, promises.c.due_date >= today,
                  promises.c.due_date <= end, *scope).group_by(owner))
    for r in connection.execute(due):
        rows[r.who].promises_today = int(r.today or 0)
        rows[r.who].promises_week = int(r.week)

    broken = (sa.select(owner.label("who"), sa.func.count().label("n"))
              .join(promises, promises.c.customer_id == customers.c.id)
              .where(promises.c.state == PromiseState.BROKEN,
                     promises.c.due_date > today - timedelta(days=BROKEN_DAYS),
                     promises.c.due_date <= today, *scope).group_by(owner))
    for r in connection.execute(broken):
        rows[r.who].broken = int(r.n)

    closer = sa.func.lower(tasks.c.closed_by)
    done = (sa.select(closer.label("who"), sa.func.count().label("n"))
            .join(customers, customers.c.id == tasks.c.customer_id)
            .where(tasks.c.state == TaskState.DONE, tasks.c.closed_at >= day_start,
                   tasks.c.closed_at < day_start + timedelta(days=1), closer.in_(emails),
                   *scope[1:]).group_by(closer))
    for r in connection.execute(done):
        rows[r.who].done_today = int(r.n)
    return list(rows.values())


def overdue_totals(team: list[CollectorFigures]) -> list[Money]:
    """The team's overdue amount per currency (the table's footer)."""
    totals: dict[str, Money] = {}
    for person in team:
        for amount in person.overdue:
            found = totals.get(amount.currency)
            totals[amount.currency] = amount if found is None else found + amount
    return [totals[c] for c in sorted(totals)]
