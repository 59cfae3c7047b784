"""`db backup` copies the live SQLite ledger while the hub writes; `db restore` brings it
back. PostgreSQL is backed up with pg_dump, and the command says so."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.cli import cli
from hub.ledger.db import make_engine
from hub.ledger.tables import customers
from tests.builders import add_customer


def _env(var: Path, **extra: str) -> dict[str, str]:
    return {"HUB_VAR_DIR": str(var), "HUB_PROGRESS": "0", "HUB_DATABASE_URL": "", **extra}


def _codes(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT code FROM customers ORDER BY id")]


def test_backup_while_a_writer_is_busy_then_restore(tmp_path: Path,
                                                    sqlite_template: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    live = var / "hub.db"
    shutil.copy(sqlite_template, live)
    engine = make_engine(f"sqlite:///{live}")
    written: list[str] = []
    stop = threading.Event()

    def writer() -> None:  # one customer per transaction, as fast as SQLite allows
        while not stop.is_set():
            code = f"C-{len(written):05d}"
            with engine.begin() as connection:
                add_customer(connection, code)
            written.append(code)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 50:
            threading.Event().wait(0.01)
        backup = tmp_path / "backups" / "hub-1.db"
        result = CliRunner().invoke(cli, ["db", "backup", str(backup)], env=_env(var))
        while len(written) < len(_codes(backup)) + 50:  # the writer carried on meanwhile
            threading.Event().wait(0.01)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.stdout
    saved = _codes(backup)
    # one consistent snapshot: every customer committed before it, none half-written
    assert len(saved) >= 50
    assert saved == written[:len(saved)]
    assert not list(backup.parent.glob(".*partial"))

    again = CliRunner().invoke(cli, ["db", "backup", str(backup)], env=_env(var))
    assert again.exit_code == 2
    assert "already exists" in again.stderr

    restored = CliRunner().invoke(cli, ["db", "restore", str(backup), "--yes"], env=_env(var))
    assert restored.exit_code == 0, restored.output
    with engine.connect() as connection:  # the hub's own engine sees the backup's content
        codes = connection.execute(sa.select(customers.c.code).order_by(customers.c.id))
        assert list(codes.scalars()) == saved
    engine.dispose()
    assert CliRunner().invoke(cli, ["db", "status"], env=_env(var)).exit_code == 0


def test_restore_refuses_a_file_that_is_not_a_ledger(tmp_path: Path,
                                                     sqlite_template: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    shutil.copy(sqlite_template, var / "hub.db")
    stranger = tmp_path / "other.db"
    with sqlite3.connect(stranger) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    result = CliRunner().invoke(cli, ["db", "restore", str(stranger), "--yes"], env=_env(var))
    assert result.exit_code == 2
    assert "is not a Collections Hub ledger" in result.stderr
    assert _codes(var / "hub.db") == []  # the ledger is untouched


def test_backup_on_postgresql_points_to_pg_dump(postgres_url: str | None,
                                                tmp_path: Path) -> None:
    if postgres_url is None or not os.environ.get("HUB_TEST_POSTGRES_URL"):
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    result = CliRunner().invoke(cli, ["db", "backup", str(tmp_path / "x.db")],
                                env=_env(tmp_path / "var", HUB_DATABASE_URL=postgres_url))
    assert result.exit_code == 2
    assert "pg_dump" in result.stderr
    assert not (tmp_path / "x.db").exists()
