"""`import invoices --owner EMAIL`: the customers the file creates get a user of the
creditor as owner (their timeline says so), as the onboarding page's import does; an
address that is no active user of that creditor is refused before anything is imported."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.current import acting_for
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.users import upsert_users
from hub.services.staff.creditors import add_creditor
from tests.builders import add_customer

FILE = """invoice_number,customer_id,customer_name,issue_date,due_date,currency,amount
N-1,K1,Kilo BV,2026-09-01,2026-10-01,EUR,1200.50
N-2,K2,Lima BV,2026-09-15,2026-10-31,EUR,80.00
N-3,K3,Mike BV,2026-09-15,2026-10-31,EUR,10.00
"""


def _invoke(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, list(args), env=env)


def _owners(hub: Hub, creditor: int) -> dict[str, str | None]:
    with acting_for(creditor), hub.engine.connect() as connection:
        return dict(connection.execute(sa.select(customers.c.code, customers.c.owner)).all())


def test_new_customers_get_the_owner_given_and_a_stranger_is_refused(
        hub: Hub, tmp_path: Path) -> None:
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        nova = add_creditor(connection, code="nova", name="Nova Ltd", profile=None, now=now).id
        upsert_users(connection, [User(email="ann@example.com", name="Ann",
                                       role=Role.COLLECTOR)], now)  # the default creditor's
    with acting_for(nova), hub.engine.begin() as connection:
        upsert_users(connection, [User(email="boss@nova.example", name="Nova Boss",
                                       role=Role.ADMIN)], now)
        add_customer(connection, "K1", name="Kilo BV", owner=None)  # known, no owner
        add_customer(connection, "K3", name="Mike BV", owner="boss@nova.example")
    path = tmp_path / "open-items.csv"
    path.write_text(FILE, encoding="utf-8")

    refused = _invoke(hub, "--creditor", "nova", "import", "invoices", str(path),
                      "--owner", "ann@example.com")
    assert refused.exit_code != 0
    assert ("--owner ann@example.com: no active user of creditor nova has this e-mail "
            "address (its users: python app.py --creditor nova users list); nothing was "
            "imported") in refused.output
    with acting_for(nova), hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(invoices)
                                  ).scalar_one() == 0

    done = _invoke(hub, "--creditor", "nova", "import", "invoices", str(path),
                   "--owner", "Boss@Nova.example")
    assert done.exit_code == 0, done.output
    assert "owner boss@nova.example given to 1 new customer(s) without one" in done.output
    # K2 is new: owned now; K1 was there before (not the import's), K3 keeps its owner
    assert _owners(hub, nova) == {"K1": None, "K2": "boss@nova.example",
                                  "K3": "boss@nova.example"}
    with acting_for(nova), hub.engine.connect() as connection:
        said = connection.execute(sa.select(customers.c.code, events.c.summary)
                                  .join(customers, customers.c.id == events.c.customer_id)
                                  .where(events.c.kind == "customer.owner")).all()
    assert said == [("K2", "owner set to boss@nova.example (import invoices --owner)")]
    assert _owners(hub, 1) == {}  # nothing of nova's in the default creditor
