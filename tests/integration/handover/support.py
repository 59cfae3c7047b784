"""A ledger with one debtor chased up to a hand-over to collection, and the cycle with the
hooks the composition root adds (the case files)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.cycle import cycle_hooks
from hub.domain.clock import FixedClock
from hub.ledger.event_log import add_event
from hub.ledger.tables import customers
from hub.ports import Policy
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.services.cycle.daily import CycleReport
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.owed_support import ALWAYS
from tests.integration.cycle.owed_support import policy_from

DUE = date(2026, 3, 2)
RULES = """\
segments: [{name: business, when: true}]
ladders:
  business:
    steps:
      - {name: reminder, at: 3, send: [email], template: reminder-1}
      - {name: final notice, at: 10, send: [letter], template: final-notice, fees: statutory}
      - {name: hand over, at: 20, handover: collection%s}
      - {name: late reminder, at: 30, send: [email], template: reminder-2}
pause_when: [plan.in_review]
fees: {default: eu}
contact:
  send_window: {from: "00:00", to: "23:59"}
  business_days_only: false
"""


def rules(*, approval: bool) -> str:
    return RULES % (", approval: creditor" if approval else "")


def debtor(hub: Hub, code: str = "C1", name: str = "Łódź Trading sp. z o.o.",
           invoice: str = "INV-7") -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, code, name=name, country="PL", owner=None)
        add_contact(connection, customer, "Paweł", email="pawel@example.pl", is_primary=True)
        add_invoice(connection, invoice, customer, issued=DUE - timedelta(days=30), due=DUE,
                    amount="1200.00")


def policy(tmp_path: Path, *, approval: bool) -> Policy:
    return policy_from(rules(approval=approval), tmp_path / "rules.yaml")


def run(hub: Hub, rule_policy: Policy, day: date) -> CycleReport:
    assert isinstance(hub.clock, FixedClock)
    hub.clock.moment = morning(day)  # the dispatcher sends on the cycle's day
    hooks = cycle_hooks(hub)
    cycle = Cycle(hub.engine, rule_policy, now=lambda: morning(day), hooks=hooks,
                  thresholds=rule_policy.thresholds())
    report = cycle.run(CycleOptions(as_of=day))
    assert report.status == "done", report.errors
    hub.clock.moment = datetime.combine(day, time(10, 0), UTC)  # inside the send window
    hub.dispatcher(policy=ALWAYS).run()
    return report


def debtor_reports_a_payment(hub: Hub, day: date, code: str = "C1") -> None:
    """What the portal records when the debtor says they paid."""
    with hub.engine.begin() as connection:
        customer = connection.execute(sa.select(customers.c.id).where(
            customers.c.code == code)).scalar_one()
        add_event(connection, customer_id=customer, kind="portal.payment_reported",
                  actor="debtor (portal)", now=morning(day),
                  summary="says 1200.00 was paid on 2026-03-15", data={"source": "portal"})
