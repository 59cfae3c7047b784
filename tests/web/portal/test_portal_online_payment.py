"""Paying online from the portal through Stripe Checkout, with the real `stripe` SDK
pointed at a fake Stripe on 127.0.0.1: the debtor picks invoices, is sent to the hosted
page, Stripe's signed webhook reaches the hub over HTTP (three times), the payment is
recorded and allocated once, and the next cycle sends the debtor no reminder."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from hub.bootstrap import Hub
from hub.config import PaymentSettings
from hub.ledger.tables import allocations
from hub.ledger.tables import checkout_sessions
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from tests.fake_servers.stripe import SECRET_KEY
from tests.fake_servers.stripe import WEBHOOK_SECRET
from tests.fake_servers.stripe import FakeStripe
from tests.integration.cycle.owed_support import cycle_and_send
from tests.integration.cycle.owed_support import mails
from tests.integration.cycle.owed_support import policy_from
from tests.web.portal.support import Portal
from tests.web.portal.support import build_portal
from tests.web.portal.support import text

RULES = """\
name: online payment stops the ladder
segments: [{name: business, when: true}]
ladders:
  business:
    steps:
      - {name: reminder, at: 3, send: [email], template: reminder-1}
"""


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


def _settings(fake: FakeStripe, **changes: object) -> PaymentSettings:
    return dataclasses.replace(PaymentSettings(
        stripe_secret_key=SECRET_KEY, stripe_webhook_secret=WEBHOOK_SECRET,
        methods=("card", "ideal", "bancontact"), stripe_api_url=fake.url), **changes)


@pytest.fixture
def paying(hub: Hub, stripe_fake: FakeStripe) -> Portal:
    return build_portal(hub, payments=_settings(stripe_fake))


@pytest.fixture
def webhook_url(paying: Portal) -> Iterator[str]:
    """The hub's web app served over HTTP, as Stripe reaches it."""
    server = make_server("127.0.0.1", 0, paying.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/webhooks/stripe"
    server.shutdown()


def _start(portal: Portal, numbers: list[str]) -> tuple[str, str]:
    """Press "pay" for `numbers`; (Stripe session id, the hub's return page)."""
    response = portal.post("pay", {"invoices": numbers})
    assert response.status_code == 303, text(response)[:800]
    found = re.fullmatch(r"http://127\.0\.0\.1:\d+/c/pay/(cs_test_\w+)", response.location)
    assert found, response.location
    with portal.hub.engine.connect() as c:
        key = c.execute(sa.select(checkout_sessions.c.checkout_key).where(
            checkout_sessions.c.session_id == found.group(1))).scalar_one()
    return found.group(1), f"{portal.url}/pay/{key}"


def _open(portal: Portal) -> dict[str, tuple[str, int]]:
    return {row.number: (row.status, row.open_minor) for row in portal.rows(
        sa.select(invoices.c.number, invoices.c.status, invoices.c.open_minor))}


def test_a_debtor_pays_through_stripe_once_and_the_ladder_stops(
        paying: Portal, stripe_fake: FakeStripe, webhook_url: str, tmp_path: Path) -> None:
    page = paying.page()
    assert "Online betalen" in page  # ACME reads Dutch
    assert "iDEAL" in page
    assert "Bancontact" in page

    session_id, thanks = _start(paying, ["A-1", "A-2"])

    sent = stripe_fake.requests_to("/v1/checkout/sessions")[-1]
    assert sent.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert sent.headers["idempotency-key"].startswith("hub-checkout-")
    form = sent.form
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][unit_amount]"] == "150000"
    assert form["metadata[customer]"] == "ACME"
    assert form["metadata[invoices]"] == "A-1,A-2"
    assert form["locale"] == "nl"
    assert "payment_method_types[1]=ideal" in sent.body.decode().replace("%5B", "[") \
        .replace("%5D", "]")
    assert form["success_url"].endswith(thanks)

    before = text(paying.client.get(thanks))  # back from Stripe, no webhook yet
    assert "wordt verwerkt" in before
    assert "ontvangen" not in before
    assert _open(paying)["A-1"] == ("open", 100000)

    event = stripe_fake.pay(session_id)
    answers = [stripe_fake.deliver(event, webhook_url) for _ in range(3)]  # sent, replayed x2
    assert [status for status, _ in answers] == [200, 200, 200]
    assert "recorded and allocated" in answers[0][1]["outcome"]
    assert answers[1][1]["outcome"] == answers[2][1]["outcome"] == "replayed: already handled"

    assert paying.count(payments) == 1
    paid = paying.rows(sa.select(payments))[0]
    assert paid.reference == f"stripe:pi_test_{session_id[-11:]}"
    assert (paid.amount_minor, paid.currency, paid.status) == (150000, "EUR", "allocated")
    assert paying.count(allocations) == 2
    assert _open(paying)["A-1"] == ("paid", 0)
    assert _open(paying)["A-2"] == ("paid", 0)
    assert paying.count(events, events.c.kind == "payment.received") == 1
    assert paying.count(events, events.c.kind == "payment.allocated") == 2
    assert paying.count(events, events.c.kind == "checkout.started") == 1

    after = text(paying.client.get(thanks))
    assert "Uw betaling van € 1.500,00 voor factuur A-1, A-2 is ontvangen." in after
    assert "U heeft geen openstaande facturen" in paying.page()

    hub = paying.hub
    policy = policy_from(RULES, tmp_path / "rules.yaml")
    cycle_and_send(hub, policy, date(2026, 11, 24))
    sent_mail = mails(hub)
    assert "uwe@bolt.example" in sent_mail  # the ladder runs: BOLT, unpaid, is reminded
    assert "pia@acme.example" not in sent_mail  # ACME paid online: no reminder


def test_without_a_provider_the_portal_offers_no_online_payment(hub: Hub) -> None:
    portal = build_portal(hub)
    page = portal.page()
    assert "Online betalen" not in page
    assert 'action="/portal/' + portal.token + '/pay"' not in page
    assert portal.post("pay", {"invoices": ["A-1"]}).status_code == 404
    assert portal.client.post("/webhooks/stripe", data=b"{}").status_code == 404
    assert portal.count(checkout_sessions) == 0


def test_a_forged_or_stale_notification_changes_nothing(
        paying: Portal, stripe_fake: FakeStripe, webhook_url: str) -> None:
    session_id, _thanks = _start(paying, ["A-1"])
    event = stripe_fake.pay(session_id)
    forged = stripe_fake.deliver(event, webhook_url, secret="whsec_" + "someone0else")
    stale = stripe_fake.deliver(event, webhook_url, timestamp=1_700_000_000)
    assert forged[0] == stale[0] == 400
    assert forged[1]["error"]["code"] == "bad_signature"
    assert paying.count(payments) == 0
    assert _open(paying)["A-1"] == ("open", 100000)
    assert stripe_fake.deliver(event, webhook_url)[0] == 200  # the genuine one still counts
    assert _open(paying)["A-1"] == ("paid", 0)
    assert _open(paying)["A-2"] == ("open", 50000)  # not chosen, not touched


def test_a_payment_confirmed_later_shows_as_processing_until_stripe_says_paid(
        paying: Portal, stripe_fake: FakeStripe, webhook_url: str) -> None:
    session_id, thanks = _start(paying, ["A-2"])
    assert stripe_fake.deliver(stripe_fake.pay(session_id, paid=False), webhook_url)[0] == 200
    assert "wordt verwerkt" in text(paying.client.get(thanks))
    assert paying.count(payments) == 0
    assert stripe_fake.deliver(stripe_fake.settle(session_id), webhook_url)[0] == 200
    assert "is ontvangen" in text(paying.client.get(thanks))
    assert _open(paying)["A-2"] == ("paid", 0)


def test_a_failed_payment_says_so_and_leaves_the_invoice_open(
        paying: Portal, stripe_fake: FakeStripe, webhook_url: str) -> None:
    session_id, thanks = _start(paying, ["A-1"])
    stripe_fake.deliver(stripe_fake.pay(session_id, paid=False), webhook_url)
    stripe_fake.deliver(stripe_fake.settle(session_id, succeeded=False), webhook_url)
    assert "niet is gelukt" in text(paying.client.get(thanks))
    assert paying.count(payments) == 0
    assert _open(paying)["A-1"] == ("open", 100000)
    assert paying.count(events, events.c.kind == "checkout.failed") == 1


def test_stripe_refusing_the_key_keeps_the_debtor_on_the_page_with_a_true_message(
        hub: Hub, stripe_fake: FakeStripe) -> None:
    portal = build_portal(hub, payments=_settings(stripe_fake,
                                                  stripe_secret_key="sk_test_" + "wrong" * 5))
    response = portal.post("pay", {"invoices": ["A-1"]})
    assert response.status_code == 422
    assert "er is niets afgeschreven" in text(response)
    assert stripe_fake.requests_to("/v1/checkout/sessions")  # it really asked Stripe
    assert portal.count(checkout_sessions) == 0


def test_the_debtor_can_pay_only_their_own_open_invoices_in_one_currency(
        paying: Portal, stripe_fake: FakeStripe) -> None:
    assert paying.post("pay", {"invoices": ["B-1"]}).status_code == 404  # BOLT's invoice
    forged = paying.client.post(f"/portal/{paying.token[:-2]}xx/pay",
                                data={"invoices": ["A-1"], "csrf_token": paying.csrf()})
    assert forged.status_code == 404
    assert "Deze link werkt niet" in text(forged) or "This link does not work" in text(forged)
    assert paying.post("pay", {}).status_code == 422
    from tests.builders import add_invoice

    with paying.hub.engine.begin() as c:
        acme = c.execute(sa.text("SELECT id FROM customers WHERE code = 'ACME'")).scalar_one()
        add_invoice(c, "A-9", acme, issued="2026-09-01", due="2026-10-01", amount="80.00",
                    currency="USD")
    mixed = paying.post("pay", {"invoices": ["A-1", "A-9"]})
    assert mixed.status_code == 422
    assert "EUR, USD" in text(mixed)
    usd = paying.post("pay", {"invoices": ["A-9"]})  # card takes dollars; iDEAL does not
    assert usd.status_code == 303
    sent = stripe_fake.requests_to("/v1/checkout/sessions")[-1].form
    assert sent["line_items[0][price_data][currency]"] == "usd"
    assert [v for k, v in sent.items() if k.startswith("payment_method_types")] == ["card"]
    assert paying.count(checkout_sessions) == 1


def test_the_webhook_needs_no_csrf_token_but_is_rate_limited(paying: Portal) -> None:
    from hub.web.payment_webhooks import RATE_LIMIT

    client = paying.app.test_client()  # Stripe: no session cookie, no CSRF token
    answers = [client.post("/webhooks/stripe", data=b'{"id": "evt_1"}',
                           headers={"Stripe-Signature": "t=1,v1=00"}).status_code
               for _ in range(RATE_LIMIT + 1)]
    assert answers[:-1] == [400] * RATE_LIMIT
    assert answers[-1] == 429


def test_the_account_timeline_tells_the_online_payment_in_order(
        paying: Portal, stripe_fake: FakeStripe, webhook_url: str) -> None:
    session_id, _thanks = _start(paying, ["A-1"])
    stripe_fake.deliver(stripe_fake.pay(session_id), webhook_url)
    summaries = [row.summary for row in paying.rows(
        sa.select(events.c.summary).where(events.c.kind.in_(
            ("checkout.started", "payment.received", "payment.allocated")))
        .order_by(events.c.id))]
    assert summaries == [
        "Debtor went to pay 1,000.00 EUR online (stripe) for invoice A-1",
        "Payment of 1,000.00 EUR received from Acme Trading BV",
        f"1,000.00 EUR of payment stripe:pi_test_{session_id[-11:]} applied to invoice A-1 "
        "(reference); now paid",
    ]


def test_deliveries_of_one_event_at_the_same_moment_record_one_payment(
        paying: Portal, stripe_fake: FakeStripe, webhook_url: str) -> None:
    session_id, _thanks = _start(paying, ["A-1"])
    event = stripe_fake.pay(session_id)
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda: outcomes.append(
        stripe_fake.deliver(event, webhook_url)[1]["outcome"])) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1:] == ["replayed: already handled"] * 2
    assert paying.count(payments) == 1
    assert paying.count(allocations) == 1
