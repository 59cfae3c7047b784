"""The outbox page: messages with their text and skip reasons; an uncertain message is
decided by finance (send again or record as sent); collectors do not see the page."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.outbox import channel_failed
from hub.ledger.outbox import enqueue
from hub.ledger.tables import messages
from hub.ledger.users import upsert_users
from hub.services.staff.auth import set_password
from hub.web import create_app
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice

PASSWORD = "correct horse battery"


def _client(hub: Hub, email: str, role: str) -> FlaskClient:
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email=email, name=email, role=Role(role),
                                       department="sales")], hub.clock.now())
        set_password(connection, email, PASSWORD, actor="test", now=hub.clock.now())
    client = create_app(hub, {"TESTING": True}).test_client()
    client.post("/signin", data={"email": email, "password": PASSWORD,
                                 "csrf_token": _csrf(client.get("/signin").get_data(True))})
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_finance_sees_the_outbox_and_decides_on_an_uncertain_message(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example")
        debtor(connection, "NOPE")
        enqueue(connection, notice("ACME", "email"), now=hub.clock.now())
        enqueue(connection, notice("NOPE", "email", "sms"), now=hub.clock.now())
    hub.dispatcher(policy=ALWAYS).run()
    with hub.engine.begin() as connection:  # as if the dispatcher had died mid-send
        connection.execute(sa.update(messages).where(messages.c.customer_code == "ACME")
                           .values(state="uncertain"))
        ids = dict(connection.execute(sa.select(messages.c.customer_code, messages.c.id)).all())
    client = _client(hub, "fin@example.com", "finance")
    page = client.get("/outbox").get_data(as_text=True)
    assert "Friendly reminder: €1,234.56 overdue" in page
    assert "uncertain" in page
    skipped = client.get(f"/outbox/{ids['NOPE']}").get_data(as_text=True)
    assert "no e-mail address" in skipped
    assert "sms is not configured" in skipped
    detail = client.get(f"/outbox/{ids['ACME']}").get_data(as_text=True)
    assert "Dear Ann Smith," in detail
    response = client.post(f"/outbox/{ids['ACME']}/release",
                           data={"decision": "mark-sent", "csrf_token": _csrf(detail)})
    assert response.status_code == 302
    with hub.engine.connect() as connection:
        state = connection.execute(sa.select(messages.c.state).where(
            messages.c.id == ids["ACME"])).scalar_one()
    assert state == "sent"


def test_collectors_cannot_open_the_outbox(hub: Hub) -> None:
    client = _client(hub, "ann@example.com", "collector")
    assert client.get("/outbox").status_code == 403


def test_a_paused_channel_shows_on_the_outbox_page(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        channel_failed(connection, "email", "email: cannot reach SMTP server mx:25",
                       hub.clock.now(), unreachable=True, pause_after=5,
                       pause=timedelta(minutes=15))
    page = _client(hub, "fin@example.com", "finance").get("/outbox").get_data(True)
    assert ("Channel email fails for everyone and is paused until 2026-11-23 09:15 UTC: "
            "email: cannot reach SMTP server mx:25") in page
