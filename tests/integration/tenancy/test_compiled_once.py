"""The creditor filter is compiled once per statement shape (issue 16): the same look-up
run for two creditors and inside `platform_wide` is compiled twice (with the filter, and
without it), each creditor still sees only its own rows, and a statement compiled for one
mode is never reused for the other."""

from __future__ import annotations

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.current import DEFAULT_CREDITOR
from hub.ledger.current import acting_for
from hub.ledger.current import platform_wide
from hub.ledger.tables import customers
from hub.services.staff.creditors import add_creditor
from tests.builders import add_customer


def test_one_compiled_lookup_serves_every_creditor(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        bravo = add_creditor(connection, code="bravo", name="Bravo", profile=None,
                             now=hub.clock.now()).id
    for creditor, name in ((DEFAULT_CREDITOR, "Alpha's"), (bravo, "Bravo's")):
        with acting_for(creditor), hub.engine.begin() as connection:
            add_customer(connection, "C001", name=name)

    def lookup() -> list[str]:
        with hub.engine.connect() as connection:
            return list(connection.execute(sa.select(customers.c.name).where(
                customers.c.code == "C001")).scalars())

    hub.engine.clear_compiled_cache()
    cache = hub.engine._compiled_cache
    assert cache is not None
    assert lookup() == ["Alpha's"]
    compiled = len(cache)
    with acting_for(bravo):
        assert lookup() == ["Bravo's"]
    assert len(cache) == compiled  # the same compiled statement, another creditor
    with platform_wide():
        assert sorted(lookup()) == ["Alpha's", "Bravo's"]
    assert len(cache) == compiled + 1  # compiled apart, without the filter
    assert lookup() == ["Alpha's"]  # and the filtered one is still the one used here
    with acting_for(bravo):
        assert lookup() == ["Bravo's"]
    assert len(cache) == compiled + 1
