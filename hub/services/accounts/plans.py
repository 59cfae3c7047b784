"""Payment plans: instalments proposed from any entry point, approved automatically
inside the rule file's limits, otherwise a review task (the debtor is told it is being
handled). An active plan pauses the ladder; a missed instalment breaks it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.model import PlanState
from hub.domain.money import Money
from hub.domain.plans import PlanLimits
from hub.domain.plans import PlanOutcome
from hub.domain.plans import review_reasons
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.accounts import check_source
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payment_plans
from hub.ledger.tables import payments
from hub.ledger.tables import plan_instalments
from hub.services.accounts.tasks import create_task

__all__ = ["PlanLimits", "PlanOutcome", "decide_plan", "propose_plan", "review_plans"]


def _open_balance(connection: Connection, customer_id: int, currency: str) -> Money:
    total = connection.execute(sa.select(sa.func.coalesce(sa.func.sum(invoices.c.open_minor), 0))
                               .where(invoices.c.customer_id == customer_id,
                                      invoices.c.currency == currency,
                                      invoices.c.status.in_(("open", "partially_paid")))
                               ).scalar_one()
    return Money.from_minor(int(total), currency)


def propose_plan(connection: Connection, *, customer_code: str,
                 instalments: Sequence[tuple[date, Money]], actor: str, source: str,
                 now: datetime, limits: PlanLimits | None, today: date | None = None
                 ) -> PlanOutcome:
    """Record a plan. Inside `limits` it is active at once; outside them (or with no
    limits) it waits for a person: a review task for the account owner."""
    check_source(source)
    ref = account(connection, customer_code)
    today = today or now.date()
    if not instalments:
        raise UserError(lazy_gettext("a payment plan needs at least one instalment"))
    currencies = {amount.currency for _, amount in instalments}
    if len(currencies) != 1:
        raise UserError(lazy_gettext("all instalments must be in one currency, got %(currencies)s",
                                     currencies=sorted(currencies)))
    for day, amount in instalments:
        if amount.is_zero() or amount.is_negative():
            raise UserError(lazy_gettext("instalment on %(day)s: the amount must be positive, got"
                                         " %(amount)s", day=day, amount=amount))
        if day < today:
            raise UserError(lazy_gettext("instalment on %(day)s is in the past", day=day))
    if len({day for day, _ in instalments}) != len(instalments):
        raise UserError(lazy_gettext("two instalments fall on the same day"))
    ordered = sorted(instalments, key=lambda instalment: instalment[0])
    currency = currencies.pop()
    total = sum((amount for _, amount in ordered), Money.zero(currency))
    balance = _open_balance(connection, ref.id, currency)
    reasons = (review_reasons(ordered, today=today, open_balance=balance, limits=limits)
               if limits is not None else ("no automatic approval limits are set",))
    state = PlanState.PROPOSED if reasons else PlanState.ACTIVE
    plan_id = int(connection.execute(payment_plans.insert().values(
        customer_id=ref.id, currency=currency, total_minor=total.to_minor(), state=state,
        review_reason="; ".join(reasons) or None, actor=actor, source=source,
        approved_by=None if reasons else "rules", created_at=now, updated_at=now)
        .returning(payment_plans.c.id)).scalar_one())
    connection.execute(plan_instalments.insert(), [
        {"plan_id": plan_id, "seq": seq, "due_date": day, "currency": currency,
         "amount_minor": amount.to_minor()} for seq, (day, amount) in enumerate(ordered, 1)])
    schedule = ", ".join(f"{amount} on {day}" for day, amount in ordered)
    task_id = None
    if reasons:
        task_id = create_task(connection, customer_code=customer_code, task_type="review_plan",
                              assignee=ref.owner, due_date=today, actor=actor, now=now,
                              reason=f"payment plan {plan_id} needs review: {'; '.join(reasons)}",
                              key=f"{customer_code}|plan-review|{plan_id}", source="rules")
    add_event(connection, customer_id=ref.id, actor=actor, now=now,
              kind=kinds.PLAN_IN_REVIEW if reasons else kinds.PLAN_APPROVED,
              summary=(f"payment plan proposed ({schedule}); in review: {'; '.join(reasons)}"
                       if reasons else f"payment plan approved automatically: {schedule}"),
              data={"plan_id": plan_id, "source": source, "reasons": list(reasons)})
    return PlanOutcome(plan_id=plan_id, approved=not reasons, reasons=tuple(reasons),
                       task_id=task_id)


def decide_plan(connection: Connection, *, plan_id: int, approve: bool, actor: str,
                source: str, now: datetime, note: str | None = None) -> None:
    """A person approves or rejects a plan that was in review."""
    check_source(source)
    row = connection.execute(sa.select(payment_plans.c.customer_id, payment_plans.c.state)
                             .where(payment_plans.c.id == plan_id)).first()
    if row is None:
        raise NotFound(lazy_gettext("payment plan %(plan_id)s does not exist", plan_id=plan_id))
    if row.state != PlanState.PROPOSED:
        raise UserError(lazy_gettext("payment plan %(plan_id)s is %(state)s, not waiting for "
                                     "review", plan_id=plan_id, state=row.state))
    state = PlanState.ACTIVE if approve else PlanState.REJECTED
    connection.execute(payment_plans.update().where(payment_plans.c.id == plan_id).values(
        state=state, approved_by=actor if approve else None, updated_at=now))
    add_event(connection, customer_id=row.customer_id, actor=actor, now=now,
              kind=kinds.PLAN_APPROVED if approve else kinds.PLAN_REJECTED,
              summary=f"payment plan {plan_id} {'approved' if approve else 'rejected'}"
                      + (f": {note}" if note else ""),
              data={"plan_id": plan_id, "source": source})


def review_plans(connection: Connection, *, as_of: date, grace_days: int, now: datetime,
                 actor: str = "rules") -> tuple[int, int]:
    """Active plans: completed when payments since the plan cover the total; broken when
    an instalment is past its date plus grace and payments do not cover the instalments
    due so far (a task for the owner; the ladder resumes). Returns (completed, broken)."""
    plans = connection.execute(
        sa.select(payment_plans, customers.c.code, customers.c.owner)
        .join(customers, customers.c.id == payment_plans.c.customer_id)
        .where(payment_plans.c.state == PlanState.ACTIVE)).all()
    completed = broken = 0
    for plan in plans:
        since = plan.created_at.date()
        paid = int(connection.execute(
            sa.select(sa.func.coalesce(sa.func.sum(payments.c.amount_minor), 0))
            .where(payments.c.customer_id == plan.customer_id,
                   payments.c.currency == plan.currency, payments.c.received_on >= since,
                   payments.c.received_on <= as_of)).scalar_one())
        schedule = connection.execute(
            sa.select(plan_instalments.c.due_date, plan_instalments.c.amount_minor)
            .where(plan_instalments.c.plan_id == plan.id)).all()
        owed = sum(row.amount_minor for row in schedule
                   if row.due_date + timedelta(days=grace_days) <= as_of)
        if paid >= plan.total_minor:
            state, kind, completed = PlanState.COMPLETED, kinds.PLAN_COMPLETED, completed + 1
            summary = f"payment plan {plan.id} completed"
        elif paid < owed:
            state, kind, broken = PlanState.BROKEN, kinds.PLAN_BROKEN, broken + 1
            summary = (f"payment plan {plan.id} broken: {Money.from_minor(paid, plan.currency)}"
                       f" paid of {Money.from_minor(owed, plan.currency)} due")
        else:
            continue
        connection.execute(payment_plans.update().where(payment_plans.c.id == plan.id)
                           .values(state=state, updated_at=now))
        add_event(connection, customer_id=plan.customer_id, kind=kind, actor=actor, now=now,
                  summary=summary, data={"plan_id": plan.id})
        if state is PlanState.BROKEN:
            create_task(connection, customer_code=plan.code, task_type="follow_up",
                        assignee=plan.owner, due_date=as_of, reason=summary, actor=actor,
                        now=now, key=f"{plan.code}|plan-broken|{plan.id}", source="rules")
    return completed, broken
