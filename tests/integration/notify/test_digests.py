"""Must show: one digest per recipient per cycle; an owner with nothing to do gets no
noise (or one "all clear" when configured); overdue tasks are alerts in the manager's
digest, never a message of their own."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import messages
from hub.ledger.users import upsert_users
from hub.services.accounts.tasks import create_task
from hub.services.notify.digests import DigestSettings
from hub.services.notify.digests import NotifyHook
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import debtor


def _seed(hub: Hub) -> None:
    today = hub.clock.today()
    with hub.engine.begin() as connection:
        upsert_users(connection, [
            User(email="ann@example.com", name="Ann", role=Role("collector"),
                 department="sales", manager_email="carl@example.com"),
            User(email="bob@example.com", name="Bob", role=Role("collector"),
                 department="ops"),
            User(email="carl@example.com", name="Carl", role=Role("manager"),
                 department="sales"),
            User(email="dave@example.com", name="Dave", role=Role("collector"),
                 department="sales")], hub.clock.now())
        debtor(connection, "ACME", email="a@acme.example", owner="ann@example.com")
        debtor(connection, "BETA", email="b@beta.example", owner="ann@example.com",
               amount="100.00")
        debtor(connection, "BOLT", email="b@bolt.example", owner="bob@example.com",
               department="ops")
        for code, owner, due in (("ACME", "ann", today), ("BETA", "ann", today - timedelta(5)),
                                 ("BOLT", "bob", today)):
            create_task(connection, customer_code=code, task_type="call",
                        assignee=f"{owner}@example.com", due_date=due, reason="test",
                        actor="rules", now=hub.clock.now(), key=f"{code}|call")


def _hook(hub: Hub, *, all_clear: bool = False) -> NotifyHook:
    return NotifyHook(engine=hub.engine, dispatcher=lambda: hub.dispatcher(policy=ALWAYS),
                      clock=hub.clock, settings=DigestSettings(
                          staff_channels=("slack", "email"), all_clear=all_clear,
                          escalate_after_days=3, hub_url="http://hub.example"))


def _staff_mail(hub: Hub) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in (hub.settings.var_dir / "mail").glob("*.eml"):
        mail = message_from_bytes(path.read_bytes(), policy=email_policy.default)
        found.setdefault(str(mail["To"]), []).append(str(mail["Subject"]))
    return found


def test_one_digest_per_person_per_cycle_and_no_noise_for_nothing_to_do(hub: Hub) -> None:
    _seed(hub)
    first = _hook(hub).run(hub.clock.today(), dry_run=False)
    again = _hook(hub).run(hub.clock.today(), dry_run=False)
    assert first.counts["staff_queued"] == 3  # ann, bob, and carl's (BETA's task overdue)
    assert again.counts.get("staff_queued", 0) == 0
    mail = _staff_mail(hub)
    assert sorted(mail) == ["ann@example.com", "bob@example.com", "carl@example.com"]
    assert mail["ann@example.com"] == ["Collections for 23 November 2026: 2 accounts, €1,334.56"]
    assert mail["bob@example.com"] == ["Collections for 23 November 2026: 1 account, €1,234.56"]
    # the manager holds no work: no digest of the department's accounts (his worklist
    # is empty, and the digest says what the worklist says); the overdue task is an alert
    # in his digest, not a message of its own
    assert mail["carl@example.com"] == ["Alerts for 23 November 2026: 1"]
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(messages.c.channel, messages.c.skipped_channels)
                                  .where(messages.c.template == "digest")).all()
        alert = connection.execute(sa.select(messages.c.body).where(
            messages.c.recipient == "carl@example.com")).scalar_one()
        templates = set(connection.execute(sa.select(messages.c.template)).scalars())
    assert templates == {"digest"}
    assert "Alerts (1):\n- BETA B.V. (BETA): the call task of ann@example.com is 5 days " \
           "overdue" in alert
    assert {row.channel for row in rows} == {"email"}  # Slack is not configured here
    assert rows[0].skipped_channels == [{"channel": "slack",
                                         "reason": "slack is not configured"}]


def test_all_clear_when_configured(hub: Hub) -> None:
    _seed(hub)
    _hook(hub, all_clear=True).run(hub.clock.today(), dry_run=False)
    assert _staff_mail(hub)["dave@example.com"] == ["All clear for 23 November 2026"]


def test_a_dry_run_queues_and_sends_nothing(hub: Hub) -> None:
    _seed(hub)
    report = _hook(hub).run(hub.clock.today(), dry_run=True)
    assert report.counts == {"digests": 3}
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(messages)
                                  ).scalar_one() == 0


def test_the_digest_lists_top_accounts_with_links(hub: Hub) -> None:
    _seed(hub)
    hook = _hook(hub)
    hook.settings = dataclasses.replace(hook.settings, top_accounts=1)
    hook.run(hub.clock.today(), dry_run=False)
    with hub.engine.connect() as connection:
        body = connection.execute(sa.select(messages.c.body).where(
            messages.c.recipient == "ann@example.com")).scalar_one()
    assert "- ACME B.V. (ACME): €1,234.56, 23 days overdue. Next: " in body
    assert "BETA B.V." not in body  # only the top account
    assert "Your worklist: http://hub.example/worklist" in body


def test_a_department_channel_gets_the_department_summary(hub: Hub) -> None:
    _seed(hub)
    hook = _hook(hub)
    hook.settings = dataclasses.replace(hook.settings, department_channels={"ops": "C0OPS"})
    hook.run(hub.clock.today(), dry_run=False)
    with hub.engine.connect() as connection:
        row = connection.execute(sa.select(messages).where(
            messages.c.recipient == "C0OPS")).one()
    assert row.channels == ["slack"]
    assert row.context["count"] == 1
    assert row.context["accounts"][0]["code"] == "BOLT"
    assert row.state == "skipped"  # no Slack token in this test: the reason is kept
    assert row.skipped_channels == [{"channel": "slack", "reason": "slack is not configured"}]


def test_escalations_ask_graph_for_the_manager_and_fall_back_on_404(hub: Hub) -> None:
    from hub.services.notify.digests import alerts_for
    from notifications.microsoft import GraphClient
    from tests.fake_servers.microsoft import CLIENT_ID
    from tests.fake_servers.microsoft import CLIENT_SECRET
    from tests.fake_servers.microsoft import TENANT
    from tests.fake_servers.microsoft import FakeMicrosoft

    _seed(hub)
    graph = FakeMicrosoft().start()
    try:
        directory = GraphClient(TENANT, CLIENT_ID, CLIENT_SECRET, authority=graph.url,
                                base_url=graph.url)
        settings = DigestSettings(escalate_after_days=3)
        with hub.engine.connect() as connection:
            fallback = alerts_for(connection, as_of=hub.clock.today(),
                                  settings=settings, directory=directory)
            graph.set_manager("ann@example.com", "head.of.sales@example.com")
            found = alerts_for(connection, as_of=hub.clock.today(),
                               settings=settings, directory=directory)
        assert list(fallback) == ["carl@example.com"]  # 404: manager_email
        assert list(found) == ["head.of.sales@example.com"]
        assert [alert["code"] for alert in found["head.of.sales@example.com"]] == ["BETA"]
        assert len(graph.requests_to("/v1.0/users/ann@example.com/manager")) == 2
    finally:
        graph.stop()
