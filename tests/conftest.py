"""Shared fixtures. Ledger tests run on SQLite and, when HUB_TEST_POSTGRES_URL is
set and reachable, again on PostgreSQL (one schema per test process, so concurrent
runs on one server never meet)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.tables import metadata
from hub.services.staff.auth import Hashing

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present (only in the development workspace)")
    return SHARED_DATA


def _postgres_url(schema: str) -> str | None:
    url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not url:
        return None
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "hub.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _drop_schema(schema: str) -> None:
    engine = make_engine(os.environ["HUB_TEST_POSTGRES_URL"])
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str | None]:
    schema = f"hub_test_{worker_id}_{os.getpid()}"
    url = _postgres_url(schema)
    if url is None:
        yield None
        return
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _drop_schema(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: Path, postgres_url: str | None,
                 postgres_cleaner: sa.Engine | None) -> str:
    """A migrated, empty ledger on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    if postgres_url is None or postgres_cleaner is None:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    _empty(postgres_cleaner)
    return postgres_url


# Which tables hold a row, in one statement: emptying only those (and restarting only the
# sequences that were used) costs a quarter of truncating all 45 tables before every test.
_TABLES_WITH_ROWS = " UNION ALL ".join(
    f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM {table.name})"
    for table in metadata.sorted_tables)
_USED_SEQUENCES = ("SELECT quote_ident(sequencename) FROM pg_sequences "
                   "WHERE schemaname = current_schema() AND last_value IS NOT NULL")


def _empty(engine: sa.Engine) -> None:
    """Every ledger table empty and every id sequence back at its start."""
    with engine.begin() as connection:
        filled = connection.execute(sa.text(_TABLES_WITH_ROWS)).scalars().all()
        used = connection.execute(sa.text(_USED_SEQUENCES)).scalars().all()
        if filled:
            connection.execute(sa.text(f"TRUNCATE {', '.join(filled)} CASCADE"))
        for sequence in used:
            connection.execute(sa.text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture(scope="session")
def postgres_cleaner(postgres_url: str | None) -> Iterator[sa.Engine | None]:
    """One connection per test process that empties the ledger between tests."""
    if postgres_url is None:
        yield None
        return
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 with test-sized parameters in every test: the real ones take 0.1 s a hash
    by design, and up to a second each on a loaded 2-core CI machine."""
    Hashing.use(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    Hashing.use(PasswordHasher())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def hub(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Hub]:
    settings = Settings(var_dir=tmp_path / "var", database_url=database_url, progress=False)
    instance = bootstrap(settings, clock=clock, migrate=False)
    yield instance
    instance.engine.dispose()


@pytest.fixture(autouse=True)
def _dispose_every_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the pools of every Hub a test builds, so no database connection outlives its
    test (an unclosed psycopg connection found later by the garbage collector would be
    reported against whichever test happens to run then)."""
    import hub.bootstrap.root as composition

    made: list[sa.Engine] = []
    real = composition.make_engine  # type: ignore[attr-defined]

    def tracked(url: str, **kwargs: Any) -> sa.Engine:
        engine = real(url, **kwargs)
        made.append(engine)
        return engine

    monkeypatch.setattr(composition, "make_engine", tracked)
    yield
    for engine in made:
        engine.dispose()
