"""Engine creation and schema migration. Nothing connects at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.engine import make_url

from hub.domain.errors import UserError

MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (`db upgrade`, the release step, the embedded default).

    Long-running processes never call this: they call `require_head` instead."""
    command.upgrade(alembic_config(engine), revision)


def head_revision() -> str:
    """The schema revision this code needs (the newest migration)."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migrations folder has one head"
    return head


class SchemaOutOfDate(UserError):
    """The database is at another schema revision than the code needs."""


def require_head(engine: Engine) -> None:
    """Refuse to go on unless the database is at the code's revision.

    Web workers and the scheduler call this at start instead of migrating, so several
    processes never race to change the schema and old code never meets a new one."""
    current = current_revision(engine)
    needed = head_revision()
    if current == needed:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaOutOfDate(f"the database {where} has no schema yet (the code needs "
                              f"revision {needed}): run `python app.py db upgrade`")
    raise SchemaOutOfDate(f"the database {where} is at revision {current}, the code needs "
                          f"{needed}: run `python app.py db upgrade`")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
