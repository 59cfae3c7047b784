"""The cycle's bulk path for tasks reads the open tasks only of the accounts whose decisions
may open one (issue 16); an account it was not told about is still checked when it asks,
so the rules never open a second task of a type on an account."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import tasks
from hub.services.accounts import tasks as task_service
from hub.services.accounts.tasks import TaskBatch
from tests.builders import add_customer

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_an_account_not_named_up_front_still_keeps_its_one_open_task(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        named = add_customer(connection, "NAMED", owner="ann@example.com")
        other = add_customer(connection, "OTHER", owner="ann@example.com")
        for code in ("NAMED", "OTHER"):
            task_service.create_task(connection, customer_code=code, task_type="call",
                                     assignee=None, due_date=NOW.date(), reason="r",
                                     actor="rules", now=NOW, key=f"{code}|call")
    with hub.engine.begin() as connection:
        batch = TaskBatch(connection, [named])
        assert batch.waits(named, "call")
        assert batch.waits(other, "call")  # read when asked: still one open call task
        assert not batch.waits(other, "escalation")
        batch.add(customer_id=other, task_type="escalation", assignee="ann@example.com",
                  due_date=NOW.date(), key="OTHER|escalation", reason="r",
                  decision_key=None, actor="rules", source="rules", now=NOW)
        assert batch.waits(other, "escalation")  # the one it is about to write
        batch.flush()
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(tasks)).scalar() == 3
