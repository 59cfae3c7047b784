"""Migration 0023 gives every existing task its holder (the assignee, else the account's
owner) for every creditor, on SQLite and on PostgreSQL under row-level security, and the
downgrade takes the column away again."""

from __future__ import annotations

import sqlalchemy as sa

from hub.ledger.db import upgrade
from tests.integration.tenancy.test_upgrade import _fresh
from tests.integration.tenancy.test_upgrade import _run

STAMP = "'2026-11-01 00:00:00'"
ROWS = [
    f"INSERT INTO creditors (id, code, name, created_at) VALUES (2, 'other', 'Other', {STAMP})",
    *(f"INSERT INTO customers (id, creditor_id, code, name, kind, timezone, language, "
      f"excluded, on_hold, owner, created_at, updated_at) VALUES ({number}, {creditor}, "
      f"'C{number}', 'C', 'B2B', 'UTC', 'en', false, false, {owner}, {STAMP}, {STAMP})"
      for number, creditor, owner in ((1, 1, "'ann@example.com'"), (2, 1, "NULL"),
                                      (3, 2, "'oz@other.example'"))),
    *(f"INSERT INTO tasks (id, creditor_id, customer_id, task_type, assignee, due_date, "
      f"state, reason, created_by, source, created_at, updated_at) VALUES ({number}, "
      f"{creditor}, {customer}, 'call', {assignee}, '2026-11-20', '{state}', 'r', 'rules', "
      f"'rules', {STAMP}, {STAMP})"
      for number, creditor, customer, assignee, state in (
          (1, 1, 1, "'bob@example.com'", "open"),  # assigned: the assignee's
          (2, 1, 1, "NULL", "open"),  # unassigned: the owner's
          (3, 1, 2, "NULL", "open"),  # nobody's
          (4, 1, 1, "NULL", "done"),
          (5, 2, 3, "NULL", "open"))),  # another creditor's
]


def test_existing_tasks_get_their_holders_for_every_creditor(database_url: str) -> None:
    engine, schema = _fresh(database_url)
    try:
        upgrade(engine, "0022_handover")
        with engine.begin() as c:
            for statement in ROWS:
                c.exec_driver_sql(statement)
        engine.dispose()
        upgrade(engine, "0023_task_holder")
        with engine.connect() as c:
            holders = dict(c.exec_driver_sql("SELECT id, holder FROM tasks").all())
            indexes = {index["name"] for index in sa.inspect(c).get_indexes("tasks")}
        assert holders == {1: "bob@example.com", 2: "ann@example.com", 3: None,
                           4: "ann@example.com", 5: "oz@other.example"}
        assert "ix_tasks_holder_state_due" in indexes
        engine.dispose()
        _downgrade(engine)
        with engine.connect() as c:
            columns = {column["name"] for column in sa.inspect(c).get_columns("tasks")}
        assert "holder" not in columns
    finally:
        engine.dispose()
        if schema is not None:
            _run(database_url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _downgrade(engine: sa.Engine) -> None:
    from alembic import command

    from hub.ledger import tenancy
    from hub.ledger.db import alembic_config

    with tenancy.platform_wide():
        command.downgrade(alembic_config(engine), "0022_handover")
