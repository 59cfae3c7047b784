"""API authentication and scopes: a token sees what a person with its role sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.users import upsert_users
from hub.services.staff.api_tokens import revoke_token
from hub.web import create_app
from tests.web.api_support import make_token


@pytest.fixture
def app_client(seeded: Hub) -> FlaskClient:
    with seeded.engine.begin() as c:
        upsert_users(c, [User("ann@example.com", "Ann", Role.COLLECTOR, "sales"),
                         User("mia@example.com", "Mia", Role.MANAGER, "ops")],
                     seeded.clock.now())
    return create_app(seeded, {"TESTING": True}).test_client()


def call(client: FlaskClient, url: str, token: str | None, status: int = 200) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def codes(body: Any, key: str = "code") -> list[str]:
    return [item[key] for item in body["data"]]


@pytest.mark.parametrize("header", [None, "Basic YWJjOmRlZg==", "Bearer ", "Bearer hub_nope",
                                    "Bearer not-even-ours"])
def test_without_a_valid_token_the_api_says_401(app_client: FlaskClient,
                                                header: str | None) -> None:
    response = app_client.get("/api/v1/customers",
                              headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_openapi_document_is_public(app_client: FlaskClient) -> None:
    assert call(app_client, "/api/v1/openapi.json", None)["openapi"] == "3.1.0"


def test_a_revoked_token_is_refused(seeded: Hub, app_client: FlaskClient) -> None:
    token = make_token(seeded, "robot")
    assert codes(call(app_client, "/api/v1/customers", token)) == ["ACME", "BOLT", "CRUX"]
    with seeded.engine.begin() as c:
        revoke_token(c, name="robot", now=seeded.clock.now())
    call(app_client, "/api/v1/customers", token, 401)


def test_a_collector_token_sees_their_accounts_only(seeded: Hub,
                                                    app_client: FlaskClient) -> None:
    token = make_token(seeded, "ann-robot", "collector", user_email="ann@example.com")
    assert codes(call(app_client, "/api/v1/customers", token)) == ["ACME", "CRUX"]
    assert codes(call(app_client, "/api/v1/customers?owner=bob@example.com", token)) == []
    assert codes(call(app_client, "/api/v1/customers?q=bolt", token)) == []
    assert codes(call(app_client, "/api/v1/invoices", token), "number") == [
        "A-3", "C-1", "A-1", "A-2"]
    assert codes(call(app_client, "/api/v1/invoices?customer=BOLT", token), "number") == []
    assert call(app_client, "/api/v1/customers/BOLT", token, 404)["error"]["code"] == \
        "not_found"
    call(app_client, "/api/v1/invoices/B-1", token, 404)
    call(app_client, "/api/v1/customers/ACME", token)
    call(app_client, "/api/v1/invoices/A-1", token)
    assert call(app_client, "/api/v1/reports/aging", token, 403)["error"]["code"] == "forbidden"


def test_a_manager_token_sees_their_department(seeded: Hub, app_client: FlaskClient) -> None:
    token = make_token(seeded, "mia-robot", "manager", user_email="mia@example.com")
    assert codes(call(app_client, "/api/v1/customers", token)) == ["BOLT"]
    assert codes(call(app_client, "/api/v1/customers?department=sales", token)) == []
    call(app_client, "/api/v1/customers/ACME", token, 404)
    assert codes(call(app_client, "/api/v1/invoices", token), "number") == ["B-1"]


@pytest.mark.parametrize("role", ["finance", "admin", "read_only"])
def test_whole_ledger_roles_see_everything_and_the_reports(seeded: Hub, app_client: FlaskClient,
                                                           role: str) -> None:
    token = make_token(seeded, f"{role}-robot", role)
    assert codes(call(app_client, "/api/v1/customers", token)) == ["ACME", "BOLT", "CRUX"]
    call(app_client, "/api/v1/reports/aging", token)
    call(app_client, "/api/v1/reports/summary", token)


def test_payments_follow_the_scope(seeded: Hub, app_client: FlaskClient) -> None:
    finance = make_token(seeded, "finance-robot", "finance")
    ann = make_token(seeded, "ann-robot", "collector", user_email="ann@example.com")
    mia = make_token(seeded, "mia-robot", "manager", department="ops")
    assert codes(call(app_client, "/api/v1/payments", finance), "reference") == [
        "PAY-1", "PAY-2"]
    assert codes(call(app_client, "/api/v1/payments", ann), "reference") == ["PAY-1", "PAY-2"]
    assert codes(call(app_client, "/api/v1/payments", mia), "reference") == []


def test_tokens_are_managed_from_the_command_line(seeded: Hub, app_client: FlaskClient,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli import cli

    monkeypatch.setattr("hub.cli._LazyHub.get", lambda self, _schema="one-shot": seeded)
    runner = CliRunner()
    created = runner.invoke(cli, ["api-token", "create", "erp-sync", "--role", "collector",
                                  "--user", "ann@example.com"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("hub_")
    assert "shown only now" in created.stderr
    assert codes(call(app_client, "/api/v1/customers", token)) == ["ACME", "CRUX"]
    listed = runner.invoke(cli, ["api-token", "list"]).stdout
    assert "erp-sync" in listed
    assert "ann@example.com" in listed
    assert token not in listed
    again = runner.invoke(cli, ["api-token", "create", "erp-sync", "--role", "finance"])
    assert again.exit_code == 2
    assert "exists already" in again.stderr
    nobody = runner.invoke(cli, ["api-token", "create", "x", "--role", "collector"])
    assert nobody.exit_code == 2
    assert "--user" in nobody.stderr
    assert runner.invoke(cli, ["api-token", "revoke", "erp-sync"]).exit_code == 0
    call(app_client, "/api/v1/customers", token, 401)


def test_signed_in_staff_read_the_api_in_their_scope_but_cannot_write(
        as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")
    assert codes(call(ann, "/api/v1/customers", None)) == ["ACME", "CRUX"]
    call(ann, "/api/v1/customers/BOLT", None, 404)
    mia = as_user("mia@example.com")
    assert codes(call(mia, "/api/v1/customers", None)) == ["ACME", "CRUX"]  # sales
    # a cookie alone never writes (no cross-site request can act through the API)
    response = ann.post("/api/v1/promises", json={
        "customer": "ACME", "amount": {"amount": "5.00", "currency": "EUR"},
        "due_date": "2026-12-01"})
    assert response.status_code == 401
