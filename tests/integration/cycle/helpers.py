"""Running cycles day after day against a ledger, with a fake or real policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ports import Policy
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.services.cycle.daily import CycleReport

START = date(2026, 1, 5)


def morning(day: date) -> datetime:
    return datetime.combine(day, time(6, 0), UTC)


def run_day(hub: Hub, policy: Policy, day: date, **options: Any) -> CycleReport:
    cycle = Cycle(hub.engine, policy, now=lambda: morning(day),
                  thresholds=policy.thresholds())
    return cycle.run(CycleOptions(as_of=day, **options))


def run_days(hub: Hub, policy: Policy, first: date, days: int,
             before: Callable[[date], None] | None = None) -> list[CycleReport]:
    reports = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if before is not None:
            before(day)
        reports.append(run_day(hub, policy, day))
    return reports


def steps_taken(hub: Hub, code: str) -> list[tuple[int, str]]:
    """(days after START, step) of every step applied to the account, in order."""
    with hub.engine.connect() as connection:
        rows = connection.execute(
            sa.select(applied_decisions.c.applied_on, applied_decisions.c.step)
            .join(customers, customers.c.id == applied_decisions.c.customer_id)
            .where(customers.c.code == code, applied_decisions.c.step.is_not(None),
                   applied_decisions.c.paused_by.is_(None))
            .order_by(applied_decisions.c.applied_on, applied_decisions.c.id)).all()
    return [((row.applied_on - START).days, row.step) for row in rows]
