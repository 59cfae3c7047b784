"""Staff alerts fold into the digest: a cycle whose rules escalate thirty accounts to one
manager ("large balance" in the default rule file) sends her one digest per channel that
lists all thirty, and no alert message of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import messages
from hub.ledger.users import upsert_users
from hub.ports import Policy
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.services.notify.digests import DigestSettings
from hub.services.notify.digests import NotifyHook
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.cycle.helpers import START
from tests.integration.cycle.helpers import morning
from tests.integration.notify.helpers import ALWAYS

ACCOUNTS = 30


@pytest.fixture(scope="module")
def policy() -> Policy:
    from notifications.templates import known_templates
    from rules import DEFAULT_POLICY
    from rules import load_policy

    return load_policy(DEFAULT_POLICY, known_templates=known_templates())


def test_many_alerts_for_one_manager_make_one_digest(hub: Hub, policy: Policy) -> None:
    with hub.engine.begin() as connection:
        upsert_users(connection, [
            User(email="ann@example.com", name="Ann", role=Role("collector"),
                 department="sales", manager_email="mia@example.com"),
            User(email="mia@example.com", name="Mia", role=Role("manager"),
                 department="sales")], morning(START))
        for number in range(ACCOUNTS):
            code = f"BIG{number:02d}"
            customer = add_customer(connection, code, owner="ann@example.com",
                                    department="sales", country="NL")
            add_contact(connection, customer, "Pat", email=f"pat@{code.lower()}.example",
                        is_primary=True)
            add_invoice(connection, f"{code}-1", customer, due=START - timedelta(days=10),
                        issued=START - timedelta(days=40), amount="80000.00")
    hook = NotifyHook(engine=hub.engine, dispatcher=lambda: hub.dispatcher(policy=ALWAYS),
                      clock=hub.clock, settings=DigestSettings(
                          staff_channels=("email",), hub_url="http://hub.example"))
    cycle = Cycle(hub.engine, policy, now=lambda: morning(START), hooks={"notify": [hook]},
                  thresholds=policy.thresholds())
    report = cycle.run(CycleOptions(as_of=START))
    assert report.status == "done", report.errors
    with hub.engine.connect() as connection:
        staff = connection.execute(
            sa.select(messages.c.recipient, messages.c.template, messages.c.channel,
                      messages.c.state, messages.c.body, messages.c.context)
            .where(messages.c.recipient_kind == "staff")).all()
    to_mia = [row for row in staff if row.recipient == "mia@example.com"]
    assert [(row.template, row.channel, row.state) for row in to_mia] == [
        ("digest", "email", "sent")]
    assert {row.template for row in staff} == {"digest"}  # no alert went out on its own
    body = to_mia[0].body
    assert to_mia[0].context["alert_count"] == ACCOUNTS
    assert f"Alerts ({ACCOUNTS}):" in body
    lines = body.splitlines()
    for number in range(ACCOUNTS):  # one line each
        assert f"- Customer BIG{number:02d} (BIG{number:02d}): escalated to you at " \
               f"\"large balance\"" in lines, body
    mail = list((hub.settings.var_dir / "mail").glob("*.eml"))
    to_her = [path for path in mail if b"mia@example.com" in path.read_bytes()]
    assert len(to_her) == 1
