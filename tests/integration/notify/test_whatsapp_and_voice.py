"""WhatsApp templates and reminder calls through the Twilio fake with the real `twilio`
SDK, the hub's webhooks served on 127.0.0.1 (SQLite and PostgreSQL): a call answered
with keypad 1 and a date records a promise the cycle then checks like any other; 2 and
3 give a call-back task and a dispute; a WhatsApp template goes only to an opted-in
contact; signed status callbacks count, forged or unsigned ones are refused."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from hub.bootstrap import Hub
from hub.domain.clock import FixedClock
from hub.domain.decisions import ChannelCap
from hub.ledger.outbox import enqueue
from hub.ledger.tables import disputes
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.ports import Policy
from hub.web import create_app
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment
from tests.fake_servers.twilio import ACCOUNT_SID
from tests.fake_servers.twilio import AUTH_TOKEN
from tests.fake_servers.twilio import TEMPLATES
from tests.fake_servers.twilio import FakeTwilio
from tests.fake_servers.twilio import signed_post
from tests.integration.cycle.helpers import run_day
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import notice

REMINDER_SID, CONFIRM_SID = list(TEMPLATES)
CALLER = "+3197010000001"
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def policy() -> Policy:
    from notifications.templates import known_templates
    from rules import DEFAULT_POLICY
    from rules import load_policy

    return load_policy(DEFAULT_POLICY, known_templates=known_templates())


@pytest.fixture
def live(hub: Hub, twilio: FakeTwilio) -> Iterator[Hub]:
    """The hub with Twilio configured, its web app served on 127.0.0.1 (Twilio calls it)."""
    twilio.reset()
    twilio.messages.clear()
    twilio.calls.clear()
    app: dict[str, Any] = {}

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:  # the app comes later
        return app["wsgi"](environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    notify = dataclasses.replace(
        hub.settings.notify, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
        twilio_base_url=twilio.url, twilio_voice_from=CALLER,
        twilio_whatsapp_from="+3197010000002",
        twilio_whatsapp_templates=(("reminder-1", REMINDER_SID),
                                   ("promise-confirmation", CONFIRM_SID)))
    wired = Hub(settings=dataclasses.replace(
        hub.settings, notify=notify, public_url=f"http://127.0.0.1:{server.server_port}"),
        clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
    app["wsgi"] = create_app(wired, {"TESTING": True})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield wired
    server.shutdown()
    wired.engine.dispose()


def _debtor(hub: Hub, code: str, *, language: str = "en", whatsapp: bool = False,
            amount: str = "1234.56") -> int:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, code, name=f"{code} B.V.", language=language,
                                country="NL", owner="ann@example.com", department="sales")
        add_contact(connection, customer, "Ann Smith", email=f"pay@{code.lower()}.example",
                    phone="06 1234 5678", is_primary=True, whatsapp_opt_in=whatsapp)
        add_invoice(connection, f"{code}-1", customer, issued="2026-10-01", due="2026-10-31",
                    amount=amount)
    return customer


def _call(hub: Hub, twilio: FakeTwilio, code: str, language: str = "en") -> str:
    """Queue a reminder call, dispatch it; the SID of the call Twilio was asked for."""
    with hub.engine.begin() as connection:
        enqueue(connection, notice(code, "voice", "sms", language=language),
                now=hub.clock.now())
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 1
    [placed] = [call for call in twilio.calls if call["To"] == "+31612345678"][-1:]
    return placed["sid"]


def _row(hub: Hub, code: str) -> sa.Row[Any]:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(messages).where(
            messages.c.customer_code == code, messages.c.template == "reminder-1")).one()


def test_keypad_1_and_a_date_records_a_promise_the_cycle_checks(
        live: Hub, twilio: FakeTwilio, policy: Policy) -> None:
    _debtor(live, "ACME", language="de")
    paying = _debtor(live, "BOLT", amount="200.00")
    acme_call = _call(live, twilio, "ACME", "de")
    placed = twilio.calls[0]
    assert (placed["To"], placed["From"]) == ("+31612345678", CALLER)
    assert placed["Url"].startswith(f"{live.settings.public_url}/hooks/twilio/voice?key=")
    assert _row(live, "ACME").channel == "voice"
    assert _row(live, "ACME").external_id == acme_call

    # 1, then 31 December (past the rule file's 14 days: asked again), then 30 November
    spoken = twilio.answer(acme_call, "1", "3112", "3011", "1")
    texts = [text for _language, text in spoken]
    assert {language for language, _text in spoken} == {"de-DE"}
    assert "1.234,56\xa0€ sind überfällig" in texts[0]
    assert any(text.startswith("Dieses Datum ist nicht möglich") for text in texts)
    assert any("1.234,56\xa0€ bis zum 30. November 2026 zu zahlen" in text for text in texts)
    assert texts[-1].startswith("Vielen Dank. Ihre Zusage, bis zum 30. November 2026")
    bolt_call = _call(live, twilio, "BOLT")
    assert twilio.answer(bolt_call, "1", "2511", "1")[-1][1].startswith(
        "Thank you. Your promise to pay by 25 November 2026 is recorded")

    with live.engine.begin() as connection:
        made = connection.execute(sa.select(promises.c.customer_id, promises.c.due_date,
                                            promises.c.amount_minor, promises.c.source,
                                            promises.c.state)
                                  .order_by(promises.c.id)).all()
        confirmations = connection.execute(sa.select(messages.c.customer_code).where(
            messages.c.template == "promise-confirmation")).scalars().all()
        add_payment(connection, "PAY-BOLT", received_on="2026-11-24", amount="200.00",
                    customer_id=paying)
    assert [(row.due_date, row.amount_minor, row.source, row.state) for row in made] == [
        (date(2026, 11, 30), 123456, "phone", "open"), (date(2026, 11, 25), 20000, "phone",
                                                        "open")]
    assert sorted(confirmations) == ["ACME", "BOLT"]

    for offset in range(1, 11):  # the daily cycle: paused, then broken after 2 days' grace
        run_day(live, policy, TODAY + timedelta(days=offset))
    with live.engine.connect() as connection:
        states = dict(connection.execute(
            sa.select(promises.c.customer_id, promises.c.state)).all())
        follow_ups = connection.execute(sa.select(tasks.c.due_date).where(
            tasks.c.task_type == "follow_up")).scalars().all()
    assert states == {made[0].customer_id: "broken", paying: "kept"}
    assert follow_ups == [date(2026, 12, 2)]


def test_keypad_2_asks_for_a_call_back_and_3_disputes_and_pauses(
        live: Hub, twilio: FakeTwilio) -> None:
    _debtor(live, "ACME")
    said = twilio.answer(_call(live, twilio, "ACME"), "2")
    assert said[-1] == ("en-GB", "Thank you. A collector will call you back. Goodbye.")
    _debtor(live, "BOLT", language="pl")
    said = twilio.answer(_call(live, twilio, "BOLT", "pl"), "3")
    assert said[-1][0] == "pl-PL"
    assert said[-1][1].startswith("Dziękujemy. Wstrzymaliśmy przypomnienia")
    with live.engine.connect() as connection:
        work = connection.execute(sa.select(tasks.c.task_type, tasks.c.assignee,
                                            tasks.c.source).order_by(tasks.c.id)).all()
        disputed = connection.execute(sa.select(invoices.c.number).where(
            invoices.c.disputed.is_(True))).scalars().all()
        opened = connection.execute(sa.select(disputes.c.source)).scalars().all()
    assert work == [("call_back", "ann@example.com", "phone"),
                    ("dispute_review", "ann@example.com", "phone")]
    assert disputed == ["BOLT-1"]
    assert opened == ["phone"]


def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(
        live: Hub, twilio: FakeTwilio) -> None:
    _debtor(live, "ACME")
    sid = _call(live, twilio, "ACME")
    url = twilio.calls[0]["Url"]
    menu = url.replace("/voice?", "/voice/menu?")
    assert requests.post(menu, data={"CallSid": sid, "Digits": "3"}, timeout=5
                         ).status_code == 403
    assert signed_post(menu, {"CallSid": sid, "Digits": "3"}, token="guessed").status_code \
        == 403
    assert twilio.report_status(sid, "no-answer", token="guessed").status_code == 403
    with live.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(disputes)
                                  ).scalar_one() == 0
    assert _row(live, "ACME").state == "sent"
    assert twilio.report_status(sid, "no-answer").status_code == 204
    row = _row(live, "ACME")
    assert (row.state, row.last_error) == ("failed",
                                           "Twilio reports the voice message no-answer")


def test_a_whatsapp_template_goes_to_opted_in_contacts_and_failures_come_back(
        live: Hub, twilio: FakeTwilio) -> None:
    _debtor(live, "ACME", whatsapp=True)
    _debtor(live, "BOLT")  # a phone number, but no WhatsApp opt-in
    with live.engine.begin() as connection:
        for code in ("ACME", "BOLT"):
            enqueue(connection, notice(code, "whatsapp", "email"), now=live.clock.now())
    assert live.dispatcher(policy=ALWAYS).run().counts["sent"] == 2
    [sent] = twilio.messages
    assert (sent["To"], sent["From"], sent["ContentSid"]) == (
        "whatsapp:+31612345678", "whatsapp:+3197010000002", REMINDER_SID)
    assert sent["StatusCallback"] == f"{live.settings.public_url}/hooks/twilio/status"
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "Ann Smith"
    assert variables["2"] == "€1,234.56"
    assert variables["3"] == "31 October 2026"
    assert variables["4"].startswith(f"{live.settings.public_url}/portal/")
    acme, bolt = _row(live, "ACME"), _row(live, "BOLT")
    assert (acme.channel, acme.external_id) == ("whatsapp", sent["sid"])
    assert bolt.channel == "email"
    assert bolt.skipped_channels == [{"channel": "whatsapp", "reason": "no WhatsApp opt-in"}]

    assert twilio.report_status(sent["sid"], "delivered").status_code == 204
    assert _row(live, "ACME").state == "sent"
    assert twilio.report_status(sent["sid"], "undelivered", "63024",
                                token="forged").status_code == 403
    assert _row(live, "ACME").state == "sent"
    assert twilio.report_status(sent["sid"], "undelivered", "63024").status_code == 204
    failed = _row(live, "ACME")
    assert (failed.state, failed.last_error) == (
        "failed", "Twilio reports the whatsapp message undelivered (error 63024)")
    with live.engine.connect() as connection:
        timeline = connection.execute(sa.select(events.c.summary).where(
            events.c.kind == "message.failed")).scalars().all()
    assert timeline == ["Twilio reports the whatsapp message undelivered (error 63024)"]


def test_whatsapp_and_voice_keep_the_frequency_caps_and_send_window(
        live: Hub, twilio: FakeTwilio) -> None:
    _debtor(live, "ACME", whatsapp=True)
    capped = dataclasses.replace(ALWAYS, caps=(ChannelCap("whatsapp", 1, 7),
                                               ChannelCap("voice", 1, 7)))
    with live.engine.begin() as connection:
        for n in (1, 2):
            enqueue(connection, dataclasses.replace(
                notice("ACME", "whatsapp", "email"), idempotency_key=f"w{n}"),
                now=live.clock.now())
    assert live.dispatcher(policy=capped).run().counts["sent"] == 2
    with live.engine.connect() as connection:
        rows = connection.execute(sa.select(messages.c.channel, messages.c.skipped_channels)
                                  .order_by(messages.c.id)).all()
    assert [row.channel for row in rows] == ["whatsapp", "email"]
    assert rows[1].skipped_channels == [{"channel": "whatsapp",
                                         "reason": "frequency cap: 1 per 7 days"}]
    night = dataclasses.replace(capped, send_window=(time(10, 0), time(18, 0)))  # 09:00 UTC
    with live.engine.begin() as connection:
        enqueue(connection, notice("ACME", "voice"), now=live.clock.now())
    report = live.dispatcher(policy=night).run()
    assert report.counts["sent"] == 0
    assert twilio.calls == []  # no call before 10:00 the debtor's time: it waits
    with live.engine.connect() as connection:
        waiting = connection.execute(sa.select(messages.c.state, messages.c.next_attempt_at)
                                     .where(messages.c.template == "reminder-1",
                                            messages.c.idempotency_key.like("ACME|%"))).one()
    assert waiting.state == "queued"
    assert waiting.next_attempt_at.replace(tzinfo=UTC) == datetime(2026, 11, 23, 10, 0,
                                                                    tzinfo=UTC)
