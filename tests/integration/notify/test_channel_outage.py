"""Must show: the mail server is down for a whole cycle. The notify phase takes each
message at most once, pauses e-mail after the first refused connection and tells the
admins once (by Slack, not by the dead channel); after the pause it tries e-mail again
without a second alert, and when the server is back everything goes out, once
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import hub.ledger.outbox as outbox_ledger
from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.config import NotifySettings
from hub.config import Settings
from hub.domain.model import Role
from hub.domain.model import User
from hub.domain.outbox import TransportError
from hub.ledger.outbox import enqueue
from hub.ledger.tables import audit_log
from hub.ledger.tables import messages
from hub.ledger.users import upsert_users
from hub.services.notify.dispatch import Dispatcher
from hub.services.notify.dispatch import DispatchSettings
from notifications.templates import TemplateRenderer
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.conftest import NOW
from tests.fake_servers.slack import TOKEN
from tests.fake_servers.slack import FakeSlack
from tests.fake_servers.smtp import FakeSmtp
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import ScriptedTransport
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice

DEBTORS = 30
ADMIN = "it-admin@hub.example"


@dataclass
class SlowClock:
    """Time moves on with every look at it (2 s): a mail server that does not answer makes
    a notify phase take minutes, long enough for its own retries to fall due."""

    moment: datetime
    step: timedelta = timedelta(seconds=2)

    def now(self) -> datetime:
        self.moment += self.step
        return self.moment

    def today(self) -> date:
        return self.moment.date()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    server.add_user(ADMIN)
    yield server
    server.stop()


@pytest.fixture
def down_smtp_port() -> int:
    """A port where the mail server was, and now refuses connections."""
    server = FakeSmtp().start()
    port = server.port
    server.stop()
    return port


@pytest.fixture
def outage_hub(database_url: str, tmp_path: Path, slack: FakeSlack,
               down_smtp_port: int) -> Iterator[tuple[Hub, SlowClock]]:
    clock = SlowClock(NOW)
    notify = NotifySettings(smtp_host="127.0.0.1", smtp_port=down_smtp_port,
                            smtp_security="none", smtp_from="ar@hub.example",
                            slack_token=TOKEN, slack_api_url=f"{slack.url}/api/")
    settings = Settings(var_dir=tmp_path / "var", database_url=database_url, progress=False,
                        notify=notify)
    hub = bootstrap(settings, clock=clock, migrate=False)
    with hub.engine.begin() as connection:
        for n in range(DEBTORS):
            customer = add_customer(connection, f"D{n:03d}")
            add_contact(connection, customer, "Ann Smith", email=f"ap{n}@example.com",
                        is_primary=True)
            add_invoice(connection, f"D{n:03d}-1", customer, issued="2026-10-01",
                        due="2026-11-18", amount="500.00")  # 5 days late: reminder-1
        upsert_users(connection, [User(email=ADMIN, name="IT", role=Role.ADMIN)], NOW)
    yield hub, clock
    hub.engine.dispose()


@pytest.fixture
def claims(monkeypatch: pytest.MonkeyPatch) -> list[Counter[int]]:
    """Message ids claimed, one Counter per dispatch run."""
    runs: list[Counter[int]] = []
    real = outbox_ledger.claim_batch

    def counting(*args: Any, **kwargs: Any) -> Any:
        rows = real(*args, **kwargs)
        runs[-1].update(row.id for row in rows)
        return rows

    monkeypatch.setattr(outbox_ledger, "claim_batch", counting)
    return runs


def _states(hub: Hub) -> Counter[str]:
    with hub.engine.connect() as connection:
        return Counter(connection.execute(sa.select(messages.c.state).where(
            messages.c.recipient_kind == "debtor")).scalars())


def _audit(hub: Hub, action: str) -> list[Any]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(audit_log).where(
            audit_log.c.action == action)).all())


def _dispatch(hub: Hub, claims: list[Counter[int]]) -> dict[str, int]:
    claims.append(Counter())
    return dict(hub.dispatcher().run().counts)


@pytest.mark.slow
def test_a_mail_outage_pauses_email_alerts_once_and_everything_goes_out_after(
        outage_hub: tuple[Hub, SlowClock], slack: FakeSlack, down_smtp_port: int,
        claims: list[Counter[int]]) -> None:
    hub, clock = outage_hub
    claims.append(Counter())
    report = build_cycle(hub).run(cycle_options(hub, as_of=date(2026, 11, 23)))
    assert report.counts["messages"] == DEBTORS
    notify = next(hook for hook in report.hooks if hook.name == "notify")
    assert max(claims[-1].values()) == 1  # each message taken once in the run
    assert len(claims[-1]) == DEBTORS + 1  # the notices and the admin's alert
    assert notify.counts["retried"] == 1  # one try on e-mail, then the pause
    assert notify.counts["paused"] == DEBTORS - 1
    assert _states(hub) == {"queued": DEBTORS}
    [paused] = _audit(hub, "channel.paused")
    assert paused.target == "email"
    assert "cannot reach SMTP server 127.0.0.1" in paused.detail["error"]
    [alert] = slack.posted  # one alert, by Slack: not through the channel that is down
    assert "email is paused" in alert["text"]
    with hub.engine.connect() as connection:
        attempts = Counter(connection.execute(sa.select(messages.c.attempts).where(
            messages.c.recipient_kind == "debtor")).scalars())
    assert attempts == {0: DEBTORS - 1, 1: 1}  # waiting for the channel costs no attempt

    clock.moment += timedelta(minutes=16)  # the pause is over; the server is still down
    counts = _dispatch(hub, claims)
    assert max(claims[-1].values()) == 1
    assert counts.get("retried", 0) + counts.get("paused", 0) == DEBTORS
    assert counts.get("retried", 0) <= 2  # tried again, found down, paused again
    assert len(slack.posted) == 1  # the same outage: no second alert
    assert len(_audit(hub, "channel.paused")) == 1

    smtp = FakeSmtp(port=down_smtp_port).start()  # the mail server is back
    try:
        clock.moment += timedelta(hours=2)
        _dispatch(hub, claims)
        assert max(claims[-1].values()) == 1
        assert _states(hub) == {"sent": DEBTORS}
        received = Counter(str(message["To"]) for message in smtp.received)
        assert len(received) == DEBTORS
        assert max(received.values()) == 1  # every notice once
    finally:
        smtp.stop()
    [resumed] = _audit(hub, "channel.resumed")
    assert resumed.target == "email"
    assert len(slack.posted) == 1


def test_transient_failures_in_a_row_pause_the_channel_and_a_success_ends_it(
        hub: Hub) -> None:
    """Not unreachable, but failing for everyone: after `pause_after` failures in a row the
    channel rests; a failure between successes does not count."""
    with hub.engine.begin() as connection:
        for n in range(8):
            debtor(connection, f"T{n}", email=f"t{n}@example.com")
            enqueue(connection, notice(f"T{n}", "email"), now=hub.clock.now())
    busy = TransportError("SMTP 421: 'service not available'")
    email = ScriptedTransport("email", None, busy, None, busy, busy, busy)
    dispatcher = Dispatcher(engine=hub.engine, transports={"email": email},
                            renderer=TemplateRenderer(), clock=hub.clock, policy=ALWAYS,
                            settings=DispatchSettings(pause_after=3))
    counts = dispatcher.run().counts
    assert (counts["sent"], counts["retried"], counts["paused"]) == (2, 4, 2)
    [paused] = _audit(hub, "channel.paused")
    assert paused.detail["admins_alerted"] == 0  # no admin on file: the audit log tells
    with hub.engine.connect() as connection:
        assert list(outbox_ledger.paused_channels(connection, hub.clock.now())) == ["email"]
    hub.clock.moment += timedelta(hours=3)  # type: ignore[attr-defined]
    assert dispatcher.run().counts["sent"] == 6  # resumed by itself, nothing lost
    assert len(_audit(hub, "channel.resumed")) == 1
