"""The planner's statistics after a bulk write (PostgreSQL).

A bulk write leaves a table's statistics describing it as it was before, until ANALYZE
runs; autovacuum runs it after commit, once more than a tenth of the rows changed, and
never sees a transaction still open. Statements later in the writing transaction (or in
the cycle's next batch, before autovacuum's turn) plan from the old figures: a catch-up
cycle expected 38 open tasks, found 135,799 and took 29.8 s (issue 16). `analyze_after`
applies autovacuum's rule at once, inside the writing transaction, where ANALYZE counts
that transaction's rows too. Lookups of many ids no longer depend on it
(hub.ledger.accounts.ids_in: a hashed `= ANY` is linear whatever the plan).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

# a smaller write leaves the statistics to autovacuum
ANALYZE_FROM = 2000
# pg_class.reltuples: the rows the statistics describe (-1: never analyzed)
_KNOWN_ROWS = sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)")


def analyze(connection: Connection, *tables: sa.Table,
            columns: Sequence[sa.Column[Any]] = ()) -> None:
    """Refresh the planner's statistics of `tables` (PostgreSQL; SQLite plans without row
    counts of its own). Inside the writing transaction, ANALYZE counts that transaction's
    new rows too. `columns`: the statistics of these columns only (and the row count), a
    fraction of the whole ANALYZE."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer
    for table in tables:
        only = [quote.format_column(c) for c in columns if c.table is table]
        listed = f" ({', '.join(only)})" if only else ""
        connection.exec_driver_sql(f"ANALYZE {quote.format_table(table)}{listed}")


def analyze_after(connection: Connection, table: sa.Table, written: int, *,
                  columns: Sequence[sa.Column[Any]] = ()) -> bool:
    """ANALYZE `table` (its `columns`) after a write of `written` rows (at least
    ANALYZE_FROM) that is more than a tenth of the rows its statistics describe, or when
    it has none; True when it ran. A later day's batch into a large table leaves them
    to autovacuum (an ANALYZE cost 0.02-0.03 s CPU at 27,000 tasks, as much as the lookup
    it used to serve)."""
    if connection.dialect.name != "postgresql" or written < ANALYZE_FROM:
        return False
    known = connection.execute(_KNOWN_ROWS, {
        "name": connection.dialect.identifier_preparer.format_table(table)}).scalar()
    if known is not None and known > 0 and written * 10 <= known:
        return False
    analyze(connection, table, columns=columns)
    return True
