"""What the staff app says after an action, the refusals the services raise and the report
page, in the staff language (HUB_STAFF_LANGUAGE): a Dutch collector reads Dutch, a Polish
one the Polish plural, a German finance user German headings with German numbers; an API
client the language its Accept-Language asks for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.services.accounts.tasks import create_task
from tests.builders import add_invoice
from tests.web.api_support import make_token
from tests.web.conftest import csrf_from
from tests.web.conftest import sign_in

TODAY = date(2026, 11, 23)


def _ann(app: Flask) -> tuple[FlaskClient, str]:
    client = app.test_client()
    sign_in(client, "ann@example.com")
    return client, client.get("/accounts/ACME").get_data(as_text=True)


def _act(client: FlaskClient, page: str, name: str, **form: str) -> str:
    response = client.post(f"/act/{name}", data={
        "csrf_token": csrf_from(page), "back": "/accounts/ACME", "customer": "ACME", **form})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_dutch_collector_reads_the_promise_confirmation_in_dutch(
        staffed: Hub, make_app: Callable[..., Flask]) -> None:
    client, page = _ann(make_app(staff_language="nl"))
    after = _act(client, page, "promise", currency="EUR", amount="600.00",
                 due_date="2026-12-01")
    assert "ACME: toezegging van 600.00 EUR vóór 2026-12-01 vastgelegd." in after
    assert "promise of" not in after
    assert "<small>(Incassomedewerker)</small>" in after  # the role, in Dutch too


def test_a_refusal_raised_by_the_service_is_shown_in_the_staff_language(
        staffed: Hub, make_app: Callable[..., Flask]) -> None:
    client, page = _ann(make_app(staff_language="nl"))
    after = _act(client, page, "promise", currency="EUR", amount="600.00",
                 due_date="2026-11-01")
    assert "Niet opgeslagen: de toegezegde datum 2026-11-01 ligt in het verleden" in after
    english_client, english_page = _ann(make_app())
    english = _act(english_client, english_page, "promise", currency="EUR", amount="600.00",
                   due_date="2026-11-01")
    assert "Not saved: the promised date 2026-11-01 is in the past" in english  # as before


def test_a_polish_collector_reads_the_polish_plural(
        staffed: Hub, make_app: Callable[..., Flask]) -> None:
    with staffed.engine.begin() as connection:
        for kind in ("call", "email_check"):
            create_task(connection, customer_code="ACME", task_type=kind,
                        assignee="ann@example.com", due_date=TODAY, reason="test",
                        actor="rules", now=staffed.clock.now(), key=f"ACME|{kind}")
    client, page = _ann(make_app(staff_language="pl"))
    after = _act(client, page, "done")
    assert "ACME: zrobione (2 zadania zamknięte)." in after


def test_a_german_report_page_has_german_headings_and_german_numbers(
        staffed: Hub, make_app: Callable[..., Flask]) -> None:
    with staffed.engine.begin() as connection:
        add_invoice(connection, "BIG-1", 2, issued="2026-08-01", due="2026-09-01",
                    amount="1090816.14")
    client = make_app(staff_language="de").test_client()
    sign_in(client, "fin@example.com")
    page = client.get("/reports", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Altersstruktur am 2026-11-23" in page
    assert "Eingehaltene Zusagen (nach zugesagtem Datum)" in page
    assert ">Gesamt</th>" in page
    assert "Offen in EUR nach Verzugstagen" in page  # the chart's title
    assert ">1.090.816,14<" in page
    assert "Aging on" not in page
    csv = client.get("/reports/aging.csv").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("Währung,nicht fällig,1-30")


def test_an_api_error_body_is_in_the_language_asked_for(staffed: Hub,
                                                         staff_app: Flask) -> None:
    token = make_token(staffed)
    client = staff_app.test_client()

    def refusal(language: str | None) -> str:
        headers = {"Authorization": f"Bearer {token}"}
        if language:
            headers["Accept-Language"] = language
        response = client.post("/api/v1/promises", headers=headers, json={
            "customer": "ACME", "amount": {"amount": "5", "currency": "EUR"},
            "due_date": "2020-01-01"})
        assert response.status_code == 400
        return str(response.get_json()["error"]["message"])

    assert refusal("es-ES,es;q=0.9") == "la fecha prometida 2020-01-01 está en el pasado"
    assert refusal(None) == "the promised date 2020-01-01 is in the past"
