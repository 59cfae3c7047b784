"""Which accounts can change today (the incremental part of the cycle).

An account is evaluated when its stored next evaluation day has come (the policy says it
when it evaluates the account: the next ladder step's day, spaced from a go-live first
contact when the debt started past the first step, or the next business day of the
customer's country when a step waits; imports and payments set it to their day), when a
person or an import did something to it since the last run (an event not written by the
rules: a payment, an import, a promise, a note), when a decision was applied to it on an
earlier day since the last run (the ladder may take its next step), when one of its open
invoices reaches a rule threshold (days overdue) on a day since the last run, when a
promise or plan instalment reaches its date plus grace, or when a debt whose first contact
started past the first step reaches its next step at the ladder's spacing, and every day for
the members of a running campaign (its steps count days in the campaign). The first run,
or a policy that does not say its thresholds, evaluates every account."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from hub.domain.model import TaskState
from hub.ledger.campaigns import live_member_ids
from hub.ledger.lookups import rows_by_key
from hub.ledger.lookups import update_by_id
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import payment_plans
from hub.ledger.tables import plan_instalments
from hub.ledger.tables import promises
from hub.ledger.tables import tasks

OPEN_STATUSES = ("open", "partially_paid")
RULES = "rules"  # the actor of what the cycle itself writes


def business_day_slack(first_day: date) -> int:
    """A step that falls on a weekend or a public holiday is taken on the next business
    day: thresholds reached on the Saturday-Sunday weekend just before `first_day`, and on
    one more day (a holiday), are looked at again. A policy that schedules (the rule
    file's) does better: an account whose step waits for its country's next business day
    (Sunday in Israel) is stored as due that day, see `schedule_evaluations`."""
    days, day = 1, first_day - timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        days, day = days + 1, day - timedelta(days=1)
    return days


def _after_first_contact(connection: Connection, thresholds: Iterable[int], since: date,
                         as_of: date) -> set[int]:
    """A debt whose first contact started past the ladder's first step takes its later
    steps at the ladder's spacing from that day (rules/decide.py): accounts whose first
    contact lies a gap between two thresholds before a day since the last run."""
    days = sorted(set(thresholds))
    gaps = sorted({later - earlier for earlier in days for later in days if later > earlier})
    if not gaps:
        return set()
    ranges = [applied_decisions.c.applied_on.between(since - timedelta(days=gap),
                                                     as_of - timedelta(days=gap))
              for gap in gaps]
    return {row[0] for row in connection.execute(
        sa.select(applied_decisions.c.customer_id).distinct()
        .where(applied_decisions.c.first_contact.is_(True),
               applied_decisions.c.paused_by.is_(None), sa.or_(*ranges)))}


def changed_accounts(connection: Connection, *, since_event: int, last_as_of: date,
                     as_of: date, thresholds: Iterable[int], grace_days: int) -> list[str]:
    """Codes of the accounts whose situation can change between `last_as_of` (exclusive)
    and `as_of` (inclusive), in code order."""
    ids: set[int] = set()
    # the stored next evaluation day: the next ladder step, a step that waited for a
    # business day, an import or a payment (see schedule_evaluations, mark_due)
    ids.update(row[0] for row in connection.execute(
        sa.select(customers.c.id).where(customers.c.next_evaluation_on <= as_of)))
    ids.update(row[0] for row in connection.execute(
        sa.select(events.c.customer_id).distinct()
        .where(events.c.id > since_event, events.c.customer_id.is_not(None),
               events.c.actor != RULES)))
    handed_over = (sa.select(tasks.c.customer_id)
                   .where(tasks.c.task_type == "legal_handover",
                          tasks.c.state != TaskState.CANCELLED))
    ids.update(row[0] for row in connection.execute(
        sa.select(applied_decisions.c.customer_id).distinct()
        .where(applied_decisions.c.applied_on >= last_as_of,
               applied_decisions.c.applied_on < as_of,
               applied_decisions.c.paused_by.is_(None),
               # after the legal handover no step follows: nothing to catch up
               applied_decisions.c.customer_id.not_in(handed_over))))
    first_day = last_as_of + timedelta(days=1)
    since = first_day - timedelta(days=business_day_slack(first_day))
    ranges = [sa.between(invoices.c.due_date, since - timedelta(days=days),
                         as_of - timedelta(days=days)) for days in sorted(set(thresholds))]
    if ranges and first_day <= as_of:
        ids.update(row[0] for row in connection.execute(
            sa.select(invoices.c.customer_id).distinct()
            .where(invoices.c.status.in_(OPEN_STATUSES), invoices.c.open_minor > 0,
                   sa.or_(*ranges))))
    ids.update(_after_first_contact(connection, thresholds, since, as_of))
    grace = timedelta(days=grace_days)
    ids.update(row[0] for row in connection.execute(
        sa.select(promises.c.customer_id).distinct()
        # closed today by the cycle's promise review, or still open
        .where(sa.or_(promises.c.state == PromiseState.OPEN, promises.c.closed_on >= first_day),
               promises.c.due_date.between(first_day - grace, as_of - grace))))
    ids.update(row[0] for row in connection.execute(
        sa.select(payment_plans.c.customer_id).distinct()
        .join(plan_instalments, plan_instalments.c.plan_id == payment_plans.c.id)
        .where(payment_plans.c.state.in_((PlanState.ACTIVE, PlanState.BROKEN, PlanState.COMPLETED)),
               plan_instalments.c.due_date.between(first_day - grace, as_of - grace))))
    # a running campaign's steps count the days since the customer joined it
    ids.update(live_member_ids(connection))
    if not ids:
        return []
    codes: list[str] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        codes.extend(row[0] for row in connection.execute(
            sa.select(customers.c.code).where(customers.c.id.in_(ordered[start:start + 5000]))))
    return sorted(codes)


def schedule_evaluations(connection: Connection, schedule: Mapping[str, date | None]) -> None:
    """Store each evaluated account's next evaluation day (None: nothing is due). Only the
    days that changed are written: on most days an account's next step stays where it was."""
    if not schedule:
        return
    stored = rows_by_key(connection, customers, "code", list(schedule),
                         columns=["id", "next_evaluation_on"])
    update_by_id(connection, customers, [
        {"row_id": stored[code]["id"], "next_evaluation_on": day}
        for code, day in sorted(schedule.items())
        if code in stored and _day(stored[code]["next_evaluation_on"]) != day])


def _day(value: object) -> date | None:
    """A stored date (SQLite may hand back text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
