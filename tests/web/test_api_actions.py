"""Person actions through the JSON API: promises, plans and disputes with source "api"."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import events
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.web import create_app
from tests.web.api_support import make_token
from tests.web.api_support import validate


@pytest.fixture
def client(seeded: Hub) -> FlaskClient:
    with seeded.engine.begin() as c:
        upsert_users(c, [User("ann@example.com", "Ann", Role.COLLECTOR, "sales")],
                     seeded.clock.now())
    return create_app(seeded, {"TESTING": True}).test_client()


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return body


def post(client: FlaskClient, url: str, token: str, body: Any, status: int) -> Any:
    response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def test_a_promise_is_recorded_with_the_token_as_actor(seeded: Hub, client: FlaskClient,
                                                       document: dict[str, Any]) -> None:
    token = make_token(seeded, "erp")
    body = post(client, "/api/v1/promises", token,
                {"customer": "ACME", "amount": eur("600.00"), "due_date": "2026-12-01"}, 201)
    assert validate(document, "/api/v1/promises", "200", {
        "data": [body["data"]], "meta": {"page": 1, "per_page": 1, "total": 1, "pages": 1},
        "links": {"self": "/", "next": None, "prev": None}}) == []
    assert (body["data"]["source"], body["data"]["actor"]) == ("api", "api-token:erp")
    with seeded.engine.connect() as c:
        kinds = list(c.execute(sa.select(events.c.kind, events.c.actor)))
    assert ("promise.recorded", "api-token:erp") in [tuple(k) for k in kinds]


def test_plans_inside_and_outside_the_limits(seeded: Hub, client: FlaskClient) -> None:
    token = make_token(seeded)
    inside = post(client, "/api/v1/plans", token, {"customer": "ACME", "instalments": [
        {"due_date": "2026-11-30", "amount": eur("600.00")},
        {"due_date": "2026-12-30", "amount": eur("500.00")}]}, 201)["data"]
    assert inside["state"] == "active"
    outside = post(client, "/api/v1/plans", token, {"customer": "BOLT", "instalments": [
        {"due_date": f"2027-0{m}-01", "amount": eur("400.00")} for m in range(1, 6)]},
        201)["data"]
    assert outside["state"] == "proposed"
    assert "instalments" in outside["review_reason"]
    with seeded.engine.connect() as c:
        assert c.execute(sa.select(tasks.c.task_type)).scalars().all() == ["review_plan"]


def test_a_dispute_names_its_invoices(seeded: Hub, client: FlaskClient) -> None:
    body = post(client, "/api/v1/disputes", make_token(seeded),
                {"customer": "ACME", "invoices": ["A-1"], "reason": "price"}, 201)["data"]
    assert (body["invoices"], body["state"], body["source"]) == (["A-1"], "open", "api")


def test_who_may_act(seeded: Hub, client: FlaskClient) -> None:
    promise = {"customer": "BOLT", "amount": eur("10.00"), "due_date": "2026-12-01"}
    reader = make_token(seeded, "reader", "read_only")
    assert post(client, "/api/v1/promises", reader, promise, 403)["error"]["code"] == \
        "forbidden"
    ann = make_token(seeded, "ann", "collector", user_email="ann@example.com")
    post(client, "/api/v1/promises", ann, promise, 404)  # BOLT is Bob's: as if it did not exist
    post(client, "/api/v1/promises", ann, {**promise, "customer": "ACME"}, 201)
    post(client, "/api/v1/promises", ann, {**promise, "customer": "NOPE"}, 404)
    assert client.post("/api/v1/promises", json=promise).status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"customer": "ACME", "amount": eur("-5"), "due_date": "2026-12-01"}, "amount"),
    ({"customer": "ACME", "amount": eur("1.001"), "due_date": "2026-12-01"}, "amount"),
    ({"customer": "ACME", "amount": {"amount": "5", "currency": "XXX"},
      "due_date": "2026-12-01"}, "amount"),
    ({"customer": "ACME", "amount": 5, "due_date": "2026-12-01"}, "amount"),
    ({"customer": "ACME", "amount": eur("1e999999"), "due_date": "2026-12-01"}, "amount"),
    ({"customer": "ACME", "amount": eur("5"), "due_date": "soon"}, "due_date"),
    ({"amount": eur("5"), "due_date": "2026-12-01"}, "customer"),
    ({"customer": "AC\x00ME", "amount": eur("5"), "due_date": "2026-12-01"}, "customer"),
])
def test_a_bad_body_names_the_field(seeded: Hub, client: FlaskClient, body: dict[str, Any],
                                    field: str) -> None:
    error = post(client, "/api/v1/promises", make_token(seeded), body, 422)["error"]
    assert (error["code"], error["details"]["field"]) == ("invalid_body", field)


@pytest.mark.parametrize(("url", "body", "field"), [
    ("/api/v1/handovers", {"customer": "AC\x00ME", "reason": "no answer"}, "customer"),
    ("/api/v1/handovers", {"customer": "ACME", "reason": "no\x00answer"}, "reason"),
    ("/api/v1/handovers/1/decline", {"reason": "x\x00"}, "reason"),
    ("/api/v1/campaigns", {"name": "N", "filter": {"segment": "s\x00"}}, "filter.segment"),
    ("/api/v1/disputes", {"customer": "ACME", "invoices": ["B-1", "B\x002"]}, "invoices[1]"),
])
def test_a_nul_anywhere_in_a_body_is_refused_naming_the_field(
        seeded: Hub, client: FlaskClient, url: str, body: dict[str, Any], field: str) -> None:
    """PostgreSQL refuses a NUL in text: every route answers 422, never a server error."""
    error = post(client, url, make_token(seeded), body, 422)["error"]
    assert (error["code"], error["details"]["field"]) == ("invalid_body", field)


def test_an_id_beyond_the_ledgers_range_is_not_found(seeded: Hub, client: FlaskClient) -> None:
    """PostgreSQL refuses a number beyond its INTEGER ids in a query: the route says 404."""
    token = make_token(seeded)
    for url in ("/api/v1/handovers/4650623969", "/api/v1/handovers/2147483648/case-file.json"):
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404, (url, response.get_data(as_text=True))
    assert client.get("/api/v1/handovers/2147483647",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 404


def test_not_json_and_rules_of_the_ledger(seeded: Hub, client: FlaskClient) -> None:
    token = make_token(seeded)
    response = client.post("/api/v1/promises", data="customer=ACME",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    past = post(client, "/api/v1/promises", token,
                {"customer": "ACME", "amount": eur("5"), "due_date": "2020-01-01"}, 400)
    assert "in the past" in past["error"]["message"]
    post(client, "/api/v1/disputes", token,
         {"customer": "ACME", "invoices": ["B-1"], "reason": "not ours"}, 404)
