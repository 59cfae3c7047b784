"""Notifications benchmark: dispatch N messages over every channel against the fakes.

    python bench/notify.py --messages 10000 [--workers 2] [--size 500 --rounds 3]
    HUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test python bench/notify.py

First, e-mail alone as a ratio (issue 16): in each of `--rounds` interleaved rounds, the
hub's dispatcher drains `--size` queued e-mails (one per debtor, rendered from the real
templates) to the fake SMTP server, and plain `smtplib` sends the same number of messages
to the same server over one connection; prints messages a second, min and median, and
hub/smtplib. Then the mixed run below, and the drain time of a go-live day's 100k messages
at the measured rate (extrapolated from the run: said so where printed).

Starts the fake SMTP, Twilio, Slack, Entra+Graph and Teams Workflows servers from
tests/fake_servers on 127.0.0.1, builds a ledger (SQLite file, or a fresh PostgreSQL
schema) with one debtor per four notices plus colleagues, queues N messages (debtor
e-mail, SMS, Graph mail, letters; staff Slack and Teams), injects rate limits and busy
mailboxes, and runs real dispatchers (the real transports and client libraries) until
the outbox is drained. Prints throughput overall and per channel, retries, failures,
and messages per recipient per cycle. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import smtplib
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC
from datetime import datetime
from datetime import time as clock_time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))  # last: bench/rules.py is no `rules`
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from rounds import interleave
from rounds import load_line
from rounds import ratio_line

from hub.bootstrap import bootstrap
from hub.config import NotifySettings
from hub.config import Settings
from hub.domain.clock import SystemClock
from hub.domain.decisions import PolicySettings
from hub.domain.model import Role
from hub.domain.model import User
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import PostalAddress
from hub.domain.outbox import RecipientKind
from hub.ledger.addresses import set_addresses
from hub.ledger.outbox import enqueue_many
from hub.ledger.tables import messages
from hub.ledger.users import upsert_users
from hub.services.notify.dispatch import Dispatcher
from hub.services.notify.dispatch import DispatchSettings
from notifications.templates import TemplateRenderer
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.fake_servers.microsoft import CLIENT_ID
from tests.fake_servers.microsoft import CLIENT_SECRET
from tests.fake_servers.microsoft import TENANT
from tests.fake_servers.microsoft import FakeMicrosoft
from tests.fake_servers.slack import TOKEN
from tests.fake_servers.slack import FakeSlack
from tests.fake_servers.smtp import FakeSmtp
from tests.fake_servers.teams import FakeTeamsWorkflow
from tests.fake_servers.twilio import ACCOUNT_SID
from tests.fake_servers.twilio import AUTH_TOKEN
from tests.fake_servers.twilio import FakeTwilio

MIX = (("email", 40), ("sms", 20), ("graph_mail", 10), ("letter", 10), ("slack", 10),
       ("teams", 10))
LANGUAGES = ("en", "nl", "de", "pl", "es")
STAFF = 20
ALWAYS = PolicySettings(send_window=(clock_time(0), clock_time(23, 59, 59)),
                        business_days_only=False)


class Fakes:
    def __init__(self) -> None:
        self.smtp = FakeSmtp().start()
        self.twilio = FakeTwilio().start()
        self.slack = FakeSlack().start()
        self.microsoft = FakeMicrosoft().start()
        self.teams = FakeTeamsWorkflow().start()
        self.microsoft.mailboxes = {"ar@contoso.example"}
        for n in range(STAFF):
            self.slack.add_user(f"staff{n}@example.com")

    def settings(self) -> NotifySettings:
        return NotifySettings(
            smtp_host="127.0.0.1", smtp_port=self.smtp.port, smtp_security="none",
            smtp_from="ar@hub.example", slack_token=TOKEN,
            slack_api_url=f"{self.slack.url}/api/", teams_webhook_url=self.teams.webhook_url,
            graph_tenant=TENANT, graph_client_id=CLIENT_ID, graph_client_secret=CLIENT_SECRET,
            graph_authority=self.microsoft.url, graph_base_url=self.microsoft.url,
            graph_sender="ar@contoso.example", twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN, twilio_from="+3197010000000",
            twilio_base_url=self.twilio.url)

    def faults(self, count: int) -> None:
        """About 1% rate limits and busy mailboxes: retried, never lost."""
        self.twilio.throttle_next(times=max(1, count // 500))
        self.slack.rate_limit_next("chat.postMessage", retry_after=0, times=max(1, count // 1000))
        self.teams.fail_next("/workflows/", 429, headers={"Retry-After": "0"},
                             times=max(1, count // 1000))
        self.microsoft.throttle_next(retry_after=0, times=max(1, count // 1000))
        for n in range(0, count // 4, 50):
            self.smtp.busy[f"ap{n}@debtor{n}.example"] = 1

    def stop(self) -> None:
        for server in (self.smtp, self.twilio, self.slack, self.microsoft, self.teams):
            server.stop()


def seed(hub, count: int, debtors: int | None = None) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    debtors = debtors or max(1, count // 4)
    now = datetime.now(UTC)
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email=f"staff{n}@example.com", name=f"Staff {n}",
                                       role=Role("collector"), department="sales")
                                  for n in range(STAFF)], now)
        addresses = {}
        for n in range(debtors):
            cid = add_customer(connection, f"D{n:06d}", language=LANGUAGES[n % 5],
                               country="NL", owner=f"staff{n % STAFF}@example.com")
            add_contact(connection, cid, f"Debtor {n}", email=f"ap{n}@debtor{n}.example",
                        phone=f"+3161{n % 10000000:07d}", is_primary=True)
            add_invoice(connection, f"INV-{n:06d}", cid, issued="2026-09-01",
                        due="2026-10-01", amount=f"{100 + n % 900}.00")
            addresses[cid] = PostalAddress("", (f"Straat {n}",), f"{1000 + n % 8999} AB",
                                           "Utrecht", "NL")
        set_addresses(connection, addresses, now=now)
    batch = now.date().isoformat()
    plan: list[OutboxMessage] = []
    channels = [channel for channel, share in MIX for _ in range(share)]
    for n in range(count):
        channel = channels[n % len(channels)]
        if channel in ("slack", "teams"):
            plan.append(OutboxMessage(
                idempotency_key=f"bench|{n}", template="escalation",
                recipient_kind=RecipientKind.STAFF, recipient=f"staff{n % STAFF}@example.com",
                channels=(channel,), batch=batch,
                context={"customer_code": f"D{n % debtors:06d}", "task_type": "call",
                         "assignee": "staff", "overdue_days": 4}))
        else:
            template = "reminder-1" if channel != "letter" else "final-notice"
            plan.append(OutboxMessage(
                idempotency_key=f"bench|{n}", template=template,
                customer_code=f"D{n % debtors:06d}", channels=(channel,),
                language=LANGUAGES[n % 5], batch=batch))
    return plan


def email_ratio(size: int, rounds: int) -> None:
    """Hub e-mail dispatch against plain smtplib to the same fake, interleaved rounds."""
    smtp = FakeSmtp().start()
    folder = Path(tempfile.mkdtemp(prefix="bench-notify-mail-"))
    notify = NotifySettings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
                            smtp_from="ar@hub.example")
    counter = [0]

    def hub_round() -> float:
        counter[0] += 1
        settings = Settings(var_dir=folder / str(counter[0]),
                            database_url=f"sqlite:///{folder / f'{counter[0]}.db'}",
                            progress=False, notify=notify, log_level="WARNING")
        hub = bootstrap(settings, clock=SystemClock(settings.zone))
        plan = [OutboxMessage(idempotency_key=f"mail|{n}", template="reminder-1",
                              customer_code=f"D{n:06d}", channels=("email",),
                              language=LANGUAGES[n % 5], batch="b")
                for n in range(size)]
        seed(hub, 0, debtors=size)
        with hub.engine.begin() as connection:
            enqueue_many(connection, plan)
        dispatcher = Dispatcher(engine=hub.engine, transports=hub.transports,
                                renderer=TemplateRenderer(), clock=hub.clock, policy=ALWAYS)
        started = time.perf_counter()
        report = dispatcher.run()
        seconds = time.perf_counter() - started
        hub.engine.dispose()
        assert report.counts["sent"] == size, report.counts
        return size / seconds

    def smtplib_round() -> float:
        body = ("Dear customer,\n\ninvoice INV-000001 of EUR 100.00 was due on 1 October. "
                "Please pay it.\n") * 3
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", smtp.port) as client:
            for n in range(size):
                message = EmailMessage()
                message["From"], message["To"] = "ar@hub.example", f"ap{n}@debtor.example"
                message["Subject"] = "Reminder: invoice INV-000001"
                message.set_content(body)
                client.send_message(message)
        return size / (time.perf_counter() - started)

    print(f"e-mail dispatch, {size} messages a round, {rounds} interleaved rounds "
          f"({load_line()})")
    found = interleave(rounds, {"hub dispatch": hub_round, "plain smtplib": smtplib_round})
    print(ratio_line("e-mail vs plain smtplib", found["hub dispatch"],
                     found["plain smtplib"], "messages/s", ">= 0.5"))
    smtp.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="dispatchers side by side")
    parser.add_argument("--size", type=int, default=500, help="e-mails a round (ratio)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the e-mail ratio")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per fake request
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    if args.rounds:
        email_ratio(args.size, args.rounds)
    if not args.messages:
        return
    fakes = Fakes()
    folder = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    url = os.environ.get("HUB_BENCH_POSTGRES_URL") or f"sqlite:///{folder / 'hub.db'}"
    settings = Settings(var_dir=folder, database_url=url, progress=False,
                        notify=fakes.settings(), log_level="WARNING")
    hub = bootstrap(settings, clock=SystemClock(settings.zone))
    print(f"ledger: {hub.engine.dialect.name}; {args.messages} messages, "
          f"{args.workers} dispatcher(s) ({load_line()})")
    started = time.perf_counter()
    plan = seed(hub, args.messages)
    with hub.engine.begin() as connection:
        queued = enqueue_many(connection, plan)
    print(f"seed + enqueue: {time.perf_counter() - started:.1f} s ({queued} queued)")
    fakes.faults(args.messages)

    def work() -> None:
        dispatcher = Dispatcher(engine=hub.engine, transports=hub.transports,
                                renderer=TemplateRenderer(), clock=hub.clock, policy=ALWAYS,
                                settings=DispatchSettings(batch_size=50, backoff_base_seconds=1,
                                                          backoff_cap_seconds=2,
                                                          pause=timedelta(seconds=2)))
        while True:
            report = dispatcher.run()
            with hub.engine.connect() as connection:
                left = connection.execute(sa.select(sa.func.count()).select_from(messages)
                                          .where(messages.c.state == "queued")).scalar_one()
            if not left:
                return
            if not report.counts["claimed"]:
                time.sleep(0.5)

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(args.workers - 1)]
    for thread in threads:
        thread.start()
    work()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    letters = hub.transports["letter"].close_batch(plan[0].batch or "")  # type: ignore[attr-defined]
    report(hub, elapsed, fakes, letters)
    fakes.stop()


def report(hub, elapsed: float, fakes: Fakes, letters: Path | None) -> None:  # type: ignore[no-untyped-def]
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(messages.c.state, messages.c.channel,
                                            messages.c.attempts, messages.c.customer_code,
                                            messages.c.recipient, messages.c.batch)).all()
    states = Counter(row.state for row in rows)
    sent = [row for row in rows if row.state == "sent"]
    print(f"dispatch: {elapsed:.1f} s, {len(sent) / elapsed:.0f} messages/s; states {dict(states)}")
    if sent:
        drain = 100_000 / (len(sent) / elapsed)
        window = 12 * 3600  # the default send window, 08:00-20:00
        print(f"drain time for a go-live day's 100,000 messages at this rate: "
              f"{drain / 3600:.1f} h (extrapolated from the {len(sent)} measured here, not "
              f"measured at 100,000); fits the default 12 h send window: "
              f"{'yes' if drain <= window else 'no'} ({drain / window:.0%} of it)")
    by_channel = Counter(row.channel for row in sent)
    print("per channel: " + ", ".join(f"{c} {n}" for c, n in sorted(by_channel.items())))
    retries = sum(row.attempts - 1 for row in rows if row.attempts > 1)
    print(f"retries: {retries} (messages retried: {sum(1 for r in rows if r.attempts > 1)})")
    for kind, rows_of_kind in (("debtor", [r for r in sent if r.customer_code and
                                           r.channel not in ("slack", "teams")]),
                               ("colleague", [r for r in sent if r.channel in ("slack",
                                                                              "teams")])):
        per_recipient = Counter((row.customer_code if kind == "debtor" else row.recipient,
                                 row.batch) for row in rows_of_kind)
        values = sorted(per_recipient.values()) or [0]
        print(f"messages per {kind} per cycle: max {values[-1]}, median "
              f"{values[len(values) // 2]}, mean {sum(values) / len(values):.2f} "
              f"over {len(per_recipient)} recipients (the bench's synthetic mix)")
    delivered = (len(fakes.smtp.received) + len(fakes.twilio.messages) + len(fakes.slack.posted)
                 + len(fakes.teams.cards) + len(fakes.microsoft.sent) + by_channel["letter"])
    print(f"received by the fakes (+ letters written): {delivered}; print batch: {letters}")


if __name__ == "__main__":
    main()
