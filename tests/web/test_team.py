"""Department and supervision views."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import promises
from hub.services.tasks import create_task


def _work(hub: Hub) -> None:
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        create_task(connection, customer_code="ACME", task_type="call", assignee=None,
                    due_date=date(2026, 11, 20), reason="no answer to reminder-2",
                    actor="rules", now=now, key="acme-call")
        create_task(connection, customer_code="CRUX", task_type="follow_up",
                    assignee="ann@example.com", due_date=date(2026, 11, 23),
                    reason="promise broken", actor="rules", now=now, key="crux-fu")
        create_task(connection, customer_code="BOLT", task_type="call",
                    assignee="bob@example.com", due_date=date(2026, 11, 1),
                    reason="pre-legal", actor="rules", now=now, key="bolt-call")
        for customer_id, due, state in ((1, date(2026, 11, 23), "open"),
                                        (3, date(2026, 11, 12), "broken"),
                                        (2, date(2026, 11, 14), "broken")):
            connection.execute(promises.insert().values(
                customer_id=customer_id, currency="EUR", amount_minor=12345,
                promised_on=date(2026, 11, 1), due_date=due, state=state, actor="x",
                source="web", created_at=now, updated_at=now))


def test_a_manager_supervises_their_department(staffed: Hub,
                                               as_user: Callable[[str], FlaskClient]) -> None:
    _work(staffed)
    page = as_user("mia@example.com").get("/team").get_data(as_text=True)
    assert "Team: sales" in page
    assert "ann@example.com" in page  # ACME (owner ann, unassigned) and CRUX
    assert "bob@example.com" not in page
    assert "Bolt GmbH" not in page
    assert "no answer to reminder-2" in page  # ACME's call task is 3 days overdue
    assert "3 days" in page
    assert "Acme Trading BV" in page  # promise due today
    assert "Crux Inc" in page  # broken promise


def test_finance_sees_every_department_and_can_pick_one(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    _work(staffed)
    client = as_user("fin@example.com")
    everything = client.get("/team").get_data(as_text=True)
    assert "bob@example.com" in everything
    assert "ann@example.com" in everything
    ops = client.get("/team?department=ops").get_data(as_text=True)
    assert "Bolt GmbH" in ops
    assert "Acme Trading BV" not in ops


def test_collectors_have_no_team_view(staffed: Hub,
                                      as_user: Callable[[str], FlaskClient]) -> None:
    assert as_user("ann@example.com").get("/team").status_code == 403
