"""Many ids as one parameter find exactly the rows a literal `IN` finds, on both databases,
inside the transaction that wrote them; ANALYZE after a bulk write follows autovacuum's
rule (PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.accounts import ids_in
from hub.ledger.table_stats import ANALYZE_FROM
from hub.ledger.table_stats import analyze_after
from hub.ledger.tables import customers
from tests.conftest import NOW


def _customers(count: int, start: int = 0) -> list[dict[str, object]]:
    return [{"code": f"C{i:05d}", "name": f"Customer {i}", "kind": "B2B", "timezone": "UTC",
             "language": "en", "excluded": False, "on_hold": False, "created_at": NOW,
             "updated_at": NOW} for i in range(start, start + count)]


def test_many_ids_find_what_in_finds(hub: Hub) -> None:
    count = ANALYZE_FROM + 500
    with hub.engine.begin() as connection:
        connection.execute(customers.insert(), _customers(count))
        every = [row.id for row in connection.execute(sa.select(customers.c.id))]
        # some ids twice, an id that is nowhere, and ids no integer column can hold
        wanted = [*every[::2], *every[::4], 10**9, 3 * 10**9, -(3 * 10**9)]
        query = sa.select(customers.c.code).order_by(customers.c.code)
        found = connection.execute(query.where(
            ids_in(connection, customers.c.id, wanted))).scalars().all()
        literal = connection.execute(query.where(
            customers.c.id.in_(every[::2]))).scalars().all()
        few = connection.execute(query.where(
            ids_in(connection, customers.c.id, every[:3]))).scalars().all()
    assert found == literal
    assert len(found) == (count + 1) // 2
    assert few == ["C00000", "C00001", "C00002"]


def test_analyze_after_a_write_of_more_than_a_tenth(hub: Hub) -> None:
    postgres = hub.engine.dialect.name == "postgresql"
    with hub.engine.begin() as connection:
        connection.execute(customers.insert(), _customers(ANALYZE_FROM * 10))
        # no statistics yet: analyzed (PostgreSQL; SQLite has none to refresh)
        assert analyze_after(connection, customers, ANALYZE_FROM * 10) is postgres
        # a tenth of what they now describe: left to autovacuum
        connection.execute(customers.insert(), _customers(ANALYZE_FROM, ANALYZE_FROM * 10))
        assert analyze_after(connection, customers, ANALYZE_FROM) is False
        assert analyze_after(connection, customers, ANALYZE_FROM * 3) is postgres
        assert analyze_after(connection, customers, ANALYZE_FROM - 1) is False
