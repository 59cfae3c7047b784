"""The worklist ordered by expected recovery, and the prediction on the account page, with
no trained model (the customer-history baseline of a fresh install)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.services.accounts.tasks import create_task
from tests.builders import add_customer
from tests.integration.prediction.history import paid_invoice
from tests.web.conftest import sign_in

TODAY = date(2026, 11, 23)


@pytest.fixture
def risky_and_old(staffed: Hub) -> Hub:
    """BIGRISK: always paid over 30 days late, 5,000.00 open 5 days overdue.
    OLDSMALL: always paid on time, 100.00 open 90 days overdue (more urgent by age)."""
    with staffed.engine.begin() as connection:
        for code, late, amount, overdue in (("BIGRISK", 45, "5000.00", 5),
                                            ("OLDSMALL", -2, "100.00", 90)):
            customer = add_customer(connection, code, name=f"{code} Ltd",
                                    owner="ann@example.com", department="sales")
            for k in range(5):
                paid_invoice(connection, f"{code}-{k}", customer,
                             issued=TODAY - timedelta(days=400 - 50 * k), terms=30,
                             days_late=late, amount=amount)
            paid_invoice(connection, f"{code}-open", customer,
                         issued=TODAY - timedelta(days=30 + overdue), terms=30, days_late=None,
                         amount=amount)
            create_task(connection, customer_code=code, task_type="call",
                        assignee="ann@example.com", due_date=TODAY, reason="overdue",
                        actor="rules", now=staffed.clock.now(), key=f"{code}|call")
    return staffed


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-customer="([^"]+)">', html)


def test_the_worklist_can_put_the_largest_expected_recovery_first(
        risky_and_old: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    assert _rows(page) == ["OLDSMALL", "BIGRISK"]  # 90 days overdue first
    assert "Order by expected recovery" in page
    page = ann.get("/worklist?order=recovery").get_data(as_text=True)
    assert _rows(page) == ["BIGRISK", "OLDSMALL"]  # 5,000 likely to slip past 30 days
    assert "largest expected recovery first" in page
    recoveries = [float(v) for v in re.findall(r"expected recovery ([\d.]+)", page)]
    assert recoveries[0] > 1000 > recoveries[1] > 0
    assert recoveries[1] == pytest.approx(100.0)  # 90 days overdue: over 30 for certain
    # a page of one is the first of that order, not of the priority order
    page = ann.get("/worklist?order=recovery&limit=1").get_data(as_text=True)
    assert _rows(page) == ["BIGRISK"]


def test_the_account_page_shows_the_prediction_and_its_reasons(
        risky_and_old: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("ann@example.com").get("/accounts/BIGRISK").get_data(as_text=True)
    assert "Payment prediction" in page
    assert re.search(r"<strong>\d+%</strong> chance the next invoice is paid late", page)
    assert "most likely over 30 days late" in page
    assert "From the baseline (the customer&#39;s own history)" in page
    assert "<li>Paid 100% of past invoices late</li>" in page
    assert "<li>Usually pays 45 days late</li>" in page


def test_the_prediction_box_speaks_the_staff_language(
        risky_and_old: Hub, make_app: Callable[..., Flask]) -> None:
    """A Dutch collector reads the box, the late class and the reasons in Dutch, with the
    Dutch plural of the days."""
    client = make_app(staff_language="nl").test_client()
    sign_in(client, "ann@example.com")
    page = client.get("/accounts/BIGRISK").get_data(as_text=True)
    assert "Betalingsvoorspelling" in page
    assert re.search(r"<strong>\d+%</strong> kans dat de volgende factuur te laat wordt "
                     r"betaald; waarschijnlijk meer dan 30 dagen te laat", page)
    assert "<li>Betaalde 100% van de eerdere facturen te laat</li>" in page
    assert "<li>Betaalt meestal 45 dagen te laat</li>" in page
    assert "Usually pays" not in page
