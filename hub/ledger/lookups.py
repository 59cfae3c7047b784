"""Set-at-a-time reads and writes for imports: one query per chunk of keys,
never one per row."""

from __future__ import annotations

import json
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ARRAY
from sqlalchemy import Column
from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import any_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from hub.ledger.bulk import update_rows
from hub.ledger.in_lists import chunks
from hub.ledger.tables import allocations
from hub.ledger.tables import payments

KEYS_PER_QUERY = 5000


def key_in(connection: Connection, column: Column[Any], keys: Sequence[str]) -> ColumnElement[bool]:
    """`column IN keys` with the keys as one parameter (a JSON or an array), so a query
    for thousands of keys is not compiled with thousands of placeholders."""
    if connection.dialect.name == "sqlite":
        listed: Select[tuple[Any]] = select(literal_column("value")).select_from(
            func.json_each(bindparam("keys", json.dumps(list(keys)))))
        return column.in_(listed.scalar_subquery())
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam("keys", list(keys), type_=ARRAY(String)))
    return column.in_(keys)


def rows_by_key(connection: Connection, table: Table, key: str, values: Collection[str],
                columns: Sequence[str] = ()) -> dict[str, RowMapping]:
    """Rows of `table` (all columns, or `columns` and the key) whose `key` is in `values`."""
    column: Column[Any] = table.c[key]
    wanted = [table.c[name] for name in dict.fromkeys([key, *columns])] if columns else [table]
    found: dict[str, RowMapping] = {}
    for part in chunks(sorted(set(values)), KEYS_PER_QUERY):
        query = select(*wanted).where(key_in(connection, column, part))
        for row in connection.execute(query).mappings():
            found[row[key]] = row
    return found


def ids_by_key(connection: Connection, table: Table, key: str,
               values: Collection[str]) -> dict[str, int]:
    column: Column[Any] = table.c[key]
    found: dict[str, int] = {}
    for part in chunks(sorted(set(values)), KEYS_PER_QUERY):
        for value, row_id in connection.execute(select(column, table.c.id)
                                                .where(key_in(connection, column, part))):
            found[value] = row_id
    return found


def all_ids(connection: Connection, table: Table, key: str) -> dict[str, int]:
    column: Column[Any] = table.c[key]
    return {row[0]: row[1] for row in connection.execute(select(column, table.c.id))}


def allocated_totals(connection: Connection, invoice_ids: Collection[int]) -> dict[int, int]:
    """Minor units allocated to each invoice from payments recorded in the hub."""
    totals: dict[int, int] = {}
    for part in chunks(sorted(invoice_ids)):
        query = (select(allocations.c.invoice_id, func.sum(allocations.c.amount_minor))
                 .where(allocations.c.invoice_id.in_(part))
                 .group_by(allocations.c.invoice_id))
        totals.update({invoice: int(total) for invoice, total in connection.execute(query)})
    return totals


def existing_payment_references(connection: Connection, references: Collection[str]) -> set[str]:
    return set(ids_by_key(connection, payments, "reference", references))


def update_by_id(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Executemany UPDATE ... WHERE id = :row_id; every row sets the same columns."""
    update_rows(connection, table, rows)


def driver_rows(connection: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """The query's rows as the driver returns them, without SQLAlchemy's processing per
    row (the cycle reads a million invoice rows): dates and booleans come back as the
    driver gives them, so read them through `as_date` and `bool`."""
    result = connection.execute(query)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


class DateReader:
    """`as_date` for driver rows: SQLite gives dates as ISO text, PostgreSQL as dates;
    the same text (a due date shared by many invoices) is parsed once."""

    def __init__(self) -> None:
        self._seen: dict[str, date] = {}

    def __call__(self, value: Any) -> Any:
        if value is None or isinstance(value, date):
            return value
        found = self._seen.get(value)
        if found is None:
            found = self._seen[value] = date.fromisoformat(str(value)[:10])
        return found
