"""Creditor isolation over the whole web app: bravo's people try every page, API route,
export and portal page with alpha's customer codes, invoice numbers, row ids and links,
and get nothing of alpha's (docs/creditors.md)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from hub.bootstrap import Hub
from hub.web import create_app
from tests.integration.tenancy.two_creditors import PASSWORD
from tests.integration.tenancy.two_creditors import TwoCreditors
from tests.integration.tenancy.two_creditors import build
from tests.integration.tenancy.two_creditors import leaks
from tests.integration.tenancy.two_creditors import snapshot

# Alpha's rows are the first of each table (id 1); bravo's come after.
ALPHA_ID = "1"


@pytest.fixture
def two(hub: Hub) -> TwoCreditors:
    return build(hub)


@pytest.fixture
def app(hub: Hub, two: TwoCreditors) -> Flask:
    return create_app(hub, {"TESTING": True, "HUB_RATE_LIMITS_DISABLED": True})


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    page = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    answer = client.post("/signin", data={"email": email, "password": PASSWORD,
                                          "csrf_token": token.group(1)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def _value(rule: Rule, name: str, two: TwoCreditors) -> str:  # noqa: PLR0911
    converter = rule._converters[name]
    if type(converter).__name__ in ("IntegerConverter", "NumberConverter"):
        return ALPHA_ID
    lowered = name.lower()
    if "campaigns/" in rule.rule and lowered in ("name", "slug"):
        return "spring"  # both creditors run a campaign "Spring"
    if "token" in lowered:
        return two.alpha_portal_token
    if "number" in lowered or "invoice" in lowered:
        return "INV-001"
    if "reference" in lowered or "payment" in lowered:
        return "PAY-ALPHA"
    if "email" in lowered or "user" in lowered:
        return "ann@alpha.example"
    return "C001"  # a customer code both creditors have


def urls(app: Flask, two: TwoCreditors, method: str) -> Iterator[tuple[str, str]]:
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        values = {name: _value(rule, name, two) for name in rule.arguments}
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", value, path)
        yield rule.endpoint, path


def _text(body: bytes, mimetype: str) -> str:
    """What a person would read in the answer: spreadsheets (xlsx) unpacked."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(name).decode("utf-8", "replace")
                            for name in book.namelist())
    return body.decode("utf-8", "replace") + mimetype


def _walk(client: FlaskClient, app: Flask, two: TwoCreditors, *,
          headers: dict[str, str] | None = None, prefix: str = "") -> dict[str, str]:
    seen: dict[str, str] = {}
    for endpoint, path in urls(app, two, "GET"):
        if not path.startswith(prefix) or endpoint.startswith("portal"):
            continue
        for query in ("", "?q=C001", "?customer=C001", "?format=xlsx"):
            answer = client.get(path + query, headers=headers or {})
            assert answer.status_code < 500, (path, answer.get_data(as_text=True)[:500])
            seen[path + query] = _text(answer.get_data(), answer.mimetype or "")
    return seen


def test_bravos_admin_sees_nothing_of_alpha_on_any_page(app: Flask, two: TwoCreditors,
                                                        hub: Hub) -> None:
    before = snapshot(hub)
    bravo = _walk(signed_in(app, "adm@bravo.example"), app, two)
    leaked = {path: leaks(text) for path, text in bravo.items() if leaks(text)}
    assert leaked == {}
    assert snapshot(hub) == before  # and changed nothing of alpha's
    # The same walk as alpha's admin finds alpha's data: the walk can see a leak.
    alpha = _walk(signed_in(app, "adm@alpha.example"), app, two)
    assert sum(bool(leaks(text)) for text in alpha.values()) >= 5
    # and bravo's admin does see bravo's own customer C001 where alpha's sees alpha's
    assert "Bravo Open Trading" in bravo["/accounts/C001"]
    assert "Alpha Secret Trading" in alpha["/accounts/C001"]


def test_bravos_collector_sees_nothing_of_alpha_either(app: Flask, two: TwoCreditors) -> None:
    seen = _walk(signed_in(app, "ann@bravo.example"), app, two)
    assert {path: leaks(text) for path, text in seen.items() if leaks(text)} == {}


def test_bravos_api_token_gets_nothing_of_alpha_from_any_api_route(
        app: Flask, two: TwoCreditors) -> None:
    client = app.test_client()
    bravo = _walk(client, app, two, headers={"Authorization": f"Bearer {two.bravo_api_token}"},
                  prefix="/api/")
    assert len(bravo) > 10
    assert {path: leaks(text) for path, text in bravo.items() if leaks(text)} == {}
    assert "Bravo Open Trading" in bravo["/api/v1/customers?q=C001"]
    alpha = _walk(client, app, two, headers={"Authorization": f"Bearer {two.alpha_api_token}"},
                  prefix="/api/")
    assert sum(bool(leaks(text)) for text in alpha.values()) >= 3


def test_actions_with_alphas_ids_change_nothing_of_alpha(app: Flask, two: TwoCreditors,
                                                         hub: Hub) -> None:
    before = snapshot(hub)
    client = signed_in(app, "adm@bravo.example")
    client.get("/accounts/C001")  # a page with a form: the session's CSRF token
    with client.session_transaction() as session:
        csrf = session["_csrf"]
    for endpoint, path in urls(app, two, "POST"):
        if endpoint.startswith(("portal", "signin", "payment_webhooks", "twilio", "slack")):
            continue
        answer = client.post(path, data={"csrf_token": csrf, "amount": "1234.56",
                                         "reason": "test", "note": "test",
                                         "invoices": "INV-001", "customer": "C001"},
                             headers={"X-CSRF-Token": csrf})
        assert answer.status_code < 500, (path, answer.get_data(as_text=True)[:500])
        assert not leaks(answer.get_data(as_text=True)), path
    assert snapshot(hub) == before


def test_bravos_portal_link_shows_bravos_customer_only(app: Flask, two: TwoCreditors) -> None:
    client = app.test_client()
    pages = [path.replace(two.alpha_portal_token, two.bravo_portal_token)
             for endpoint, path in urls(app, two, "GET") if endpoint.startswith("portal")
             and two.alpha_portal_token in path]
    assert pages
    texts = {}
    for path in pages:
        answer = client.get(path)
        assert answer.status_code < 500, path
        texts[path] = answer.get_data(as_text=True)
        assert not leaks(texts[path]), path
    assert any("777.00" in text or "777,00" in text for text in texts.values())
    # alpha's link (the same customer code) shows alpha's customer, to alpha's debtor
    alpha = client.get(f"/portal/{two.alpha_portal_token}")
    assert alpha.status_code == 200
    assert leaks(alpha.get_data(as_text=True))


def test_platform_staff_switch_to_a_granted_creditor_only(app: Flask, two: TwoCreditors,
                                                          hub: Hub) -> None:
    from hub.services.staff.creditors import grant

    client = signed_in(app, "adm@alpha.example")
    page = client.get("/creditors").get_data(as_text=True)
    assert "Bravo Holding" not in page  # not granted yet
    with client.session_transaction() as session:
        csrf = session["_csrf"]
    refused = client.post("/creditors", data={"creditor": str(two.bravo_id),
                                              "csrf_token": csrf})
    assert refused.status_code == 404
    assert "Alpha Secret Trading" in client.get("/accounts/C001").get_data(as_text=True)
    with hub.engine.begin() as connection:
        grant(connection, email="adm@alpha.example", code="bravo", actor="test",
              now=hub.clock.now())
    assert "Bravo Holding" in client.get("/creditors").get_data(as_text=True)
    switched = client.post("/creditors", data={"creditor": str(two.bravo_id),
                                               "csrf_token": csrf})
    assert switched.status_code == 302
    account = client.get("/accounts/C001").get_data(as_text=True)
    assert "Bravo Open Trading" in account
    assert not leaks(account)


def test_bravos_admin_saves_bravos_profile_not_the_default_creditors_file(
        app: Flask, two: TwoCreditors, hub: Hub) -> None:
    from hub.ledger.tenancy import acting_for

    client = signed_in(app, "adm@bravo.example")
    client.get("/admin/creditor")
    with client.session_transaction() as session:
        csrf = session["_csrf"]
    saved = client.post("/admin/creditor", data={
        "csrf_token": csrf, "legal_name": "Bravo Holding B.V.", "address": "Bravoweg 1",
        "accounts-0-currency": "EUR", "accounts-0-iban": "NL91 ABNA 0417 1643 00"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with acting_for(two.bravo_id):
        profile = hub.creditor_state().profile
    assert profile is not None
    assert profile.legal_name == "Bravo Holding B.V."
    assert hub.creditor_state().profile is None  # the default creditor: still no file
    portal = app.test_client().get(f"/portal/{two.bravo_portal_token}").get_data(as_text=True)
    assert "Bravo Holding B.V." in portal
