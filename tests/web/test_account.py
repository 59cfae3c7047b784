"""The account page: customer, contacts, open invoices, timeline and actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.accounts import add_event
from hub.ledger.tables import customers
from hub.ledger.tables import messages
from hub.ledger.tables import tasks
from tests.web.conftest import csrf_from


def _history(hub: Hub) -> None:
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        add_event(connection, customer_id=1, kind="decision.applied", actor="rules", now=now,
                  summary="firm reminder (business ladder)",
                  data={"rule": "business ladder: firm reminder",
                        "facts": {"days_overdue": 53, "overdue": "600.00"}})
        add_event(connection, customer_id=1, kind="sheet.edited", actor="ann@example.com",
                  now=now, summary="status set to promised in the sheet",
                  data={"source": "sheet", "cell": "F7"})
        connection.execute(messages.insert().values(
            idempotency_key="k1", customer_code="ACME", recipient_kind="debtor",
            recipient="pia@acme.example", channels=["email"], channel="email",
            skipped_channels=[], template="reminder-2", language="en", context={},
            state="sent", attempts=1, next_attempt_at=now, subject="Second reminder: A-1",
            body="Dear Pia,\nInvoice A-1 is 53 days overdue.", created_at=now, updated_at=now,
            sent_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC)))


def test_the_account_page_shows_everything(staffed: Hub,
                                           as_user: Callable[[str], FlaskClient]) -> None:
    _history(staffed)
    page = as_user("ann@example.com").get("/accounts/ACME").get_data(as_text=True)
    for expected in ("Acme Trading BV", "Pia Jansen", "pia@acme.example", "+31201234567",
                     "A-1", "A-2", "53 days late", "EUR 1,100.00",  # open balance
                     "firm reminder (business ladder)", "days_overdue",  # rule with facts
                     "status set to promised in the sheet", "via sheet",
                     "Second reminder: A-1", "Invoice A-1 is 53 days overdue."):
        assert expected in page, expected
    assert "A-3" not in page.split("Open invoices")[1].split("Timeline")[0]  # paid


def _act(client: FlaskClient, name: str, **fields: str) -> str:
    page = client.get("/accounts/ACME").get_data(as_text=True)
    response = client.post(f"/act/{name}", data={"csrf_token": csrf_from(page),
                                                "customer": "ACME", **fields})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_actions_land_on_the_timeline(staffed: Hub,
                                      as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    page = _act(ann, "hold", reason="pre-legal, stop deliveries")
    assert "sales hold placed" in page
    assert "Release the sales hold" in page
    page = _act(ann, "release", reason="paid half")
    assert "sales hold released: paid half" in page
    page = _act(ann, "exclude", reason="agreement in force")
    assert "excluded from collection: agreement in force" in page
    assert "Include in collection again" in page
    page = _act(ann, "note", text="Called Pia, she will check")
    assert "Called Pia, she will check" in page
    page = _act(ann, "dispute", reason="goods damaged", invoices="A-1")
    assert "dispute opened on A-1" in page
    page = _act(ann, "plan", currency="EUR", instalments="2026-12-01 550.00\n2026-12-15 550.00")
    assert "payment plan approved" in page
    page = _act(ann, "legal", reason="no reaction to the final notice")
    assert "handed over to legal: no reaction to the final notice" in page
    with staffed.engine.connect() as connection:
        excluded = connection.execute(sa.select(customers.c.excluded)
                                      .where(customers.c.code == "ACME")).scalar()
        legal = connection.execute(sa.select(tasks.c.assignee)
                                   .where(tasks.c.task_type == "legal_handover")).scalar()
    assert excluded is True
    assert legal == "ann@example.com"


def test_an_action_without_a_reason_is_refused(staffed: Hub,
                                               as_user: Callable[[str], FlaskClient]) -> None:
    page = _act(as_user("ann@example.com"), "hold", reason="  ")
    assert "Not saved: say why (reason)" in page
    assert "Place a sales hold" in page


def test_a_plan_line_that_is_not_understood_is_named(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    page = _act(as_user("ann@example.com"), "plan", currency="EUR",
                instalments="2026-12-01 300.00\nnext week 300")
    assert "instalments line 2: write a date and an amount" in page


def test_read_only_staff_see_no_actions(staffed: Hub,
                                        as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("ro@example.com").get("/accounts/ACME").get_data(as_text=True)
    assert "Acme Trading BV" in page
    assert "/act/" not in page


def test_the_timeline_filters_by_kind_and_by_channel(staffed: Hub,
                                                     as_user: Callable[[str], FlaskClient]) -> None:
    _history(staffed)
    now = staffed.clock.now()
    with staffed.engine.begin() as connection:
        add_event(connection, customer_id=1, kind="account.contacted", actor="ann@example.com",
                  now=now, summary="contacted from a Slack button", data={"source": "slack"})
        add_event(connection, customer_id=1, kind="promise.recorded", actor="ann@example.com",
                  now=now, summary="promise typed into the sheet", data={"source": "sheet"})
    ann = as_user("ann@example.com")
    chat = ann.get("/accounts/ACME?kinds=chat").get_data(as_text=True)
    assert "contacted from a Slack button" in chat
    assert "promise typed into the sheet" not in chat
    sheet = ann.get("/accounts/ACME?kinds=sheet").get_data(as_text=True)
    assert "promise typed into the sheet" in sheet
    assert "status set to promised in the sheet" in sheet  # kind sheet.edited
    assert "contacted from a Slack button" not in sheet
    rules = ann.get("/accounts/ACME?kinds=decision").get_data(as_text=True)
    assert "firm reminder (business ladder)" in rules
    assert "promise typed into the sheet" not in rules
