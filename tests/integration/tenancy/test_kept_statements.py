"""A statement built once and run many times (as the worklist's are) is compiled once with
the creditor as a bind parameter: each creditor still reads only its own rows, and a
platform-wide block reads everyone's (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import customers
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import acting_for
from hub.ledger.tenancy import platform_wide
from hub.services.staff.creditors import add_creditor
from tests.builders import add_customer

NAMES = (sa.select(customers.c.name).where(customers.c.code.like(sa.bindparam("like")))
         .order_by(customers.c.name))


def test_a_statement_built_once_reads_only_the_current_creditors_rows(hub: Hub) -> None:
    with hub.engine.begin() as c:
        bravo = add_creditor(c, code="bravo", name="Bravo", profile=None,
                             now=hub.clock.now()).id
    with hub.engine.begin() as c:
        add_customer(c, "C-1", name="Alpha One")
    with acting_for(bravo), hub.engine.begin() as c:
        add_customer(c, "C-1", name="Bravo One")
        add_customer(c, "C-2", name="Bravo Two")

    def names(creditor: int | None) -> list[str]:
        with hub.engine.connect() as c:
            if creditor is None:
                with platform_wide():
                    return list(c.execute(NAMES, {"like": "C-%"}).scalars())
            with acting_for(creditor):
                return list(c.execute(NAMES, {"like": "C-%"}).scalars())

    for _ in range(2):  # the second time from the filter worked out the first time
        assert names(DEFAULT_CREDITOR) == ["Alpha One"]
        assert names(bravo) == ["Bravo One", "Bravo Two"]
        assert names(None) == ["Alpha One", "Bravo One", "Bravo Two"]
    assert "creditor_id" not in str(NAMES)  # the statement built once itself is left alone
