"""The embedded SQLite ledger through the standard library's `sqlite3`, for a read that
needs no SQLAlchemy (issue 16: importing SQLAlchemy cost a report by customer about as
much CPU as its own statement). Nothing here imports SQLAlchemy or Alembic.

A statement run here never passes the creditor filter of hub.ledger.tenancy, which sees
SQLAlchemy statements only: it names the creditor itself, `creditor_id = :creditor` on
every tenant table it reads (hub/services/read/aging_sqlite.py, tested against the
SQLAlchemy statement with two creditors). Anything unusual (not a plain SQLite file, no
file yet, a schema at another revision, a creditor code not found) gives None, and the
command takes the hub's own path, which migrates, refuses or explains as it always has.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hub.ledger.current import ALL_CREDITORS
from hub.ledger.current import current_creditor
from hub.ledger.revisions import head_revision

_PREFIX = "sqlite:///"


@dataclass(frozen=True)
class EmbeddedLedger:
    """An open connection to the SQLite file and the creditor the command acts for."""

    connection: sqlite3.Connection
    creditor: int

    def close(self) -> None:
        self.connection.close()


def sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for any other URL (PostgreSQL, a
    driver name, query options, an in-memory database, an escaped character), which
    SQLAlchemy reads in its own way."""
    if not url.startswith(_PREFIX):
        return None
    path = url[len(_PREFIX):]
    if not path or path == ":memory:" or any(c in path for c in "?%#"):
        return None
    return Path(path)


def open_embedded(url: str, creditor_code: str | None = None) -> EmbeddedLedger | None:
    """The ledger at `url` when it is a SQLite file at the code's schema revision, for
    the creditor of `creditor_code` (default: the current one); else None."""
    path = sqlite_file(url)
    if path is None or not path.is_file():  # no file yet: the hub's path makes and migrates it
        return None
    # The hub's engine waits for a writer up to 30 s (busy_timeout): so does this.
    connection = sqlite3.connect(path, timeout=30)
    try:
        creditor = _creditor(connection, creditor_code) if _is_current(connection) else None
    except sqlite3.DatabaseError:  # not a ledger (no such table), or not a database
        creditor = None
    if creditor is None:
        connection.close()
        return None
    return EmbeddedLedger(connection, creditor)


def _is_current(connection: sqlite3.Connection) -> bool:
    """One query of `alembic_version` against the newest migration file's revision, as
    `Hub.migrate_if_behind` compares them."""
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return len(rows) == 1 and rows[0][0] == head_revision()


def _creditor(connection: sqlite3.Connection, code: str | None) -> int | None:
    """The id of `code` (as `creditor_by_code` matches it); without one, the creditor the
    code acts for already (the default one in a command), None inside `platform_wide`."""
    if code is None:
        creditor = current_creditor()
        return None if creditor == ALL_CREDITORS else creditor
    row = connection.execute("SELECT id FROM creditors WHERE code = ?",
                             (code.strip().lower(),)).fetchone()
    return None if row is None else int(row[0])
