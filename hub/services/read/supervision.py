"""What a manager watches: overdue tasks, promises due today and promises broken
lately, for one department or the whole portfolio (the per-collector figures are in
`team_figures`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.model import PromiseState
from hub.domain.model import TaskState
from hub.domain.money import Money
from hub.ledger.tables import customers
from hub.ledger.tables import promises
from hub.ledger.tables import tasks


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    customer_code: str
    customer_name: str
    person: str
    task_type: str
    due_date: date
    reason: str


@dataclass(frozen=True)
class PromiseLine:
    customer_code: str
    customer_name: str
    owner: str | None
    amount: Money
    due_date: date
    state: str


def _in(department: str | None) -> sa.ColumnElement[bool]:
    return sa.true() if department is None else customers.c.department == department


def _person() -> sa.ColumnElement[str]:
    return sa.func.coalesce(tasks.c.assignee, customers.c.owner, "(nobody)")


def _active(as_of: date) -> sa.ColumnElement[bool]:
    return sa.and_(tasks.c.state == TaskState.OPEN,
                   sa.or_(tasks.c.snoozed_until.is_(None), tasks.c.snoozed_until <= as_of))


def overdue_tasks(connection: Connection, *, as_of: date, department: str | None,
                  limit: int = 100) -> list[TaskLine]:
    query = (
        sa.select(tasks.c.id, customers.c.code, customers.c.name, _person().label("person"),
                  tasks.c.task_type, tasks.c.due_date, tasks.c.reason)
        .join(customers, customers.c.id == tasks.c.customer_id)
        .where(_active(as_of), tasks.c.due_date < as_of, _in(department))
        .order_by(tasks.c.due_date, tasks.c.id).limit(limit))
    return [TaskLine(r.id, r.code, r.name, r.person, r.task_type, r.due_date, r.reason)
            for r in connection.execute(query)]


def _promises(connection: Connection, condition: sa.ColumnElement[bool],
              department: str | None, limit: int) -> list[PromiseLine]:
    query = (
        sa.select(customers.c.code, customers.c.name, customers.c.owner, promises.c.currency,
                  promises.c.amount_minor, promises.c.due_date, promises.c.state)
        .join(customers, customers.c.id == promises.c.customer_id)
        .where(condition, _in(department))
        .order_by(promises.c.due_date.desc(), customers.c.code).limit(limit))
    return [PromiseLine(r.code, r.name, r.owner, Money.from_minor(r.amount_minor, r.currency),
                        r.due_date, r.state) for r in connection.execute(query)]


def promises_due(connection: Connection, *, on: date, department: str | None,
                 limit: int = 100) -> list[PromiseLine]:
    return _promises(connection, sa.and_(promises.c.due_date == on,
                                         promises.c.state == PromiseState.OPEN), department, limit)


def broken_promises(connection: Connection, *, as_of: date, department: str | None,
                    days: int = 30, limit: int = 100) -> list[PromiseLine]:
    """Promises broken with a promised date in the last `days` days."""
    return _promises(connection, sa.and_(promises.c.state == PromiseState.BROKEN,
                                         promises.c.due_date > as_of - timedelta(days=days),
                                         promises.c.due_date <= as_of), department, limit)
