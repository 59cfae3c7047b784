"""Small reads and writes shared by the person-action services: a customer by code,
timeline events, and `column IN ids` queries that stay fast for thousands of ids."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ARRAY
from sqlalchemy import BigInteger
from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import Integer
from sqlalchemy import SmallInteger

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.events import SOURCES
from hub.i18n import lazy_gettext
from hub.ledger.event_log import add_event as add_event  # noqa: PLC0414 - callers import it here
from hub.ledger.event_log import add_events as add_events  # noqa: PLC0414
from hub.ledger.tables import customers


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    code: str
    name: str
    owner: str | None
    department: str | None
    currency: str | None


_ACCOUNT = sa.select(customers.c.id, customers.c.code, customers.c.name, customers.c.owner,
                     customers.c.department, customers.c.currency
                     ).where(customers.c.code == sa.bindparam("code"))


def account(connection: Connection, code: str) -> AccountRef:
    """The customer with this code, or NotFound naming it."""
    row = connection.execute(_ACCOUNT, {"code": code}).first()
    if row is None:
        raise NotFound(lazy_gettext("customer %(code)s does not exist", code=repr(code)))
    return AccountRef(row.id, row.code, row.name, row.owner, row.department, row.currency)


def check_source(source: str) -> None:
    if source not in SOURCES:
        raise UserError(lazy_gettext("unknown source %(source)s: use one of %(names)s",
                                     source=repr(source), names=', '.join(sorted(SOURCES))))


def ids_in(connection: Connection, column: sa.Column[Any],
           ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN ids` with the ids as one parameter (JSON on SQLite, an array on PostgreSQL)."""
    if connection.dialect.name == "sqlite":
        listed: sa.Select[tuple[Any]] = sa.select(sa.literal_column("value")).select_from(
            sa.func.json_each(sa.bindparam("ids_json", json.dumps(sorted(ids)))))
        return column.in_(listed.scalar_subquery())
    if connection.dialect.name == "postgresql":
        return column == sa.any_(_id_array(column, sorted(ids)))
    return column.in_(sorted(ids))


_INT4 = (-2**31, 2**31 - 1)
_LITERAL_FROM = 100


def _id_array(column: sa.Column[Any], ids: list[int]) -> sa.ColumnElement[Any]:
    """The sorted ids as one array of the column's own type. PostgreSQL hashes a long
    `= ANY(array)` only when both sides hash alike, and only when the array is a constant
    in the plan: an integer column against a bigint[] was compared with the ids one by one
    on every row (issue 16: 1.5 s for 20,000 ids over 27,200 tasks, 6 ms hashed), and so
    was a bound array once psycopg had prepared the statement (its fifth run) and the
    server chose a generic plan (6 s). So many ids are written into the statement
    (`ARRAY[...]`, rendered at execution: the compiled form is still cached): a constant
    in every plan, whatever the statistics say. An id outside an integer column's range
    matches nothing there, and would not cast."""
    if isinstance(column.type, Integer) \
            and not isinstance(column.type, (BigInteger, SmallInteger)):
        if ids and (ids[0] < _INT4[0] or ids[-1] > _INT4[1]):
            ids = [i for i in ids if _INT4[0] <= i <= _INT4[1]]
        element: type[Integer] = Integer
    else:
        element = BigInteger
    if len(ids) < _LITERAL_FROM:
        return sa.bindparam("ids_array", ids, type_=ARRAY(element))
    return sa.cast(sa.bindparam("ids_array", ids, type_=ARRAY(element), literal_execute=True),
                   ARRAY(element))


def ids_param(dialect: str, column: sa.Column[Any], name: str = "ids") -> ColumnElement[bool]:
    """`column IN ids` for a statement built once (`tenancy.kept`): the ids are the bind
    parameter `name`, given at execution as `ids_value(dialect, ids)`."""
    if dialect == "sqlite":
        listed: sa.Select[tuple[Any]] = sa.select(sa.literal_column("value")).select_from(
            sa.func.json_each(sa.bindparam(name, type_=sa.String)))
        return column.in_(listed.scalar_subquery())
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(BigInteger)))
    return column.in_(sa.bindparam(name, expanding=True))


def ids_value(dialect: str, ids: Collection[int]) -> Any:
    """The value of an `ids_param` parameter."""
    return json.dumps(sorted(ids)) if dialect == "sqlite" else sorted(ids)


def mark_due(connection: Connection, customer_ids: Collection[int | None], day: date) -> None:
    """An import or a payment changed these accounts: the cycle evaluates them on `day`
    (or earlier, when they were already due earlier)."""
    ids = sorted({int(i) for i in customer_ids if i is not None})
    for start in range(0, len(ids), 5000):
        connection.execute(customers.update().where(
            customers.c.id.in_(ids[start:start + 5000]),
            sa.or_(customers.c.next_evaluation_on.is_(None),
                   customers.c.next_evaluation_on > day))
            .values(next_evaluation_on=day))
