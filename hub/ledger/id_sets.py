"""`column IN (many ids)` that PostgreSQL plans from what it will really find.

`column = ANY(:array)` with a hundred thousand ids (hub.ledger.accounts.ids_in) leaves the
planner to guess how many rows match, from statistics that a bulk write in the same
transaction has not updated: in a catch-up cycle it guessed 38 open tasks, found 135,799
and took 29.8 s over a nested loop; with fresh statistics the same lookup took 0.17 s
(issue 16). Two things fix it: `analyze()` after a bulk write, so the written table's
statistics are current, and, past `TEMP_TABLE_FROM` ids, the ids in a temporary table
(dropped at commit, uniquely indexed) that the query joins: the planner knows how many ids
there are. Fewer ids, and SQLite, use `ids_in` as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy import Connection

from hub.ledger.accounts import ids_in

TEMP_TABLE_FROM = 2000
_names = itertools.count(1)


def ids_in_planned(connection: Connection, column: sa.Column[Any],
                   ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL with many ids, through an indexed temporary table."""
    if connection.dialect.name != "postgresql" or len(ids) < TEMP_TABLE_FROM:
        return ids_in(connection, column, ids)
    name = f"hub_ids_{next(_names)}"
    # Filled in one statement and indexed after (distinct in Python): a primary key filled
    # row by row through SELECT DISTINCT cost twice as much (issue 16).
    connection.execute(sa.text(f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS "
                               "SELECT unnest(CAST(:ids AS bigint[])) AS id"),
                       {"ids": sorted(set(ids))})
    # The planner counts its rows from its pages (never analyzed) and knows the ids are
    # distinct from the unique index, so it hashes them with no ANALYZE of its own (the
    # same plan, one statement fewer); and the index keeps a plan misled by the other
    # table's stale statistics (a nested loop) linear.
    connection.exec_driver_sql(f"CREATE UNIQUE INDEX ON {name} (id)")
    table = sa.table(name, sa.column("id", sa.BigInteger))
    return column.in_(sa.select(table.c.id))


def analyze(connection: Connection, *tables: sa.Table,
            columns: Sequence[sa.Column[Any]] = ()) -> None:
    """Refresh the planner's statistics of `tables` after a bulk write (PostgreSQL; SQLite
    plans without row counts of its own). Inside the writing transaction, ANALYZE counts
    that transaction's new rows too. `columns`: the statistics of these columns only (and
    the row count), what the next lookup plans from: a fraction of the whole ANALYZE."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer
    for table in tables:
        only = [quote.format_column(c) for c in columns if c.table is table]
        listed = f" ({', '.join(only)})" if only else ""
        connection.exec_driver_sql(f"ANALYZE {quote.format_table(table)}{listed}")

