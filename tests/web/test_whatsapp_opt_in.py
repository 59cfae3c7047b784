"""The WhatsApp opt-in from the account page and the API: recorded for the contact with a
phone number, on the timeline, refused with the reason when there is no such contact."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import contacts
from hub.web import create_app
from tests.web.api_support import make_token
from tests.web.conftest import csrf_from


def _opted_in(hub: Hub) -> dict[str, bool]:
    with hub.engine.connect() as connection:
        return {row.name: row.whatsapp_opt_in for row in connection.execute(
            sa.select(contacts.c.name, contacts.c.whatsapp_opt_in))}


def test_the_account_page_records_and_withdraws_the_opt_in(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("ann@example.com")
    page = client.get("/accounts/ACME").get_data(as_text=True)
    assert "WhatsApp to Tom de Vries (+31201234567): no opt-in" in page
    response = client.post("/act/whatsapp", data={
        "csrf_token": csrf_from(page), "customer": "ACME", "whatsapp_opt_in": "yes"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ACME: the contact is now opted in to WhatsApp." in page
    assert "Tom de Vries (+31201234567) agreed to WhatsApp messages" in page  # timeline
    assert "WhatsApp opt-in</span>" in page
    assert _opted_in(staffed) == {"Pia Jansen": False, "Tom de Vries": True}
    response = client.post("/act/whatsapp", data={
        "csrf_token": csrf_from(page), "customer": "ACME", "whatsapp_opt_in": "no"})
    assert _opted_in(staffed)["Tom de Vries"] is False


def test_the_api_sets_the_opt_in_and_names_what_is_missing(staffed: Hub) -> None:
    client = create_app(staffed, {"TESTING": True}).test_client()
    token = make_token(staffed, "crm")
    headers = {"Authorization": f"Bearer {token}"}
    response = client.patch("/api/v1/customers/ACME", json={"whatsapp_opt_in": True},
                            headers=headers)
    assert response.status_code == 200
    assert [c["whatsapp_opt_in"] for c in response.get_json()["data"]["contacts"]] == \
        [False, True]
    wrong = client.patch("/api/v1/customers/ACME", json={"whatsapp_opt_in": "yes"},
                         headers=headers)
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"]["field"] == "whatsapp_opt_in"
    nobody = client.patch("/api/v1/customers/BOLT", json={"whatsapp_opt_in": True},
                          headers=headers)
    assert nobody.status_code == 422
    assert "BOLT has no contact with a phone number" in nobody.get_json()["error"]["message"]
    assert _opted_in(staffed) == {"Pia Jansen": False, "Tom de Vries": True}
