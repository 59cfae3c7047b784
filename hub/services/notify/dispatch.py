"""The dispatcher: sends the outbox, at most once per idempotency key.

Each message moves queued -> claimed -> sending -> sent|queued (retry)|failed|skipped|held,
in short transactions. The claim is a conditional UPDATE, so two dispatchers
never take one row. `sending` is written before the message leaves the hub: a row still in
`sending` after its lease expired belonged to a dispatcher that died mid-send, and a debtor
notice in that state is never sent again automatically (it becomes `uncertain`).
A batch is claimed in one statement and its debtors read at once; a sent message's record
is written in the transaction that marks the next one `sending` (one commit per message,
and still never more than one message of a dispatcher in `sending`).

One run sends what was due when it started and takes each message at most once: a retry
it schedules is due later, so an outage cannot make it spin on its own retries. A channel
that fails for everyone (cannot be reached, or `pause_after` transient failures in a row
with no success) is paused for `pause`: its messages wait, without using up their
attempts, the admins get one alert (hub.services.notify.channel_alerts), and the first message
after the pause tries the channel again."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.clock import Clock
from hub.domain.contact_window import SATURDAY_SUNDAY
from hub.domain.contact_window import next_contact_time
from hub.domain.decisions import PolicySettings
from hub.domain.outbox import MESSAGE_FAILED
from hub.domain.outbox import MESSAGE_SENT
from hub.domain.outbox import MESSAGE_SKIPPED
from hub.domain.outbox import OUTSIDE_WINDOW
from hub.domain.outbox import Delivery
from hub.domain.outbox import MessageState
from hub.domain.outbox import TransportError
from hub.domain.outbox import describe_skipped
from hub.domain.outbox import retry_delay
from hub.ledger import outbox as ledger
from hub.ledger.event_log import add_event
from hub.ledger.outbox import DebtorContact
from hub.ledger.staff import audit
from hub.observe import metrics
from hub.ports import MessageRenderer
from hub.ports import PortalLinks
from hub.ports import Transport
from hub.services.notify.channel_alerts import alert_admins
from hub.services.notify.compose import Choice
from hub.services.notify.compose import ComposeSettings
from hub.services.notify.compose import choose_channel
from hub.services.notify.compose import compose
from hub.services.read.owed import OwedSource
from hub.services.read.owed import owed_sources

log = logging.getLogger(__name__)
ACTOR = "dispatcher"  # on the timeline events of what was sent, skipped or failed
HolidayTest = Callable[[str | None, date], bool]
WeekendOf = Callable[[str | None], frozenset[int]]  # country -> its rest days (weekday())


def no_holidays(_country: str | None, _day: date) -> bool:
    return False


def saturday_sunday(_country: str | None) -> frozenset[int]:
    return SATURDAY_SUNDAY


@dataclass(frozen=True)
class DispatchSettings:
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=5)  # longer than any one send can take
    max_attempts: int = 8
    backoff_base_seconds: int = 60
    backoff_cap_seconds: int = 3600
    pause_after: int = 5  # transient failures in a row, no success between: pause the channel
    pause: timedelta = timedelta(minutes=15)  # how long a failing channel is left alone
    alert_channels: tuple[str, ...] = ("slack", "teams", "email")  # for the outage alert
    compose: ComposeSettings = field(default_factory=ComposeSettings)


@dataclass
class DispatchReport:
    counts: Counter[str] = field(default_factory=Counter)  # outcome -> messages
    by_channel: Counter[str] = field(default_factory=Counter)  # channel sent on
    errors: list[str] = field(default_factory=list)

    def merge(self, other: DispatchReport) -> None:
        self.counts.update(other.counts)
        self.by_channel.update(other.by_channel)
        self.errors.extend(other.errors)


@dataclass
class _Batch:
    """One claimed batch (issue 16): its debtors' contacts and what they owe, read at
    once, and the writes waiting for the next transaction."""

    token: str
    contacts: dict[str, DebtorContact]
    owed: dict[int, OwedSource]
    pending: list[Callable[[Connection], None]] = field(default_factory=list)
    unrecorded: Counter[tuple[str, str]] = field(default_factory=Counter)  # sent, pending
    worked: set[str] = field(default_factory=set)  # channels whose failure count is reset
    connection: Connection | None = None  # the batch's own, for its transactions

    @classmethod
    def read(cls, connection: Connection, token: str, rows: list[Any]) -> _Batch:
        codes = [row.customer_code for row in rows
                 if row.recipient_kind == "debtor" and row.customer_code]
        contacts = ledger.debtor_contacts(connection, codes) if codes else {}
        owed = owed_sources(connection, [contact.customer_id for contact in contacts.values()]
                            ) if contacts else {}
        return cls(token, contacts, owed)

    def contact(self, row: Any) -> DebtorContact | None:
        if row.recipient_kind != "debtor" or not row.customer_code:
            return None
        return self.contacts.get(row.customer_code)


@dataclass
class Dispatcher:
    engine: Engine
    transports: Mapping[str, Transport]
    renderer: MessageRenderer
    clock: Clock
    policy: PolicySettings = field(default_factory=PolicySettings)
    portal: PortalLinks | None = None
    is_holiday: HolidayTest = no_holidays
    weekend_of: WeekendOf = saturday_sunday
    settings: DispatchSettings = field(default_factory=DispatchSettings)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    _paused: dict[str, tuple[datetime, str]] = field(default_factory=dict, init=False)
    _alerts: list[int] = field(default_factory=list, init=False)

    def recover(self) -> tuple[int, int]:
        with self.engine.begin() as connection:
            requeued, uncertain = ledger.recover_stale(connection, self.clock.now())
        if uncertain:
            log.warning("%d message(s) were being sent when a dispatcher stopped; they wait "
                        "for a person (state uncertain)", uncertain)
        return requeued, uncertain

    def run(self, *, max_batches: int | None = None) -> DispatchReport:
        """Send everything that is due now; returns what happened."""
        report = DispatchReport()
        requeued, uncertain = self.recover()
        report.counts.update({"requeued": requeued, "uncertain": uncertain})
        metrics.record_dispatch({"requeued": requeued, "uncertain": uncertain}, {})
        started = self.clock.now()  # what was due then; retries made now are due later
        self._alerts = []
        batches = 0
        while max_batches is None or batches < max_batches:
            batch = self.run_batch(due_by=started)
            report.merge(batch)
            batches += 1
            if batch.counts["claimed"] == 0:
                break
        return report

    def run_batch(self, *, due_by: datetime | None = None) -> DispatchReport:
        report = DispatchReport()
        token = f"{self.worker}:{uuid.uuid4().hex[:12]}"
        now = self.clock.now()
        alerts, self._alerts = tuple(self._alerts), []  # each taken at most once
        with self.engine.begin() as connection:
            rows = ledger.claim_batch(connection, token=token, now=now, due_by=due_by,
                                      lease=self.settings.lease, limit=self.settings.batch_size,
                                      also=alerts)
            flagged = ledger.flagged_channels(connection)
            self._paused = ledger.paused_channels(connection, now)
            batch = _Batch.read(connection, token, rows)
        report.counts["claimed"] = len(rows)
        self._each_transport("begin_batch")
        try:
            with self.engine.connect() as batch.connection:  # one for the batch's writes
                try:
                    for row in rows:
                        outcome = self._one(row, batch, flagged, report)
                        report.counts[outcome] += 1
                finally:
                    if batch.pending:  # the last message's record
                        with self._transaction(batch):
                            pass
        finally:
            self._each_transport("end_batch")
        metrics.record_dispatch(report.counts, report.by_channel)
        return report

    @contextmanager
    def _transaction(self, batch: _Batch, *, pending_last: bool = False
                     ) -> Iterator[Connection]:
        """A transaction that also writes what waits from the message sent before: its
        record goes in with the next message's `sending`, so one commit per message, and
        never more than one message of a dispatcher in `sending`. `pending_last`: after
        the body's work (composing a message may write a portal link through a connection
        of its own, which must not wait for this one's write lock on SQLite)."""
        connection = batch.connection
        assert connection is not None, "a batch's transactions run inside run_batch"
        with connection.begin():
            if not pending_last:
                self._write_pending(connection, batch)
            yield connection
            if pending_last:
                self._write_pending(connection, batch)
        batch.pending.clear()  # only once committed: a rollback leaves them to write
        batch.unrecorded.clear()

    @staticmethod
    def _write_pending(connection: Connection, batch: _Batch) -> None:
        for write in batch.pending:
            write(connection)

    def _each_transport(self, method: str) -> None:
        """Transports that keep a connection for a batch (SMTP) open it to reuse, and
        close it at the end."""
        for transport in self.transports.values():
            call = getattr(transport, method, None)
            if call is not None:
                try:
                    call()
                except Exception:  # best effort: each send still connects if it must
                    log.exception("%s of the %s transport failed", method, transport.channel)

    def _one(self, row: Any, batch: _Batch, flagged: dict[str, str],
             report: DispatchReport) -> str:
        now = self.clock.now()
        message_id: int = row.id
        token = batch.token
        with self._transaction(batch, pending_last=True) as connection:
            contact = batch.contact(row)
            if row.recipient_kind == "debtor" and contact is None:
                ledger.finish(connection, message_id, token, now, MessageState.FAILED,
                              from_state=MessageState.CLAIMED,
                              last_error=f"customer {row.customer_code!r} is not in the ledger")
                return "failed"
            if contact is not None:
                zone = ZoneInfo(contact.timezone or "UTC")
                opens = next_contact_time(
                    now, zone, self.policy.send_window,
                    business_days_only=self.policy.business_days_only,
                    is_holiday=lambda day: self.is_holiday(contact.country, day),
                    weekend=self.weekend_of(contact.country))
                if opens > now:
                    ledger.finish(connection, message_id, token, now, MessageState.QUEUED,
                                  from_state=MessageState.CLAIMED, next_attempt_at=opens,
                                  last_error=f"{OUTSIDE_WINDOW}: waits until "
                                             f"{opens.astimezone(zone):%Y-%m-%d %H:%M} "
                                             f"({zone.key})")
                    return "deferred"
            choice = choose_channel(connection, candidates=list(row.channels),
                                    contact=contact, staff_address=row.recipient,
                                    transports=self.transports, flagged=flagged,
                                    policy=self.policy, now=now,
                                    decided=row.skipped_channels or (),
                                    unrecorded=batch.unrecorded)
            if choice.channel is None or choice.channel in self._paused:
                return (self._no_channel(connection, row, token, choice, contact)
                        if choice.channel is None else
                        self._wait_for_channel(connection, message_id, token, choice.channel))
            today = now.astimezone(ZoneInfo(contact.timezone)).date() if contact else now.date()
            try:
                delivery = compose(connection, row, choice=choice, contact=contact,
                                   renderer=self.renderer, portal=self.portal,
                                   settings=self.settings.compose, today=today,
                                   source=batch.owed.get(contact.customer_id)
                                   if contact is not None else None)
            except Exception as exc:  # a template that cannot render: a person must fix it
                log.exception("cannot render %s", row.idempotency_key)
                ledger.finish(connection, message_id, token, now, MessageState.FAILED,
                              from_state=MessageState.CLAIMED,
                              last_error=f"template {row.template!r} ({row.language}): {exc}")
                return "failed"
            if not ledger.start_sending(connection, message_id, token, now,
                                        channel=choice.channel, recipient=choice.address,
                                        skipped_channels=choice.skipped,
                                        subject=delivery.subject, body=delivery.text,
                                        attempts=row.attempts + 1):
                return "lost_claim"
        return self._send(row, batch, choice, delivery, contact=contact, report=report)

    def _send(self, row: Any, batch: _Batch, choice: Choice, delivery: Delivery, *,
              contact: DebtorContact | None, report: DispatchReport) -> str:
        message_id: int = row.id
        channel = choice.channel or ""
        try:
            external_id = self.transports[channel].send(delivery)
        except TransportError as error:
            return self._failed(row, batch, channel, error, report)
        except Exception as exc:  # a bug in a transport: whether it went out is unknown
            log.exception("transport %s crashed on %s", choice.channel, row.idempotency_key)
            with self._transaction(batch) as connection:
                ledger.finish(connection, message_id, batch.token, self.clock.now(),
                              MessageState.UNCERTAIN, last_error=f"{choice.channel}: {exc!r}")
            report.errors.append(f"{row.idempotency_key}: {exc!r}")
            return "uncertain"
        now = self.clock.now()

        def record(connection: Connection) -> None:
            """Written with the next message's `sending` (or at the batch's end)."""
            ledger.mark_sent(connection, message_id, batch.token, now, external_id)
            if channel not in batch.worked:  # once a batch, and again after a failure
                outage = ledger.channel_worked(connection, channel, now)
                if outage is not None:
                    audit(connection, actor="dispatcher", action="channel.resumed",
                          now=now, target=channel,
                          detail={"outage_since": outage.isoformat()})
                    log.warning("channel %s works again (down since %s)", channel, outage)
                batch.worked.add(channel)
            if contact is not None:
                add_event(
                    connection, customer_id=contact.customer_id, kind=MESSAGE_SENT,
                    summary=f"{row.template} sent by {choice.channel}"
                            + (f" (not by {describe_skipped(choice.skipped)})"
                               if choice.skipped else ""),
                    data={"message": row.idempotency_key, "channel": choice.channel,
                          "skipped": choice.skipped}, now=now, actor=ACTOR)

        batch.pending.append(record)
        if contact is not None:
            batch.unrecorded[(contact.code, channel)] += 1
        report.by_channel[channel] += 1
        return "sent"

    def _wait_for_channel(self, connection: Connection, message_id: int, token: str,
                          channel: str) -> str:
        """The channel is paused after an outage: the message waits for the pause to end,
        and keeps its attempts (the channel failed, not the message)."""
        until, error = self._paused[channel]
        ledger.finish(connection, message_id, token, self.clock.now(), MessageState.QUEUED,
                      from_state=MessageState.CLAIMED, next_attempt_at=until,
                      last_error=f"channel {channel} is paused until "
                                 f"{until:%Y-%m-%d %H:%M} UTC: {error}")
        return "paused"

    def _no_channel(self, connection: Connection, row: Any, token: str, choice: Choice,
                    contact: DebtorContact | None) -> str:
        """Nothing to send on: wait for a person (flagged channel), for the cap to free up,
        or give up with the reasons on record."""
        now = self.clock.now()
        reasons = describe_skipped(choice.skipped)
        if choice.held_reason:
            ledger.finish(connection, row.id, token, now, MessageState.HELD,
                          from_state=MessageState.CLAIMED, skipped_channels=choice.skipped,
                          last_error=choice.held_reason)
            return "held"
        if choice.capped_until:
            ledger.finish(connection, row.id, token, now, MessageState.QUEUED,
                          from_state=MessageState.CLAIMED, skipped_channels=choice.skipped,
                          next_attempt_at=choice.capped_until, last_error=reasons)
            return "deferred"
        ledger.finish(connection, row.id, token, now, MessageState.SKIPPED,
                      from_state=MessageState.CLAIMED, skipped_channels=choice.skipped,
                      last_error=reasons or "no channel given")
        if contact is not None:
            add_event(connection, customer_id=contact.customer_id, kind=MESSAGE_SKIPPED,
                      summary=f"{row.template} not sent: {reasons}",
                      data={"message": row.idempotency_key, "skipped": choice.skipped},
                      now=now, actor=ACTOR)
        return "skipped"

    def _count_failure(self, connection: Connection, channel: str, error: TransportError,
                       detail: str, now: datetime) -> None:
        """A transient failure counts against the channel; the one that pauses it starts
        the outage and alerts the admins once."""
        until, started = ledger.channel_failed(
            connection, channel, detail, now, unreachable=error.unreachable,
            pause_after=self.settings.pause_after, pause=self.settings.pause)
        if until is None:
            return
        self._paused[channel] = (until, detail)
        if not started:
            return
        self._alerts += alert_admins(connection, channel=channel, error=detail, since=now,
                                     until=until, staff_channels=self.settings.alert_channels,
                                     hub_url=self.settings.compose.hub_url, now=now)
        audit(connection, actor="dispatcher", action="channel.paused", now=now,
              target=channel, detail={"error": detail, "until": until.isoformat(),
                                      "admins_alerted": len(self._alerts)})
        log.warning("channel %s fails for everyone (%s); paused until %s, admins alerted",
                    channel, detail, until)

    def _failed(self, row: Any, batch: _Batch, channel: str, error: TransportError,
                report: DispatchReport) -> str:
        """Transient: try again later with backoff. Permanent: the message fails; a
        configuration error also flags the channel so its other messages wait."""
        now = self.clock.now()
        attempts = row.attempts + 1
        detail = f"{channel}: {error.message}"
        retry = not error.permanent and attempts < self.settings.max_attempts
        metrics.record_send_failure(channel, retry=retry)
        token = batch.token
        batch.worked.discard(channel)  # the next success resets the count again
        with self._transaction(batch) as connection:
            if retry:
                delay = retry_delay(attempts, base_seconds=self.settings.backoff_base_seconds,
                                    cap_seconds=self.settings.backoff_cap_seconds,
                                    retry_after=error.retry_after)
                ledger.finish(connection, row.id, token, now, MessageState.QUEUED,
                              next_attempt_at=now + delay, last_error=detail)
                self._count_failure(connection, channel, error, detail, now)
                return "retried"
            ledger.finish(connection, row.id, token, now, MessageState.FAILED,
                          last_error=detail)
            if not error.permanent:  # out of attempts: still a failure of the channel
                self._count_failure(connection, channel, error, detail, now)
            if error.configuration:
                ledger.flag_channel(connection, channel, error.message, now)
            contact = batch.contact(row)
            if contact is not None:
                add_event(connection, customer_id=contact.customer_id, kind=MESSAGE_FAILED,
                          summary=f"{row.template} by {channel} failed: {error.message}",
                          data={"message": row.idempotency_key, "channel": channel},
                          now=now, actor=ACTOR)
        report.errors.append(f"{row.idempotency_key}: {detail}")
        log.warning("message %s failed for good: %s", row.idempotency_key, detail)
        return "failed"
