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

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from typing import Final

from sqlalchemy import Engine
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import event
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.sql.selectable import Join

from hub.ledger.tables import TENANT_TABLES

DEFAULT_CREDITOR: Final = 1
ALL_CREDITORS: Final = 0  # platform-wide look-ups only (see `platform_wide`)
SETTING: Final = "hub.creditor_id"  # the PostgreSQL setting the policies read

_current: ContextVar[int] = ContextVar("hub_creditor", default=DEFAULT_CREDITOR)
_TENANT_NAMES = frozenset(TENANT_TABLES)


class NoCreditorChosen(RuntimeError):
    """A row was about to be written for no creditor (inside `platform_wide`)."""


def current_creditor() -> int:
    """The creditor the running code acts for (ALL_CREDITORS inside `platform_wide`)."""
    return _current.get()


def set_current(creditor_id: int) -> object:
    """Act for `creditor_id` from now on in this context; returns a token for `reset`."""
    return _current.set(creditor_id)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


@contextmanager
def acting_for(creditor_id: int) -> Iterator[None]:
    """Run a block for one creditor (the cycle per creditor, a portal link's customer)."""
    token = _current.set(creditor_id)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def platform_wide() -> Iterator[None]:
    """Look across every creditor: only for finding who someone is before anything else
    (a user by e-mail at sign-in, a portal link or API token by its hash, the creditors to
    run the cycle for). Writing a tenant row in here is refused."""
    token = _current.set(ALL_CREDITORS)
    try:
        yield
    finally:
        _current.reset(token)


def creditor_for_insert() -> int:
    """The column default of every tenant table's creditor_id."""
    creditor = _current.get()
    if creditor == ALL_CREDITORS:
        raise NoCreditorChosen("a row for a creditor's data was written without choosing "
                               "the creditor (inside platform_wide)")
    return creditor


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
        criteria = []
        for from_ in select.get_final_froms():
            column = _tenant_column(_leftmost(from_))
            if column is not None:
                criteria.append(column == creditor)
        if criteria:
            select._where_criteria += tuple(criteria)

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


def _before_execute(connection: Any, clause: Any, multiparams: Any, params: Any,
                    execution_options: Any) -> tuple[Any, Any, Any]:
    creditor = _current.get()
    if creditor != ALL_CREDITORS and isinstance(clause, ClauseElement) \
            and (clause.is_dml or clause.is_select) and _touches_tenant(clause):
        clause = scoped(clause, creditor)
    return clause, multiparams, params


def _before_cursor_execute(connection: Any, cursor: Any, statement: str, parameters: Any,
                           context: Any, executemany: bool) -> None:
    """PostgreSQL: tell the row-level security policies who we act for, once per
    transaction (and again whenever the current creditor changed within it)."""
    wanted = _current.get()
    if connection.info.get(SETTING) != wanted:
        value = "all" if wanted == ALL_CREDITORS else str(wanted)
        cursor.execute("SELECT set_config(%s, %s, true)", (SETTING, value))
        connection.info[SETTING] = wanted


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
