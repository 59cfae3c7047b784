"""PostgreSQL's row-level security, the second wall: SQL that forgets the creditor (raw SQL
past the query layer) still sees and changes only the current creditor's rows, when the
hub connects as a role that is not a superuser (docs/creditors.md, "Production")."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.model import TaskState
from hub.ledger.bulk import insert_rows
from hub.ledger.db import make_engine
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import acting_for
from tests.integration.tenancy.two_creditors import TwoCreditors
from tests.integration.tenancy.two_creditors import build

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_role(hub: Hub) -> Iterator[str]:
    """A role like production's: owns nothing, may read and write the tables."""
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    role = f"hub_app_{os.getpid()}"
    with hub.engine.begin() as c:
        schema = c.exec_driver_sql("SELECT current_schema()").scalar()
        c.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        c.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
        c.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        c.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                          f"{schema} TO {role}")
        c.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    yield role
    with hub.engine.begin() as c:
        c.exec_driver_sql(f"DROP OWNED BY {role}")
        c.exec_driver_sql(f"DROP ROLE {role}")


def _raw(hub: Hub, role: str, creditor: int, sql: str) -> list[tuple[object, ...]]:
    with acting_for(creditor), hub.engine.begin() as c:
        c.exec_driver_sql(f"SET LOCAL ROLE {role}")
        result = c.exec_driver_sql(sql)
        return [tuple(row) for row in result] if result.returns_rows else []


def test_raw_sql_without_the_creditor_filter_sees_only_the_current_creditor(
        hub: Hub, app_role: str) -> None:
    two: TwoCreditors = build(hub)
    forgot = "SELECT c.name, i.number, i.amount_minor FROM customers c " \
             "JOIN invoices i ON i.customer_id = c.id ORDER BY i.number"
    assert _raw(hub, app_role, DEFAULT_CREDITOR, forgot) == [
        ("Alpha Secret Trading", "INV-001", 123456), ("Alpha Secret Trading", "INV-002", 123456)]
    assert _raw(hub, app_role, two.bravo_id, forgot) == [
        ("Bravo Open Trading", "INV-001", 77700), ("Bravo Open Trading", "INV-002", 77700)]
    # A superuser is above the policies: the reason production connects as another role.
    with hub.engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM customers").scalar() == 2


def test_raw_updates_and_inserts_cannot_touch_another_creditors_rows(
        hub: Hub, app_role: str) -> None:
    two = build(hub)
    _raw(hub, app_role, two.bravo_id, "UPDATE customers SET name = 'taken over'")
    _raw(hub, app_role, two.bravo_id, "DELETE FROM contacts")
    with hub.engine.connect() as c:
        names = c.exec_driver_sql("SELECT creditor_id, name FROM customers ORDER BY 1").all()
        contacts = c.exec_driver_sql("SELECT creditor_id FROM contacts").scalars().all()
    assert [tuple(row) for row in names] == [(1, "Alpha Secret Trading"),
                                             (two.bravo_id, "taken over")]
    assert contacts == [1]
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        _raw(hub, app_role, two.bravo_id,
             "INSERT INTO customers (creditor_id, code, name, kind, timezone, language, "
             "excluded, on_hold, created_at, updated_at) VALUES (1, 'X', 'planted', 'B2B', "
             "'UTC', 'en', false, false, now(), now())")


def test_a_connection_that_names_no_creditor_sees_nothing(hub: Hub, app_role: str) -> None:
    build(hub)
    plain = make_engine(str(hub.engine.url.render_as_string(hide_password=False)))
    plain.dispatch._clear()  # no hooks: a connection from another program
    try:
        with plain.begin() as c:
            c.exec_driver_sql(f"SET LOCAL ROLE {app_role}")
            assert c.exec_driver_sql("SELECT count(*) FROM invoices").scalar() == 0
    finally:
        plain.dispose()


def test_the_bulk_writers_write_under_the_production_role(hub: Hub, app_role: str) -> None:
    """COPY FROM is refused on a table whose row-level security applies to the role, so
    the bulk writers (the cycle's decisions, messages, tasks and events; an import's rows)
    write through INSERT there: the rows arrive, the creditor's own."""
    two = build(hub)
    with acting_for(two.bravo_id), hub.engine.begin() as c:
        c.exec_driver_sql(f"SET LOCAL ROLE {app_role}")
        customer = c.execute(sa.select(customers.c.id)).scalar_one()
        insert_rows(c, events, [
            {"occurred_at": hub.clock.now(), "actor": "rules", "kind": "decision_applied",
             "summary": f"bulk {n}", "customer_id": customer, "invoice_id": None,
             "data": {"n": n, "state": TaskState.OPEN}} for n in range(3)])
    with acting_for(two.bravo_id), hub.engine.connect() as c:
        written = c.execute(sa.select(events.c.creditor_id, events.c.data).where(
            events.c.summary.like("bulk %")).order_by(events.c.id)).all()
    assert [tuple(row) for row in written] == [
        (two.bravo_id, {"n": n, "state": "open"}) for n in range(3)]
