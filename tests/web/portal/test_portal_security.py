"""A portal link opens one customer and nothing else; bad links, floods and bad uploads
are refused with a page that says why."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.domain.clock import FixedClock
from hub.ledger.tables import disputes
from hub.ledger.tables import events
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.services.portal import links as portal_links
from hub.web import create_app
from tests.web.portal.support import PDF
from tests.web.portal.support import Portal
from tests.web.portal.support import text

BOLT_DATA = ("Bolt GmbH", "B-1", "2.000,00", "uwe@bolt.example")


def test_the_page_shows_nothing_of_another_customer(portal: Portal) -> None:
    html = portal.page()
    for secret in BOLT_DATA:
        assert secret not in html


def test_another_customers_invoice_cannot_be_downloaded(portal: Portal) -> None:
    response = portal.client.get(f"{portal.url}/invoices/B-1/copy")
    assert response.status_code == 404
    body = text(response)
    assert "Deze factuur staat niet bij uw openstaande facturen." in body
    assert PDF.decode() not in body
    assert portal.count(events, events.c.kind == "portal.copy_downloaded") == 0


@pytest.mark.parametrize(("action", "data"), [
    ("copy-request", {"invoice": "B-1"}),
    ("dispute", {"invoices": ["B-1"], "reason": "not ours"}),
    ("dispute", {"invoices": ["A-1", "B-1"], "reason": "mixed in"}),
])
def test_another_customers_invoice_cannot_be_acted_on(portal: Portal, action: str,
                                                      data: dict[str, object]) -> None:
    response = portal.post(action, data)
    assert response.status_code == 404
    assert "Bolt" not in text(response)
    assert portal.count(tasks) == 0
    assert portal.count(disputes) == 0


def test_actions_land_on_the_links_customer_only(portal: Portal) -> None:
    portal.post("promise", {"due_date": "2026-11-30", "amount": "10.00"})
    (row,) = portal.rows(sa.select(promises.c.customer_id))
    acme_id = portal.rows(sa.text("SELECT id FROM customers WHERE code = 'ACME'"))[0].id
    assert row.customer_id == acme_id


def test_a_portal_token_opens_nothing_in_the_api(portal: Portal) -> None:
    for url in ("/api/v1/customers/BOLT", "/api/v1/invoices?customer=BOLT",
                "/api/v1/customers/ACME"):
        response = portal.client.get(url, headers={"Authorization": f"Bearer {portal.token}"})
        assert response.status_code == 401, url
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_portal_link_opens_no_staff_page(portal: Portal) -> None:
    portal.page()  # the debtor's session cookie now exists
    response = portal.client.get("/accounts/BOLT")
    assert response.status_code in (302, 303, 401, 404)
    assert "Bolt GmbH" not in text(response)


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("xx" if not t.endswith("xx") else "yy"),
    lambda t: t.replace(".", "", 1),
    lambda t: "1.zzzzzz." + "a" * 32,
    lambda t: "nothing",
])
def test_a_tampered_link_gets_a_clear_page(portal: Portal, mangle: Callable[[str], str]) -> None:
    response = portal.client.get(f"/portal/{mangle(portal.token)}",
                                 headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    assert response.status_code == 404
    body = text(response)
    assert "Deze link werkt niet" in body
    assert "Acme" not in body


def test_an_expired_link_gets_a_clear_page_and_acts_on_nothing(portal: Portal) -> None:
    later = FixedClock(portal.hub.clock.now() + timedelta(days=31))
    portal.hub.clock = later
    app = create_app(portal.hub, {"TESTING": True})
    client = app.test_client()
    response = client.get(f"/portal/{portal.token}")
    assert response.status_code == 410
    assert "This link has expired" in text(response)
    posted = client.post(f"/portal/{portal.token}/promise",
                         data={"due_date": "2026-12-30", "amount": "1"})
    assert posted.status_code in (400, 410)  # no session form token either: nothing happens
    assert portal.count(promises) == 0


def test_a_revoked_link_gets_a_clear_page(portal: Portal) -> None:
    assert portal.page()
    with portal.hub.engine.begin() as c:
        portal_links.revoke_links(c, actor="ann", now=portal.hub.clock.now(),
                                  secret=portal.hub.settings.signing_key(), token=portal.token)
    response = portal.client.get(portal.url, headers={"Accept-Language": "de"})
    assert response.status_code == 410
    assert "Dieser Link wurde zurückgezogen" in text(response)
    download = portal.client.get(f"{portal.url}/invoices/A-1/copy")
    assert download.status_code == 410
    assert download.data != PDF


def test_a_form_without_its_csrf_token_is_refused(portal: Portal) -> None:
    portal.page()
    response = portal.client.post(f"{portal.url}/promise",
                                  data={"due_date": "2026-11-30", "amount": "10"})
    assert response.status_code == 400
    assert "did not come from this site" in text(response)
    assert portal.count(promises) == 0


def test_the_portal_is_rate_limited_per_link(make_portal: Callable[..., Portal]) -> None:
    portal = make_portal(portal_rate_limit=3)
    for _ in range(3):
        assert portal.client.get(portal.url).status_code == 200
    response = portal.client.get(portal.url)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Te veel verzoeken" in text(response) or "Too many requests" in text(response)


def test_guessing_links_is_rate_limited_per_address(make_portal: Callable[..., Portal]) -> None:
    portal = make_portal(portal_rate_limit=3)
    statuses = [portal.client.get(f"/portal/guess-{n}").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_an_upload_over_the_limit_is_refused_with_a_message(
        make_portal: Callable[..., Portal]) -> None:
    portal = make_portal(portal_upload_max_bytes=1024)
    big = PDF + b"0" * 2048
    response = portal.post("paid", {"paid_on": "2026-11-20",
                                    "proof": (io.BytesIO(big), "receipt.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code in (413, 422)
    assert "Het bestand is te groot: hoogstens 1 KB." in text(response)
    assert portal.count(tasks) == 0
    assert not (portal.hub.settings.var_dir / "uploads" / "portal").exists() or not any(
        (portal.hub.settings.var_dir / "uploads" / "portal").iterdir())


@pytest.mark.parametrize(("content", "name"), [
    (b"<html><script>alert(1)</script></html>", "receipt.pdf"),  # the name lies
    (b"MZ\x90\x00\x03\x00\x00\x00", "receipt.exe"),
    (b"just text", "receipt.txt"),
])
def test_an_upload_of_the_wrong_type_is_refused_with_a_message(portal: Portal, content: bytes,
                                                               name: str) -> None:
    response = portal.post("paid", {"paid_on": "2026-11-20",
                                    "proof": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Dit soort bestand wordt niet geaccepteerd: stuur een PDF, PNG of JPEG." in text(
        response)
    assert portal.count(tasks) == 0


def test_portal_pages_are_not_cached_or_framed(portal: Portal) -> None:
    response = portal.client.get(portal.url)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "<script" not in text(response)
