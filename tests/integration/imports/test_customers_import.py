"""`import customers`: master data with the primary contact; the file is the master
for the columns it has, the hub keeps the rest."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain import events as kinds
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.outbox import debtor_contact
from hub.ledger.tables import contacts
from hub.ledger.tables import customer_addresses
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.users import upsert_users
from tests.integration.imports.conftest import CUSTOMER_HEADER
from tests.integration.imports.conftest import Importer
from tests.integration.imports.conftest import Writer
from tests.integration.imports.conftest import snapshot

NL = ["C1", "Polder Foods B.V.", "B2B", "NL", "", "", "anna@example.com", "Sales", "business",
      "EUR", "25000.00", "180000.00", "Eva Jansen", "ap@polder.example", "+31 20 5550101", "no"]
US = ["C2", "Liam Brown", "b2c", "US", "America/Chicago", "", "", "", "consumer", "USD", "",
      "", "", "", "", "yes"]


@pytest.fixture(autouse=True)
def anna(hub: Hub) -> None:
    """The owner the rows name is a user of the hub (owners must be)."""
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email="anna@example.com", name="Anna",
                                       role=Role.COLLECTOR, department="Sales")],
                     hub.clock.now())


def _customer(hub: Hub, code: str) -> sa.RowMapping:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(customers).where(customers.c.code == code)
                                  ).mappings().one()


def _contacts(hub: Hub) -> list[tuple[object, ...]]:
    with hub.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.select(contacts.c.name, contacts.c.email, contacts.c.phone, contacts.c.is_primary)
            .order_by(contacts.c.id))]


def test_customers_with_defaults_from_their_country(hub: Hub, write_csv: Writer,
                                                    run: Importer) -> None:
    result = run(write_csv("customers.csv", CUSTOMER_HEADER, [NL, US]), "customers")
    assert (result.created, result.rejected) == (2, 0)
    polder, brown = _customer(hub, "C1"), _customer(hub, "C2")
    assert (polder["timezone"], polder["language"], polder["kind"]) == \
        ("Europe/Amsterdam", "nl", "B2B")
    assert (polder["credit_limit_minor"], polder["lifetime_value_minor"]) == (2500000, 18000000)
    assert (brown["timezone"], brown["language"], brown["kind"], brown["excluded"]) == \
        ("America/Chicago", "en", "B2C", True)
    assert _contacts(hub) == [("Eva Jansen", "ap@polder.example", "+31 20 5550101", True)]


def test_same_file_twice_changes_nothing_and_a_change_updates(hub: Hub, write_csv: Writer,
                                                               run: Importer) -> None:
    path = write_csv("customers.csv", CUSTOMER_HEADER, [NL, US])
    run(path, "customers")
    before = snapshot(hub)
    again = run(path, "customers")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(hub) == before
    with hub.engine.begin() as connection:  # the hub's own knowledge of the customer
        connection.execute(sa.update(customers).where(customers.c.code == "C1")
                           .values(on_hold=True, score=35))
    moved = [*NL]
    moved[3], moved[6], moved[13] = "DE", "", "invoices@polder.example"
    result = run(write_csv("customers2.csv", CUSTOMER_HEADER, [moved, US]), "customers")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    polder = _customer(hub, "C1")
    assert (polder["country"], polder["timezone"], polder["language"], polder["owner"]) == \
        ("DE", "Europe/Berlin", "de", None)
    assert (polder["on_hold"], polder["score"]) == (True, 35)
    assert _contacts(hub) == [("Eva Jansen", "invoices@polder.example", "+31 20 5550101", True)]
    with hub.engine.connect() as connection:
        summary = connection.execute(sa.select(events.c.summary).where(
            events.c.kind == kinds.CUSTOMER_UPDATED)).scalar_one()
    assert summary == "customer updated from customers2.csv: country, owner, timezone, language"


def test_columns_the_file_lacks_are_left_alone(hub: Hub, write_csv: Writer,
                                               run: Importer) -> None:
    run(write_csv("customers.csv", CUSTOMER_HEADER, [NL]), "customers")
    result = run(write_csv("names.csv", ["customer_id", "name"], [["C1", "Polder Foods"]]),
                 "customers")
    assert result.updated == 1
    polder = _customer(hub, "C1")
    assert (polder["name"], polder["owner"], polder["segment"]) == \
        ("Polder Foods", "anna@example.com", "business")
    assert len(_contacts(hub)) == 1


def test_bad_customer_rows_are_rejected_with_reasons(hub: Hub, write_csv: Writer,
                                                     run: Importer) -> None:
    bad_kind = [*US]
    bad_kind[0], bad_kind[2] = "C3", "B2X"
    no_currency = [*NL]
    no_currency[0], no_currency[9] = "C4", ""
    result = run(write_csv("customers.csv", CUSTOMER_HEADER, [NL, NL, bad_kind, no_currency]),
                 "customers")
    assert (result.created, result.rejected) == (1, 3)
    text = Path(str(result.rejects_path)).read_text(encoding="utf-8-sig")
    assert "customer C1 appears twice in the file (first on line 2)" in text
    assert "kind: 'B2X' is not a customer kind (expected B2B or B2C)" in text
    assert "credit_limit needs a currency and the row has none" in text


ADDRESS_HEADER = [*CUSTOMER_HEADER, "address_line1", "address_line2", "postcode", "city"]


def _address(hub: Hub, code: str) -> tuple[object, ...] | None:
    with hub.engine.connect() as connection:
        row = connection.execute(
            sa.select(customer_addresses.c.lines, customer_addresses.c.postcode,
                      customer_addresses.c.city, customer_addresses.c.country,
                      customer_addresses.c.attention)
            .join(customers, customers.c.id == customer_addresses.c.customer_id)
            .where(customers.c.code == code)).one_or_none()
        return None if row is None else tuple(row)


def test_postal_addresses_are_imported_for_letters(hub: Hub, write_csv: Writer,
                                                   run: Importer) -> None:
    rows = [[*NL, "Keizersgracht 12", "3rd floor", "1015 CX", "Amsterdam"],
            [*US, "", "", "", ""]]
    path = write_csv("customers.csv", ADDRESS_HEADER, rows)
    result = run(path, "customers")
    assert (result.created, result.rejected) == (2, 0)
    assert _address(hub, "C1") == ("Keizersgracht 12\n3rd floor", "1015 CX", "Amsterdam", "NL",
                                   None)
    assert _address(hub, "C2") is None  # no address given: none on file
    with hub.engine.connect() as connection:
        contact = debtor_contact(connection, "C1")
    assert contact is not None
    assert contact.postal is not None
    assert contact.postal.block() == ["Polder Foods B.V.", "Keizersgracht 12", "3rd floor",
                                      "1015 CX Amsterdam", "NL"]
    assert run(path, "customers").unchanged == 2


def test_a_moved_customer_gets_the_new_address_and_the_timeline_says_so(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    run(write_csv("customers.csv", ADDRESS_HEADER,
                  [[*NL, "Keizersgracht 12", "", "1015 CX", "Amsterdam"]]), "customers")
    with hub.engine.begin() as connection:  # an attention line set in the hub stays
        connection.execute(sa.update(customer_addresses).values(attention="Accounts payable"))
    result = run(write_csv("moved.csv", ADDRESS_HEADER,
                           [[*NL, "Herengracht 3", "", "1016 AB", "Amsterdam"]]), "customers")
    assert result.updated == 1
    assert _address(hub, "C1") == ("Herengracht 3", "1016 AB", "Amsterdam", "NL",
                                   "Accounts payable")
    with hub.engine.connect() as connection:
        summary = connection.execute(sa.select(events.c.summary).where(
            events.c.kind == kinds.CUSTOMER_UPDATED)).scalar_one()
    assert summary == "customer updated from moved.csv: address"
    # A file without the address columns leaves the address alone.
    run(write_csv("plain.csv", CUSTOMER_HEADER, [NL]), "customers")
    assert _address(hub, "C1") == ("Herengracht 3", "1016 AB", "Amsterdam", "NL",
                                   "Accounts payable")


def test_an_address_without_street_or_place_is_rejected_with_the_reason(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    rows = [[*NL, "", "", "1015 CX", "Amsterdam"], [*US, "1 Main St", "", "", ""]]
    result = run(write_csv("customers.csv", ADDRESS_HEADER, rows), "customers")
    assert (result.created, result.rejected) == (0, 2)
    assert result.rejects_path is not None
    reasons = Path(result.rejects_path).read_text(encoding="utf-8")
    assert reasons.count("a postal address needs address_line1 and a postcode or city") == 2


def test_an_owner_who_is_not_a_user_rejects_the_row_and_nothing_else(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    stranger, hostile, shouting = [*NL], [*NL], [*NL]
    stranger[0], stranger[6] = "C5", "zed@example.com"
    hostile[0], hostile[6] = "C6", '=HYPERLINK("http://x.invalid","owner")'
    shouting[0], shouting[6] = "C7", "ANNA@Example.com"  # e-mail case does not matter
    result = run(write_csv("customers.csv", CUSTOMER_HEADER, [NL, stranger, US, hostile,
                                                                shouting]), "customers")
    assert (result.created, result.rejected) == (3, 2)
    with hub.engine.connect() as connection:
        assert sorted(connection.execute(sa.select(customers.c.code)).scalars()) == \
            ["C1", "C2", "C7"]
    rejects = Path(str(result.rejects_path))
    rows = list(csv.DictReader(rejects.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["rejected_line"], r["rejected_reason"]) for r in rows] == [
        ("3", "owner zed@example.com is not a user of the hub (add them with `users add` "
              "or on the People page first)"),
        ("5", 'owner =HYPERLINK("http://x.invalid","owner") is not a user of the hub (add '
              "them with `users add` or on the People page first)")]
    # Every cell of the rejected rows is kept; the formula-like owner as text.
    assert [r["customer_id"] for r in rows] == ["C5", "C6"]
    assert rows[1]["owner"] == '\'=HYPERLINK("http://x.invalid","owner")'
    assert rows[0]["contact_email"] == "ap@polder.example"


def test_the_rejects_file_imports_again_as_it_is_once_the_owner_is_a_user(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    """The apostrophe before formula-like text in the rejects file comes off on import."""
    row = [*NL]
    row[0], row[1], row[6] = "C8", "-Minus Corp", "zed@example.com"
    first = run(write_csv("customers.csv", CUSTOMER_HEADER, [row]), "customers")
    assert first.rejected == 1
    rejects = Path(str(first.rejects_path))
    assert "'-Minus Corp" in rejects.read_text(encoding="utf-8-sig")
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email="zed@example.com", name="Zed",
                                       role=Role.COLLECTOR, department="Sales")],
                     hub.clock.now())
    again = run(rejects, "customers")
    assert (again.created, again.rejected) == (1, 0)
    assert _customer(hub, "C8")["name"] == "-Minus Corp"
def test_the_account_manager_column_sets_changes_and_clears_it(
        hub: Hub, write_csv: Writer, run: Importer) -> None:
    header = ["customer_id", "name", "owner", "account_manager"]
    first = run(write_csv("a.csv", header, [["C1", "Polder", "anna@example.com",
                                             "sam@example.com"],
                                            ["C2", "Brown", "", "not an address"]]),
                "customers")
    assert (first.created, first.rejected) == (1, 1)  # a bad address is refused, with its line
    assert first.rejects_path is not None
    assert "account_manager" in Path(first.rejects_path).read_text(encoding="utf-8")
    assert _customer(hub, "C1")["account_manager"] == "sam@example.com"

    moved = run(write_csv("b.csv", header, [["C1", "Polder", "anna@example.com",
                                             "tom@example.com"]]), "customers")
    assert moved.updated == 1
    assert _customer(hub, "C1")["account_manager"] == "tom@example.com"
    with hub.engine.connect() as connection:
        changes = [row.data["changes"] for row in connection.execute(
            sa.select(events.c.data).where(events.c.kind == kinds.CUSTOMER_UPDATED))]
    assert changes[-1]["account_manager"] == ["sam@example.com", "tom@example.com"]

    run(write_csv("c.csv", ["customer_id", "name", "owner"],
                  [["C1", "Polder", "anna@example.com"]]), "customers")
    assert _customer(hub, "C1")["account_manager"] == "tom@example.com"  # no column: kept
    run(write_csv("d.csv", header, [["C1", "Polder", "anna@example.com", ""]]), "customers")
    assert _customer(hub, "C1")["account_manager"] is None  # a blank cell clears it
