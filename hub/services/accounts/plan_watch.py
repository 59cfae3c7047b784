"""What the cycle does every day for payment plans besides breaking and completing them
(hub.services.accounts.plans.review_plans): keep the two promises the plan messages make.

- The approved-plan message says "we will remind you before each instalment": an active
  plan's instalment gets one reminder in the outbox `days_before` days ahead (or on a
  later cycle up to its due date), unless payments already cover it.
- The in-review message says a colleague will reply within a few days: a plan still in
  review `review_days` days after it was proposed becomes a task for the reviewer's
  manager (the department manager), once, on the account's timeline.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.handover import WITH_COLLECTOR
from hub.domain.model import PlanState
from hub.domain.money import Money
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import message_key
from hub.ledger.accounts import add_event
from hub.ledger.outbox import enqueue
from hub.ledger.tables import customers
from hub.ledger.tables import handovers
from hub.ledger.tables import payment_plans
from hub.ledger.tables import payments
from hub.ledger.tables import plan_instalments
from hub.ledger.tables import tasks
from hub.services.accounts.tasks import create_task
from hub.services.cycle.assignees import Directory

ACTOR = "rules"
REMINDER_TEMPLATE = "instalment-reminder"
REMINDER_CHANNELS = ("email", "sms")  # a letter would arrive after the date
REVIEW_OVERDUE_TASK = "plan_review_overdue"


def remind_instalments(connection: Connection, *, as_of: date, days_before: int,
                       now: datetime) -> int:
    """Queue one reminder per instalment of every active plan that falls due within
    `days_before` days (due today included) and is not yet covered by payments received
    since the plan was made. Idempotent: the key names the plan and the instalment.
    Returns how many reminders were queued."""
    rows = connection.execute(
        sa.select(payment_plans.c.id, payment_plans.c.customer_id, payment_plans.c.created_at,
                  payment_plans.c.currency, customers.c.code, customers.c.language,
                  plan_instalments.c.seq, plan_instalments.c.due_date,
                  plan_instalments.c.amount_minor)
        .join(customers, customers.c.id == payment_plans.c.customer_id)
        .join(plan_instalments, plan_instalments.c.plan_id == payment_plans.c.id)
        .where(payment_plans.c.state == PlanState.ACTIVE,
               # a case with the collection company: the hub reminds the debtor of nothing
               payment_plans.c.customer_id.not_in(
                   sa.select(handovers.c.customer_id).where(
                       handovers.c.status.in_([s.value for s in WITH_COLLECTOR]))))
        .order_by(payment_plans.c.id, plan_instalments.c.seq)).all()
    schedules: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        schedules[row.id].append(row)
    queued = 0
    for plan_id, schedule in schedules.items():
        count = len(schedule)
        due_soon = [row for row in schedule
                    if row.due_date - timedelta(days=days_before) <= as_of <= row.due_date]
        if not due_soon:
            continue
        paid = _paid_since(connection, schedule[0], as_of)
        for row in due_soon:
            covered = sum(item.amount_minor for item in schedule if item.seq <= row.seq)
            if paid >= covered:  # paid ahead of time: nothing to remind
                continue
            amount = Money.from_minor(row.amount_minor, row.currency)
            if enqueue(connection, OutboxMessage(
                    idempotency_key=message_key("plan", REMINDER_TEMPLATE, row.code, plan_id,
                                                row.seq),
                    template=REMINDER_TEMPLATE, customer_code=row.code,
                    channels=REMINDER_CHANNELS, language=row.language,
                    batch=as_of.isoformat(),
                    context={"plan_id": plan_id, "instalment_number": row.seq,
                             "instalments_total": count, "due_date": row.due_date.isoformat(),
                             "amount": str(amount.amount), "currency": amount.currency}),
                    now=now):
                queued += 1
                add_event(connection, customer_id=row.customer_id, kind=kinds.MESSAGE_QUEUED,
                          actor=ACTOR, now=now,
                          summary=f"reminder queued for instalment {row.seq} of {count} of "
                                  f"payment plan {plan_id}: {amount} due {row.due_date}",
                          data={"plan_id": plan_id, "seq": row.seq,
                                "template": REMINDER_TEMPLATE})
    return queued


def _paid_since(connection: Connection, plan: Any, as_of: date) -> int:
    return int(connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(payments.c.amount_minor), 0))
        .where(payments.c.customer_id == plan.customer_id,
               payments.c.currency == plan.currency,
               payments.c.received_on >= plan.created_at.date(),
               payments.c.received_on <= as_of)).scalar_one())


def escalate_reviews(connection: Connection, *, as_of: date, review_days: int,
                     now: datetime) -> int:
    """A plan still waiting for review `review_days` days after it was proposed: a task
    for the reviewer's manager (else the department's manager, else the owner), once per
    plan, with a timeline entry. Returns how many plans were escalated."""
    waiting = connection.execute(
        sa.select(payment_plans.c.id, payment_plans.c.customer_id, payment_plans.c.created_at,
                  customers.c.code, customers.c.owner, customers.c.department)
        .join(customers, customers.c.id == payment_plans.c.customer_id)
        .where(payment_plans.c.state == PlanState.PROPOSED)
        .order_by(payment_plans.c.id)).all()
    late = [plan for plan in waiting
            if as_of >= plan.created_at.date() + timedelta(days=review_days)]
    if not late:
        return 0
    directory = Directory.load(connection)
    escalated = 0
    for plan in late:
        reviewer = connection.execute(
            sa.select(tasks.c.assignee)
            .where(tasks.c.key == f"{plan.code}|plan-review|{plan.id}")).scalar_one_or_none()
        reviewer = reviewer or plan.owner
        manager = directory.manager_for(reviewer, plan.department)
        proposed = plan.created_at.date()
        reason = (f"payment plan {plan.id} proposed on {proposed} is still waiting for review "
                  f"after {review_days} days (reviewer: {reviewer or 'nobody'}); the debtor "
                  f"was told a colleague would reply: review it or ask the reviewer to")
        if manager is None:
            reason += "; no manager is set for the reviewer or the department"
        assignee = manager or plan.owner
        task_id = create_task(connection, customer_code=plan.code,
                              task_type=REVIEW_OVERDUE_TASK, assignee=assignee,
                              due_date=as_of, reason=reason, actor=ACTOR, now=now,
                              key=f"{plan.code}|plan-review-overdue|{plan.id}", source="rules")
        if task_id is None:  # escalated before
            continue
        escalated += 1
        add_event(connection, customer_id=plan.customer_id, kind=kinds.PLAN_REVIEW_OVERDUE,
                  actor=ACTOR, now=now,
                  summary=f"payment plan {plan.id} not reviewed within {review_days} days: "
                          f"escalated to {assignee or 'nobody'}",
                  data={"plan_id": plan.id, "to": assignee, "reviewer": reviewer,
                        "task_id": task_id})
    return escalated
