"""The experiments page: recovery per variant, the difference and its interval, for the
roles that see the whole ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import experiment_assignments
from tests.builders import STAMP
from tests.builders import add_customer
from tests.builders import add_payment

EXPOSED = date(2026, 9, 1)  # the test clock is 2026-11-23: every 30-day window is over


def _experiment(hub: Hub) -> None:
    """Four accounts per variant, each owing 100.00: "sms" accounts paid 100, 100, 50 and
    0 within 30 days (62.5%); "email" accounts 100 and 0, 0, 0 (25%)."""
    paid = {"sms": ["100.00", "100.00", "50.00", None], "email": ["100.00", None, None, None]}
    with hub.engine.begin() as connection:
        for variant, amounts in paid.items():
            for index, amount in enumerate(amounts):
                code = f"{variant.upper()}{index}"
                customer = add_customer(connection, code)
                connection.execute(experiment_assignments.insert().values(
                    experiment="first_channel", customer_id=customer, variant=variant,
                    assigned_on=EXPOSED, ladder="consumer", step=f"reminder ({variant})",
                    decision_key=f"{code}|consumer/reminder ({variant})|{EXPOSED}",
                    currency="EUR", owed_minor=10000, created_at=STAMP))
                if amount:
                    add_payment(connection, f"P-{code}", received_on=EXPOSED + timedelta(days=9),
                                amount=amount, customer_id=customer)
                # paid after the window: not counted
                add_payment(connection, f"L-{code}", received_on=EXPOSED + timedelta(days=45),
                            amount="10.00", customer_id=customer)


def test_finance_sees_recovery_per_variant_and_the_difference(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    _experiment(staffed)
    client = as_user("fin@example.com")
    listing = client.get("/reports/experiments").get_data(as_text=True)
    assert 'href="/reports/experiments/first_channel?days=30' in listing
    page = client.get("/reports/experiments/first_channel?days=30")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "62.5 %" in html
    assert "25.0 %" in html
    # no variant is named "control" and no rule file names one: the first is the reference
    assert "email (control)" in html
    assert "sms (control)" not in html
    assert "400.00" in html
    assert "250.00" in html
    assert "37.5" in html  # the difference in points
    assert "95% interval" in html
    reports = client.get("/reports").get_data(as_text=True)
    assert "/reports/experiments" in reports


@pytest.mark.parametrize(("email", "status"), [("mia@example.com", 403),
                                               ("ann@example.com", 403),
                                               ("ro@example.com", 200)])
def test_the_page_is_for_the_roles_that_see_the_whole_ledger(
        staffed: Hub, as_user: Callable[[str], FlaskClient], email: str, status: int) -> None:
    _experiment(staffed)
    assert as_user(email).get("/reports/experiments/first_channel").status_code == status


def test_a_wrong_name_or_window_is_explained(staffed: Hub,
                                            as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    missing = client.get("/reports/experiments/nothing_here")
    assert missing.status_code == 404
    assert "nothing_here" in missing.get_data(as_text=True)
    bad = client.get("/reports/experiments?days=forever")
    assert bad.status_code == 400
    assert "days" in bad.get_data(as_text=True)


def test_the_api_gives_the_same_report_as_its_schema_says(staffed: Hub) -> None:
    from hub.web import create_app
    from tests.web.api_support import authorized
    from tests.web.api_support import make_token
    from tests.web.api_support import validate

    _experiment(staffed)
    client = authorized(create_app(staffed, {"TESTING": True}), staffed).test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    listing = client.get("/api/v1/reports/experiments")
    assert listing.status_code == 200
    assert validate(document, "/api/v1/reports/experiments", "200", listing.get_json()) == []
    assert listing.get_json()["data"][0]["exposed"] == {"email": 4, "sms": 4}

    found = client.get("/api/v1/reports/experiments/first_channel?days=30&against=sms")
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert validate(document, "/api/v1/reports/experiments/{name}", "200", body) == []
    assert body["control"] == "sms"
    assert {v["variant"]: v["recovery"] for v in body["variants"]} == \
        {"email": 0.25, "sms": 0.625}
    assert body["comparisons"][0]["difference"] == -0.375

    for url, status in (("/api/v1/reports/experiments/nothing_here", 404),
                        ("/api/v1/reports/experiments/first_channel?days=0", 400),
                        ("/api/v1/reports/experiments/first_channel?against=fax", 400),
                        ("/api/v1/reports/experiments/first_channel?colour=red", 400)):
        response = client.get(url)
        assert response.status_code == status, url
        path = "/api/v1/reports/experiments/{name}"
        assert validate(document, path, str(status), response.get_json()) == []
    collector = make_token(staffed, "ann-robot", "collector", user_email="ann@example.com")
    refused = client.get("/api/v1/reports/experiments/first_channel",
                         headers={"Authorization": f"Bearer {collector}"})
    assert refused.status_code == 403
