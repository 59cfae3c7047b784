"""The aging report's statement on the embedded SQLite through `sqlite3`
(hub/services/read/aging_sqlite.py) gives the rows of the SQLAlchemy statement, for every
grouping, on random ledgers of two creditors; it never shows another creditor's invoices;
and `report aging` on SQLite takes it without bootstrapping the hub."""

from __future__ import annotations

import json
import random
import sqlite3
from contextlib import closing
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.model import InvoiceStatus
from hub.domain.reports import GROUPINGS
from hub.ledger.embedded import open_embedded
from hub.ledger.embedded import sqlite_file
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import acting_for
from hub.ledger.tenancy import platform_wide
from hub.services.read import aging_sqlite
from hub.services.read import reports
from hub.services.staff.creditors import add_creditor
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment

START = date(2025, 1, 1)
CURRENCIES = ("EUR", "USD", "JPY")  # JPY: no minor units
STATUSES = (None, InvoiceStatus.CANCELLED, InvoiceStatus.WRITTEN_OFF)


def _random_ledger(hub: Hub, seed: int, prefix: str) -> dict[str, int]:
    """Customers (some without owner or department), invoices in three currencies, some
    cancelled or written off with an amount still open, some partly paid before or after
    the report dates. Returns each customer's code by id."""
    rng = random.Random(seed)
    codes: dict[str, int] = {}
    with hub.engine.begin() as c:
        for n in range(rng.randint(3, 12)):
            code = f"{prefix}{n:03d}" if n % 3 else f"C{n:03d}"  # some codes in both ledgers
            codes[code] = add_customer(
                c, code, owner=rng.choice([None, "ann@example.com", "bob@example.com"]),
                department=rng.choice([None, "sales", "ops"]))
        for n in range(rng.randint(5, 60)):
            customer = rng.choice(list(codes.values()))
            currency = rng.choice(CURRENCIES)
            issued = START + timedelta(days=rng.randint(0, 700))
            due = issued + timedelta(days=rng.choice([0, 14, 30, 60]))
            whole = rng.randint(1, 5000)
            amount = str(whole) if currency == "JPY" else f"{whole}.{rng.randint(0, 99):02d}"
            status = rng.choice(STATUSES)
            invoice = add_invoice(c, f"{prefix}-{n}", customer, issued=issued, due=due,
                                  amount=amount, currency=currency, status=status)
            if status is None and rng.random() < 0.4:
                paid = str(max(1, whole // rng.choice([2, 3, 1])))
                add_payment(c, f"{prefix}-P{n}", received_on=issued, amount=paid,
                            currency=currency, customer_id=customer, allocate={invoice: paid},
                            allocated_on=issued + timedelta(days=rng.randint(0, 400)))
    return codes


def _sqlite(hub: Hub) -> closing[sqlite3.Connection]:
    path = sqlite_file(hub.settings.database_url)
    assert path is not None
    return closing(sqlite3.connect(path))


@pytest.fixture
def two_ledgers(hub: Hub) -> tuple[Hub, int]:
    if hub.engine.dialect.name != "sqlite":
        pytest.skip("the sqlite3 statement is for the embedded SQLite")
    with hub.engine.begin() as c:
        bravo = add_creditor(c, code="bravo", name="Bravo", profile=None, now=hub.clock.now())
    return hub, bravo.id


def test_closed_statuses_agree_with_the_sqlalchemy_statement() -> None:
    assert aging_sqlite.CLOSED_UNPAID == reports._CLOSED_UNPAID


@pytest.mark.parametrize("seed", range(6))
def test_same_rows_as_the_sqlalchemy_statement_on_random_ledgers(
        two_ledgers: tuple[Hub, int], seed: int) -> None:
    hub, bravo = two_ledgers
    _random_ledger(hub, seed, "A")
    with acting_for(bravo):
        _random_ledger(hub, seed + 100, "B")
    days = [START + timedelta(days=d) for d in (0, 200, 365, 500, 730, 900)]
    with _sqlite(hub) as connection:
        for creditor in (DEFAULT_CREDITOR, bravo):
            for as_of in days:
                for by in GROUPINGS:
                    with acting_for(creditor):
                        expected = reports.aging_report(hub.engine, as_of, by)
                    got = aging_sqlite.aging_report(connection, as_of, by, creditor)
                    assert got == expected, (creditor, as_of, by)
        # the two creditors' ledgers are not the same ledger
        assert aging_sqlite.aging_report(connection, days[-1], "customer", bravo) \
            != aging_sqlite.aging_report(connection, days[-1], "customer", DEFAULT_CREDITOR)


def test_another_creditors_invoices_never_show(two_ledgers: tuple[Hub, int]) -> None:
    hub, bravo = two_ledgers
    with hub.engine.begin() as c:  # alpha: the same customer code, other amounts
        alpha_c001 = add_customer(c, "C001", owner="ann@alpha.example", department="sales")
        alpha_only = add_customer(c, "ALPHA-ONLY", owner="ann@alpha.example")
        add_invoice(c, "INV-1", alpha_c001, issued="2026-09-01", due="2026-10-01",
                    amount="1234.56")
        paid = add_invoice(c, "INV-2", alpha_only, issued="2026-09-01", due="2026-10-01",
                           amount="999.00", currency="USD")
        add_payment(c, "PAY-A", received_on="2026-12-01", amount="99.00", currency="USD",
                    customer_id=alpha_only, allocate={paid: "99.00"})
    with acting_for(bravo), hub.engine.begin() as c:
        bravo_c001 = add_customer(c, "C001", owner="ann@bravo.example", department="ops")
        add_invoice(c, "INV-1", bravo_c001, issued="2026-09-01", due="2026-11-01",
                    amount="777.00")
    as_of = date(2026, 11, 23)
    with _sqlite(hub) as connection:
        for by in GROUPINGS:
            report = aging_sqlite.aging_report(connection, as_of, by, bravo)
            assert [(row.currency, row.total_minor, row.count) for row in report.rows] \
                == [("EUR", 77700, 1)], by
            assert {row.group for row in report.rows} <= {None, "C001", "ann@bravo.example",
                                                          "ops"}
        alpha = aging_sqlite.aging_report(connection, as_of, "customer", DEFAULT_CREDITOR)
    assert [(r.group, r.currency, r.total_minor) for r in alpha.rows] == [
        ("C001", "EUR", 123456), ("ALPHA-ONLY", "USD", 99900)]  # paid on 1 Dec: open then


def test_the_embedded_ledger_is_only_a_current_sqlite_file(tmp_path: Path,
                                                           two_ledgers: tuple[Hub, int]) -> None:
    hub, bravo = two_ledgers
    url = hub.settings.database_url
    for found, creditor in ((open_embedded(url), DEFAULT_CREDITOR),
                            (open_embedded(url, " Bravo "), bravo)):
        assert found is not None
        assert found.creditor == creditor
        found.close()
    assert open_embedded(url, "charlie") is None  # the hub's path says which codes exist
    with acting_for(bravo):  # no code: the creditor the code acts for already
        found = open_embedded(url)
        assert found is not None
        assert found.creditor == bravo
        found.close()
    with platform_wide():  # every creditor's rows: the hub's path
        assert open_embedded(url) is None
    assert open_embedded(f"sqlite:///{tmp_path / 'none.db'}") is None  # to be made
    assert not (tmp_path / "none.db").exists()
    assert open_embedded("postgresql://hub@localhost/hub") is None
    assert open_embedded("sqlite://") is None
    path = sqlite_file(url)
    assert path is not None
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001_old'")
        connection.commit()
    assert open_embedded(url) is None  # behind: the hub's path migrates it


def _run(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, ["report", "aging", *args], env=env,
                              catch_exceptions=False)


def test_the_command_on_sqlite_prints_what_the_hubs_path_prints(
        ledger: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    sqlite = ledger.engine.dialect.name == "sqlite"
    runs = [["--as-of", "2026-11-23", "--by", by, "--format", output]
            for by in GROUPINGS for output in ("table", "csv", "json")]
    runs.append(["--as-of", "2026-11-23", "--by", "customer", "--top", "1"])
    through_sqlite3 = [_run(ledger, *args).output for args in runs]
    monkeypatch.setattr("hub.cli.context._LazyHub.embedded", lambda self: None)
    assert [_run(ledger, *args).output for args in runs] == through_sqlite3
    if sqlite:  # and it did not bootstrap the hub
        monkeypatch.undo()

        def refused(*_args: object) -> Hub:
            raise AssertionError("the hub was bootstrapped")

        monkeypatch.setattr("hub.cli.context._LazyHub.get", refused)
        assert _run(ledger, *runs[0]).output == through_sqlite3[0]


def test_top_shows_the_most_overdue_and_says_what_it_left_out(ledger: Hub) -> None:
    # As of 2026-11-23, EUR: BOLT 2,000.00 overdue; ACME 1,100.00 open, 600.00 overdue.
    result = _run(ledger, "--as-of", "2026-11-23", "--by", "customer", "--top", "1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("Aging as of 2026-11-23, by customer (days past due; open invoices), "
                        "the 1 with the most overdue per currency")
    shown = [line.split()[0] for line in lines if line.startswith(("ACME", "BOLT", "CRUX"))]
    assert shown == ["BOLT", "CRUX"]
    totals = [line for line in lines if line.startswith("TOTAL")]
    assert totals[0].split()[-2:] == ["3,100.00", "3"]  # every customer's
    assert ("Not shown: 1 more customer in EUR with 1,100.00 open, 600.00 overdue "
            "(in the totals above).") in lines
    assert not any("in USD" in line for line in lines)
    document = json.loads(_run(ledger, "--as-of", "2026-11-23", "--by", "customer",
                               "--top", "1", "--format", "json").output)
    assert [row["group"] for row in document["rows"]] == ["BOLT", "CRUX"]
    assert document["left_out"] == [{"currency": "EUR", "rows": 1, "total": "1100.00",
                                     "overdue": "600.00"}]
    assert document["totals"][0]["total"] == "3100.00"


def test_top_ranks_by_overdue_within_each_currency(ledger: Hub) -> None:
    result = _run(ledger, "--as-of", "2026-11-23", "--by", "customer", "--top", "2")
    shown = [line.split()[0] for line in result.output.splitlines()
             if line.startswith(("ACME", "BOLT", "CRUX"))]
    assert shown == ["BOLT", "ACME", "CRUX"]
    assert "Not shown" not in result.output


def test_top_needs_by_customer(ledger: Hub) -> None:
    result = CliRunner().invoke(cli, ["report", "aging", "--by", "owner", "--top", "3"],
                                env={"HUB_DATABASE_URL": ledger.settings.database_url,
                                     "HUB_VAR_DIR": str(ledger.settings.var_dir)})
    assert result.exit_code == 2
    assert "--top needs --by customer" in result.output
