"""Callbacks from outside act for the creditor whose message, button or checkout they
refer to (docs/creditors.md), with two creditors whose customer codes, invoice numbers and
outbox keys collide on purpose: Twilio's call keypad and status callbacks (the real
`twilio` SDK against the fake, the hub served on 127.0.0.1), Slack's button presses and
Stripe's notifications (the real `stripe` SDK against the fake). A callback about nothing
the hub knows, or a press for a creditor the person does not act for, is refused and
changes nothing."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.config import NotifySettings
from hub.config import PaymentSettings
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.current import DEFAULT_CREDITOR
from hub.ledger.current import acting_for
from hub.ledger.current import platform_wide
from hub.ledger.outbox import enqueue
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.services.accounts.tasks import create_task
from hub.services.notify.compose import account_buttons
from hub.services.staff.creditors import add_creditor
from hub.services.staff.creditors import grant
from hub.web import create_app
from notifications.slack import sign_request
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.fake_servers.slack import TOKEN
from tests.fake_servers.slack import FakeSlack
from tests.fake_servers.stripe import SECRET_KEY
from tests.fake_servers.stripe import WEBHOOK_SECRET
from tests.fake_servers.stripe import FakeStripe
from tests.fake_servers.twilio import ACCOUNT_SID
from tests.fake_servers.twilio import AUTH_TOKEN
from tests.fake_servers.twilio import FakeTwilio
from tests.fake_servers.twilio import signed_post
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import notice
from tests.web.portal.support import Portal
from tests.web.portal.support import seed_debtors

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def _bravo(hub: Hub) -> int:
    with hub.engine.begin() as connection:
        return add_creditor(connection, code="bravo", name="Bravo Holding", profile=None,
                            now=hub.clock.now()).id


def _debtor(hub: Hub, creditor: int, owner: str) -> None:
    with acting_for(creditor), hub.engine.begin() as connection:
        customer = add_customer(connection, "ACME", name="ACME B.V.", country="NL",
                                owner=owner, department="sales")
        add_contact(connection, customer, "Ann Smith", email="pay@acme.example",
                    phone="06 1234 5678", is_primary=True)
        add_invoice(connection, "ACME-1", customer, issued="2026-10-01", due="2026-10-31",
                    amount="1234.56")


def _tasks(hub: Hub, creditor: int) -> list[tuple[str, str]]:
    with acting_for(creditor), hub.engine.connect() as connection:
        return sorted(connection.execute(sa.select(tasks.c.task_type, tasks.c.state)).all())


def _kinds(hub: Hub, creditor: int) -> list[str]:
    with acting_for(creditor), hub.engine.connect() as connection:
        return sorted(connection.execute(sa.select(events.c.kind)).scalars())


# --- Twilio ------------------------------------------------------------------------------

@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def live(hub: Hub, twilio: FakeTwilio) -> Iterator[Hub]:
    app: dict[str, Any] = {}

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        return app["wsgi"](environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    notify = dataclasses.replace(
        hub.settings.notify, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
        twilio_base_url=twilio.url, twilio_voice_from="+3197010000001")
    wired = Hub(settings=dataclasses.replace(
        hub.settings, notify=notify, public_url=f"http://127.0.0.1:{server.server_port}"),
        clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
    app["wsgi"] = create_app(wired, {"TESTING": True})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield wired
    server.shutdown()
    wired.engine.dispose()


def _call(hub: Hub, twilio: FakeTwilio, creditor: int) -> str:
    with acting_for(creditor):
        with hub.engine.begin() as connection:  # the same outbox key for both creditors
            enqueue(connection, notice("ACME", "voice", "sms"), now=hub.clock.now())
        assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 1
    return twilio.calls[-1]["sid"]


def _states(hub: Hub, creditor: int) -> list[str]:
    with acting_for(creditor), hub.engine.connect() as connection:
        return list(connection.execute(sa.select(messages.c.state)).scalars())


def test_twilio_callbacks_act_for_the_creditor_whose_call_they_are_about(
        live: Hub, twilio: FakeTwilio) -> None:
    bravo = _bravo(live)
    for creditor in (DEFAULT_CREDITOR, bravo):
        _debtor(live, creditor, "ann@example.com")
    alpha_call = _call(live, twilio, DEFAULT_CREDITOR)
    bravo_call = _call(live, twilio, bravo)
    assert _key(twilio.calls[0]["Url"]) == _key(twilio.calls[1]["Url"])  # the same key

    said = twilio.answer(bravo_call, "2")  # bravo's debtor asks for a call back
    assert said[-1] == ("en-GB", "Thank you. A collector will call you back. Goodbye.")
    assert _tasks(live, bravo) == [("call_back", "open")]
    assert _tasks(live, DEFAULT_CREDITOR) == []

    status = f"{live.settings.public_url}/hooks/twilio/status"
    reply = signed_post(status, {"CallSid": alpha_call, "CallStatus": "no-answer"})
    assert reply.status_code == 204
    assert _states(live, DEFAULT_CREDITOR) == ["failed"]
    assert _states(live, bravo) == ["sent"]

    before = (_kinds(live, DEFAULT_CREDITOR), _kinds(live, bravo))
    reply = signed_post(status, {"CallSid": "CA" + "0" * 32, "CallStatus": "failed"})
    assert reply.status_code == 404
    assert "no message with SID" in reply.text
    reply = signed_post(f"{live.settings.public_url}/hooks/twilio/voice?key=nobody",
                        {"CallSid": "CA" + "1" * 32, "Digits": "2"})
    assert reply.status_code == 200
    assert "call back" not in reply.text
    assert (_kinds(live, DEFAULT_CREDITOR), _kinds(live, bravo)) == before
    assert _states(live, bravo) == ["sent"]


def _key(url: str) -> str:
    return parse_qs(urlsplit(url).query)["key"][0]


def test_a_call_answered_before_the_hub_recorded_its_sid_acts_for_its_creditor(
        live: Hub, twilio: FakeTwilio) -> None:
    """Two creditors' calls with the same outbox key; the debtor answers before the hub
    wrote the call's SID (Twilio calls back at once): the creditor named in the signed
    voice URL tells them apart, at every keypad step."""
    bravo = _bravo(live)
    for creditor in (DEFAULT_CREDITOR, bravo):
        _debtor(live, creditor, "ann@example.com")
    _call(live, twilio, DEFAULT_CREDITOR)
    bravo_call = _call(live, twilio, bravo)
    alpha_url, bravo_url = (call["Url"] for call in twilio.calls)
    assert _key(alpha_url) == _key(bravo_url)
    assert parse_qs(urlsplit(bravo_url).query)["creditor"] == [str(bravo)]
    assert parse_qs(urlsplit(alpha_url).query)["creditor"] == [str(DEFAULT_CREDITOR)]
    with live.engine.begin() as connection, platform_wide():  # no SID recorded yet
        connection.execute(messages.update().values(external_id=None))

    said = twilio.answer(bravo_call, "2")  # bravo's debtor asks for a call back
    assert said[-1] == ("en-GB", "Thank you. A collector will call you back. Goodbye.")
    assert _tasks(live, bravo) == [("call_back", "open")]
    assert _tasks(live, DEFAULT_CREDITOR) == []

    # the URL is signed: naming another creditor means another URL, which Twilio never
    # got; signed for a creditor without such a call, it is refused and changes nothing
    before = (_kinds(live, DEFAULT_CREDITOR), _kinds(live, bravo))
    menu = f"{live.settings.public_url}/hooks/twilio/voice/menu?" + urlencode(
        {"key": _key(bravo_url), "creditor": "99"})
    reply = signed_post(menu, {"CallSid": bravo_call, "Digits": "3"})
    assert reply.status_code == 200
    assert "This call can no longer be answered." in reply.text
    assert (_kinds(live, DEFAULT_CREDITOR), _kinds(live, bravo)) == before
    unsigned = requests.post(bravo_url.replace("/voice?", "/voice/menu?"),
                             data={"CallSid": bravo_call, "Digits": "3"}, timeout=5)
    assert unsigned.status_code == 403


# --- Slack -------------------------------------------------------------------------------

@pytest.fixture
def slack_server() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    for email in ("ann@alpha.example", "bob@bravo.example", "ops@alpha.example"):
        server.add_user(email)
    yield server
    server.stop()


@pytest.fixture
def slack_hub(database_url: str, tmp_path: Path, clock: FixedClock,
              slack_server: FakeSlack) -> Iterator[Hub]:
    settings = Settings(var_dir=tmp_path / "var", database_url=database_url, progress=False,
                        notify=NotifySettings(slack_token=TOKEN, slack_signing_secret=SECRET,
                                              slack_api_url=f"{slack_server.url}/api/"))
    hub = bootstrap(settings, clock=clock, migrate=False)
    yield hub
    hub.engine.dispose()


def _press(client: Any, hub: Hub, user: str, action_id: str, stamp: int) -> Any:
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": "D00000001"},
               "trigger_id": "13345224609.738474920.8088930838d88f008e0",
               "message": {"ts": "1700000000.000001", "text": "digest", "blocks": []},
               "actions": [{"action_id": action_id, "value": "ACME", "type": "button"}]}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = sign_request(SECRET, body, int(hub.clock.now().timestamp()) - stamp)
    return client.post("/slack/actions", data=body, headers={
        **headers, "Content-Type": "application/x-www-form-urlencoded"})


def test_a_slack_press_acts_for_the_creditor_its_button_names(
        slack_hub: Hub, slack_server: FakeSlack) -> None:
    hub = slack_hub
    bravo = _bravo(hub)
    now = hub.clock.now()
    for creditor, email in ((DEFAULT_CREDITOR, "ann@alpha.example"),
                            (bravo, "bob@bravo.example")):
        with acting_for(creditor), hub.engine.begin() as connection:
            upsert_users(connection, [User(email=email, name=email, role=Role.COLLECTOR,
                                           department="sales")], now)
        _debtor(hub, creditor, email)
        with acting_for(creditor), hub.engine.begin() as connection:
            create_task(connection, customer_code="ACME", task_type="call", assignee=email,
                        due_date=hub.clock.today(), reason="test", actor="rules", now=now,
                        key="ACME|call")
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email="ops@alpha.example", name="Ops",
                                       role=Role.ADMIN)], now)
    with acting_for(bravo):
        bravo_button = account_buttons("ACME", "http://hub")[0].action_id
    alpha_button = account_buttons("ACME", "http://hub")[0].action_id
    assert (alpha_button, bravo_button) == ("mark_contacted:ACME",
                                            f"mark_contacted@{bravo}:ACME")
    ann, bob, ops = (slack_server.users[e] for e in ("ann@alpha.example", "bob@bravo.example",
                                                     "ops@alpha.example"))
    client = create_app(hub, {"TESTING": True}).test_client()
    alpha_before, bravo_before = _kinds(hub, DEFAULT_CREDITOR), _kinds(hub, bravo)

    refused = _press(client, hub, ann, bravo_button, 10)  # alpha's collector, bravo's button
    assert refused.status_code == 200
    assert "a creditor you do not act for; nothing was changed" in refused.get_json()["text"]
    refused = _press(client, hub, ops, bravo_button, 11)  # not granted bravo (yet)
    assert "do not act for" in refused.get_json()["text"]
    assert (_kinds(hub, DEFAULT_CREDITOR), _kinds(hub, bravo)) == (alpha_before,
                                                                   bravo_before)

    assert _press(client, hub, bob, bravo_button, 12).status_code == 200
    assert _kinds(hub, bravo) == sorted([*bravo_before, "account.contacted"])
    assert _kinds(hub, DEFAULT_CREDITOR) == alpha_before  # alpha's ACME untouched

    with hub.engine.begin() as connection:
        grant(connection, email="ops@alpha.example", code="bravo", actor="test", now=now)
    done = _press(client, hub, ops, f"mark_done@{bravo}:ACME", 13)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert _tasks(hub, bravo) == [("call", "done")]
    assert _tasks(hub, DEFAULT_CREDITOR) == [("call", "open")]

    assert _press(client, hub, ann, alpha_button, 14).status_code == 200  # no mark: theirs
    assert _kinds(hub, DEFAULT_CREDITOR) == sorted([*alpha_before, "account.contacted"])


# --- Stripe ------------------------------------------------------------------------------

@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


def _invoices(hub: Hub, creditor: int) -> dict[str, tuple[str, int]]:
    with acting_for(creditor), hub.engine.connect() as connection:
        return {row.number: (row.status, row.open_minor) for row in connection.execute(
            sa.select(invoices.c.number, invoices.c.status, invoices.c.open_minor))}


def test_a_stripe_notification_pays_the_invoice_of_the_creditor_whose_checkout_it_names(
        hub: Hub, stripe_fake: FakeStripe) -> None:
    bravo = _bravo(hub)
    payments = PaymentSettings(stripe_secret_key=SECRET_KEY,
                               stripe_webhook_secret=WEBHOOK_SECRET, methods=("card",),
                               stripe_api_url=stripe_fake.url)
    paying = Hub(settings=dataclasses.replace(hub.settings, payments=payments),
                 clock=hub.clock)
    paying.__dict__["engine"] = hub.engine
    seed_debtors(paying)  # alpha's ACME with invoices
    with acting_for(bravo):
        bravo_link, bravo_other = seed_debtors(paying)  # bravo's, the same codes
    app = create_app(paying, {"TESTING": True})
    portal = Portal(paying, app, app.test_client(), bravo_link, bravo_other)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/webhooks/stripe"
    try:
        response = portal.post("pay", {"invoices": ["A-1"]})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        session_id = response.location.rsplit("/", 1)[-1]
        alpha_before = _invoices(hub, DEFAULT_CREDITOR)

        status, answer = stripe_fake.deliver(stripe_fake.pay(session_id), url)
        assert status == 200
        assert "recorded and allocated" in answer["outcome"]
        assert _invoices(hub, bravo)["A-1"] == ("paid", 0)
        assert _invoices(hub, DEFAULT_CREDITOR) == alpha_before  # alpha's A-1 still open
        assert alpha_before["A-1"] == ("open", 100000)

        stranger = stripe_fake.event("checkout.session.completed", {
            "id": "cs_test_notours", "object": "checkout.session", "status": "complete",
            "payment_status": "paid", "metadata": {}})
        status, answer = stripe_fake.deliver(stranger, url)
        assert (status, answer["outcome"]) == (200, "unknown checkout")
        assert _invoices(hub, DEFAULT_CREDITOR) == alpha_before
        assert _invoices(hub, bravo)["A-2"] == ("open", 50000)
    finally:
        server.shutdown()
