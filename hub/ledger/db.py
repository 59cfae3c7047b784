"""Engine creation and schema migration. Nothing connects at import time."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub.domain.errors import UserError
from hub.ledger import tenancy
from hub.ledger.json_text import dumps
from hub.ledger.revisions import MIGRATIONS
from hub.ledger.revisions import head_revision

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["MIGRATIONS", "SchemaOutOfDate", "alembic_config", "current_revision",
           "head_revision", "make_engine", "normalise_url", "require_head", "upgrade"]


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
    kwargs.setdefault("json_serializer", dumps)  # hub.ledger.json_text
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    tenancy.install(engine)  # every query sees only the current creditor's rows
    return engine


def alembic_config(engine: Engine) -> Config:
    # Alembic is imported here, not at start: only a migration needs it (about 0.1 s of
    # every command's start-up otherwise, issue 16).
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (`db upgrade`, the release step, the embedded default).

    Long-running processes never call this: they call `require_head` instead."""
    from alembic import command  # noqa: PLC0415

    with tenancy.platform_wide():  # a migration changes every creditor's rows
        command.upgrade(alembic_config(engine), revision)


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
    """The revision stamped in `alembic_version`, or None on a database without one.

    A plain query, not Alembic's MigrationContext (the same table, read the same way, without
    importing Alembic at every start)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    if len(rows) > 1:  # Alembic refuses a branched database; so do we
        raise UserError(f"the database has several schema revisions: "
                        f"{sorted(row[0] for row in rows)}")
    return rows[0][0] if rows else None
