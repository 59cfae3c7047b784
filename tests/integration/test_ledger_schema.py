from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.db import current_revision


def test_ledger_is_migrated_to_head(hub: Hub) -> None:
    assert current_revision(hub.engine) == "0001"


def test_event_log_refuses_updates_and_deletes(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO events (occurred_at, actor, kind, summary, data) "
            "VALUES (CURRENT_TIMESTAMP, 'ann@example.com', 'note.added', 'called', '{}')"))
    for statement in ("UPDATE events SET summary = 'rewritten'", "DELETE FROM events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                hub.engine.begin() as connection:
            connection.execute(sa.text(statement))
    with hub.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT summary FROM events")).scalar_one() == "called"


def test_sqlite_ledger_runs_in_wal_mode(hub: Hub) -> None:
    if hub.engine.dialect.name != "sqlite":
        pytest.skip("WAL is a SQLite setting")
    with hub.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
