"""The JSON API: filters, pagination, detail views, the aging report, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.web import create_app
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.web.api_support import authorized


@pytest.fixture
def client(seeded: Hub) -> FlaskClient:
    """A finance token: sees the whole ledger."""
    return authorized(create_app(seeded, {"TESTING": True}), seeded).test_client()


@pytest.fixture
def make_app(make_app: Callable[..., Flask], seeded: Hub) -> Callable[..., Flask]:
    count = iter(range(1000))
    return lambda **settings: authorized(make_app(**settings), seeded, f"tests-{next(count)}")


def get(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def codes(body: Any) -> list[str]:
    return [item["code"] for item in body["data"]]


def numbers(body: Any) -> list[str]:
    return [item["number"] for item in body["data"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["ACME", "BOLT", "CRUX"]),
    ("?owner=ANN@example.com", ["ACME", "CRUX"]),
    ("?department=ops", ["BOLT"]),
    ("?country=us", ["CRUX"]),
    ("?q=gmbh", ["BOLT"]),
    ("?q=c&owner=ann@example.com", ["ACME", "CRUX"]),
    ("?q=%25", []),  # a literal percent sign, not a wildcard
])
def test_customers_are_filtered(client: FlaskClient, query: str, expected: list[str]) -> None:
    assert codes(get(client, f"/api/v1/customers{query}")) == expected


def test_customer_detail_has_contacts_balances_and_open_invoices(client: FlaskClient) -> None:
    body = get(client, "/api/v1/customers/ACME")["data"]
    assert (body["name"], body["owner"], body["kind"]) == (
        "Acme Trading BV", "ann@example.com", "B2B")
    assert [c["name"] for c in body["contacts"]] == ["Pia Jansen", "Tom de Vries"]
    assert body["contacts"][0]["is_primary"] is True
    # A-1 600.00 + A-2 500.00 still open; A-3 is paid
    assert body["open_balances"] == [{"amount": "1100.00", "currency": "EUR"}]
    assert [(i["number"], i["open_amount"]["amount"], i["days_overdue"])
            for i in body["open_invoices"]] == [("A-1", "600.00", 53), ("A-2", "500.00", 0)]


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["A-3", "C-1", "A-1", "B-1", "A-2"]),  # by due date
    ("?customer=ACME", ["A-3", "A-1", "A-2"]),
    ("?status=paid", ["A-3"]),
    ("?status=partially_paid", ["A-1"]),
    ("?overdue=true", ["C-1", "A-1", "B-1"]),
    ("?overdue=false", ["A-3", "A-2"]),
    ("?currency=usd", ["C-1"]),
    ("?overdue=true&currency=EUR&customer=BOLT", ["B-1"]),
])
def test_invoices_are_filtered(client: FlaskClient, query: str, expected: list[str]) -> None:
    assert numbers(get(client, f"/api/v1/invoices{query}")) == expected


def test_invoice_detail_lists_its_payments_and_money_as_strings(client: FlaskClient) -> None:
    body = get(client, "/api/v1/invoices/A-1")["data"]
    assert body["amount"] == {"amount": "1000.00", "currency": "EUR"}
    assert body["open_amount"] == {"amount": "600.00", "currency": "EUR"}
    assert (body["status"], body["days_overdue"]) == ("partially_paid", 53)
    assert body["customer"] == {"code": "ACME", "name": "Acme Trading BV"}
    assert body["allocations"] == [{"payment_reference": "PAY-1",
                                    "amount": {"amount": "400.00", "currency": "EUR"},
                                    "allocated_on": "2026-10-15", "method": "manual"}]


def test_invoice_numbers_may_contain_slashes(seeded: Hub, client: FlaskClient) -> None:
    with seeded.engine.begin() as c:
        customer = add_customer(c, "PL-1", country="PL")
        add_invoice(c, "FV/2026/11/001", customer, issued="2026-11-02", due="2026-11-16",
                    amount="123.00", currency="PLN")
    body = get(client, "/api/v1/invoices/FV/2026/11/001")["data"]
    assert (body["number"], body["days_overdue"]) == ("FV/2026/11/001", 7)
    assert get(client, "/api/v1/invoices/FV%2F2026%2F11%2F001")["data"] == body


def test_pagination_envelope_and_links(make_app: Callable[..., Flask]) -> None:
    client = make_app(api_page_size=2, api_max_page_size=3).test_client()
    first = get(client, "/api/v1/customers?owner=ann@example.com&q=")
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 2, "pages": 1}
    first = get(client, "/api/v1/customers")
    assert codes(first) == ["ACME", "BOLT"]
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert first["links"]["prev"] is None
    second = get(client, first["links"]["next"])
    assert codes(second) == ["CRUX"]
    assert second["links"]["next"] is None
    assert get(client, second["links"]["prev"]) == first
    # filters survive in the links
    invoices = get(client, "/api/v1/invoices?currency=EUR&per_page=1")
    assert "currency=EUR" in invoices["links"]["next"]
    assert numbers(get(client, invoices["links"]["next"])) == ["A-1"]
    # past the last page: an empty page, not an error
    assert get(client, "/api/v1/customers?page=9")["data"] == []
    # the maximum page size is enforced
    error = get(client, "/api/v1/customers?per_page=4", 400)["error"]
    assert error["code"] == "bad_parameter"
    assert error["details"] == {"parameter": "per_page", "value": "4",
                                "expected": "a whole number from 1 to 3"}


def test_aging_report_by_owner(client: FlaskClient) -> None:
    body = get(client, "/api/v1/reports/aging?by=owner&as_of=2026-11-23")
    rows = {(r["group"], r["currency"]): r for r in body["data"]}
    ann = rows[("ann@example.com", "EUR")]
    assert ann["total"] == {"amount": "1100.00", "currency": "EUR"}
    assert ann["buckets"]["current"]["amount"]["amount"] == "500.00"
    assert ann["buckets"]["31_60"] == {"label": "31-60", "count": 1, "percent": "54.5",
                                       "amount": {"amount": "600.00", "currency": "EUR"}}
    assert rows[("ann@example.com", "USD")]["buckets"]["91_180"]["count"] == 1
    assert body["meta"]["as_of"] == "2026-11-23"
    assert [(t["currency"], t["total"]["amount"]) for t in body["meta"]["totals"]] == [
        ("EUR", "3100.00"), ("USD", "700.00")]


def test_aging_report_as_of_an_earlier_date_defaults_to_currency_rows(
        client: FlaskClient) -> None:
    body = get(client, "/api/v1/reports/aging?as_of=2026-10-14")
    # 14 Oct: A-1 still open in full (paid 15 Oct), B-1 issued and not due
    assert [(r["currency"], r["total"]["amount"]) for r in body["data"]] == [
        ("EUR", "3000.00"), ("USD", "700.00")]
    assert body["meta"]["by"] == "currency"


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/invoices?status=late", "status"),
    ("/api/v1/invoices?overdue=maybe", "overdue"),
    ("/api/v1/invoices?currency=EURO", "currency"),
    ("/api/v1/customers?page=0", "page"),
    ("/api/v1/customers?per_page=ten", "per_page"),
    ("/api/v1/customers?ower=ann@example.com", "ower"),
    ("/api/v1/reports/aging?as_of=2026-02-31", "as_of"),
    ("/api/v1/reports/aging?by=country", "by"),
])
def test_bad_parameters_are_400_in_the_envelope(client: FlaskClient, url: str,
                                                parameter: str) -> None:
    error = get(client, url, 400)["error"]
    assert error["code"] == "bad_parameter"
    assert error["details"]["parameter"] == parameter
    assert parameter in error["message"]


@pytest.mark.parametrize("url", ["/api/v1/customers/NOPE", "/api/v1/invoices/NOPE",
                                 "/api/v1/nothing-here", "/nothing-here"])
def test_not_found_is_404_in_the_envelope(client: FlaskClient, url: str) -> None:
    error = get(client, url, 404)["error"]
    assert error["code"] == "not_found"
    assert error["message"]


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/api/v1/customers", json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_unexpected_errors_are_500_in_the_envelope(make_app: Callable[..., Flask],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["code"] == "internal_error"
    assert "secret internals" not in error["message"]
    assert "secret internals" in caplog.text
