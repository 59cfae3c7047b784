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
    assert "iDEAL" in page and "Bancontact" in page

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
    assert "wordt verwerkt" in before and "ontvangen" not in before
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
    assert _open(paying)["A-1"] == ("paid", 0) and _open(paying)["A-2"] == ("paid", 0)
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
