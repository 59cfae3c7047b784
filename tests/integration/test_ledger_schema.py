from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.db import alembic_config
from hub.ledger.db import current_revision
from hub.ledger.tables import metadata


def _single_head() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://"))).get_heads()
    assert len(heads) == 1, f"migrations must form one chain; heads: {heads}"
    return heads[0]


def test_ledger_is_migrated_to_the_single_head(hub: Hub) -> None:
    assert current_revision(hub.engine) == _single_head()


def test_migrations_create_exactly_the_tables_the_code_declares(hub: Hub) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with hub.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    missing = [change for change in diff
               if change[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert missing == [], f"write a migration for: {missing}"


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
