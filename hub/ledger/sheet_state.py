"""The sheet sync's memory: per book (department workbook) its remote id and last result,
per account row the editable values taken in and the computed values last written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.sheet_sync import RowState
from hub.ledger.tables import sheet_books
from hub.ledger.tables import sheet_rows


def book_id(connection: Connection, backend: str, book: str) -> int:
    found = connection.execute(sa.select(sheet_books.c.id).where(
        sheet_books.c.backend == backend, sheet_books.c.book == book)).scalar()
    if found is not None:
        return int(found)
    return int(connection.execute(sa.insert(sheet_books).values(
        backend=backend, book=book, calls=0, rows=0).returning(sheet_books.c.id)).scalar_one())


def remote_id(connection: Connection, book: int) -> str | None:
    value = connection.execute(sa.select(sheet_books.c.remote_id)
                               .where(sheet_books.c.id == book)).scalar()
    return str(value) if value is not None else None


def load_rows(connection: Connection, book: int) -> dict[str, RowState]:
    rows = connection.execute(sa.select(sheet_rows.c.customer_code, sheet_rows.c.owner,
                                        sheet_rows.c.editable, sheet_rows.c.computed)
                              .where(sheet_rows.c.book_id == book))
    return {row.customer_code: RowState(row.owner, dict(row.editable), dict(row.computed))
            for row in rows}


def save_rows(connection: Connection, book: int, before: Mapping[str, RowState],
              after: Mapping[str, RowState], now: datetime) -> None:
    """Write only what changed: the state of a 1%-changed cycle is a few statements."""
    gone = [code for code in before if code not in after]
    for start in range(0, len(gone), 500):
        connection.execute(sa.delete(sheet_rows).where(
            sheet_rows.c.book_id == book, sheet_rows.c.customer_code.in_(gone[start:start + 500])))
    new: list[dict[str, Any]] = []
    for code, state in after.items():
        values = {"owner": state.owner, "editable": dict(state.editable),
                  "computed": dict(state.computed), "updated_at": now}
        if code not in before:
            new.append({"book_id": book, "customer_code": code, **values})
        elif before[code] != state:
            connection.execute(sa.update(sheet_rows).where(
                sheet_rows.c.book_id == book, sheet_rows.c.customer_code == code).values(**values))
    for start in range(0, len(new), 2000):
        connection.execute(sa.insert(sheet_rows), new[start:start + 2000])


def record_sync(connection: Connection, book: int, *, at: datetime, remote: str | None,
                error: str | None, calls: int, rows: int | None) -> None:
    values: dict[str, Any] = {"last_sync_at": at, "last_error": error, "calls": calls}
    if remote is not None:
        values["remote_id"] = remote
    if error is None:
        values["last_ok_at"] = at
    if rows is not None:
        values["rows"] = rows
    connection.execute(sa.update(sheet_books).where(sheet_books.c.id == book).values(**values))


@dataclass(frozen=True, slots=True)
class BookStatus:
    backend: str
    book: str
    remote_id: str | None
    last_sync_at: datetime | None
    last_ok_at: datetime | None
    last_error: str | None
    calls: int
    rows: int


def list_books(connection: Connection, backend: str | None = None) -> list[BookStatus]:
    query = sa.select(sheet_books).order_by(sheet_books.c.backend, sheet_books.c.book)
    if backend:
        query = query.where(sheet_books.c.backend == backend)
    return [BookStatus(row.backend, row.book, row.remote_id, row.last_sync_at, row.last_ok_at,
                       row.last_error, row.calls, row.rows)
            for row in connection.execute(query)]
