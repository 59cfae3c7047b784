"""Aging and DSO on the IBM late-payment file, imported with its preset.

Every invoice in the file was eventually paid, so the ledger today holds nothing
open; reports as of dates in 2012-2013 must still show what was open then. The
expected figures are computed here straight from the CSV, independently of the
ledger and its SQL.
"""

from __future__ import annotations

import csv
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.cli.imports import import_group
from hub.domain.reports import bucket_for
from hub.domain.reports import countback_dso
from hub.domain.reports import month_windows
from hub.services.read.reports import aging_report
from hub.services.read.reports import dso_report

pytestmark = pytest.mark.shared_data
DATES = [date(2012, 6, 30), date(2013, 3, 31), date(2013, 11, 15)]


def _day(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()  # noqa: DTZ007 - a calendar date


@pytest.fixture
def ibm_rows(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data / "ar" / "ibm-late-payment-histories.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def ibm_ledger(hub: Hub, shared_data: Path) -> Hub:
    if "invoices" not in import_group.commands:
        pytest.skip("`import invoices` is not available yet")
    path = shared_data / "ar" / "ibm-late-payment-histories.csv"
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_PROGRESS": "false"}
    result = CliRunner().invoke(cli, ["import", "invoices", str(path),
                                      "--preset", "ibm-late-payment"], env=env)
    assert result.exit_code == 0, result.output or repr(result.exception)
    return hub


def expected_aging(rows: list[dict[str, str]], as_of: date) -> dict[str, Decimal]:
    """Open on `as_of`: issued by then and settled after it; bucket by the due date."""
    buckets: dict[str, Decimal] = {}
    for row in rows:
        if _day(row["InvoiceDate"]) <= as_of < _day(row["SettledDate"]):
            key = bucket_for((as_of - _day(row["DueDate"])).days)
            buckets[key] = buckets.get(key, Decimal(0)) + Decimal(row["InvoiceAmount"])
    return buckets


def test_aging_and_dso_reconstruct_the_ibm_history(ibm_ledger: Hub,
                                                   ibm_rows: list[dict[str, str]]) -> None:
    # One import per database, several report dates (an import takes about a second).
    assert aging_report(ibm_ledger.engine, date(2026, 11, 23)).rows == [], "all paid by now"
    for as_of in DATES:
        expected = expected_aging(ibm_rows, as_of)
        assert sum(expected.values()) > 0, "the chosen dates must have open invoices"
        (row,) = aging_report(ibm_ledger.engine, as_of).rows
        assert row.currency == "USD"
        got = {k: v.amount for k, v in row.amounts.items() if not v.is_zero()}
        assert got == expected, as_of

        months = month_windows(as_of, 12)
        sales = [sum((Decimal(r["InvoiceAmount"]) for r in ibm_rows
                      if m.start <= _day(r["InvoiceDate"]) <= m.end), Decimal(0))
                 for m in months]
        open_total = sum(expected.values(), Decimal(0))
        (dso,) = dso_report(ibm_ledger.engine, as_of).rows
        assert dso.receivables.amount == open_total
        assert dso.countback == countback_dso(open_total, months, sales), as_of
        # invoices are due 30 days after issue and most are paid within weeks
        assert Decimal(10) < dso.countback.days < Decimal(90), as_of

    by_customer = aging_report(ibm_ledger.engine, DATES[-1], by="customer")
    assert 1 < len(by_customer.rows) <= 100
    assert by_customer.totals[0].total.amount == sum(expected_aging(ibm_rows, DATES[-1]).values())
