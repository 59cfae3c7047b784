"""Online backup and restore of the embedded SQLite ledger (sqlite3's backup API).

A plain file copy of a live WAL database can miss committed pages still in hub.db-wal or
catch a half-written page; the backup API copies one consistent snapshot while writers
go on. Every copy is checked (integrity, schema revision) before it is kept.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from hub.domain.errors import UserError


@dataclass(frozen=True)
class Copied:
    source: Path
    target: Path
    pages: int
    revision: str


def _database_file(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite" or not engine.url.database \
            or engine.url.database == ":memory:":
        raise UserError(f"db backup and db restore work on the embedded SQLite file; this hub "
                        f"uses {engine.dialect.name}: back it up with pg_dump and restore "
                        "with pg_restore (docs/operations.md)")
    return Path(engine.url.database)


def _check(connection: sqlite3.Connection, what: Path) -> str:
    """The copy's schema revision, after SQLite's own integrity check."""
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise UserError(f"{what} is damaged: {'; '.join(problems[:5])}")
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{what} is not a Collections Hub ledger ({exc})") from None
    if row is None:
        raise UserError(f"{what} is not a Collections Hub ledger (no schema revision)")
    return str(row[0])


def backup_sqlite(engine: Engine, target: Path) -> Copied:
    """Copy the live ledger to `target` (which must not exist yet) in one snapshot."""
    source = _database_file(engine)
    if not source.exists():
        raise UserError(f"{source} does not exist yet: nothing to back up")
    if target.exists():
        raise UserError(f"{target} already exists; choose a new file name (a backup never "
                        "overwrites another)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    live = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        # All pages in one step: a read transaction sees one snapshot; in WAL mode
        # writers carry on meanwhile (a stepwise copy would restart on every write).
        live.backup(copy)
        revision = _check(copy, target)
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        live.close()
    copy.close()
    os.replace(partial, target)
    return Copied(source, target, pages, revision)


def restore_sqlite(engine: Engine, backup: Path) -> Copied:
    """Replace the ledger's content with `backup`, after checking the backup."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    from hub.ledger.db import MIGRATIONS  # noqa: PLC0415

    target = _database_file(engine)
    saved = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        revision = _check(saved, backup)
        known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
        if revision not in known:
            raise UserError(f"{backup} is at schema revision {revision}, which this code does "
                            "not know (a backup from newer code): restore it with that code")
        engine.dispose()  # no pooled connection keeps the old content
        target.parent.mkdir(parents=True, exist_ok=True)
        live = sqlite3.connect(target, timeout=30)
        try:
            saved.backup(live)
            pages = int(live.execute("PRAGMA page_count").fetchone()[0])
            with contextlib.suppress(sqlite3.OperationalError):
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            live.close()
    finally:
        saved.close()
    return Copied(backup, target, pages, revision)
