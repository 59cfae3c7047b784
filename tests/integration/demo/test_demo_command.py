"""`python app.py demo` builds a portfolio through the real importers, once."""

from __future__ import annotations

import csv
import re

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from hub.ledger.tables import users


def _demo(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, ["demo", "--customers", "80", "--no-serve", *args], env=env)


def _count(hub: Hub, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)
                                  ).scalar_one()


def test_demo_builds_a_varied_portfolio_runs_the_cycle_and_says_where_to_look(
        hub: Hub) -> None:
    # One build serves every check below: a demo build is the slowest thing in the suite.
    # The history (--days) is test_demo_history.py's; --reset is only for the embedded ledger.
    if hub.engine.dialect.name == "sqlite":
        result = _demo(hub, "--reset", "--days", "0")
    else:
        refused = _demo(hub, "--reset", "--days", "0")
        assert refused.exit_code == 2
        assert "--reset only removes the embedded SQLite ledger" in refused.output
        assert _count(hub, customers) == 0, "a refused reset changes nothing"
        result = _demo(hub, "--days", "0")
    assert result.exit_code == 0, result.output
    folder = hub.settings.var_dir / "demo"
    with (folder / "invoices.csv").open(encoding="utf-8") as handle:
        written = sum(1 for _ in csv.DictReader(handle))
    assert _count(hub, customers) == 80
    assert _count(hub, invoices) == written > 80 * 6
    assert _count(hub, users) == 14  # collectors, managers, finance, admin, read-only
    with hub.engine.connect() as connection:
        kinds = set(connection.execute(sa.select(customers.c.kind)).scalars())
        currencies = set(connection.execute(sa.select(invoices.c.currency)).scalars())
        phones = set(connection.execute(sa.select(contacts.c.phone)
                                        .where(contacts.c.phone.is_not(None))).scalars())
    assert kinds == {"B2B", "B2C"}
    assert len(currencies) >= 3
    # The files are formula-safe ('+31 ... in the CSV); the import takes the apostrophe off.
    assert "'+31" in (folder / "customers.csv").read_text(encoding="utf-8")
    assert phones
    assert all(phone.startswith("+31 20 ") for phone in phones), phones
    paid = _count(hub, invoices, invoices.c.status == "paid")
    still_open = _count(hub, invoices, invoices.c.status != "paid")
    assert paid > still_open > 0, "most invoices are paid, a tail is not"
    assert _count(hub, invoices, invoices.c.disputed) > 0
    assert _count(hub, payments) > 0
    statement = re.search(r"statement  credits (\d+), matched by reference (\d+)", result.output)
    assert statement is not None, result.output
    assert int(statement[1]) > 0
    assert "customers  80 (" in result.output
    assert "Aging as of" in result.output
    assert "over 180" in result.output
    # today's cycle, the sheets, the mail folder and the way in
    cycle = re.search(r"cycle \d{4}-\d\d-\d\d: done .*\n  evaluated\s+80 ", result.output)
    assert cycle is not None, result.output
    var = hub.settings.var_dir
    assert sorted(p.name for p in (var / "sheets").glob("*.xlsx")) == [
        "Finance.xlsx", "Operations.xlsx", "Sales.xlsx"]
    assert list((var / "mail").glob("*.eml")), "reminders land in the local mail folder"
    assert "password 'collect-the-cash'" in result.output
    assert re.search(r"finance\s+fenna.deboer@", result.output)
    link = re.search(r"debtor portal\s+(http://127.0.0.1:5000(/portal/\S+))", result.output)
    assert link is not None, result.output
    from hub.web import create_app

    page = create_app(hub, {"TESTING": True}).test_client().get(link[2])
    assert page.status_code == 200
    assert "INV-20" in page.get_data(as_text=True), "the debtor sees their open invoices"
