"""A body over the web app's ceiling (a 6 MB proof of payment) is refused with 413 and the
portal's own message in the debtor's language, on every portal form: never a 500."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from hub.ledger.tables import events
from hub.ledger.tables import tasks
from hub.services.portal import links as portal_links
from tests.web.portal.support import PDF
from tests.web.portal.support import Portal
from tests.web.portal.support import text

SIX_MB = 6 * 1024 * 1024


def _multipart(fields: dict[str, Any]) -> dict[str, Any]:
    """The body built in memory (Werkzeug's builder spools a big one to a temporary file it
    leaves open when the app, rightly, never reads it)."""
    boundary, body = encode_multipart(MultiDict(fields))
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def _portal_post_routes(portal: Portal) -> list[str]:
    """Every form the portal accepts (a new one is covered without editing this test)."""
    actions = sorted(rule.rule.rsplit("/", 1)[1] for rule in portal.app.url_map.iter_rules()
                     if rule.endpoint.startswith("portal.") and "POST" in (rule.methods or ()))
    assert "paid" in actions, actions
    assert len(actions) >= 5, actions
    return actions


def test_a_six_megabyte_proof_of_payment_is_refused_with_the_portals_message(
        portal: Portal) -> None:
    big = PDF + b"0" * SIX_MB
    response = portal.client.post(f"{portal.url}/paid", **_multipart(
        {"paid_on": "2026-11-20", "csrf_token": portal.csrf(),
         "proof": FileStorage(io.BytesIO(big), "receipt.pdf")}))
    assert response.status_code == 413
    page = text(response)
    assert "Het bestand is te groot: hoogstens 5 MB." in page  # ACME reads Dutch
    assert 'id="paid" open' in page  # beside the form the debtor used
    assert portal.count(tasks) == 0
    uploads = portal.hub.settings.var_dir / "uploads" / "portal"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_the_message_follows_the_language_the_debtor_chose(portal: Portal) -> None:
    big = PDF + b"0" * SIX_MB
    response = portal.client.post(f"{portal.url}/paid?lang=de", **_multipart(
        {"paid_on": "2026-11-20", "csrf_token": portal.csrf(),
         "proof": FileStorage(io.BytesIO(big), "receipt.pdf")}))
    assert response.status_code == 413
    assert "Die Datei ist zu groß: höchstens 5 MB." in text(response)


def test_every_portal_form_answers_an_oversized_body_with_413(
        make_portal: Callable[..., Portal]) -> None:
    portal = make_portal(portal_upload_max_bytes=1024, document_max_bytes=1024)  # ceiling: 1 KB
    # + 256 KB of fields (the largest upload, portal proof or API document, sets it)
    before = portal.count(events)
    for action in _portal_post_routes(portal):
        response = portal.client.post(f"{portal.url}/{action}", **_multipart(
            {"csrf_token": portal.csrf(), "paid_on": "2026-11-20",
             "reason": "x" * (300 * 1024)}))
        assert response.status_code == 413, (action, text(response)[:300])
        assert "Het bestand is te groot: hoogstens 1 KB." in text(response), action
    assert portal.count(events) == before  # nothing recorded from an unread body
    assert portal.count(tasks) == 0


@pytest.mark.parametrize("token", ["not-a-link", None])
def test_an_oversized_body_on_a_bad_link_gets_the_links_refusal_not_a_crash(
        portal: Portal, token: str | None) -> None:
    """The link is checked before anything of the account is shown."""
    if token is None:  # a revoked link
        with portal.hub.engine.begin() as connection:
            portal_links.revoke_links(connection, customer_code="ACME", actor="tests",
                                      now=portal.hub.clock.now(),
                                      secret=portal.hub.settings.signing_key())
        token = portal.token
    csrf = portal.csrf(f"/portal/{portal.other_token}")
    response = portal.client.post(f"/portal/{token}/paid", **_multipart(
        {"csrf_token": csrf, "proof": FileStorage(io.BytesIO(PDF + b"0" * SIX_MB), "r.pdf")}))
    assert response.status_code in (404, 410)
    assert "Acme" not in text(response)
