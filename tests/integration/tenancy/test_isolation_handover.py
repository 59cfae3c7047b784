"""The collection company's queue and the creditors' hand-over pages keep creditors apart
(docs/handover.md): staff see the cases of the creditors they are granted and nothing of
another's; a creditor's people see their own cases and status, never another creditor's,
and cannot work the queue."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import handovers
from hub.ledger.tenancy import acting_for
from hub.ledger.users import upsert_users
from hub.services.staff.auth import set_password
from hub.services.staff.creditors import add_creditor
from hub.services.staff.creditors import grant
from hub.web import create_app
from tests.builders import add_customer
from tests.integration.tenancy.test_isolation_web import signed_in
from tests.integration.tenancy.two_creditors import PASSWORD
from tests.integration.tenancy.two_creditors import TwoCreditors
from tests.integration.tenancy.two_creditors import build
from tests.integration.tenancy.two_creditors import leaks
from tests.integration.tenancy.two_creditors import snapshot

ALPHA_CASE, BRAVO_CASE = 1, 2


@pytest.fixture
def two(hub: Hub) -> TwoCreditors:
    return build(hub)


@pytest.fixture
def app(hub: Hub, two: TwoCreditors) -> Flask:
    return create_app(hub, {"TESTING": True, "HUB_RATE_LIMITS_DISABLED": True})


def _csrf(client: FlaskClient) -> str:
    client.get("/handovers")
    with client.session_transaction() as session:
        return str(session["_csrf"])


def _charlie(hub: Hub) -> int:
    """A third creditor with a case nobody in these tests is granted."""
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        charlie = add_creditor(connection, code="charlie", name="Charlie GmbH", profile=None,
                               now=now)
    with acting_for(charlie.id), hub.engine.begin() as connection:
        customer = add_customer(connection, "C001", name="Charlie Hidden Debtor")
        connection.execute(handovers.insert().values(
            customer_id=customer, status="new", approval_required=False,
            requested_on=date(2026, 11, 10), requested_by="rules", reason="hand over",
            owed=[], handed_over_at=now, note="Charlie note", created_at=now, updated_at=now))
    return charlie.id


def _staff(hub: Hub, *, granted: str | None) -> None:
    """ops@collector.example: a collector of the company that runs the hub (the default
    creditor), granted `granted`."""
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email="ops@collector.example", name="Ops",
                                       role=Role.COLLECTOR)], now)
        set_password(connection, "ops@collector.example", PASSWORD, actor="test", now=now)
        if granted:
            grant(connection, email="ops@collector.example", code=granted, actor="test",
                  now=now)


def test_a_creditors_people_see_their_own_cases_only(app: Flask, two: TwoCreditors,
                                                      hub: Hub) -> None:
    before = snapshot(hub)
    bravo = signed_in(app, "adm@bravo.example")
    listing = bravo.get("/handovers").get_data(as_text=True)
    assert "visited Bravoweg 1" in listing
    assert not leaks(listing)
    assert bravo.get(f"/handovers/{ALPHA_CASE}/case-file.pdf").status_code == 404
    own = bravo.get(f"/handovers/{BRAVO_CASE}/case-file.json")
    assert own.status_code == 200
    assert b"Bravo Open Trading" in own.data
    assert bravo.get(f"/handovers/{ALPHA_CASE}/case-file.zip").status_code == 404
    zipped = zipfile.ZipFile(io.BytesIO(bravo.get(f"/handovers/{BRAVO_CASE}/case-file.zip").data))
    assert "Bravo Open Trading" in zipped.read("claim.csv").decode("utf-8-sig")
    account = bravo.get("/accounts/C001").get_data(as_text=True)
    assert "In progress" in account
    assert "visited Bravoweg 1" in account
    # not platform staff: no queue, and no way into a case through it
    assert bravo.get("/collection").status_code == 404
    assert "Collection queue" not in listing
    csrf = _csrf(bravo)
    for creditor, case in ((1, ALPHA_CASE), (two.bravo_id, BRAVO_CASE)):
        assert bravo.get(f"/collection/{creditor}/{case}").status_code == 404
        moved = bravo.post(f"/collection/{creditor}/{case}/status",
                           data={"csrf_token": csrf, "status": "paid", "note": "x"})
        assert moved.status_code == 404
    assert bravo.post(f"/handovers/{ALPHA_CASE}/decline",
                      data={"csrf_token": csrf, "reason": "x"}).status_code == 404
    assert snapshot(hub) == before
    # alpha's admin sees alpha's case where bravo's saw bravo's (the pages can leak)
    alpha = signed_in(app, "adm@alpha.example")
    assert leaks(alpha.get("/handovers").get_data(as_text=True))
    assert b"Alpha Secret Trading" in alpha.get(f"/handovers/{ALPHA_CASE}/case-file.pdf").data


def test_the_api_shows_the_tokens_creditor_only(app: Flask, two: TwoCreditors) -> None:
    client = app.test_client()
    bravo = {"Authorization": f"Bearer {two.bravo_api_token}"}
    found = client.get("/api/v1/handovers", headers=bravo).get_json()["data"]
    assert [(c["id"], c["status"], c["note"]) for c in found] == [
        (BRAVO_CASE, "in_progress", "visited Bravoweg 1")]
    assert found[0]["case_file"]["pdf"] == f"/api/v1/handovers/{BRAVO_CASE}/case-file.pdf"
    assert client.get(f"/api/v1/handovers/{ALPHA_CASE}", headers=bravo).status_code == 404
    assert client.get(f"/api/v1/handovers/{ALPHA_CASE}/case-file.json",
                      headers=bravo).status_code == 404
    assert client.get(f"/api/v1/handovers/{ALPHA_CASE}/case-file.zip",
                      headers=bravo).status_code == 404
    assert found[0]["case_file"]["zip"] == f"/api/v1/handovers/{BRAVO_CASE}/case-file.zip"
    assert client.get(found[0]["case_file"]["zip"], headers=bravo).mimetype == "application/zip"
    assert client.post(f"/api/v1/handovers/{ALPHA_CASE}/approve",
                       headers=bravo).status_code == 404
    alpha = {"Authorization": f"Bearer {two.alpha_api_token}"}
    assert [c["id"] for c in client.get("/api/v1/handovers", headers=alpha)
            .get_json()["data"]] == [ALPHA_CASE]


def test_staff_work_the_granted_creditors_cases_and_see_nothing_else(
        app: Flask, two: TwoCreditors, hub: Hub) -> None:
    charlie = _charlie(hub)
    _staff(hub, granted="bravo")
    ops = signed_in(app, "ops@collector.example")
    queue = ops.get("/collection").get_data(as_text=True)
    assert "Bravo Holding" in queue
    assert "Bravo Open Trading" in queue
    assert "Charlie" not in queue  # not granted
    assert "Collection queue" in queue  # in the menu
    assert ops.get(f"/collection/{charlie}/3").status_code == 404
    assert ops.get(f"/collection/{charlie}/3/case-file.pdf").status_code == 404
    assert ops.get(f"/collection/{charlie}/3/case-file.zip").status_code == 404
    queued = ops.get(f"/collection/{two.bravo_id}/{BRAVO_CASE}/case-file.zip")
    assert queued.mimetype == "application/zip"
    assert b"claim.csv" in queued.data
    # bravo's case through alpha's (the home creditor's) number: not found there
    assert ops.get(f"/collection/1/{BRAVO_CASE}").status_code == 404
    page = ops.get(f"/collection/{two.bravo_id}/{BRAVO_CASE}")
    assert page.status_code == 200
    assert "visited Bravoweg 1" in page.get_data(as_text=True)
    csrf = _csrf(ops)
    moved = ops.post(f"/collection/{two.bravo_id}/{BRAVO_CASE}/status",
                     data={"csrf_token": csrf, "status": "arrangement",
                           "note": "pays 100 a month"})
    assert moved.status_code == 302
    refused = ops.post(f"/collection/{charlie}/3/status",
                       data={"csrf_token": csrf, "status": "paid", "note": ""})
    assert refused.status_code == 404
    with acting_for(charlie), hub.engine.connect() as connection:
        assert connection.execute(sa.select(handovers.c.status)).scalar_one() == "new"
    # the creditor sees the status and the note: the account page, the list, the API
    bravo = signed_in(app, "adm@bravo.example")
    assert "pays 100 a month" in bravo.get("/accounts/C001").get_data(as_text=True)
    assert "Payment arrangement" in bravo.get("/handovers").get_data(as_text=True)
    api = app.test_client().get(f"/api/v1/handovers/{BRAVO_CASE}", headers={
        "Authorization": f"Bearer {two.bravo_api_token}"}).get_json()["data"]
    assert (api["status"], api["note"]) == ("arrangement", "pays 100 a month")


def test_staff_without_a_grant_have_no_queue(app: Flask, two: TwoCreditors, hub: Hub) -> None:
    _staff(hub, granted=None)
    ops = signed_in(app, "ops@collector.example")
    assert ops.get("/collection").status_code == 404
    assert ops.get(f"/collection/{two.bravo_id}/{BRAVO_CASE}").status_code == 404


def test_the_queue_comes_in_pages_of_50_with_a_status_filter(
        app: Flask, two: TwoCreditors, hub: Hub) -> None:
    """Alpha (the home creditor) has 61 cases, bravo 1: two pages, each case once, read
    creditor by creditor; the status filter narrows them and keeps to its pages."""
    now = hub.clock.now()
    with hub.engine.begin() as connection:  # alpha is the default creditor
        for n in range(60):
            customer = add_customer(connection, f"Q{n:03d}", name=f"Queue Debtor {n:03d}")
            connection.execute(handovers.insert().values(
                customer_id=customer, status="paid" if n < 7 else "new",
                approval_required=False, requested_on=date(2026, 11, 10), requested_by="rules",
                reason="hand over", owed=[], handed_over_at=now, created_at=now,
                updated_at=now))
    _staff(hub, granted="bravo")
    ops = signed_in(app, "ops@collector.example")

    def cases(page: str) -> list[str]:
        return re.findall(r'href="/collection/(\d+/\d+)"', page)

    first = ops.get("/collection").get_data(as_text=True)
    assert "Page 1 of 2 (62 cases)" in first
    assert 'href="/collection?page=2"' in first
    second = ops.get("/collection?page=2").get_data(as_text=True)
    assert "Page 2 of 2 (62 cases)" in second
    assert "Next page" not in second
    assert len(cases(first)) == 50
    assert len(cases(second)) == 12
    assert len(set(cases(first) + cases(second))) == 62  # each case once
    assert "Bravo Open Trading" in second  # bravo's after alpha's
    assert "Bravo Open Trading" not in first
    assert cases(first)[0] == "1/62"  # newest first within a creditor
    assert cases(ops.get("/collection?page=9").get_data(as_text=True)) == cases(second)
    paid = ops.get("/collection?status=paid").get_data(as_text=True)
    assert len(cases(paid)) == 7
    assert "Queue Debtor 000" in paid
    assert "Queue Debtor 007" not in paid
    assert "Page 1" not in paid  # one page: no pager
    working = ops.get("/collection?status=in_progress").get_data(as_text=True)
    assert cases(working) == ["1/1", f"{two.bravo_id}/2"]
