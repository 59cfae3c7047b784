"""Bulk writes for imports: one prepared INSERT, executemany over plain tuples.

SQLAlchemy's Core `insert()` spends more time per row building and type-processing
parameter dictionaries than SQLite spends storing the row. Imports write a
million rows, so this helper renders the statement once for the dialect, applies
the column types' bind processors only where the driver needs them (dates as text
on SQLite) and hands positional tuples straight to the driver's executemany.
Values that are the same on every row (timestamps of the run) are processed once.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean
from sqlalchemy import Connection
from sqlalchemy import Date
from sqlalchemy import Table
from sqlalchemy import func
from sqlalchemy import select

from hub.ledger.tenancy import creditor_for_insert

Row = Sequence[Any]


class BulkInsert:
    """INSERT INTO table (columns..., constants...) for many rows at once."""

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str],
                 constants: Mapping[str, Any] | None = None, *,
                 ready: Collection[str] = (), empty_is_null: Collection[str] = ()) -> None:
        """`ready`: columns whose values come in the driver's form already (dates as
        ISO text), so no bind processor runs on them. `empty_is_null`: text columns
        whose NULLs the caller passes as '' (see `_null_marker`)."""
        constants = dict(constants or {})
        if "creditor_id" in table.c and "creditor_id" not in (*columns, *constants):
            # raw SQL bypasses the query layer's column default: the current creditor's rows
            constants["creditor_id"] = creditor_for_insert()
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        names = [*columns, *constants]
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        # Identifiers come from the Table and are quoted by the dialect; values are bound.
        target = dialect.identifier_preparer.format_table(table)
        listed = ", ".join(quote(name) for name in names)
        markers = ", ".join(_null_marker(marker) if name in empty_is_null else marker
                            for name in names)
        self.sql = f"INSERT INTO {target} ({listed}) VALUES ({markers})"  # noqa: S608
        # PostgreSQL loads many rows far faster through COPY than through INSERTs.
        self._copy = f"COPY {target} ({listed}) FROM STDIN" \
            if dialect.name == "postgresql" and dialect.driver == "psycopg" else None
        # COPY takes no expressions: there, '' is turned back into None row by row.
        self._empty_is_null = tuple(index for index, name in enumerate(names)
                                    if name in empty_is_null) if self._copy else ()
        self._connection = connection
        processors = {name: None if name in ready else self._processor(table, name, connection)
                      for name in names}
        self._constants = tuple(_apply(processors[name], value)
                                for name, value in constants.items())
        self._processors = tuple((index, processor) for index, name in enumerate(columns)
                                 if (processor := processors[name]) is not None)

    @staticmethod
    def _processor(table: Table, name: str,
                   connection: Connection) -> Callable[[Any], Any] | None:
        column_type = table.c[name].type
        dialect = connection.dialect
        if isinstance(column_type, Boolean):
            return None  # both drivers take Python bools as they are
        if dialect.name == "sqlite" and type(column_type) is Date:
            # SQLAlchemy stores SQLite dates as YYYY-MM-DD text: isoformat() writes the
            # same (for years 1000-9999) at a tenth of the cost of its generic formatter.
            return date.isoformat
        processor: Callable[[Any], Any] | None = \
            column_type.dialect_impl(dialect).bind_processor(dialect)
        return processor

    @property
    def constants(self) -> tuple[Any, ...]:
        """The values every row ends with, in the driver's form."""
        return self._constants

    @property
    def needs_processing(self) -> bool:
        return bool(self._processors)

    def __call__(self, rows: Iterable[Row]) -> int:
        constants = self._constants
        processors = self._processors
        if processors:
            prepared = []
            # Consecutive rows often share a value (an import's timestamp on every
            # event): the same object is processed once.
            last: list[tuple[Any, Any]] = [(None, None)] * len(processors)
            for row in rows:
                values = list(row)
                for position, (index, processor) in enumerate(processors):
                    value = values[index]
                    if value is not None:
                        seen, done = last[position]
                        if value is not seen:
                            done = processor(value)
                            last[position] = (value, done)
                        values[index] = done
                prepared.append((*values, *constants))
        else:
            prepared = [tuple(row) + constants for row in rows]
        return self.write(prepared)

    def write(self, prepared: Sequence[Row]) -> int:
        """Rows in the driver's form already, ending with `constants`: the caller built
        them in one pass (a million rows through __call__ are copied once more)."""
        if prepared and self._copy is not None:
            driver: Any = self._connection.connection.driver_connection
            nullable = self._empty_is_null
            payload = copy_text(prepared, nullable)
            with driver.cursor() as cursor, cursor.copy(self._copy) as copy:
                if payload is not None:  # the whole chunk in one buffer, built in C loops
                    copy.write(payload)
                    return len(prepared)
                for prepared_row in prepared:
                    if nullable:
                        values = list(prepared_row)
                        for index in nullable:
                            if values[index] == "":
                                values[index] = None
                        copy.write_row(values)
                    else:
                        copy.write_row(prepared_row)
        elif prepared:
            self._connection.exec_driver_sql(self.sql, prepared)
        return len(prepared)


# Types whose str() PostgreSQL's COPY text format reads back as the same value.
_COPY_TYPES = frozenset({str, int, bool, float, Decimal, date, datetime, type(None)})
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def copy_text(rows: Sequence[Row], empty_is_null: Collection[int] = ()) -> bytes | None:
    """`rows` in COPY's text format (tab-separated, `\\N` for NULL), or None when a value
    is of a type that format does not carry as is (the caller then writes row by row).

    psycopg's `write_row` converts every value in Python (about 10 us a row: as long as
    the server takes to store it); here each column is converted with map() and joined
    once, so a chunk of invoices costs a few C loops per column. `empty_is_null`: the
    positions whose '' means NULL (see `_null_marker`)."""
    columns: list[Any] = list(zip(*rows, strict=True))
    for index, column in enumerate(columns):
        kinds = set(map(type, column))
        if not kinds <= _COPY_TYPES:
            return None
        if str in kinds:
            text_column = list(map(str, column)) if len(kinds) > 1 else list(column)
            joined = "".join(text_column)
            if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
                text_column = [text.translate(_COPY_ESCAPES) for text in text_column]
        else:
            text_column = list(map(str, column))
        if index in empty_is_null or type(None) in kinds:
            text_column = [_NULL if value is None or (value == "" and index in empty_is_null)
                           else text for value, text in zip(column, text_column, strict=True)]
        columns[index] = text_column
    return ("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n").encode()


def _null_marker(marker: str) -> str:
    """A parameter that stores '' as NULL. The sqlite3 module binds None (and bool) on
    a slow path that looks for adapters, at three times the cost of a short str: on a
    million rows with two nullable columns that is a second. So callers pass '' and
    the statement turns it into NULL, in C."""
    return f"NULLIF({marker}, '')"


def _apply(processor: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if processor is None or value is None else processor(value)


def chunks(values: Sequence[Any], size: int = 2000) -> Iterator[Sequence[Any]]:
    """Slices small enough for an IN (...) list on every database."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


@contextmanager
def bulk_session(connection: Connection, cache_mib: int = 256) -> Iterator[None]:
    """Give SQLite a page cache large enough that index inserts stay in memory
    during a bulk import (its default is 2 MB), and restore it afterwards."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{cache_mib * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")


class DeferredIndexes:
    """Drop some of a table's indexes for a large insert and build them again after.

    Each row inserted into SQLite updates every index of its table; an index whose keys
    arrive in random order (invoices by customer) touches a different page for nearly
    every row. Sorting all its keys once with CREATE INDEX at the end is cheaper when
    the rows inserted outnumber those already there. Measured on 500k invoices (CPU
    a row): both secondary indexes kept 10.3 us; the customer index deferred 7.9 us +
    1.1 us to build it; both deferred 5.9 + 2.6 us. The rebuild runs after the reader
    process is done, so it adds to the wall clock in full, while index upkeep during
    the insert hides behind the reader: deferring the one random index is best.
    Unique indexes always stay (lookups and constraints need them). DDL is
    transactional in SQLite, so an import that fails and rolls back gets its indexes
    back too.
    """

    MIN_ROWS = 50_000  # below this, rebuilding costs more than it saves

    def __init__(self, connection: Connection, dropped: Sequence[tuple[str, str]]) -> None:
        self._connection = connection
        self._dropped = dropped

    @classmethod
    def start(cls, connection: Connection, table: Table, incoming_rows: int,
              names: Collection[str]) -> DeferredIndexes | None:
        """Drop the indexes `names` of `table` when `incoming_rows` make it worth it
        (SQLite only, and only inside a transaction); None when nothing was dropped."""
        if connection.dialect.name != "sqlite" or incoming_rows < cls.MIN_ROWS:
            return None
        driver: Any = connection.connection.driver_connection
        if not driver.in_transaction:  # DDL would commit on its own: keep the indexes
            return None
        existing = connection.scalar(select(func.max(table.c.id)))
        if incoming_rows < (existing or 0):
            return None
        indexes = [(str(name), str(sql)) for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL", (table.name,))
            if name in names and not str(sql).upper().startswith("CREATE UNIQUE")]
        for name, _ in indexes:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
        return cls(connection, indexes) if indexes else None

    def restore(self) -> None:
        # By now the import's reader process is done and a CPU is free: let SQLite's
        # sorter use a helper thread for the index (the default is none).
        connection = self._connection
        threads = connection.exec_driver_sql("PRAGMA threads").scalar()
        connection.exec_driver_sql("PRAGMA threads = 2")
        try:
            for _, sql in self._dropped:
                connection.exec_driver_sql(sql)
        finally:
            connection.exec_driver_sql(f"PRAGMA threads = {int(threads or 0)}")
        self._dropped = ()
