"""Report services on SQLite and PostgreSQL, against the hand-worked ledger in conftest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.bootstrap import Hub
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.reports import AgingRow
from hub.domain.reports import Period
from hub.services.read.reports import aging_report
from hub.services.read.reports import dso_report
from hub.services.read.reports import period_report
from hub.services.read.reports import receivables_at
from tests.builders import add_customer
from tests.builders import add_invoice

AS_OF = date(2026, 11, 23)
D = Decimal


def eur(amount: str) -> Money:
    return Money(D(amount), "EUR")


def buckets(row: AgingRow) -> dict[str, str]:
    """Non-empty buckets as plain strings, for compact assertions."""
    return {k: str(v.amount) for k, v in row.amounts.items() if not v.is_zero()}


def test_aging_today_per_currency(ledger: Hub) -> None:
    report = aging_report(ledger.engine, AS_OF)
    eur_row, usd_row = report.rows
    # A-2 500 not due (current); B-1 due 31 Oct: 23 days (1-30); A-1 600 left,
    # due 1 Oct: 53 days (31-60). A-3 is paid, A-4 cancelled, B-2 not yet issued.
    assert (eur_row.group, eur_row.currency) == (None, "EUR")
    assert buckets(eur_row) == {"current": "500.00", "1_30": "2000.00", "31_60": "600.00"}
    assert (eur_row.total, eur_row.count) == (eur("3100.00"), 3)
    # C-1 due 1 Jul: 145 days (91-180), in its own currency row
    assert buckets(usd_row) == {"91_180": "700.00"}
    assert usd_row.currency == "USD"


def test_aging_by_owner_keeps_currencies_apart(ledger: Hub) -> None:
    report = aging_report(ledger.engine, AS_OF, by="owner")
    got = {(r.group, r.currency): str(r.total.amount) for r in report.rows}
    # ann: A-1 600 + A-2 500 in EUR, C-1 700 in USD; bob: B-1 2000
    assert got == {("ann@example.com", "EUR"): "1100.00", ("bob@example.com", "EUR"): "2000.00",
                   ("ann@example.com", "USD"): "700.00"}
    assert [(t.currency, str(t.total.amount)) for t in report.totals] == [
        ("EUR", "3100.00"), ("USD", "700.00")]


def test_aging_reconstructs_what_was_open_on_an_earlier_date(ledger: Hub) -> None:
    # 31 Oct: A-1 600 (400 paid 15 Oct), 30 days late (1-30); A-3 still open
    # (paid 20 Nov), 214 days late (over 180); B-1 due that day (current);
    # A-2 not issued yet.
    (eur_row, _usd) = aging_report(ledger.engine, date(2026, 10, 31)).rows
    assert buckets(eur_row) == {"current": "2000.00", "1_30": "600.00", "over_180": "300.00"}
    # 14 Oct: the 400 payment has not come in yet, A-1 is open in full (13 days).
    (eur_row, _usd) = aging_report(ledger.engine, date(2026, 10, 14)).rows
    assert buckets(eur_row) == {"current": "2000.00", "1_30": "1000.00", "over_180": "300.00"}
    # Before anything was issued there is nothing open at all.
    assert aging_report(ledger.engine, date(2026, 2, 1)).rows == []


def test_an_open_amount_imported_without_payments_is_respected(hub: Hub) -> None:
    with hub.engine.begin() as c:
        customer = add_customer(c, "ERP")
        add_invoice(c, "E-1", customer, issued="2026-11-01", due="2026-11-30",
                    amount="1000.00", open_amount="250.00")
    (row,) = aging_report(hub.engine, AS_OF).rows
    assert buckets(row) == {"current": "250.00"}


def test_dso_by_countback(ledger: Hub) -> None:
    report = dso_report(ledger.engine, AS_OF)
    eur_row, usd_row = report.rows
    # EUR receivables 3100; credit sales: 24 Oct-23 Nov 500 (A-2; A-4 cancelled),
    # 24 Sep-23 Oct 2000 (B-1), 24 Aug-23 Sep 1000.
    # 31 days (2600 left) + 30 days (600 left) + 31 x 600/1000 = 18.6 -> 79.6
    assert eur_row.countback.days == D("79.6")
    assert eur_row.countback.complete
    # best possible: 500 not yet due is exactly month 1's sales -> 31.0; ADD 48.6
    assert eur_row.best_possible.days == D("31.0")
    assert eur_row.average_days_delinquent == D("48.6")
    # simple: 3100 / 3500 x 92 days = 81.49 -> 81.5
    assert eur_row.simple == D("81.5")
    # USD: 700 owed, sold 700 on 1 Jun (24 May-23 Jun, the 6th month back):
    # 31 + 30 + 31 + 31 + 30 + 31 = 184 days; nothing sold in the last 3 months.
    assert (usd_row.countback.days, usd_row.countback.complete) == (D("184.0"), True)
    assert usd_row.simple is None


def test_dso_stops_at_the_months_it_may_walk(ledger: Hub) -> None:
    usd_row = dso_report(ledger.engine, AS_OF, months=3).rows[1]
    # three months without USD sales: at least 31 + 30 + 31 = 92 days
    assert (usd_row.countback.days, usd_row.countback.complete) == (D("92.0"), False)


def test_period_figures_for_cei_and_summary(ledger: Hub) -> None:
    report = period_report(ledger.engine, AS_OF)
    assert report.period == Period(date(2026, 10, 24), AS_OF)
    eur_row, usd_row = report.rows
    # opening (23 Oct): A-1 600 + A-3 300 + B-1 2000 (not due) = 2900
    assert (eur_row.opening.total, eur_row.opening.current) == (eur("2900"), eur("2000"))
    assert eur_row.invoiced == eur("500.00")  # A-2; A-4 is cancelled
    assert eur_row.collected == eur("300.00")  # A-3 paid 20 Nov
    assert eur_row.received == eur("350.00")  # plus the unmatched 50 on 5 Nov
    assert (eur_row.closing.total, eur_row.closing.current) == (eur("3100"), eur("500"))
    assert eur_row.adjustments == eur("0.00")  # 2900 + 500 - 300 = 3100
    # CEI (2900 + 500 - 3100) / (2900 + 500 - 500) = 300 / 2900 = 10.34 -> 10.3
    assert eur_row.cei == D("10.3")
    # USD: 700 open all period, nothing collected -> 0 %
    assert usd_row.cei == D("0.0")


def test_unmatched_money_has_no_owner(ledger: Hub) -> None:
    rows = period_report(ledger.engine, AS_OF, by="owner").rows
    received = {(r.group, r.currency): str(r.received.amount) for r in rows}
    assert received[(None, "EUR")] == "50.00"
    assert received[("ann@example.com", "EUR")] == "300.00"


def test_receivables_by_department(ledger: Hub) -> None:
    got = receivables_at(ledger.engine, AS_OF, by="department")
    assert {k: str(v.total.amount) for k, v in got.items()} == {
        ("sales", "EUR"): "1100.00", ("ops", "EUR"): "2000.00", ("sales", "USD"): "700.00"}


def test_empty_ledger_gives_empty_reports(hub: Hub) -> None:
    assert aging_report(hub.engine, AS_OF).rows == []
    assert dso_report(hub.engine, AS_OF).rows == []
    assert period_report(hub.engine, AS_OF).rows == []


def test_unknown_grouping_is_a_user_error(hub: Hub) -> None:
    with pytest.raises(UserError, match="cannot group a report by 'country'"):
        aging_report(hub.engine, AS_OF, by="country")
