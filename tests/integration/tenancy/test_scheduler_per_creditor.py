"""The scheduler runs the daily cycle once per creditor company, acting for each: every
creditor's accounts are evaluated on its own ledger, and a single company's hub runs it
once as before."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from datetime import datetime
from datetime import time

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.clock import FixedClock
from hub.ledger.current import acting_for
from hub.ledger.current import current_creditor
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.scheduler import Jobs
from hub.services.staff.creditors import add_creditor
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.service.fake_policy import FakePolicy


def _late(hub: Hub) -> Hub:
    moved = Hub(settings=dataclasses.replace(hub.settings, timezone="Europe/Amsterdam",
                                             cycle_time=time(6, 30)),
                clock=FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)))
    moved.__dict__["engine"] = hub.engine
    return moved


def _ledger(hub: Hub, amount: str) -> None:
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME")  # the same code for both creditors
        add_invoice(connection, "I-1", acme, issued="2026-10-01", due="2026-11-01",
                    amount=amount)


def test_the_daily_cycle_runs_for_each_creditor_on_its_own_ledger(hub: Hub) -> None:
    _ledger(hub, "900.00")
    jobs = Jobs(_late(hub), FakePolicy)
    assert "1 decisions applied" in jobs.daily_cycle()  # one company: as ever
    assert jobs.daily_cycle() == "cycle: today's cycle has already run"
    with hub.engine.begin() as connection:
        bravo = add_creditor(connection, code="bravo", name="Bravo", profile=None,
                             now=hub.clock.now())
    with acting_for(bravo.id):
        _ledger(hub, "100.00")
    said = jobs.daily_cycle()
    assert said.startswith("default: cycle: today's cycle has already run; bravo: cycle ")
    assert "1 decisions applied" in said
    with hub.engine.connect() as connection, acting_for(bravo.id):
        decided = connection.execute(sa.select(customers.c.creditor_id).join(
            applied_decisions, applied_decisions.c.customer_id == customers.c.id)).scalars()
        assert set(decided) == {bravo.id}
    assert jobs.for_each_creditor(lambda: str(current_creditor())) == \
        f"default: 1; bravo: {bravo.id}"
