"""Many ids through an indexed temporary table (PostgreSQL) find exactly the rows the
plain `IN` finds, on both databases, inside the transaction that wrote them."""

from __future__ import annotations

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.accounts import ids_in
from hub.ledger.id_sets import TEMP_TABLE_FROM
from hub.ledger.id_sets import analyze
from hub.ledger.id_sets import ids_in_planned
from hub.ledger.tables import customers
from tests.conftest import NOW


def test_many_ids_find_what_in_finds(hub: Hub) -> None:
    count = TEMP_TABLE_FROM + 500
    with hub.engine.begin() as connection:
        connection.execute(customers.insert(), [
            {"code": f"C{i:05d}", "name": f"Customer {i}", "kind": "B2B", "timezone": "UTC",
             "language": "en", "excluded": False, "on_hold": False, "created_at": NOW,
             "updated_at": NOW} for i in range(count)])
        analyze(connection, customers, columns=[customers.c.id, customers.c.code])
        every = [row.id for row in connection.execute(sa.select(customers.c.id))]
        # some ids twice, and an id that is nowhere
        wanted = [*every[::2], *every[::4], 10**9]
        query = sa.select(customers.c.code).order_by(customers.c.code)
        planned = connection.execute(query.where(
            ids_in_planned(connection, customers.c.id, wanted))).scalars().all()
        plain = connection.execute(query.where(
            ids_in(connection, customers.c.id, wanted))).scalars().all()
        few = connection.execute(query.where(
            ids_in_planned(connection, customers.c.id, every[:3]))).scalars().all()
    assert planned == plain
    assert len(planned) == (count + 1) // 2
    assert few == ["C00000", "C00001", "C00002"]
