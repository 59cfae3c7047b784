"""Promises to pay: recorded from any entry point, kept when payments cover them,
broken when the date plus grace passes without the money (a task for the owner, and
the ladder resumes). An open promise pauses the ladder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.errors import UserError
from hub.domain.model import PromiseState
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.accounts import check_source
from hub.ledger.tables import customers
from hub.ledger.tables import payments
from hub.ledger.tables import promises
from hub.services.accounts.tasks import create_task


def record_promise(connection: Connection, *, customer_code: str, amount: Money,
                   due_date: date, actor: str, source: str, now: datetime,
                   max_days_ahead: int | None = None, today: date | None = None) -> int:
    """Record a promise to pay `amount` by `due_date`; an earlier open promise of the
    same customer is replaced (cancelled). Returns the promise id."""
    check_source(source)
    ref = account(connection, customer_code)
    today = today or now.date()
    if amount.is_zero() or amount.is_negative():
        raise UserError(lazy_gettext("a promise needs a positive amount, got %(amount)s",
                                     amount=amount))
    if due_date < today:
        raise UserError(lazy_gettext("the promised date %(due_date)s is in the past",
                                     due_date=due_date))
    if max_days_ahead is not None and due_date > today + timedelta(days=max_days_ahead):
        raise UserError(lazy_gettext("the promised date %(due_date)s is more than "
                                     "%(max_days_ahead)s days ahead; the latest date is "
                                     "%(latest)s",
                                     due_date=due_date, max_days_ahead=max_days_ahead,
                                     latest=today + timedelta(days=max_days_ahead)))
    replaced = connection.execute(
        promises.update().where(promises.c.customer_id == ref.id,
                                promises.c.state == PromiseState.OPEN)
        .values(state=PromiseState.CANCELLED, closed_on=today, updated_at=now)).rowcount
    promise_id = int(connection.execute(promises.insert().values(
        customer_id=ref.id, currency=amount.currency, amount_minor=amount.to_minor(),
        promised_on=today, due_date=due_date, state=PromiseState.OPEN, actor=actor, source=source,
        created_at=now, updated_at=now).returning(promises.c.id)).scalar_one())
    add_event(connection, customer_id=ref.id, kind=kinds.PROMISE_RECORDED, actor=actor, now=now,
              summary=f"promised to pay {amount} by {due_date} ({source})"
                      + (" replacing the earlier promise" if replaced else ""),
              data={"promise_id": promise_id, "amount": str(amount.amount),
                    "currency": amount.currency, "due_date": due_date.isoformat(),
                    "source": source})
    return promise_id


@dataclass(frozen=True, slots=True)
class PromiseReview:
    kept: int
    broken: int
    tasks: int


Received = list[tuple[date, str, int]]  # (received on, currency, minor units)


def _paid_since(connection: Connection, customer_ids: set[int]) -> dict[int, Received]:
    found: dict[int, Received] = {}
    if not customer_ids:
        return found
    rows = connection.execute(
        sa.select(payments.c.customer_id, payments.c.received_on, payments.c.currency,
                  payments.c.amount_minor).where(payments.c.customer_id.in_(sorted(customer_ids))))
    for row in rows:
        found.setdefault(row.customer_id, []).append((row.received_on, row.currency,
                                                      row.amount_minor))
    return found


def review_promises(connection: Connection, *, as_of: date, grace_days: int, now: datetime,
                    actor: str = "rules") -> PromiseReview:
    """Close open promises: kept when payments received since the promise cover it,
    broken once `as_of` reaches the due date plus grace without them."""
    rows = connection.execute(
        sa.select(promises, customers.c.code, customers.c.owner)
        .join(customers, customers.c.id == promises.c.customer_id)
        .where(promises.c.state == PromiseState.OPEN)).all()
    paid = _paid_since(connection, {row.customer_id for row in rows})
    kept = broken = task_count = 0
    for row in rows:
        received = sum(amount for on, currency, amount in paid.get(row.customer_id, [])
                       if on >= row.promised_on and on <= as_of and currency == row.currency)
        promised = Money.from_minor(row.amount_minor, row.currency)
        if received >= row.amount_minor:
            state, kept = PromiseState.KEPT, kept + 1
            summary = f"promise of {promised} due {row.due_date} kept"
        elif as_of >= row.due_date + timedelta(days=grace_days):
            state, broken = PromiseState.BROKEN, broken + 1
            summary = (f"promise of {promised} due {row.due_date} broken: "
                       f"{Money.from_minor(received, row.currency)} received")
        else:
            continue
        connection.execute(promises.update().where(promises.c.id == row.id)
                           .values(state=state, closed_on=as_of, updated_at=now))
        add_event(connection, customer_id=row.customer_id, now=now, actor=actor,
                  kind=kinds.PROMISE_KEPT if state is PromiseState.KEPT else kinds.PROMISE_BROKEN,
                  summary=summary, data={"promise_id": row.id, "received_minor": received})
        if state is PromiseState.BROKEN and create_task(
                connection, customer_code=row.code, task_type="follow_up", assignee=row.owner,
                due_date=as_of, reason=summary, actor=actor, now=now, source="rules",
                key=f"{row.code}|promise-broken|{row.id}") is not None:
            task_count += 1
    return PromiseReview(kept, broken, task_count)
