"""The dispatcher on SQLite and PostgreSQL: channel order, skip reasons, send window,
retries, permanent failures, flagged channels, and the mail folder default."""

from __future__ import annotations

from datetime import time
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.decisions import ChannelCap
from hub.domain.decisions import PolicySettings
from hub.domain.outbox import TransportError
from hub.ledger.outbox import enqueue
from hub.ledger.tables import channel_status
from hub.ledger.tables import events
from hub.ledger.tables import messages
from hub.services.notify.dispatch import Dispatcher
from hub.services.notify.dispatch import DispatchSettings
from notifications.templates import TemplateRenderer
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import ScriptedTransport
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice


def _rows(hub: Hub) -> dict[str, sa.Row]:
    with hub.engine.connect() as connection:
        return {row.customer_code: row for row in connection.execute(sa.select(messages))}


def _dispatcher(hub: Hub, *transports: ScriptedTransport,
                policy: PolicySettings = ALWAYS) -> Dispatcher:
    return Dispatcher(engine=hub.engine, transports={t.channel: t for t in transports},
                      renderer=TemplateRenderer(), clock=hub.clock, policy=policy,
                      settings=DispatchSettings(backoff_base_seconds=60))


def test_the_default_mail_folder_gets_one_eml_per_notice(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example", language="de")
        enqueue(connection, notice("ACME", "email", language="de"), now=hub.clock.now())
    report = hub.dispatcher(policy=ALWAYS).run()
    assert report.counts["sent"] == 1
    files = list((hub.settings.var_dir / "mail").glob("*.eml"))
    assert len(files) == 1
    mail = message_from_bytes(files[0].read_bytes(), policy=email_policy.default)
    assert mail["To"] == "Ann Smith <pay@acme.example>"
    assert mail["Subject"] == "Freundliche Erinnerung: 1.234,56\xa0€ überfällig"
    row = _rows(hub)["ACME"]
    assert (row.state, row.channel, row.attempts) == ("sent", "email", 1)
    assert row.subject == mail["Subject"]
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 0  # never twice
    with hub.engine.connect() as connection:
        kinds = connection.execute(sa.select(events.c.kind)).scalars().all()
    assert "message.sent" in kinds


def test_the_first_channel_the_customer_can_receive_is_used_and_skips_are_explained(
        hub: Hub) -> None:
    email, sms, letter = (ScriptedTransport("email"), ScriptedTransport("sms"),
                          ScriptedTransport("letter"))
    with hub.engine.begin() as connection:
        debtor(connection, "NOMAIL", phone="invalid-number", address=True)
        debtor(connection, "NOTHING")
        enqueue(connection, notice("NOMAIL", "email", "sms", "letter"), now=hub.clock.now())
        enqueue(connection, notice("NOTHING", "email", "sms"), now=hub.clock.now())
    report = _dispatcher(hub, email, sms, letter).run()
    assert report.counts["sent"] == 1
    assert report.counts["skipped"] == 1
    rows = _rows(hub)
    assert rows["NOMAIL"].channel == "letter"
    assert rows["NOMAIL"].skipped_channels == [
        {"channel": "email", "reason": "no e-mail address"},
        {"channel": "sms", "reason": "'invalid-number' cannot be used"}]
    assert letter.sent[0].postal is not None
    assert letter.sent[0].statement_total == "€1,234.56"
    assert rows["NOTHING"].state == "skipped"
    assert "no phone number on file" in rows["NOTHING"].last_error


def test_outside_the_send_window_the_message_waits(hub: Hub) -> None:
    email = ScriptedTransport("email")
    with hub.engine.begin() as connection:  # 09:00 UTC is 20:00 in Sydney's summer
        debtor(connection, "SYD", email="ap@syd.example", timezone="Australia/Sydney")
        enqueue(connection, notice("SYD", "email"), now=hub.clock.now())
    policy = PolicySettings(send_window=(time(8), time(20)), business_days_only=True)
    report = _dispatcher(hub, email, policy=policy).run()
    assert report.counts["deferred"] == 1
    assert email.sent == []
    row = _rows(hub)["SYD"]
    assert row.state == "queued"
    assert row.attempts == 0
    # the next window opens 08:00 Tuesday in Sydney = 21:00 UTC Monday
    assert row.next_attempt_at.replace(tzinfo=None) == hub.clock.now().replace(
        hour=21, tzinfo=None)


def test_a_transient_error_is_retried_with_backoff_then_sent(hub: Hub) -> None:
    email = ScriptedTransport("email", TransportError("451 busy"), None)
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example")
        enqueue(connection, notice("ACME", "email"), now=hub.clock.now())
    assert _dispatcher(hub, email).run().counts["retried"] == 1
    row = _rows(hub)["ACME"]
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "email: 451 busy")
    assert _dispatcher(hub, email).run().counts["claimed"] == 0  # not due yet
    hub.clock.moment += timedelta(seconds=61)  # type: ignore[attr-defined]
    assert _dispatcher(hub, email).run().counts["sent"] == 1
    assert len(email.sent) == 1
    assert _rows(hub)["ACME"].attempts == 2


def test_a_configuration_error_fails_the_message_and_holds_the_rest(hub: Hub) -> None:
    sms = ScriptedTransport("sms", TransportError("Twilio 401 code 20003",
                                                  configuration=True))
    with hub.engine.begin() as connection:
        debtor(connection, "A", phone="+31612345678")
        debtor(connection, "B", phone="+31612345679")
        enqueue(connection, notice("A", "sms"), now=hub.clock.now())
    _dispatcher(hub, sms).run()
    with hub.engine.begin() as connection:
        enqueue(connection, notice("B", "sms"), now=hub.clock.now())
    report = _dispatcher(hub, sms).run()
    rows = _rows(hub)
    assert rows["A"].state == "failed"
    assert rows["B"].state == "held"
    assert report.counts["held"] == 1
    with hub.engine.connect() as connection:
        flag = connection.execute(sa.select(channel_status)).one()
    assert flag.flagged
    assert "20003" in flag.last_error


def test_a_frequency_cap_moves_on_to_the_next_channel(hub: Hub) -> None:
    email, letter = ScriptedTransport("email"), ScriptedTransport("letter")
    policy = PolicySettings(send_window=ALWAYS.send_window, business_days_only=False,
                            caps=(ChannelCap("email", 1, 7),))
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example", address=True)
        enqueue(connection, notice("ACME", "email", "letter", template="reminder-1"),
                now=hub.clock.now())
        enqueue(connection, notice("ACME", "email", "letter", template="reminder-2"),
                now=hub.clock.now())
    report = _dispatcher(hub, email, letter, policy=policy).run()
    assert report.by_channel == {"email": 1, "letter": 1}


class _ConsumerLetters(TemplateRenderer):
    """As if `final-notice-b2c` existed: letters to consumers use it."""

    def __init__(self) -> None:
        super().__init__()
        self.used: list[str] = []

    def has_template(self, template: str, language: str) -> bool:
        return template == "final-notice-b2c"

    def render(self, template: str, language: str, channel: str, context):  # type: ignore[no-untyped-def]
        self.used.append(template)
        return super().render(template.removesuffix("-b2c"), language, channel, context)


def test_letters_pick_the_template_of_the_customer_group(hub: Hub) -> None:
    letter = ScriptedTransport("letter")
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", address=True)
        enqueue(connection, notice("ACME", "letter", template="final-notice"),
                now=hub.clock.now())
        connection.execute(sa.text("UPDATE customers SET kind = 'B2C' WHERE code = 'ACME'"))
    renderer = _ConsumerLetters()
    Dispatcher(engine=hub.engine, transports={"letter": letter}, renderer=renderer,
               clock=hub.clock, policy=ALWAYS).run()
    assert renderer.used == ["final-notice-b2c"]
    assert letter.sent[0].statement_total == "€1,234.56"


def test_two_dispatchers_never_send_one_message(hub: Hub) -> None:
    import threading
    from collections import Counter

    email = ScriptedTransport("email")
    with hub.engine.begin() as connection:
        for n in range(60):
            debtor(connection, f"C{n:02d}", email=f"c{n}@example.com")
            enqueue(connection, notice(f"C{n:02d}", "email"), now=hub.clock.now())
    workers = [Dispatcher(engine=hub.engine, transports={"email": email},
                          renderer=TemplateRenderer(), clock=hub.clock, policy=ALWAYS,
                          settings=DispatchSettings(batch_size=5), worker=f"w{n}")
               for n in range(2)]
    threads = [threading.Thread(target=worker.run) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = Counter(delivery.key for delivery in email.sent)
    assert len(sent) == 60
    assert max(sent.values()) == 1
    with hub.engine.connect() as connection:
        claimers = {row.claimed_by.split(":")[0] for row in connection.execute(
            sa.select(messages.c.claimed_by))}
    assert claimers <= {"w0", "w1"}


def test_a_formal_notice_by_email_carries_the_statement_and_the_invoice_copy(hub: Hub) -> None:
    documents = hub.settings.documents_path / "invoices"
    documents.mkdir(parents=True)
    (documents / "ACME-1.pdf").write_bytes(b"%PDF-1.4 invoice copy")
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example")
        connection.execute(sa.text("UPDATE invoices SET document_ref = 'invoices/ACME-1.pdf'"))
        enqueue(connection, notice("ACME", "email", template="final-notice"),
                now=hub.clock.now())
    hub.dispatcher(policy=ALWAYS).run()
    path = next((hub.settings.var_dir / "mail").glob("*.eml"))
    mail = message_from_bytes(path.read_bytes(), policy=email_policy.default)
    names = [part.get_filename() for part in mail.iter_attachments()]
    assert names == ["ACME-1.pdf", "statement.pdf"]


def test_dispatchers_claiming_at_the_same_moment_take_different_rows(hub: Hub) -> None:
    """PostgreSQL: while one dispatcher's claim is still open (its rows locked), a second
    one skips those rows (FOR UPDATE SKIP LOCKED) and takes the next ones at once, instead
    of waiting behind the first and coming away empty."""
    if hub.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    from hub.ledger.outbox import claim_batch

    with hub.engine.begin() as connection:
        for n in range(12):
            debtor(connection, f"C{n:02d}", email=f"c{n}@example.com")
            enqueue(connection, notice(f"C{n:02d}", "email"), now=hub.clock.now())
    now = hub.clock.now()
    with hub.engine.connect() as first, hub.engine.connect() as second:
        taken = claim_batch(first, token="first", now=now, lease=timedelta(minutes=5),
                            limit=5)
        second.execute(sa.text("SET LOCAL lock_timeout = '5s'"))  # never hang the suite
        also = claim_batch(second, token="second", now=now, lease=timedelta(minutes=5),
                           limit=5)
        second.commit()
        first.commit()
    assert len(taken) == len(also) == 5
    assert not {row.id for row in taken} & {row.id for row in also}
    with hub.engine.connect() as connection:
        claimed = connection.execute(sa.select(messages.c.claimed_by, sa.func.count())
                                     .group_by(messages.c.claimed_by)).all()
    assert dict(claimed) == {"first": 5, "second": 5, None: 2}
