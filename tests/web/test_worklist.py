"""The worklist: my actionable accounts, one-click outcomes, "Nothing left to do"."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import events
from hub.ledger.tables import promises
from hub.services.accounts.tasks import create_task
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.web.conftest import csrf_from

TODAY = date(2026, 11, 23)


@pytest.fixture
def with_tasks(staffed: Hub) -> Hub:
    with staffed.engine.begin() as connection:
        for code, owner in (("ACME", "ann@example.com"), ("CRUX", "ann@example.com"),
                            ("BOLT", "bob@example.com")):
            create_task(connection, customer_code=code, task_type="call", assignee=owner,
                        due_date=TODAY, reason="reminder-2 unanswered", actor="rules",
                        now=staffed.clock.now(), key=f"{code}|call")
    return staffed


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-customer="([^"]+)">', html)


def post(client: FlaskClient, action: str, page: str, **fields: str) -> str:
    response = client.post(f"/act/{action}", data={"csrf_token": csrf_from(page),
                                                  "back": "/worklist", **fields})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_collector_works_the_list_down_to_empty(with_tasks: Hub,
                                                  as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    assert _rows(page) == ["CRUX", "ACME"]  # 145 days late before 53 days late
    assert "Call the customer" in page
    page = post(ann, "contacted", page, customer="CRUX")
    assert "CRUX: contact logged." in page
    page = post(ann, "done", page, customer="CRUX")
    assert _rows(page) == ["ACME"]
    page = post(ann, "promise", page, customer="ACME", currency="EUR", amount="600.00",
                due_date="2026-12-01")
    assert "promise of 600.00 EUR by 2026-12-01 recorded" in page
    page = post(ann, "snooze", page, customer="ACME", days="3")
    assert "Nothing left to do" in page
    with with_tasks.engine.connect() as connection:
        kinds = [r.kind for r in connection.execute(
            sa.select(events.c.kind).where(events.c.actor == "ann@example.com"))]
        assert connection.execute(sa.select(sa.func.count()).select_from(promises)).scalar() == 1
    assert {"account.contacted", "account.completed", "promise.recorded",
            "account.snoozed"} <= set(kinds)


def test_a_mistake_in_a_form_names_the_field_and_saves_nothing(
        with_tasks: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    page = post(ann, "promise", page, customer="ACME", currency="EUR", amount="six hundred",
                due_date="2026-12-01")
    assert "Not saved: promised amount: “six hundred” is not an amount" in page
    page = post(ann, "promise", page, customer="ACME", currency="EUR", amount="10",
                due_date="2026-11-01")
    assert "in the past" in page
    with with_tasks.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(promises)).scalar() == 0


def test_a_comma_amount_means_the_same_as_in_the_portal(
        with_tasks: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    """150,50 was once read as 15,050.00 here (and as 150.50 in the portal)."""
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    page = post(ann, "promise", page, customer="ACME", currency="EUR", amount="150,50",
                due_date="2026-12-01")
    assert "promise of 150.50 EUR by 2026-12-01 recorded" in page
    with with_tasks.engine.connect() as connection:
        assert connection.execute(sa.select(promises.c.amount_minor)).scalars().all() == [15050]


def test_an_ambiguous_amount_is_refused_in_the_staff_members_language(
        with_tasks: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    response = ann.post("/act/promise", headers={"Accept-Language": "nl-NL,nl;q=0.9"}, data={
        "csrf_token": csrf_from(page), "back": "/worklist", "customer": "ACME",
        "currency": "EUR", "amount": "1.500", "due_date": "1-12-2026"})
    page = ann.get(response.headers["Location"]).get_data(as_text=True)
    assert ("“1.500” kan op twee manieren gelezen worden; schrijf het met de centen, "
            "zoals 1.500,00.") in page
    with with_tasks.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(promises)).scalar() == 0


def test_nobody_acts_on_an_account_outside_their_scope(
        with_tasks: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    response = ann.post("/act/done", data={"csrf_token": csrf_from(page), "customer": "BOLT"})
    assert response.status_code == 404
    reader = as_user("ro@example.com")
    page = reader.get("/accounts").get_data(as_text=True)
    response = reader.post("/act/note", data={"csrf_token": csrf_from(page), "customer": "BOLT",
                                              "text": "hi"})
    assert response.status_code == 403


def test_someone_with_nothing_to_do_is_told_so(with_tasks: Hub,
                                               as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("fin@example.com").get("/worklist").get_data(as_text=True)
    assert "Nothing left to do" in page


def test_a_long_list_shows_the_most_urgent_first_then_more(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    with staffed.engine.begin() as connection:
        for number in range(60):
            customer = add_customer(connection, f"L{number:02d}", owner="ann@example.com",
                                    department="sales")
            add_invoice(connection, f"L{number:02d}-1", customer, issued="2026-01-01",
                        due=f"2026-{1 + number % 10:02d}-15", amount=f"{100 + number}.00")
            create_task(connection, customer_code=f"L{number:02d}", task_type="call",
                        assignee=None, due_date=TODAY, reason="r", actor="rules",
                        now=staffed.clock.now(), key=f"L{number}")
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    assert "60 accounts need you today, most urgent first; showing the first 50" in page
    first = _rows(page)
    assert len(first) == 50
    assert first[0] in {"L00", "L10", "L20", "L30", "L40", "L50"}  # due in January
    more = ann.get("/worklist?limit=100").get_data(as_text=True)
    assert len(_rows(more)) == 60
    assert "Show more" not in more


def test_a_snooze_for_an_odd_number_of_days_is_refused(
        with_tasks: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = ann.get("/worklist").get_data(as_text=True)
    page = post(ann, "snooze", page, customer="ACME", days="soon")
    assert "Not saved: snooze: &#39;soon&#39; is not a number of days" in page
    assert "ACME" in _rows(page)


def test_each_rows_form_carries_its_own_account_currency_and_field_ids(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    """The row form is rendered once per page and filled in per row (issue 16): each row's
    buttons, hidden fields and labels name that row's account, escaped, and its fields'
    ids are numbered by row."""
    with staffed.engine.begin() as connection:
        for code, currency, due in (('Q&A "1"', "USD", "2026-01-15"),
                                    ("Zürich<2>", "EUR", "2026-05-15")):
            customer = add_customer(connection, code, owner="ann@example.com",
                                    department="sales")
            add_invoice(connection, f"{code}-1", customer, issued="2025-12-01", due=due,
                        amount="100.00", currency=currency)
            create_task(connection, customer_code=code, task_type="call", assignee=None,
                        due_date=TODAY, reason="r", actor="rules", now=staffed.clock.now(),
                        key=f"{code}|call")
    page = as_user("ann@example.com").get("/worklist").get_data(as_text=True)
    forms = re.findall(r'<tr data-customer="([^"]+)">.*?(<form.*?</form>)', page, re.S)
    assert [code for code, _ in forms] == ["Q&amp;A &#34;1&#34;", "Zürich&lt;2&gt;"]
    for number, ((code, form), currency) in enumerate(zip(forms, ("USD", "EUR"),
                                                          strict=True), start=1):
        assert f'name="customer" value="{code}"' in form
        assert f'name="currency" value="{currency}"' in form
        assert f'aria-label="Contacted {code}"' in form
        assert f'aria-label="Snooze {code} for 3 days"' in form
        assert f"Amount ({currency})" in form
        assert f'<label for="amount-{number}">' in form
        assert f'<input id="reason-{number}" name="reason"' in form
        assert not {"\ue000", "\ue001", "\ue002"} & set(form)  # no stand-in is left
