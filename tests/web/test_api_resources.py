"""The collections resources and the DSO, CEI and summary reports in the JSON API, checked
against the OpenAPI document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.money import Money
from hub.domain.plans import PlanLimits
from hub.ledger.cycle_runs import finish_run
from hub.ledger.cycle_runs import start_run
from hub.services.accounts.disputes import open_dispute
from hub.services.accounts.plans import propose_plan
from hub.services.accounts.promises import record_promise
from hub.services.accounts.tasks import create_task
from hub.web import create_app
from tests.web.api_support import authorized
from tests.web.api_support import validate


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


@pytest.fixture
def client(seeded: Hub) -> FlaskClient:
    now = seeded.clock.now()
    with seeded.engine.begin() as c:
        record_promise(c, customer_code="ACME", amount=eur("600.00"), due_date=date(2026, 11, 30),
                       actor="ann@example.com", source="web", now=now)
        propose_plan(c, customer_code="BOLT", instalments=[(date(2026, 12, 1), eur("1000.00")),
                                                           (date(2027, 1, 1), eur("1000.00"))],
                     actor="debtor", source="portal", now=now, limits=PlanLimits())
        open_dispute(c, customer_code="CRUX", invoice_numbers=["C-1"], reason="wrong price",
                     actor="debtor", source="portal", now=now)
        create_task(c, customer_code="ACME", task_type="call", assignee="ann@example.com",
                    due_date=date(2026, 11, 24), reason="step call", actor="rules", now=now,
                    key="k1")
        run = start_run(c, as_of=date(2026, 11, 23), dry_run=False, actor="scheduler", now=now,
                        policy_version="abc")
        finish_run(c, run, status="done", now=now, counts={"decisions": 3}, timings={},
                   errors=[], hooks=[], event_watermark=None)
    return authorized(create_app(seeded, {"TESTING": True}), seeded).test_client()


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return body


def get(client: FlaskClient, document: dict[str, Any], path: str, query: str = "") -> Any:
    response = client.get(path + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert validate(document, path, "200", body) == []
    return body


def test_promises(client: FlaskClient, document: dict[str, Any]) -> None:
    (promise,) = get(client, document, "/api/v1/promises")["data"]
    assert promise["customer"] == {"code": "ACME", "name": "Acme Trading BV"}
    assert promise["amount"] == {"amount": "600.00", "currency": "EUR"}
    assert (promise["due_date"], promise["state"], promise["source"]) == (
        "2026-11-30", "open", "web")
    assert get(client, document, "/api/v1/promises", "?state=kept")["data"] == []


def test_plans_with_their_instalments(client: FlaskClient, document: dict[str, Any]) -> None:
    (plan,) = get(client, document, "/api/v1/plans", "?customer=BOLT")["data"]
    assert plan["state"] == "active"
    assert plan["total"] == {"amount": "2000.00", "currency": "EUR"}
    assert [i["due_date"] for i in plan["instalments"]] == ["2026-12-01", "2027-01-01"]


def test_disputes_with_their_invoices(client: FlaskClient, document: dict[str, Any]) -> None:
    (dispute,) = get(client, document, "/api/v1/disputes", "?state=open")["data"]
    assert (dispute["invoices"], dispute["reason"]) == (["C-1"], "wrong price")


def test_tasks_filtered(client: FlaskClient, document: dict[str, Any]) -> None:
    tasks = get(client, document, "/api/v1/tasks", "?assignee=ANN@example.com&type=call")
    assert [(t["customer"]["code"], t["due_date"]) for t in tasks["data"]] == [
        ("ACME", "2026-11-24")]
    assert get(client, document, "/api/v1/tasks", "?state=done")["data"] == []


def test_payments_and_cycle_runs(client: FlaskClient, document: dict[str, Any]) -> None:
    payments = get(client, document, "/api/v1/payments", "?customer=ACME&status=allocated")
    assert [p["reference"] for p in payments["data"]] == ["PAY-1", "PAY-2"]
    (run,) = get(client, document, "/api/v1/cycle-runs")["data"]
    assert (run["status"], run["counts"], run["policy_version"]) == (
        "done", {"decisions": 3}, "abc")


def test_dso_report(client: FlaskClient, document: dict[str, Any]) -> None:
    body = get(client, document, "/api/v1/reports/dso", "?as_of=2026-11-23&months=6")
    assert body["meta"]["months"] == 6
    assert {row["currency"] for row in body["data"]} == {"EUR", "USD"}


def test_cei_and_summary_reports(client: FlaskClient, document: dict[str, Any]) -> None:
    cei = get(client, document, "/api/v1/reports/cei", "?as_of=2026-10-31&by=customer")
    assert cei["meta"]["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    summary = get(client, document, "/api/v1/reports/summary", "?as_of=2026-10-31&days=31")
    (eur_row,) = [r for r in summary["data"] if r["currency"] == "EUR"]
    assert eur_row["collected"] == {"amount": "400.00", "currency": "EUR"}  # PAY-1 on 15 Oct


@pytest.mark.parametrize("url", [
    "/api/v1/promises?state=late", "/api/v1/tasks?colour=red",
    "/api/v1/reports/cei?from=2026-10-01&days=3", "/api/v1/reports/summary?days=0",
    "/api/v1/reports/dso?months=999", "/api/v1/reports/cei?from=2027-01-01&as_of=2026-10-01",
])
def test_bad_parameters_are_400(client: FlaskClient, document: dict[str, Any], url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_parameter"
