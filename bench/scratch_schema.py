"""A PostgreSQL schema of a benchmark's own, dropped afterwards (HUB_BENCH_POSTGRES_URL)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.ledger.db import make_engine


@contextmanager
def scratch_schema(url: str, prefix: str) -> Iterator[sa.Engine]:
    """An engine whose search_path is a new, empty schema; the schema is dropped after."""
    schema = f"{prefix}_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
