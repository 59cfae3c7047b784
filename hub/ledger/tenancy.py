"""Which creditor company the running code acts for, and the one place that enforces it.

One hub serves many creditors (docs/creditors.md). The current creditor lives in a context
variable set at the edges (a web request by its user, a portal page by its link, the command
line by `--creditor`, the cycle per creditor, a queue task by what it was sent with).
Queries never name it: every engine made by `hub.ledger.db.make_engine` carries the hooks
below, which

- add `creditor_id = :hub_creditor_id` to every SELECT, UPDATE and DELETE over a tenant
  table, in subqueries and joins too (an outer join's right side gets it in its ON clause,
  so the join stays outer), once per statement shape when SQLAlchemy compiles it; the
  parameter's value is the current creditor, read each time the statement runs, so the
  compiled statement is reused for every creditor;
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

from sqlalchemy import Engine
from sqlalchemy import Integer
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import bindparam
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
           "creditor_for_insert", "current_creditor", "install", "platform_wide", "reset",
           "scoped", "set_current", "uninstall"]

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


def scoped(statement: ClauseElement, creditor: Any) -> ClauseElement:
    """`statement` with `creditor_id = creditor` (an id, or `CREDITOR_PARAMETER`) on every
    tenant table it reads or changes; a clone, the statement itself is never changed."""

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


def _touches_tenant(statement: ClauseElement) -> bool:
    for element in visitors.iterate(statement):
        if isinstance(element, Table) and element.name in _TENANT_NAMES:
            return True
    return False


# The creditor, as a bind parameter whose value is read when the statement runs: the SQL
# is rewritten once, when SQLAlchemy compiles a statement's shape, and the compiled form is
# reused for every creditor (issue 16: rewriting each statement cost 1.3-2.4x on small
# look-ups).
CREDITOR_PARAMETER: Final = bindparam("hub_creditor_id", type_=Integer(), unique=False,
                                      callable_=_current.get)


def _needs_scope(statement: Any) -> bool:
    if getattr(statement, "is_insert", False) and getattr(statement, "select", None) is None:
        return False  # INSERT ... VALUES: the column default names the creditor
    return _touches_tenant(statement)


class _ScopingCompiler:
    """Mixed into the engine's own statement compiler: the top-level statement (never a
    nested one: `scoped` reaches those) is compiled as its scoped clone, unless the
    statement is compiled inside `platform_wide`."""

    stack: list[Any]

    def _scope(self, statement: Any) -> Any:
        if self.stack or _current.get() == ALL_CREDITORS or not _needs_scope(statement):
            return statement
        return scoped(statement, CREDITOR_PARAMETER)

    def visit_select(self, select_stmt: Any, *args: Any, **kw: Any) -> Any:
        return super().visit_select(self._scope(select_stmt), *args, **kw)  # type: ignore[misc]

    def visit_compound_select(self, cs: Any, *args: Any, **kw: Any) -> Any:
        return super().visit_compound_select(self._scope(cs), *args, **kw)  # type: ignore[misc]

    def visit_insert(self, insert_stmt: Any, *args: Any, **kw: Any) -> Any:
        return super().visit_insert(self._scope(insert_stmt), *args, **kw)  # type: ignore[misc]

    def visit_update(self, update_stmt: Any, *args: Any, **kw: Any) -> Any:
        return super().visit_update(self._scope(update_stmt), *args, **kw)  # type: ignore[misc]

    def visit_delete(self, delete_stmt: Any, *args: Any, **kw: Any) -> Any:
        return super().visit_delete(self._scope(delete_stmt), *args, **kw)  # type: ignore[misc]


class _CacheByMode:
    """The engine's compiled-statement cache, kept twice: a statement compiled for a
    creditor carries the creditor filter, one compiled inside `platform_wide` does not,
    and neither may be reused for the other."""

    def __init__(self, scoped_cache: Any, wide_cache: Any) -> None:
        self.scoped = scoped_cache
        self.wide = wide_cache

    def _cache(self) -> Any:
        return self.wide if _current.get() == ALL_CREDITORS else self.scoped

    def get(self, key: Any, default: Any = None) -> Any:
        return self._cache().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        return self._cache()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._cache()[key] = value

    def __len__(self) -> int:
        return len(self.scoped) + len(self.wide)

    def __bool__(self) -> bool:
        return True

    def clear(self) -> None:
        self.scoped.clear()
        self.wide.clear()


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
    dialect = engine.dialect
    base = dialect.statement_compiler
    if not issubclass(base, _ScopingCompiler):
        dialect.statement_compiler = type(
            f"Scoping{base.__name__}", (_ScopingCompiler, base), {})
    # SQLAlchemy has no public hook for the compiled cache: its private attribute
    plain: Any = engine
    cache = plain._compiled_cache
    # query_cache_size=0 (None): each statement is compiled, and scoped, anew
    if cache is not None and not isinstance(cache, _CacheByMode):
        plain._compiled_cache = _CacheByMode(cache, type(cache)(cache.capacity))
    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)
        for name in ("commit", "rollback", "rollback_savepoint"):
            event.listen(engine, name, _forget_setting)
        event.listen(engine, "checkin", _forget_on_checkin)


def uninstall(engine: Engine) -> None:
    """The engine as SQLAlchemy made it (bench/tenancy.py's reference); PostgreSQL's
    setting hook stays."""
    compiler = engine.dialect.statement_compiler
    if issubclass(compiler, _ScopingCompiler):
        engine.dialect.statement_compiler = compiler.__mro__[2]
    plain: Any = engine
    if isinstance(plain._compiled_cache, _CacheByMode):
        plain._compiled_cache = plain._compiled_cache.scoped
