"""The worklist for people on the phone: a number to tap on call rows, a promise from a
call row closes the call, and the accounts list finds "Müller" by typing "muller", an
invoice number or a contact's e-mail, with balance and overdue columns to sort by."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain import events as kinds
from hub.ledger.tables import events
from hub.ledger.tables import tasks
from hub.services.accounts.tasks import create_task
from hub.services.read import queries
from hub.web import ui
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.web.conftest import csrf_from

TODAY = date(2026, 11, 23)


@pytest.fixture
def phoned(staffed: Hub) -> Hub:
    """ACME has a call due (its second contact has the phone); CRUX a plan to review (no
    call); Müller GmbH is a fourth account of Ann's, with an invoice and a buyer's e-mail."""
    with staffed.engine.begin() as c:
        crux = c.execute(sa.text("SELECT id FROM customers WHERE code = 'CRUX'")).scalar_one()
        add_contact(c, crux, "Cy Rux", phone="+1 555 0100", is_primary=True)
        muller = add_customer(c, "MULL", name="Müller GmbH", owner="ann@example.com",
                              department="sales", country="DE")
        add_contact(c, muller, "Jürgen Weiß", email="einkauf@mueller.example",
                    is_primary=True)
        add_invoice(c, "RE-2026-0417", muller, issued="2026-11-01", due="2026-12-15",
                    amount="50.00")
        for code, kind in (("ACME", "call"), ("CRUX", "review_plan")):
            create_task(c, customer_code=code, task_type=kind, assignee="ann@example.com",
                        due_date=TODAY, reason="test", actor="rules",
                        now=staffed.clock.now(), key=f"{code}|{kind}")
    return staffed


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-customer="([^"]+)">', html)


def test_a_call_row_has_a_number_to_tap(phoned: Hub,
                                        as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("ann@example.com").get("/worklist").get_data(as_text=True)
    assert _rows(page) == ["CRUX", "ACME"]
    acme = page[page.index('data-customer="ACME"'):]
    assert 'href="tel:+31201234567"' in acme
    assert "Call +31201234567" in acme
    crux = page[page.index('data-customer="CRUX"'):page.index('data-customer="ACME"')]
    assert "tel:" not in crux  # a plan to review is not a call


def test_a_promise_from_a_call_row_closes_the_call(
        phoned: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    response = ann.post("/act/promise", data={
        "csrf_token": csrf_from(page), "back": "/worklist", "customer": "ACME",
        "currency": "EUR", "amount": "600.00", "due_date": "2026-12-01"})
    page = ann.get(response.headers["Location"]).get_data(as_text=True)
    assert "ACME: promise of 600.00 EUR by 2026-12-01 recorded; call task closed." in page
    assert _rows(page) == ["CRUX"]
    with phoned.engine.connect() as c:
        call = c.execute(sa.select(tasks.c.state, tasks.c.outcome, tasks.c.closed_by)
                         .where(tasks.c.task_type == "call")).one()
        timeline = c.execute(sa.select(events.c.summary)
                             .where(events.c.kind == kinds.TASK_DONE)).scalars().all()
        plan = c.execute(sa.select(tasks.c.state)
                         .where(tasks.c.task_type == "review_plan")).scalar_one()
    assert tuple(call) == ("done", "promise", "ann@example.com")
    assert timeline == ["task call done: promise"]
    assert plan == "open"


@pytest.mark.parametrize("typed", ["muller", "MÜLLER", "Müll", "re-2026-04",
                                   "RE-2026-0417", "einkauf@mueller.example", "EINKAUF@"])
def test_search_ignores_accents_and_case_and_finds_invoices_and_emails(
        phoned: Hub, as_user: Callable[[str], FlaskClient], typed: str) -> None:
    page = as_user("adm@example.com").get("/accounts", query_string={"q": typed})
    assert _rows(page.get_data(as_text=True)) == ["MULL"]


def test_search_stays_in_the_viewers_scope(phoned: Hub,
                                           as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("bob@example.com").get("/accounts?q=muller").get_data(as_text=True)
    assert _rows(page) == []
    assert "No accounts match." in page


def test_the_accounts_list_sorts_by_balance_overdue_and_days(
        phoned: Hub, as_user: Callable[[str], FlaskClient],
        monkeypatch: pytest.MonkeyPatch) -> None:
    admin = as_user("adm@example.com")

    def order(sort: str) -> list[str]:
        return _rows(admin.get(f"/accounts?sort={sort}").get_data(as_text=True))

    # BOLT 2,000.00 EUR; ACME 1,100.00 (600.00 overdue); CRUX 700.00 USD; MULL 50.00 not due
    assert order("balance") == ["BOLT", "ACME", "CRUX", "MULL"]
    assert order("overdue") == ["BOLT", "CRUX", "ACME", "MULL"]
    assert order("days") == ["CRUX", "ACME", "BOLT", "MULL"]  # 145, 53, 23 days, not due
    assert order("name") == ["ACME", "BOLT", "CRUX", "MULL"]
    page = admin.get("/accounts?sort=balance").get_data(as_text=True)
    acme = page[page.index('data-customer="ACME"'):page.index('data-customer="CRUX"')]
    assert "1,100.00" in acme
    assert "600.00" in acme
    assert ">53<" in acme
    monkeypatch.setattr(ui, "ACCOUNTS_PER_PAGE", 3)  # paged: page 2 goes on where 1 ended
    assert order("balance") + order("balance&page=2") == ["BOLT", "ACME", "CRUX", "MULL"]
    assert order("balance&q=gmbh") == ["BOLT", "MULL"]  # searching keeps the order


def test_the_api_search_finds_the_same(phoned: Hub) -> None:
    """`GET /api/v1/customers?q=` reads the same look-up."""
    for typed in ("muller", "re-2026-0417", "einkauf@mueller.example"):
        found = queries.list_customers(phoned.engine, queries.CustomerFilter(q=typed),
                                       page=1, per_page=10)
        assert [customer.code for customer in found.items] == ["MULL"]
