"""BulkInsert.write_columns (a first import's clean chunks): rows given a column at a
time, a value shared by every row given once, are stored exactly as the same rows
written one tuple each, on SQLite (values written into the statement where they are
plain) and on PostgreSQL (COPY text built from the columns)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa

from hub.ledger.bulk import BulkInsert
from hub.ledger.db import make_engine

AT = datetime(2026, 12, 3, 4, 5, 6, tzinfo=UTC)
# The first row's values are the shared ones: a text that must not be written into SQL
ROWS = [(1, "O'Brien'); DROP TABLE x; --", "", 0, "2026-01-01", "EUR"),
        (2, "plain", "note", 1, "2026-01-02", "EUR"),
        (3, "tab\there", "", 0, "2026-01-03", "EUR"),
        (4, "zażółć", "x'y", 1, "2026-01-04", "EUR")]
NAMES = ("id", "note", "maybe", "flag", "day", "currency")


@pytest.mark.parametrize("shared", [(), ("currency",), ("currency", "maybe", "flag"),
                                    ("note", "day")])
def test_columns_are_stored_as_the_same_rows_would_be(database_url: str,
                                                      shared: tuple[str, ...]) -> None:
    engine = make_engine(database_url)
    table = sa.Table("bulk_columns_probe", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True), sa.Column("note", sa.Text),
                     sa.Column("maybe", sa.Text, nullable=True), sa.Column("flag", sa.Integer),
                     sa.Column("day", sa.Date), sa.Column("currency", sa.String(3)),
                     sa.Column("at", sa.DateTime(timezone=True)))
    # the same value on every row for the shared columns: the first row's
    rows = [tuple(ROWS[0][NAMES.index(name)] if name in shared else value
                  for name, value in zip(NAMES, row, strict=True)) for row in ROWS]
    try:
        found = []
        for how in ("rows", "columns"):
            with engine.begin() as connection:
                table.drop(connection, checkfirst=True)
                table.create(connection)
                insert = BulkInsert(connection, table, NAMES, {"at": AT},
                                    ready=("day",), empty_is_null=("maybe",))
                if how == "rows":
                    insert(rows)
                else:
                    columns = {name: [row[index] for row in rows]
                               for index, name in enumerate(NAMES) if name not in shared}
                    assert insert.write_columns(
                        columns, {name: rows[0][NAMES.index(name)] for name in shared}) == 4
                found.append(connection.execute(sa.select(table).order_by(table.c.id)).all())
        assert found[1] == found[0]
        assert [row.maybe for row in found[1]] == [text or None for _, _, text, *_ in rows]
    finally:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
        engine.dispose()
