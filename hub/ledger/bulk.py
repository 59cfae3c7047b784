"""Bulk writes for imports: one prepared INSERT, executemany over plain tuples.

SQLAlchemy's Core `insert()` spends more time per row building and type-processing
parameter dictionaries than SQLite spends storing the row. Imports write a
million rows, so this helper renders the statement once for the dialect, applies
the column types' bind processors only where the driver needs them (dates as text
on SQLite) and hands positional tuples straight to the driver's executemany.
Values that are the same on every row (timestamps of the run) are processed once.
"""

from __future__ import annotations

import json
import operator
import re
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
from enum import StrEnum
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import Connection
from sqlalchemy import Date
from sqlalchemy import Table
from sqlalchemy import func
from sqlalchemy import select

from hub.ledger.current import ALL_CREDITORS
from hub.ledger.current import current_creditor
from hub.ledger.tenancy import creditor_for_insert

Row = Sequence[Any]


class BulkInsert:
    """INSERT INTO table (columns..., constants...) for many rows at once."""

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str],
                 constants: Mapping[str, Any] | None = None, *,
                 ready: Collection[str] = (), empty_is_null: Collection[str] = (),
                 copy: bool = True) -> None:
        """`ready`: columns whose values come in the driver's form already (dates as
        ISO text), so no bind processor runs on them. `empty_is_null`: text columns
        whose NULLs the caller passes as '' (see `_null_marker`). `copy=False`: INSERT
        statements on PostgreSQL too (what the rows' writers waiting on a lock show)."""
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
        self._target, self._names, self._marker = target, tuple(names), marker
        self._nullable_names = frozenset(empty_is_null)
        self._statements: dict[tuple[tuple[str, str], ...], str] = {}
        # PostgreSQL loads many rows far faster through COPY than through INSERTs; but
        # not into a table whose row-level security applies to this role (a tenant table,
        # when the hub connects as production's role, not a superuser): "COPY FROM not
        # supported with row-level security". Those rows go through INSERT, which the
        # policy checks.
        self._copy = f"COPY {target} ({listed}) FROM STDIN" \
            if copy and dialect.name == "postgresql" and dialect.driver == "psycopg" \
            and not _row_security_active(connection, target) else None
        # COPY takes no expressions: there, '' is turned back into None row by row.
        self._empty_is_null = tuple(index for index, name in enumerate(names)
                                    if name in empty_is_null) if self._copy else ()
        self._connection = connection
        processors = {name: None if name in ready else
                      self._processor(table, name, connection, copy=self._copy is not None)
                      for name in names}
        self._constants = tuple(_apply(processors[name], value)
                                for name, value in constants.items())
        self._processors = tuple((index, processor) for index, name in enumerate(columns)
                                 if (processor := processors[name]) is not None)
        # JSON columns: write_value_columns processes their None too, as Core does (JSON null)
        self._documents = frozenset(index for index, name in enumerate(columns)
                                    if isinstance(table.c[name].type, JSON))

    @staticmethod
    def _processor(table: Table, name: str, connection: Connection, *,
                   copy: bool = False) -> Callable[[Any], Any] | None:
        column_type = table.c[name].type
        dialect = connection.dialect
        if isinstance(column_type, Boolean):
            return None  # both drivers take Python bools as they are
        if copy and isinstance(column_type, JSON):
            # COPY takes the JSON text; the bind processor would wrap each value in
            # psycopg's Json for the driver to serialize (with the same serializer)
            serializer: Callable[[Any], str] = \
                getattr(dialect, "_json_serializer", None) or json.dumps
            return serializer
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

    def write_value_columns(self, columns: Sequence[Sequence[Any]]) -> int:
        """The rows given a column at a time, as Python values (`columns[i]`: every
        row's value of the i-th column; no constants; `write_columns` takes them in the
        driver's form already): each column's values are processed in one loop, a
        value that is the same object on every row once, and on PostgreSQL the COPY text
        is built from the columns without turning them into rows. A JSON column's None is
        written as JSON null, as Core writes it."""
        count = len(columns[0]) if columns else 0
        if not count:
            return 0
        ready: list[Sequence[Any]] = list(columns)
        documents = self._documents
        for index, processor in self._processors:
            column = ready[index]
            first = column[0]
            document = index in documents
            if all(map(operator.is_, column, repeat(first))):
                ready[index] = [processor(first) if document or first is not None
                                else None] * count
            elif document:
                ready[index] = list(map(processor, column))
            else:
                ready[index] = [None if value is None else processor(value)
                                for value in column]
        ready += [[constant] * count for constant in self._constants]
        return self._write_column_lists(ready, count)

    def _write_column_lists(self, ready: Sequence[Sequence[Any]], count: int) -> int:
        """Every column of the insert, in order and in the driver's form: COPY text built
        from the columns, or rows for the executemany (or COPY row by row, for a type
        COPY's text does not carry as is)."""
        payload = columns_text(ready, self._empty_is_null) if self._copy is not None else None
        if payload is None:
            return self.write(list(zip(*ready, strict=True)))
        self._send_copy(payload)
        return count

    def _send_copy(self, payload: bytes) -> None:
        driver: Any = self._connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(self._copy) as copy:
            copy.write(payload)

    def write(self, prepared: Sequence[Row]) -> int:
        """Rows in the driver's form already, ending with `constants`: the caller built
        them in one pass (a million rows through __call__ are copied once more)."""
        if prepared and self._copy is not None:
            driver: Any = self._connection.connection.driver_connection
            nullable = self._empty_is_null
            payload = copy_text(prepared, nullable)
            if payload is not None:  # the whole chunk in one buffer, built in C loops
                self._send_copy(payload)
                return len(prepared)
            with driver.cursor() as cursor, cursor.copy(self._copy) as copy:
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

    def write_columns(self, columns: Mapping[str, Sequence[Any]],
                      same: Mapping[str, Any] | None = None) -> int:
        """Rows given a column at a time, in the driver's form already: every column of
        the insert in `columns` (a list each, of one length) or, when it has one value for
        every row, in `same`. No tuple is built per row but the driver's own: on SQLite a
        value of every row that is a number, NULL or plain ASCII text (a date, a flag, a
        currency) is written into the statement once rather than bound on each row (the
        run's timestamps and creditor included); on PostgreSQL the COPY text is built
        from the columns."""
        same = {**dict(zip(self._names[len(self._names) - len(self._constants):],
                           self._constants, strict=True)), **(same or {})}
        count = len(next(iter(columns.values())))
        if not count:
            return 0
        if self._copy is not None:
            return self._write_column_lists([columns[name] if name in columns
                                             else [same[name]] * count
                                             for name in self._names], count)
        inline: list[tuple[str, str]] = []
        bound: list[Sequence[Any]] = []
        markers: list[str] = []
        for name in self._names:
            if name in columns:
                value_list: Sequence[Any] = columns[name]
            else:
                literal = _sql_literal(same[name], name in self._nullable_names)
                if literal is not None:
                    inline.append((name, literal))
                    markers.append(literal)
                    continue
                value_list = [same[name]] * count
            bound.append(value_list)
            markers.append(_null_marker(self._marker) if name in self._nullable_names
                           else self._marker)
        key = tuple(inline)
        sql = self._statements.get(key)
        if sql is None:
            quote = self._connection.dialect.identifier_preparer.quote
            listed = ", ".join(quote(name) for name in self._names)
            # Identifiers from the Table; literals only digits and plain ASCII words.
            sql = self._statements[key] = (
                f"INSERT INTO {self._target} ({listed}) VALUES ({', '.join(markers)})")  # noqa: S608
        self._connection.exec_driver_sql(sql, list(zip(*bound, strict=True)))
        return count


_PLAIN_TEXT = re.compile(r"[A-Za-z0-9_ .:+-]*")


def _sql_literal(value: Any, empty_is_null: bool) -> str | None:
    """`value` as an SQL literal that stores what binding it would, or None: bind it."""
    if value is None or (empty_is_null and value == ""):
        return "NULL"
    if type(value) is bool:
        return "1" if value else "0"
    if type(value) is int:
        return str(value)
    if type(value) is str and _PLAIN_TEXT.fullmatch(value):
        return f"'{value}'"
    return None


def insert_rows(connection: Connection, table: Table,
                rows: Sequence[Mapping[str, Any]]) -> None:
    """`connection.execute(table.insert(), rows)` for rows that all name the same columns,
    through BulkInsert: the cycle writes thousands of decisions, messages, tasks and events
    per round, and Core's per-row parameter processing cost more than the database did.
    A column left out that has a Python-side default gets it (a scalar; a callable default
    takes the Core path, as do rows that name different columns)."""
    if not rows:
        return
    names = list(rows[0])
    pick = itemgetter(*names)
    try:  # the same length and every name present: the same columns
        values = [pick(row) if len(row) == len(names) else _differs() for row in rows]
    except KeyError:
        connection.execute(table.insert(), list(rows))
        return
    if not insert_tuples(connection, table, names,
                         values if len(names) > 1 else [(value,) for value in values]):
        connection.execute(table.insert(), list(rows))


def insert_tuples(connection: Connection, table: Table, names: Sequence[str],
                  rows: Sequence[Row], constants: Mapping[str, Any] | None = None) -> bool:
    """Rows as tuples in the order of `names` (no dict per row), plus `constants` (the same
    value on every row, processed once), written a column at a time through BulkInsert:
    COPY on PostgreSQL where row-level security allows it, one executemany otherwise.
    A column named nowhere gets its scalar Python-side default; False (nothing written)
    when one has a callable default, which only Core's insert() computes per row."""
    if not rows:
        return True
    given = {*names, *(constants or {})}
    fixed: dict[str, Any] = dict(constants or {})
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if column.name == "creditor_id":  # its callable default: BulkInsert sets it once
            continue
        if not getattr(default, "is_scalar", False):
            return False
        fixed[column.name] = getattr(default, "arg", None)
    BulkInsert(connection, table, names, fixed).write_value_columns(
        list(zip(*rows, strict=True)))
    return True


def update_rows(connection: Connection, table: Table,
                rows: Sequence[Mapping[str, Any]]) -> None:
    """UPDATE table SET ... WHERE id = row_id for rows that all set the same columns (no
    onupdate defaults in this schema), as one driver executemany: Core processed each
    row's parameters at a greater cost than the database's update (the cycle stores
    thousands of next evaluation days per round)."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != "row_id"]
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    target = dialect.identifier_preparer.format_table(table)
    assignments = ", ".join(f"{quote(name)} = {marker}" for name in columns)
    # identifiers come from the Table, quoted by the dialect; values are bound
    only = _creditor_condition(table, quote)
    sql = f"UPDATE {target} SET {assignments} WHERE {quote('id')} = {marker}{only}"  # noqa: S608
    processors = [BulkInsert._processor(table, name, connection) for name in columns]
    if dialect.name == "postgresql" and len(rows) >= SET_UPDATE_FROM \
            and not any(processors) and _set_update(connection, table, columns, rows):
        return
    connection.exec_driver_sql(sql, [
        (*(_apply(processor, row[name]) for processor, name in zip(processors, columns,
                                                                   strict=True)),
         row["row_id"]) for row in rows])


def _creditor_condition(table: Table, quote: Callable[[str], str], owner: str = "") -> str:
    """` AND creditor_id = N` for a tenant table's raw UPDATE: the query layer's
    creditor filter (hub.ledger.tenancy) does not see driver-level SQL, so a row id of
    another creditor's is left alone here too, not only by PostgreSQL's row-level security
    (which a superuser's connection is above). Nothing inside `platform_wide`."""
    creditor = current_creditor()
    if "creditor_id" not in table.c or creditor == ALL_CREDITORS:
        return ""
    return f" AND {owner}{quote('creditor_id')} = {int(creditor)}"


SET_UPDATE_FROM = 100  # rows; fewer: the executemany's round trips cost less than planning


def _set_update(connection: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Mapping[str, Any]]) -> bool:
    """PostgreSQL: the rows' updates as one statement over arrays (`UPDATE ... FROM
    unnest(ids, values...)`), instead of one UPDATE per row in the executemany's pipeline
    (the cycle's next evaluation days: a tenth of its apply phase there). False, and
    nothing done, when an id comes twice (the executemany's last row would win)."""
    ids = [row["row_id"] for row in rows]
    if len(set(ids)) != len(ids):
        return False
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    arrays = ", ".join(f"CAST(%s AS {table.c[name].type.compile(dialect=dialect)}[])"
                       for name in columns)
    listed = ", ".join(quote(name) for name in columns)
    sets = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in columns)
    # identifiers come from the Table, quoted by the dialect; values are bound as arrays
    sql = (f"UPDATE {target} SET {sets} FROM unnest(CAST(%s AS bigint[]), {arrays}) "  # noqa: S608
           f"AS v({quote('row_id')}, {listed}) WHERE {target}.{quote('id')} = v.{quote('row_id')}"
           f"{_creditor_condition(table, quote, f'{target}.')}")
    connection.exec_driver_sql(sql, (ids, *([row[name] for row in rows] for name in columns)))
    return True


def _row_security_active(connection: Connection, target: str) -> bool:
    """Whether PostgreSQL's row-level security applies to this role's writes into the
    table (`target`, as the search path finds it): a superuser is above the policies.
    Asked once per database connection and table (the role does not change while a
    pooled connection lives), not at every BulkInsert: the cycle and the event log
    build one per batch."""
    known: dict[str, bool] = connection.info.setdefault("hub.row_security_active", {})
    if target not in known:
        known[target] = bool(connection.exec_driver_sql(
            "SELECT row_security_active(CAST(%(table)s AS regclass))",
            {"table": target}).scalar())
    return known[target]


def _differs() -> Any:
    raise KeyError("a row names other columns")


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
    return columns_text(list(zip(*rows, strict=True)), empty_is_null)


def columns_text(columns: Sequence[Sequence[Any]],
                 empty_is_null: Collection[int] = ()) -> bytes | None:
    """`copy_text` of rows given a column at a time."""
    columns = list(columns)
    for index, column in enumerate(columns):
        nullable = index in empty_is_null
        # The same object on every row (the run's timestamps, '' for no text): converted
        # once. Identity, not equality: 1 == True and Decimal('1.0') == 1 print otherwise.
        if column and all(map(operator.is_, column, repeat(column[0]))):
            text = _copy_column((column[0],), nullable)
            if text is None:
                return None
            columns[index] = text * len(column)
            continue
        text = _copy_column(column, nullable)
        if text is None:
            return None
        columns[index] = text
    return ("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n").encode()


def _copy_column(column: Sequence[Any], nullable: bool) -> list[str] | None:
    """One column's values as COPY text, or None for a type that format does not carry."""
    kinds = set(map(type, column))
    if not kinds <= _COPY_TYPES:
        if not all(kind in _COPY_TYPES or issubclass(kind, StrEnum) for kind in kinds):
            return None
        # a StrEnum member (a task's state) is written as its value, as the driver does
        column = [str(value) if isinstance(value, StrEnum) else value for value in column]
        kinds = set(map(type, column))
    if str in kinds:
        text_column = list(map(str, column)) if len(kinds) > 1 else list(column)
        joined = "".join(text_column)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            text_column = [text.translate(_COPY_ESCAPES) for text in text_column]
    else:
        text_column = list(map(str, column))
    if nullable or type(None) in kinds:
        text_column = [_NULL if value is None or (value == "" and nullable)
                       else text for value, text in zip(column, text_column, strict=True)]
    return text_column


def _null_marker(marker: str) -> str:
    """A parameter that stores '' as NULL. The sqlite3 module binds None (and bool) on
    a slow path that looks for adapters, at three times the cost of a short str: on a
    million rows with two nullable columns that is a second. So callers pass '' and
    the statement turns it into NULL, in C."""
    return f"NULLIF({marker}, '')"


def _apply(processor: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if processor is None or value is None else processor(value)


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
              names: Collection[str], *, foreign_keys: bool = False) -> DeferredIndexes | None:
        """Drop the indexes `names` of `table` when `incoming_rows` make it worth it
        (only inside a transaction); None when nothing was dropped. `foreign_keys`: on
        PostgreSQL drop the table's foreign keys too and add them back at the end, which
        checks them with one join instead of a trigger per row (3-4 s of COPYing 100k
        invoices at load 10 was those triggers and the two indexes; re-adding took 0.1 s).
        On PostgreSQL the dropped objects lock the table against readers until the
        import commits: that is why this is only for a load into a table no larger than
        the file (a first import, or a go-live)."""
        if incoming_rows < cls.MIN_ROWS:
            return None
        dialect = connection.dialect.name
        driver: Any = connection.connection.driver_connection
        if dialect == "sqlite" and not driver.in_transaction:
            return None  # DDL would commit on its own: keep the indexes
        if dialect not in ("sqlite", "postgresql"):
            return None
        existing = connection.scalar(select(func.max(table.c.id)))
        if incoming_rows < (existing or 0):
            return None
        if dialect == "postgresql":
            return cls._start_postgres(connection, table, names, foreign_keys=foreign_keys)
        indexes = [(str(name), str(sql)) for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL", (table.name,))
            if name in names and not str(sql).upper().startswith("CREATE UNIQUE")]
        for name, _ in indexes:
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
        return cls(connection, indexes) if indexes else None

    @classmethod
    def _start_postgres(cls, connection: Connection, table: Table, names: Collection[str], *,
                        foreign_keys: bool) -> DeferredIndexes | None:
        quote = connection.dialect.identifier_preparer.quote
        target = connection.dialect.identifier_preparer.format_table(table)
        # The table as the search path finds it (the tests and benchmarks use schemas).
        found = {"table": target}
        dropped: list[tuple[str, str]] = []
        if foreign_keys:
            for name, definition in connection.exec_driver_sql(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(%(table)s AS regclass) AND contype = 'f' "
                    "ORDER BY conname", found):
                connection.exec_driver_sql(f"ALTER TABLE {target} DROP CONSTRAINT "
                                           f"{quote(str(name))}")
                dropped.append((str(name), f"ALTER TABLE {target} ADD CONSTRAINT "
                                           f"{quote(str(name))} {definition}"))
        for name, definition in connection.exec_driver_sql(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = CAST(%(table)s AS regclass) AND NOT x.indisunique "
                "ORDER BY i.relname", found):
            if name in names:
                connection.exec_driver_sql(f"DROP INDEX {quote(str(name))}")
                # Built again with the same definition; the indexes first, so that
                # checking the foreign keys can use them.
                dropped.insert(0, (str(name), str(definition)))
        return cls(connection, dropped) if dropped else None

    def restore(self) -> None:
        # By now the import's reader process is done and a CPU is free: let SQLite's
        # sorter use a helper thread for the index (the default is none).
        connection = self._connection
        if connection.dialect.name != "sqlite":
            for _, sql in self._dropped:
                connection.exec_driver_sql(sql)
            self._dropped = ()
            return
        threads = connection.exec_driver_sql("PRAGMA threads").scalar()
        connection.exec_driver_sql("PRAGMA threads = 2")
        try:
            for _, sql in self._dropped:
                connection.exec_driver_sql(sql)
        finally:
            connection.exec_driver_sql(f"PRAGMA threads = {int(threads or 0)}")
        self._dropped = ()
