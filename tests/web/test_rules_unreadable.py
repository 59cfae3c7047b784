"""With no readable rule file (a new ledger whose file fails its checks, so there is no
earlier version to keep in force), every door behaves the same: the portal, the API and
staff pages still work, and no payment plan is approved automatically, since finance has
not said which plans may pass without a person (`PolicySettings.without_rules()`).

Before the Policy port was typed, the portal fell back to the default limits and approved
the same plan that staff saw go to review."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.decisions import PolicySettings
from hub.ledger.tables import payment_plans
from hub.ledger.tables import tasks
from hub.services.portal import links as portal_links
from hub.web import create_app
from tests.web.api_support import make_token
from tests.web.conftest import csrf_from
from tests.web.portal.support import Portal


def _break_rules(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "collections.yaml"
    path.write_text("ladders:\n  business: [\n", encoding="utf-8")  # not YAML
    hub.settings = dataclasses.replace(hub.settings, rules_file=path)


def _plans(hub: Hub) -> list[tuple[str, str]]:
    with hub.engine.connect() as c:
        return [(r.source, r.state) for r in c.execute(
            sa.select(payment_plans.c.source, payment_plans.c.state)
            .order_by(payment_plans.c.id))]


def test_every_door_sends_plans_to_review_without_readable_rules(
        staffed: Hub, as_user: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    _break_rules(staffed, tmp_path)
    assert staffed.policy_settings() == PolicySettings.without_rules()

    # staff, on the account page: two instalments well inside the default limits
    ann = as_user("ann@example.com")
    page = ann.get("/accounts/ACME").get_data(as_text=True)
    response = ann.post("/act/plan", data={
        "csrf_token": csrf_from(page), "customer": "ACME", "currency": "EUR",
        "instalments": "2026-12-01 550.00\n2026-12-15 550.00"})
    assert response.status_code == 302
    assert "recorded for review (no automatic approval limits are set)" in ann.get(
        response.headers["Location"]).get_data(as_text=True)

    # the debtor, in the portal: the same plan
    with staffed.engine.begin() as c:
        token = portal_links.issue_link(
            c, customer_code="ACME", secret=staffed.settings.signing_key(),
            public_url=staffed.settings.public_url, days=30, actor="tests",
            now=staffed.clock.now()).token
    app = create_app(staffed, {"TESTING": True})
    portal = Portal(staffed, app, app.test_client(), token, token)
    assert portal.client.get(portal.url).status_code == 200  # the portal keeps working
    response = portal.post("plan", {"count": "2", "first_date": "2026-12-01"})
    assert response.status_code == 303

    # an ERP, through the API
    reply = app.test_client().post(
        "/api/v1/plans", headers={"Authorization": f"Bearer {make_token(staffed)}"},
        json={"customer": "ACME", "instalments": [
            {"due_date": "2026-12-01", "amount": {"amount": "550.00", "currency": "EUR"}},
            {"due_date": "2026-12-15", "amount": {"amount": "550.00", "currency": "EUR"}}]})
    assert reply.status_code == 201, reply.get_data(as_text=True)

    assert [state for _source, state in _plans(staffed)] == ["proposed"] * 3
    assert len({source for source, _state in _plans(staffed)}) == 3  # three doors
    with staffed.engine.connect() as c:
        # one open review task per account, however many doors the plans came through
        assert c.execute(sa.select(tasks.c.task_type)).scalars().all() == ["review_plan"]


def test_with_readable_rules_the_same_portal_plan_is_approved(staffed: Hub) -> None:
    """The control: the rules in force (the shipped file) approve that plan at once."""
    with staffed.engine.begin() as c:
        token = portal_links.issue_link(
            c, customer_code="ACME", secret=staffed.settings.signing_key(),
            public_url=staffed.settings.public_url, days=30, actor="tests",
            now=staffed.clock.now()).token
    app = create_app(staffed, {"TESTING": True})
    portal = Portal(staffed, app, app.test_client(), token, token)
    assert portal.post("plan", {"count": "2", "first_date": "2026-12-01"}).status_code == 303
    assert [state for _source, state in _plans(staffed)] == ["active"]
