"""Department and supervision views."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import promises
from hub.ledger.users import upsert_users
from hub.services.accounts.tasks import complete_task
from hub.services.accounts.tasks import create_task
from hub.services.read.team_figures import team_figures


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


def _team_figures(hub: Hub) -> None:
    """Ann (sales) owns ACME and CRUX; Ida (sales) owns nothing; Bob (ops) owns BOLT."""
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email="ida@example.com", name="Ida Idle",
                                       role=Role.COLLECTOR, department="sales")], now)
        for customer_id, due, state in ((1, date(2026, 11, 23), "open"),  # today (Monday)
                                        (3, date(2026, 11, 27), "open"),  # this week
                                        (3, date(2026, 12, 1), "open"),  # next week
                                        (1, date(2026, 11, 10), "broken"),
                                        (1, date(2026, 9, 1), "broken")):  # too long ago
            connection.execute(promises.insert().values(
                customer_id=customer_id, currency="EUR", amount_minor=100,
                promised_on=date(2026, 11, 1), due_date=due, state=state, actor="x",
                source="web", created_at=now, updated_at=now))
        for key, when in (("today", now), ("yesterday", now - timedelta(days=1))):
            task_id = create_task(connection, customer_code="ACME", task_type="call",
                                  assignee="ann@example.com", due_date=date(2026, 11, 20),
                                  reason="call", actor="rules", now=now, key=key)
            assert task_id is not None
            complete_task(connection, task_id=task_id, actor="ann@example.com",
                          source="web", now=when)


def _row(page: str, email: str) -> list[str]:
    found = re.search(rf'<tr data-collector="{re.escape(email)}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {email}"
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def test_every_collector_is_listed_by_name_with_their_figures(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    _team_figures(staffed)
    page = as_user("mia@example.com").get("/team").get_data(as_text=True)
    ann = _row(page, "ann@example.com")
    assert ann[0] == "Ann Collector ann@example.com"
    # open accounts, overdue per currency, promises today, this week, broken, done today
    assert ann[1:] == ["2", "EUR 600.00 USD 700.00", "1", "2", "1", "1"]
    assert _row(page, "ida@example.com") == ["Ida Idle ida@example.com", "0", "0", "0", "0",
                                             "0", "0"]  # idle, and still listed
    assert 'data-collector="bob@example.com"' not in page  # another department
    everyone = as_user("fin@example.com").get("/team").get_data(as_text=True)
    assert _row(everyone, "bob@example.com")[1:3] == ["1", "EUR 2,000.00"]


def test_team_figures_cost_one_query_each_whatever_the_team_size(staffed: Hub) -> None:
    now = staffed.clock.now()
    with staffed.engine.begin() as connection:
        upsert_users(connection, [User(email=f"c{i}@example.com", name=f"C {i}",
                                       role=Role.COLLECTOR, department="sales")
                                  for i in range(20)], now)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(staffed.engine, "before_cursor_execute", count)
    try:
        with staffed.engine.connect() as connection:
            team = team_figures(connection, today=date(2026, 11, 23), day_start=now,
                                department=None)
    finally:
        sa.event.remove(staffed.engine, "before_cursor_execute", count)
    assert len(team) == 22
    assert len(statements) == 6  # the people, then one per figure
