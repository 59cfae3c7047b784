"""The customers file's `whatsapp_opt_in` column: set, kept by a file without the column,
withdrawn by "no" or a blank cell; the cycle sees WhatsApp only where it is on."""

from __future__ import annotations

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.outbox import debtor_contact
from hub.ledger.tables import contacts
from hub.ledger.users import upsert_users
from hub.services.cycle.account_facts import load_account_facts
from tests.integration.imports.conftest import CUSTOMER_HEADER
from tests.integration.imports.conftest import Importer
from tests.integration.imports.conftest import Writer

ROW = ["C1", "Polder Foods B.V.", "B2B", "NL", "", "", "anna@example.com", "Sales", "business",
       "EUR", "", "", "Eva Jansen", "ap@polder.example", "+31 6 12345678", "no"]


def _opt_in(hub: Hub) -> list[bool]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(contacts.c.whatsapp_opt_in)).scalars())


def test_the_whatsapp_opt_in_column_sets_keeps_and_withdraws_it(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email="anna@example.com", name="Anna",
                                       role=Role.COLLECTOR, department="Sales")],
                     hub.clock.now())
    header = [*CUSTOMER_HEADER, "whatsapp_opt_in"]
    result = run(write_csv("a.csv", header, [[*ROW, "yes"]]), "customers")
    assert (result.created, result.rejected) == (1, 0)
    assert _opt_in(hub) == [True]
    with hub.engine.connect() as connection:
        contact = debtor_contact(connection, "C1")
        facts = next(load_account_facts(connection, as_of=hub.clock.today(),
                                        customer_codes=["C1"]))
    assert contact is not None
    assert contact.whatsapp == "+31 6 12345678"
    assert facts.channels is not None
    assert {"whatsapp", "voice", "sms", "email"} <= facts.channels

    run(write_csv("b.csv", CUSTOMER_HEADER, [ROW]), "customers")  # no such column: kept
    assert _opt_in(hub) == [True]
    changed = run(write_csv("c.csv", header, [[*ROW, "no"]]), "customers")
    assert changed.updated == 1
    assert _opt_in(hub) == [False]
    run(write_csv("d.csv", header, [[*ROW, "yes"]]), "customers")
    run(write_csv("e.csv", header, [[*ROW, ""]]), "customers")  # a blank cell: no opt-in
    assert _opt_in(hub) == [False]
    with hub.engine.connect() as connection:
        facts = next(load_account_facts(connection, as_of=hub.clock.today(),
                                        customer_codes=["C1"]))
    assert facts.channels is not None
    assert "whatsapp" not in facts.channels
