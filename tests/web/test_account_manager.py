"""The account manager (the salesperson who owns the relationship) from the account page
and the API: read, changed, refused with the reason, on the timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import users
from hub.web import create_app
from tests.web.api_support import make_token
from tests.web.api_support import validate
from tests.web.conftest import csrf_from


def _manager(hub: Hub, code: str = "ACME") -> str | None:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(customers.c.account_manager)
                                  .where(customers.c.code == code)).scalar()


def _set_on_page(client: FlaskClient, value: str) -> str:
    page = client.get("/accounts/ACME").get_data(as_text=True)
    response = client.post("/act/account_manager", data={
        "csrf_token": csrf_from(page), "customer": "ACME", "account_manager": value})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_account_page_sets_and_clears_the_account_manager(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("ann@example.com")
    page = _set_on_page(client, "Fin@Example.com")
    assert "account manager is now Fin@Example.com" in page
    assert _manager(staffed) == "fin@example.com"  # the user's own spelling
    assert "account manager: fin@example.com (was nobody)" in page  # on the timeline

    page = _set_on_page(client, "nobody@example.com")
    assert "Not saved: account manager &#39;nobody@example.com&#39;: no user of the hub" \
        in page
    assert _manager(staffed) == "fin@example.com"  # nothing lost

    page = _set_on_page(client, "")
    assert "account manager is now nobody" in page
    assert _manager(staffed) is None


def _patch(client: FlaskClient, token: str, body: Any, status: int,
           code: str = "ACME") -> Any:
    response = client.patch(f"/api/v1/customers/{code}", json=body,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_the_api_reads_and_changes_the_account_manager(staffed: Hub) -> None:
    client = create_app(staffed, {"TESTING": True}).test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    token = make_token(staffed, "crm")
    body = _patch(client, token, {"account_manager": "fin@example.com"}, 200)
    assert body["data"]["account_manager"] == "fin@example.com"
    assert validate(document, "/api/v1/customers/{code}", "200", body) == []
    assert document["paths"]["/api/v1/customers/{code}"]["patch"]["requestBody"]
    read = client.get("/api/v1/customers/ACME",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert read["data"]["account_manager"] == "fin@example.com"

    with staffed.engine.begin() as connection:
        connection.execute(users.update().where(users.c.email == "adm@example.com")
                           .values(active=False))
    refused = _patch(client, token, {"account_manager": "adm@example.com"}, 422)
    assert refused["error"]["details"]["field"] == "account_manager"
    assert "deactivated" in refused["error"]["message"]
    unknown_field = _patch(client, token, {"owner": "x@example.com"}, 422)
    assert unknown_field["error"]["details"]["field"] == "owner"
    _patch(client, make_token(staffed, "reader", "read_only"),
           {"account_manager": None}, 403)
    _patch(client, token, {"account_manager": None}, 404, code="NOPE")
    assert _manager(staffed) == "fin@example.com"  # nothing refused was written

    cleared = _patch(client, token, {"account_manager": None}, 200)
    assert cleared["data"]["account_manager"] is None
    with staffed.engine.connect() as connection:
        summaries = [row.summary for row in connection.execute(
            sa.select(events.c.summary, events.c.actor).where(
                events.c.kind == "customer.updated"))]
    assert summaries == ["account manager: fin@example.com (was nobody)",
                         "account manager: nobody (was fin@example.com)"]
