"""Work that people create for an account without an owner (the portal's "I have paid",
a plan to review, a hand-over from the web) goes to the department manager with the
reason, never to nobody; without a manager, to the last resort (finance, then admin)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import events
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.services.portal import actions as portal_actions
from tests.builders import STAMP
from tests.builders import add_customer
from tests.builders import add_invoice

DAY = date(2026, 11, 23)


def _paid(hub: Hub, code: str) -> tuple[str, str]:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, code, department="sales")  # no owner
        add_invoice(connection, f"{code}-1", customer, issued="2026-10-01", due="2026-10-31",
                    amount="500.00")
        portal_actions.report_payment(connection, customer_code=code, paid_on=DAY,
                                      amount=None, proof=None, now=STAMP, today=DAY)
        row = connection.execute(sa.select(tasks.c.assignee, tasks.c.reason)
                                 .where(tasks.c.task_type == "payment_check")
                                 .order_by(tasks.c.id.desc())).first()
        summary = connection.execute(
            sa.select(events.c.summary).where(events.c.kind == "task.created")
            .order_by(events.c.id.desc()).limit(1)).scalar_one()
    assert row is not None
    assert row.assignee is not None
    assert row.assignee in summary
    return str(row.assignee), str(row.reason)


def test_an_ownerless_accounts_task_goes_to_the_department_manager_with_the_reason(
        hub: Hub) -> None:
    with hub.engine.begin() as connection:
        upsert_users(connection, [User("mia@example.com", "Mia", Role.MANAGER, "sales"),
                                  User("fin@example.com", "Fin", Role.FINANCE, "finance")],
                     STAMP)
    assignee, reason = _paid(hub, "NOBODY")
    assert assignee == "mia@example.com"
    assert reason.endswith("; the account has no owner: assigned to the department manager")


def test_without_a_department_manager_the_last_resort_takes_it(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        upsert_users(connection, [User("fin@example.com", "Fin", Role.FINANCE, "finance")],
                     STAMP)
    assignee, reason = _paid(hub, "NOBODY")
    assert assignee == "fin@example.com"
    assert "no department manager was found: assigned to fin@example.com" in reason
