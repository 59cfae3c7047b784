"""The campaign API: start from a template with SMS moved first, read the campaign's
customers and totals in the token's scope, 422 with the field for every problem, pause,
resume, stop, save as template; responses match the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.web import create_app
from tests.web.api_support import authorized
from tests.web.api_support import validate
from tests.web.conftest import add_staff


def _client(hub: Hub, role: str = "finance", **scope: str) -> FlaskClient:
    return authorized(create_app(hub, {"TESTING": True}), hub, f"t-{role}-{len(scope)}", role,
                      **scope).test_client()


def test_start_read_and_change_a_campaign_through_the_api(seeded: Hub) -> None:
    add_staff(seeded)
    client = _client(seeded)
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    templates = client.get("/api/v1/campaigns/templates")
    assert [t["key"] for t in templates.get_json()["data"]] == ["friendly", "standard", "firm"]
    assert validate(document, "/api/v1/campaigns/templates", "200", templates.get_json()) == []

    started = client.post("/api/v1/campaigns", json={
        "name": "Api push", "template": "standard", "customer": "ACME",
        "first_channel": "sms"})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["steps"] == ["1. sms", "2. email", "3. letter", "4. call"]
    assert [s["day"] for s in body["settings"]["steps"]] == [0, 5, 14, 21]

    shown = client.get("/api/v1/campaigns/api-push")
    assert shown.status_code == 200
    page = shown.get_json()
    assert validate(document, "/api/v1/campaigns/{name}", "200", page) == []
    member = page["data"][0]
    assert member["customer"]["code"] == "ACME"
    assert (member["next_step"], member["next_on"]) == ("1. sms", "2026-11-23")
    assert member["owed_at_start"] == {"amount": "600.00", "currency": "EUR"}
    assert page["totals"]["customers"] == 1
    listing = client.get("/api/v1/campaigns").get_json()
    assert validate(document, "/api/v1/campaigns", "200", listing) == []

    refused = client.post("/api/v1/campaigns", json={
        "name": "Bad", "customer": "BOLT", "steps": [{"channel": "pigeon", "day": 0}]})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["problems"] == [
        {"field": "step-1-channel", "message": 'step 1: "pigeon" is not a channel; use email, '
                                               "sms, letter, whatsapp, voice, call, handover"}]
    twice = client.post("/api/v1/campaigns", json={"name": "Again", "customer": "ACME"})
    assert twice.status_code == 422
    assert twice.get_json()["error"]["details"]["problems"][0]["field"] == "customer"

    assert client.post("/api/v1/campaigns/api-push/pause").get_json()["state"] == "paused"
    again = client.post("/api/v1/campaigns/api-push/pause")
    assert again.status_code == 409
    assert client.post("/api/v1/campaigns/api-push/resume").get_json()["state"] == "running"
    adjusted = client.post("/api/v1/campaigns/api-push/adjust", json={"tone": "firm"})
    assert adjusted.status_code == 200, adjusted.get_json()
    assert (adjusted.get_json()["version"], adjusted.get_json()["settings"]["tone"]) == \
        (2, "firm")
    assert adjusted.get_json()["steps"] == ["1. sms", "2. email", "3. letter", "4. call"]
    saved = client.post("/api/v1/campaigns/api-push/template", json={"template": "Sms first"})
    assert saved.status_code == 201
    assert saved.get_json()["shipped"] is False
    assert client.post("/api/v1/campaigns/api-push/stop").get_json()["state"] == "stopped"


def test_a_token_sees_only_the_campaigns_and_customers_in_its_scope(seeded: Hub) -> None:
    add_staff(seeded)
    finance = _client(seeded)
    assert finance.post("/api/v1/campaigns", json={
        "name": "Everyone late", "filter": {"min_days_overdue": 1}}).status_code == 201
    codes = [m["customer"]["code"] for m in
             finance.get("/api/v1/campaigns/everyone-late").get_json()["data"]]
    assert codes == ["ACME", "BOLT", "CRUX"]
    bob = _client(seeded, "collector", user_email="bob@example.com")
    mine = bob.get("/api/v1/campaigns/everyone-late").get_json()
    assert [m["customer"]["code"] for m in mine["data"]] == ["BOLT"]
    assert mine["totals"]["customers"] == 1
    assert bob.post("/api/v1/campaigns/everyone-late/pause").status_code == 403
    reader = _client(seeded, "read_only")
    assert reader.post("/api/v1/campaigns", json={"name": "X", "customer": "ACME"}
                       ).status_code == 403
    finance.post("/api/v1/campaigns/everyone-late/stop")
    assert finance.post("/api/v1/campaigns", json={
        "name": "Ann only", "customer": "ACME"}).status_code == 201
    assert bob.get("/api/v1/campaigns/ann-only").status_code == 404
    assert "ann-only" not in str(bob.get("/api/v1/campaigns").get_json())


def test_a_filter_of_the_wrong_shape_is_a_422_naming_the_key(seeded: Hub) -> None:
    client = _client(seeded)
    refused = client.post("/api/v1/campaigns", json={
        "name": "Odd", "filter": {"min_days_overdue": "ten", "min_amount": "lots",
                                  "colour": "red"}})
    assert refused.status_code == 422
    assert [p["field"] for p in refused.get_json()["error"]["details"]["problems"]] == [
        "filter.min_days_overdue", "filter.colour", "filter.min_amount"]


def test_a_campaign_is_simulated_through_the_api_and_nothing_starts(seeded: Hub) -> None:
    add_staff(seeded)
    client = _client(seeded)
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    answer = client.post("/api/v1/campaigns/simulation", json={
        "name": "Trial", "template": "standard", "customer": "ACME", "first_channel": "sms",
        "days": 10})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert validate(document, "/api/v1/campaigns/simulation", "200", body, "post") == []
    days = body["data"]
    assert [d["day"] for d in days][:2] == ["2026-11-23", "2026-11-24"]
    assert len(days) == 10
    assert days[0]["messages"] == {"sms": 1}
    assert days[0]["customers_reached"] == 1
    assert days[0]["amount_reached"] == [{"amount": "600.00", "currency": "EUR"}]  # A-1 open
    assert sum(d["messages"].get("email", 0) for d in days) == 1  # step 2, on its day
    assert client.get("/api/v1/campaigns").get_json()["data"] == []  # nothing started
    wrong = client.post("/api/v1/campaigns/simulation", json={"name": "Trial",
                                                             "customer": "ACME", "days": 0})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"]["problems"][0]["field"] == "days"
    reader = _client(seeded, "read_only")
    assert reader.post("/api/v1/campaigns/simulation",
                       json={"name": "Trial", "customer": "ACME"}).status_code == 403
