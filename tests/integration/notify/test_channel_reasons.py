"""A step's channel order, end to end (rule file -> cycle -> outbox -> dispatcher ->
timeline): every channel the customer cannot receive is left out with its reason, and a
letter needs a postal address like any other channel (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from datetime import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.decisions import PolicySettings
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import PostalAddress
from hub.ledger.addresses import set_addresses
from hub.ledger.outbox import enqueue
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import messages
from hub.services.notify.dispatch import Dispatcher
from notifications.templates import TemplateRenderer
from notifications.templates import known_templates
from rules import load_policy
from tests.builders import STAMP
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.helpers import run_day
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import ScriptedTransport

RULES = """\
name: channel order
segments:
  - {name: consumer, when: customer.kind == "B2C"}
  - {name: business, when: true}
ladders:
  consumer:
    progression: ladder
    steps:
      - {name: text first, at: 3, send: [sms, email], template: reminder-1}
  business:
    progression: ladder
    steps:
      - {name: mail first, at: 3, send: [email, letter], template: reminder-1}
"""
DAY = date(2026, 11, 23)  # a Monday


def _customer(hub: Hub, code: str, *, kind: str, email: str | None = None,
              phone: str | None = None, address: bool = False) -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, code, kind=kind, country="NL",
                                owner="ann@example.com")
        add_contact(connection, customer, "Pat", email=email, phone=phone, is_primary=True)
        add_invoice(connection, f"{code}-1", customer, issued=DAY - timedelta(days=40),
                    due=DAY - timedelta(days=10), amount="300.00")
        if address:
            set_addresses(connection, {customer: PostalAddress(
                "", ("Keizersgracht 1",), "1015 AA", "Amsterdam", "NL")}, now=STAMP)


def _timeline(hub: Hub, code: str) -> list[str]:
    with hub.engine.connect() as connection:
        return list(connection.execute(
            sa.select(events.c.summary).join(customers, customers.c.id == events.c.customer_id)
            .where(customers.c.code == code).order_by(events.c.id)).scalars())


def test_channels_the_customer_cannot_receive_are_left_out_with_their_reason(
        hub: Hub, tmp_path: Path) -> None:
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(RULES, encoding="utf-8")
    policy = load_policy(rule_file, known_templates=known_templates())
    _customer(hub, "NOPHONE", kind="B2C", email="pay@nophone.example")
    _customer(hub, "NOMAIL", kind="B2B", phone="+31612345678", address=True)
    _customer(hub, "NOWHERE", kind="B2B", phone="+31612345678")
    run_day(hub, policy, DAY)
    transports = {name: ScriptedTransport(name) for name in ("email", "sms", "letter")}
    hub.clock.moment = morning(DAY).replace(hour=9)  # type: ignore[attr-defined]
    report = Dispatcher(engine=hub.engine, transports=transports, renderer=TemplateRenderer(),
                        clock=hub.clock, policy=ALWAYS).run()
    assert (report.counts["sent"], report.counts["skipped"]) == (2, 1)
    with hub.engine.connect() as connection:
        rows = {row.customer_code: row for row in connection.execute(sa.select(messages))}

    assert rows["NOPHONE"].channel == "email"
    assert rows["NOPHONE"].skipped_channels == [
        {"channel": "sms", "reason": "no phone number on file"}]
    assert "text first: send reminder-1 by email (not by sms: no phone number on file)" \
        in _timeline(hub, "NOPHONE")
    assert "reminder-1 sent by email (not by sms: no phone number on file)" \
        in _timeline(hub, "NOPHONE")

    assert rows["NOMAIL"].channel == "letter"
    assert rows["NOMAIL"].skipped_channels == [
        {"channel": "email", "reason": "no e-mail address"}]
    assert "reminder-1 sent by letter (not by email: no e-mail address)" \
        in _timeline(hub, "NOMAIL")

    # no e-mail and no postal address: no letter goes out either, and both reasons are kept
    assert rows["NOWHERE"].state == "skipped"
    assert len(transports["letter"].sent) == 1
    assert rows["NOWHERE"].skipped_channels == [
        {"channel": "email", "reason": "no e-mail address"},
        {"channel": "letter", "reason": "no postal address"}]
    assert "reminder-1 not sent: email: no e-mail address; letter: no postal address" \
        in _timeline(hub, "NOWHERE")
    status = CliRunner().invoke(cli, ["dispatch", "status"], env={
        "HUB_DATABASE_URL": hub.settings.database_url, "HUB_VAR_DIR": str(hub.settings.var_dir)})
    assert f"#{rows['NOWHERE'].id} skipped: " in status.output
    assert "email: no e-mail address; letter: no postal address" in status.output


def test_outside_the_send_window_the_outbox_says_why_the_message_waits(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, "LATE", country="NL", timezone="Europe/Amsterdam")
        add_contact(connection, customer, "Pat", email="pay@late.example", is_primary=True)
        add_invoice(connection, "LATE-1", customer, issued="2026-10-01", due="2026-10-31",
                    amount="10.00")
        enqueue(connection, OutboxMessage(idempotency_key="LATE|1", template="reminder-1",
                                          customer_code="LATE", channels=("email",)),
                now=hub.clock.now())
    hub.clock.moment = morning(DAY).replace(hour=21)  # type: ignore[attr-defined]
    window = PolicySettings(send_window=(time(8), time(20)), business_days_only=True)
    report = Dispatcher(engine=hub.engine, transports={"email": ScriptedTransport("email")},
                        renderer=TemplateRenderer(), clock=hub.clock, policy=window).run()
    assert report.counts["deferred"] == 1
    with hub.engine.connect() as connection:
        row = connection.execute(sa.select(messages)).one()
    assert row.state == "queued"
    assert row.last_error == ("outside the send window: waits until 2026-11-24 08:00 "
                              "(Europe/Amsterdam)")
