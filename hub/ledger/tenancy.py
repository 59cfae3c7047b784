"""Which creditor company the running code acts for, and the one place that enforces it.

One hub serves many creditors (docs/creditors.md). The current creditor lives in a context
variable set at the edges (a web request by its user, a portal page by its link, the command
line by `--creditor`, the cycle per creditor). Queries never name it: every engine made by
`hub.ledger.db.make_engine` carries the hooks below, which

- add `creditor_id = <current>` to every SELECT, UPDATE and DELETE over a tenant table, in
  subqueries and joins too (an outer join's right side gets it in its ON clause, so the
  join stays outer);
- give every INSERT into a tenant table the current creditor (the column default);
- on PostgreSQL, set `hub.creditor_id` for the transaction, which the row-level security
  policies of migration 0020 check: a query that escapes the first wall (raw SQL, a driver
  call) still sees only the current creditor's rows.

A single-company install never sets anything: the current creditor is the default one
(id 1), which owns every row the migration found.
"""

from __future__ import annotations

import itertools
from typing import Any
from typing import Final
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import event
from sqlalchemy import or_
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.sql.selectable import Join
from sqlalchemy.sql.selectable import SelectState

from hub.ledger.current import ALL_CREDITORS
from hub.ledger.current import DEFAULT_CREDITOR
from hub.ledger.current import NoCreditorChosen
from hub.ledger.current import _current
from hub.ledger.current import acting_for
from hub.ledger.current import creditor_for_insert
from hub.ledger.current import current_creditor
from hub.ledger.current import platform_wide
from hub.ledger.current import reset
from hub.ledger.current import set_current
from hub.ledger.tables import TENANT_TABLES

__all__ = ["ALL_CREDITORS", "DEFAULT_CREDITOR", "NoCreditorChosen", "acting_for",
           "creditor_for_insert", "current_creditor", "install", "kept", "platform_wide",
           "reset", "scoped", "set_current"]

SETTING: Final = "hub.creditor_id"  # the PostgreSQL setting the policies read
_TENANT_NAMES = frozenset(TENANT_TABLES)


# --- the query layer --------------------------------------------------------------------

def _tenant_column(from_: FromClause) -> Any:
    """creditor_id of a tenant table (or an alias of one), else None."""
    table = from_.element if isinstance(from_, Alias) else from_
    if isinstance(table, Table) and table.name in _TENANT_NAMES \
            and "creditor_id" in from_.c:
        return from_.c.creditor_id
    return None


def _leftmost(from_: FromClause) -> FromClause:
    while isinstance(from_, Join):
        from_ = from_.left
    return from_


def scoped(statement: ClauseElement, creditor: int) -> ClauseElement:
    """`statement` with `creditor_id = creditor` on every tenant table it reads or changes."""

    def visit_join(join: Join) -> None:
        column = _tenant_column(join.right)
        if column is not None:  # in ON, not WHERE: a LEFT OUTER JOIN stays outer
            join.onclause = and_(join.onclause, column == creditor) \
                if join.onclause is not None else column == creditor

    def visit_select(select: Any) -> None:
        where = []
        joined: list[Any] = []  # select.join(): (target, onclause, from, flags)
        for target, on, from_, flags in select._setup_joins:
            column = _tenant_column(target) if isinstance(target, FromClause) else None
            onclause = on
            if column is not None and on is not None:
                onclause = and_(on, column == creditor)  # the join stays outer
            elif column is not None:  # an onclause from the foreign key, made later
                where.append(or_(column == creditor, column.is_(None))
                             if flags.get("isouter") else column == creditor)
            joined.append((target, onclause, from_, flags))
        select._setup_joins = tuple(joined)
        targets = {id(entry[0]) for entry in joined}
        # What SQLAlchemy puts in FROM (SelectState._get_froms, without compiling): a
        # table inside a JOIN is hidden behind it; visit_join filtered its right side.
        froms = SelectState._normalize_froms(itertools.chain(
            select._from_obj,
            (from_ for _, _, from_, _ in joined if from_ is not None),
            itertools.chain.from_iterable(e._from_objects for e in select._raw_columns),
            itertools.chain.from_iterable(e._from_objects for e in select._where_criteria)))
        for from_ in froms:
            if id(from_) in targets:
                continue
            column = _tenant_column(_leftmost(from_))
            if column is not None:
                where.append(column == creditor)
        if where:
            select._where_criteria += tuple(where)

    def visit_dml(dml: Any) -> None:
        column = _tenant_column(dml.table)
        if column is not None:
            dml._where_criteria += (column == creditor,)

    return visitors.cloned_traverse(statement, {}, {
        "select": visit_select, "join": visit_join,
        "update": visit_dml, "delete": visit_dml})


# Statements built once (module-level constants with bind parameters, `kept`), by id; the
# dict holds them, so an id is never reused. Their creditor-scoped versions are worked out
# once per creditor instead of at every execution: `scoped` clones the whole statement,
# which cost a page with ten queries about a third of its time (issue 16, the worklist).
_KEPT: dict[int, ClauseElement] = {}
_SCOPED_KEPT: dict[tuple[int, int], ClauseElement] = {}
_Statement = TypeVar("_Statement", bound=ClauseElement)


def kept(statement: _Statement) -> _Statement:
    """Mark `statement` as built once and run many times (its values come as bind
    parameters): the current creditor's filter is added to it once per creditor."""
    _KEPT[id(statement)] = statement
    return statement


def _scoped_kept(statement: ClauseElement, creditor: int) -> ClauseElement:
    key = (id(statement), creditor)
    found = _SCOPED_KEPT.get(key)
    if found is None:
        found = _SCOPED_KEPT[key] = scoped(statement, creditor) \
            if _touches_tenant(statement) else statement
    return found


def _touches_tenant(statement: ClauseElement) -> bool:
    for element in visitors.iterate(statement):
        if isinstance(element, Table) and element.name in _TENANT_NAMES:
            return True
    return False


def _before_execute(conn: Any, clauseelement: Any, multiparams: Any,  # noqa: ARG001
                    params: Any, execution_options: Any) -> tuple[Any, Any, Any]:  # noqa: ARG001
    # SQLAlchemy reads this signature: the names are its own
    clause = clauseelement
    creditor = _current.get()
    if creditor != ALL_CREDITORS and id(clause) in _KEPT:
        return _scoped_kept(clause, creditor), multiparams, params
    if creditor != ALL_CREDITORS and isinstance(clause, ClauseElement) \
            and (clause.is_dml or getattr(clause, "is_select", False)) \
            and _touches_tenant(clause):
        clause = scoped(clause, creditor)
    return clause, multiparams, params


def _before_cursor_execute(conn: Any, cursor: Any, statement: str,  # noqa: ARG001, PLR0917
                           parameters: Any, context: Any, executemany: bool  # noqa: ARG001
                           ) -> None:
    """PostgreSQL: tell the row-level security policies who we act for, once per
    transaction (and again whenever the current creditor changed within it)."""
    wanted = _current.get()
    if conn.info.get(SETTING) != wanted:
        value = "all" if wanted == ALL_CREDITORS else str(wanted)
        cursor.execute("SELECT set_config(%s, %s, true)", (SETTING, value))
        conn.info[SETTING] = wanted


def _forget_setting(connection: Any, *_args: Any) -> None:
    connection.info.pop(SETTING, None)  # set_config(..., true) ends with the transaction


def _forget_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info.pop(SETTING, None)  # the pool rolled the transaction back


def install(engine: Engine) -> None:
    """Enforce the current creditor on every statement `engine` runs."""
    event.listen(engine, "before_execute", _before_execute, retval=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)
        for name in ("commit", "rollback", "rollback_savepoint"):
            event.listen(engine, name, _forget_setting)
        event.listen(engine, "checkin", _forget_on_checkin)
