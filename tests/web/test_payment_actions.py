"""Unmatching or reversing a payment from the account page (issue 11, item 9): finance and
admins only, with the form's CSRF token; the invoice reopens and the timeline says so."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from tests.web.conftest import csrf_from


def _state(hub: Hub) -> tuple[int, str, int]:
    with hub.engine.connect() as connection:
        open_minor = connection.execute(sa.select(invoices.c.open_minor)
                                        .where(invoices.c.number == "A-1")).scalar_one()
        payment = connection.execute(sa.select(payments.c.status, payments.c.unallocated_minor)
                                     .where(payments.c.reference == "PAY-1")).one()
    return open_minor, payment.status, payment.unallocated_minor


def _post(client: FlaskClient, name: str, customer: str = "ACME",
          payment: str = "PAY-1") -> tuple[int, str]:
    page = client.get(f"/accounts/{customer}")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(f"/act/payment/{name}", data={
        "csrf_token": token, "customer": customer, "payment": payment,
        "reason": "booked to the wrong invoice"}, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_finance_unmatches_a_payment_and_the_invoice_reopens(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    page = client.get("/accounts/ACME").get_data(as_text=True)
    assert page.count("Payments received") == 1  # in the page, once, not in its <title>
    assert "Payments received" not in page.split("</title>")[0]
    assert "Reversed by the bank" in page
    status, body = _post(client, "unmatch")
    assert status == 200
    assert "Payment PAY-1 unmatched; it waits in the manual queue. Reopened: A-1." in body
    assert _state(staffed) == (100000, "unmatched", 40000)
    with staffed.engine.connect() as connection:
        summaries = connection.execute(sa.select(events.c.summary)
                                       .where(events.c.kind == "payment.unallocated")).scalars()
        assert [s for s in summaries if "A-1" in s and "booked to the wrong invoice" in s]


def test_an_admin_marks_a_payment_reversed_by_the_bank(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    status, body = _post(as_user("adm@example.com"), "reverse")
    assert status == 200
    assert "Payment PAY-1 reversed." in body
    assert _state(staffed) == (100000, "reversed", 0)


def test_collectors_and_managers_cannot_take_a_payment_back(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    for email in ("ann@example.com", "mia@example.com"):
        client = as_user(email)
        assert "Reversed by the bank" not in client.get("/accounts/ACME").get_data(as_text=True)
        status, _ = _post(client, "unmatch")
        assert status == 403
    assert _state(staffed) == (60000, "allocated", 0)


def test_without_the_form_token_or_for_another_account_nothing_changes(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    forged = client.post("/act/payment/unmatch", data={"customer": "ACME", "payment": "PAY-1"})
    assert forged.status_code == 400
    status, _ = _post(client, "unmatch", customer="BOLT")
    assert status == 404
    assert _state(staffed) == (60000, "allocated", 0)
