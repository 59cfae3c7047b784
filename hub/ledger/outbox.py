"""The outbox: queued messages with a unique idempotency key, and the one place messages
are queued.

Queuing the same key twice is a no-op, so applying a decision again never sends a second
notice: `enqueue` / `enqueue_many` (one statement per message, ON CONFLICT DO NOTHING, for
services that queue a few) and `enqueue_new` (the cycle's bulk path: the keys already queued
are read once, the rest written in one statement) share the row (`message_row`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Row
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from hub.domain.outbox import MessageState
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import PostalAddress
from hub.ledger.addresses import postal_address
from hub.ledger.bulk import insert_tuples
from hub.ledger.in_lists import chunks
from hub.ledger.lookups import rows_by_key
from hub.ledger.tables import channel_status
from hub.ledger.tables import contacts
from hub.ledger.tables import customer_addresses
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import users

# The columns of a queued message, in the order of `message_values`.
MESSAGE_COLUMNS = (
    "idempotency_key", "customer_code", "recipient_kind", "recipient", "channels", "channel",
    "skipped_channels", "template", "language", "context", "decision_key", "batch", "state",
    "attempts", "not_before", "next_attempt_at", "created_at", "updated_at")


def message_values(message: OutboxMessage, now: datetime) -> tuple[Any, ...]:
    """A new message's row as a tuple in MESSAGE_COLUMNS' order (the cycle's bulk path
    builds no dict per message)."""
    start = message.not_before if message.not_before and message.not_before > now else now
    return (message.idempotency_key, message.customer_code, str(message.recipient_kind),
            message.recipient, [str(channel) for channel in message.candidates], None,
            [dict(item) for item in message.skipped], message.template, message.language,
            message.context, message.decision_key, message.batch, MessageState.QUEUED.value,
            0, message.not_before, start, now, now)


def message_row(message: OutboxMessage, now: datetime) -> dict[str, Any]:
    return dict(zip(MESSAGE_COLUMNS, message_values(message, now), strict=True))


def enqueue(connection: Connection, message: OutboxMessage, *,
            now: datetime | None = None) -> bool:
    """Queue a message; False when its idempotency key is already in the outbox.

    Runs in the caller's transaction and never raises for a duplicate (ON CONFLICT DO
    NOTHING), so the caller's other writes survive."""
    return enqueue_many(connection, [message], now=now) == 1


def enqueue_many(connection: Connection, batch: list[OutboxMessage], *,
                 now: datetime | None = None) -> int:
    """Queue several messages at once; returns how many were new."""
    if not batch:
        return 0
    moment = now or datetime.now(UTC)
    rows = [message_row(message, moment) for message in batch]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(messages).on_conflict_do_nothing(
        index_elements=[messages.c.creditor_id, messages.c.idempotency_key])
    created = 0
    for row in rows:  # a returned id means the row is new (rowcount is unreliable here)
        new_id = connection.execute(statement.values(**row).returning(messages.c.id))
        created += new_id.scalar_one_or_none() is not None
    return created


def enqueue_new(connection: Connection, batch: list[OutboxMessage], *, now: datetime) -> int:
    """Queue the messages whose keys are not queued yet, in one executemany (the cycle
    queues thousands; it holds the cycle lock, so no one else queues its keys meanwhile).
    A key twice in `batch`: the last message wins. Returns how many were queued."""
    wanted = {message.idempotency_key: message for message in batch}
    queued = rows_by_key(connection, messages, "idempotency_key", list(wanted), columns=["id"])
    rows = [message_values(message, now) for key, message in wanted.items()
            if key not in queued]
    if rows and not insert_tuples(connection, messages, MESSAGE_COLUMNS, rows):
        connection.execute(messages.insert(), [dict(zip(MESSAGE_COLUMNS, row, strict=True))
                                               for row in rows])
    return len(rows)


# --- the dispatcher's side: claim, record, recover ------------------------------------

def claim_batch(connection: Connection, *, token: str, now: datetime, lease: timedelta,
                limit: int, due_by: datetime | None = None,
                also: tuple[int, ...] = ()) -> list[Row[Any]]:
    """Claim up to `limit` due messages for `token` with a conditional UPDATE: a row
    another dispatcher claimed first is no longer `queued`, so it is not taken twice.
    On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so dispatchers claiming
    at the same moment each take different rows instead of queueing behind one another
    and coming away empty; SQLite has one writer at a time, so the conditional UPDATE
    alone keeps claims apart there.

    `due_by`: only messages due at that moment (a dispatch run's start): whatever the run
    puts back in the queue is due later, so one run never takes a message twice.
    `also`: ids to take even if due later (the run's own alerts to the admins)."""
    due_at = messages.c.next_attempt_at <= (due_by or now)
    due = (sa.select(messages.c.id)
           .where(messages.c.state == MessageState.QUEUED.value,
                  sa.or_(due_at, messages.c.id.in_(also)) if also else due_at)
           .order_by(messages.c.next_attempt_at, messages.c.id).limit(limit))
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # one statement (issue 16): the rows picked, taken and read back at once. The pick is a
    # materialized CTE: as `id IN (subquery)` PostgreSQL may run the LIMIT once per row.
    picked = due.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    claimed = connection.execute(
        sa.update(messages)
        .where(messages.c.id == picked.c.id,
               messages.c.state == MessageState.QUEUED.value)
        .values(state=MessageState.CLAIMED.value, claimed_by=token,
                claimed_until=now + lease, updated_at=now)
        .returning(*messages.c)).all()
    return sorted(claimed, key=lambda row: row.id)


def _transition(connection: Connection, message_id: int, token: str, from_state: MessageState,
                **values: Any) -> bool:
    result = connection.execute(
        sa.update(messages)
        .where(messages.c.id == message_id, messages.c.claimed_by == token,
               messages.c.state == from_state.value)
        .values(**values))
    return result.rowcount == 1


def mark_sending(connection: Connection, message_id: int, token: str, now: datetime,
                 **values: Any) -> bool:
    """The last write before the message leaves the hub. If the process dies after this,
    the row stays `sending` and is found by `recover_stale`."""
    return _transition(connection, message_id, token, MessageState.CLAIMED,
                       state=MessageState.SENDING.value, updated_at=now, **values)


# The dispatcher's two writes per message sent, built once (issue 16: building and
# caching an UPDATE per call cost more than running it).
_MARK_SENDING = (
    sa.update(messages)
    .where(messages.c.id == sa.bindparam("m_id"), messages.c.claimed_by == sa.bindparam("m_token"),
           messages.c.state == MessageState.CLAIMED.value)
    .values(state=MessageState.SENDING.value, updated_at=sa.bindparam("m_now"),
            channel=sa.bindparam("m_channel"), recipient=sa.bindparam("m_recipient"),
            skipped_channels=sa.bindparam("m_skipped", type_=messages.c.skipped_channels.type),
            subject=sa.bindparam("m_subject"), body=sa.bindparam("m_body"),
            attempts=sa.bindparam("m_attempts")))
_MARK_SENT = (
    sa.update(messages)
    .where(messages.c.id == sa.bindparam("m_id"), messages.c.claimed_by == sa.bindparam("m_token"),
           messages.c.state == MessageState.SENDING.value)
    .values(state=MessageState.SENT.value, updated_at=sa.bindparam("m_now"),
            sent_at=sa.bindparam("m_now"), external_id=sa.bindparam("m_external"),
            last_error=None))


def start_sending(connection: Connection, message_id: int, token: str, now: datetime, *,
                  channel: str, recipient: str | None, skipped_channels: list[dict[str, str]],
                  subject: str | None, body: str | None, attempts: int) -> bool:
    """`mark_sending` through the statement built once."""
    return connection.execute(_MARK_SENDING, {
        "m_id": message_id, "m_token": token, "m_now": now, "m_channel": channel,
        "m_recipient": recipient, "m_skipped": skipped_channels, "m_subject": subject,
        "m_body": body, "m_attempts": attempts}).rowcount == 1


def mark_sent(connection: Connection, message_id: int, token: str, now: datetime,
              external_id: str | None) -> bool:
    """`finish(..., SENT)` through the statement built once."""
    return connection.execute(_MARK_SENT, {
        "m_id": message_id, "m_token": token, "m_now": now,
        "m_external": external_id}).rowcount == 1


def finish(connection: Connection, message_id: int, token: str, now: datetime,
           state: MessageState, *, from_state: MessageState = MessageState.SENDING,
           **values: Any) -> bool:
    """Record the outcome; a queued outcome gives the claim up."""
    if state in (MessageState.QUEUED, MessageState.HELD, MessageState.UNCERTAIN):
        values.setdefault("claimed_by", None)
        values.setdefault("claimed_until", None)
    return _transition(connection, message_id, token, from_state, state=state.value,
                       updated_at=now, **values)


def recover_stale(connection: Connection, now: datetime) -> tuple[int, int]:
    """After a crash: expired claims that never reached `sending` go back to the queue;
    expired `sending` rows to debtors become `uncertain` (a person decides), staff rows
    are queued again (a second digest beats a lost one). Returns (requeued, uncertain)."""
    expired = messages.c.claimed_until < now
    requeued = connection.execute(
        sa.update(messages).where(messages.c.state == MessageState.CLAIMED.value, expired)
        .values(state=MessageState.QUEUED.value, claimed_by=None, claimed_until=None,
                updated_at=now)).rowcount
    requeued += connection.execute(
        sa.update(messages).where(messages.c.state == MessageState.SENDING.value, expired,
                                  messages.c.recipient_kind == "staff")
        .values(state=MessageState.QUEUED.value, claimed_by=None, claimed_until=None,
                last_error="the dispatcher stopped during the send; sent again",
                updated_at=now)).rowcount
    uncertain = connection.execute(
        sa.update(messages).where(messages.c.state == MessageState.SENDING.value, expired)
        .values(state=MessageState.UNCERTAIN.value, claimed_by=None, claimed_until=None,
                last_error="the dispatcher stopped during the send: it may or may not have "
                           "gone out; check with the recipient, then release or mark sent",
                updated_at=now)).rowcount
    return requeued, uncertain


def counts_by_state(connection: Connection, department: str | None = None) -> dict[str, int]:
    query = sa.select(messages.c.state, sa.func.count()).group_by(messages.c.state)
    if department is not None:
        query = query.where(in_department(department))
    rows = connection.execute(query)
    return {row[0]: int(row[1]) for row in rows}


def sent_since(connection: Connection, customer_code: str, channel: str,
               since: datetime) -> int:
    return int(connection.execute(
        sa.select(sa.func.count()).select_from(messages)
        .where(messages.c.customer_code == customer_code, messages.c.channel == channel,
               messages.c.state.in_([MessageState.SENT.value, MessageState.SENDING.value,
                                     MessageState.UNCERTAIN.value]),
               messages.c.sent_at >= since)).scalar_one())


def flagged_channels(connection: Connection) -> dict[str, str]:
    rows = connection.execute(sa.select(channel_status.c.channel, channel_status.c.last_error)
                              .where(channel_status.c.flagged.is_(True)))
    return {row.channel: row.last_error or "" for row in rows}


def flag_channel(connection: Connection, channel: str, error: str, now: datetime) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {"flagged": True, "last_error": error, "flagged_at": now, "updated_at": now}
    connection.execute(dialect.insert(channel_status).values(channel=channel, **values)
                       .on_conflict_do_update(index_elements=[channel_status.c.channel],
                                              set_=values))


def paused_channels(connection: Connection, now: datetime) -> dict[str, tuple[datetime, str]]:
    """Channels paused after an outage: channel -> (paused until, the last error)."""
    rows = connection.execute(
        sa.select(channel_status.c.channel, channel_status.c.paused_until,
                  channel_status.c.last_error)
        .where(channel_status.c.paused_until.is_not(None), channel_status.c.paused_until > now))
    return {row.channel: (_aware(row.paused_until, now), row.last_error or "") for row in rows}


def channel_failed(connection: Connection, channel: str, error: str, now: datetime, *,
                   unreachable: bool, pause_after: int, pause: timedelta
                   ) -> tuple[datetime | None, bool]:
    """Count one transient failure on `channel`. When the channel cannot be reached, or
    has failed `pause_after` times in a row with no success, pause it until now + `pause`.
    Returns (paused until or None, whether this pause starts an outage: the one time the
    admins are told; a channel that fails again after its pause stays in that outage)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(channel_status).values(
        channel=channel, flagged=False, failures=1, last_error=error, updated_at=now)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[channel_status.c.channel],
        set_={"failures": channel_status.c.failures + 1, "last_error": error,
              "updated_at": now}))
    failures = connection.execute(sa.select(channel_status.c.failures).where(
        channel_status.c.channel == channel)).scalar_one()
    if not unreachable and failures < pause_after:
        return None, False
    until = now + pause
    connection.execute(sa.update(channel_status).where(channel_status.c.channel == channel)
                       .values(paused_until=until))
    started = connection.execute(
        sa.update(channel_status).where(channel_status.c.channel == channel,
                                        channel_status.c.outage_since.is_(None))
        .values(outage_since=now)).rowcount == 1
    return until, started


def channel_worked(connection: Connection, channel: str, now: datetime) -> datetime | None:
    """A message went out on `channel`: its failure count and any pause end. Returns when
    the outage that ends here started (None when there was none)."""
    row = connection.execute(
        sa.select(channel_status.c.failures, channel_status.c.outage_since)
        .where(channel_status.c.channel == channel,
               sa.or_(channel_status.c.failures > 0, channel_status.c.outage_since.is_not(None),
                      channel_status.c.paused_until.is_not(None)))).first()
    if row is None:
        return None
    connection.execute(sa.update(channel_status).where(channel_status.c.channel == channel)
                       .values(failures=0, paused_until=None, outage_since=None,
                               updated_at=now))
    return _aware(row.outage_since, now) if row.outage_since is not None else None


def _aware(moment: datetime, like: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


def clear_channel(connection: Connection, channel: str, now: datetime) -> int:
    """Unflag a channel and queue the messages held for it again; returns how many."""
    connection.execute(sa.update(channel_status).where(channel_status.c.channel == channel)
                       .values(flagged=False, updated_at=now))
    return connection.execute(
        sa.update(messages).where(messages.c.state == MessageState.HELD.value,
                                  messages.c.channels.is_not(None),
                                  messages.c.last_error.like(f"channel {channel} %"))
        .values(state=MessageState.QUEUED.value, next_attempt_at=now, updated_at=now)).rowcount


def skip_waiting(connection: Connection, customer_code: str, reason: str,
                 now: datetime) -> int:
    """The debtor notices of one customer still waiting to go out (queued or held) will not
    go: skipped, with `reason` (an account handed over to collection). Returns how many."""
    return connection.execute(
        sa.update(messages).where(
            messages.c.customer_code == customer_code, messages.c.recipient_kind == "debtor",
            messages.c.state.in_([MessageState.QUEUED.value, MessageState.HELD.value]))
        .values(state=MessageState.SKIPPED.value, last_error=reason, updated_at=now)).rowcount


def release(connection: Connection, message_id: int, *, resend: bool, now: datetime) -> bool:
    """A person's decision on an uncertain or held message: send it (again), or record
    that it went out."""
    values: dict[str, Any] = ({"state": MessageState.QUEUED.value, "next_attempt_at": now}
                              if resend else {"state": MessageState.SENT.value,
                                              "sent_at": now})
    return connection.execute(
        sa.update(messages).where(messages.c.id == message_id, messages.c.state.in_(
            [MessageState.UNCERTAIN.value, MessageState.HELD.value]))
        .values(updated_at=now, **values)).rowcount == 1


@dataclass(frozen=True, slots=True)
class DebtorContact:
    customer_id: int
    code: str
    name: str
    kind: str
    country: str | None
    timezone: str
    language: str
    owner: str | None
    department: str | None
    segment: str | None
    contact_name: str | None
    email: str | None
    phone: str | None
    postal: PostalAddress | None
    whatsapp: str | None = None  # the phone of the first contact who opted in to WhatsApp


def debtor_contact(connection: Connection, customer_code: str) -> DebtorContact | None:
    return debtor_contacts(connection, [customer_code]).get(customer_code)


def debtor_contacts(connection: Connection, codes: Sequence[str]) -> dict[str, DebtorContact]:
    """The contacts of several customers by code, in three queries (a dispatcher batch
    reads its debtors at once); codes not in the ledger are left out."""
    wanted = sorted(set(codes))
    found = [row for part in chunks(wanted) for row in connection.execute(
        sa.select(customers).where(customers.c.code.in_(part)))]
    ids = [row.id for row in found]
    people: dict[int, list[Any]] = defaultdict(list)
    for part in chunks(ids):
        for person in connection.execute(
                sa.select(contacts).where(contacts.c.customer_id.in_(part))
                .order_by(contacts.c.customer_id, contacts.c.is_primary.desc(),
                          contacts.c.id)):
            people[person.customer_id].append(person)
    addresses = {row.customer_id: row for part in chunks(ids) for row in connection.execute(
        sa.select(customer_addresses).where(customer_addresses.c.customer_id.in_(part)))}
    result: dict[str, DebtorContact] = {}
    for customer in found:
        persons = people.get(customer.id, [])
        email = next((p.email for p in persons if p.email), None)
        phone = next((p.phone for p in persons if p.phone), None)
        whatsapp = next((p.phone for p in persons if p.phone and p.whatsapp_opt_in), None)
        address = addresses.get(customer.id)
        postal = None if address is None else postal_address(
            address, address.attention or customer.name)
        result[customer.code] = DebtorContact(
            customer.id, customer.code, customer.name, customer.kind, customer.country,
            customer.timezone, customer.language, customer.owner, customer.department,
            customer.segment, persons[0].name if persons else None, email, phone, postal,
            whatsapp)
    return result


def open_items(connection: Connection, customer_id: int) -> list[Row[Any]]:
    return list(connection.execute(
        sa.select(invoices.c.number, invoices.c.due_date, invoices.c.currency,
                  invoices.c.open_minor, invoices.c.document_ref)
        .where(invoices.c.customer_id == customer_id, invoices.c.open_minor > 0,
               invoices.c.excluded.is_(False))
        .order_by(invoices.c.due_date, invoices.c.number)))


def in_department(department: str) -> sa.ColumnElement[bool]:
    """Messages a department's manager may see: about the department's accounts, or, for a
    staff message about no account (a digest), to one of the department's people."""
    codes = sa.select(customers.c.code).where(customers.c.department == department)
    people = sa.select(sa.func.lower(users.c.email)).where(users.c.department == department)
    return sa.or_(messages.c.customer_code.in_(codes.scalar_subquery()),
                  sa.and_(messages.c.customer_code.is_(None),
                          sa.func.lower(messages.c.recipient).in_(people.scalar_subquery())))


def list_messages(connection: Connection, *, state: str | None = None,
                  limit: int = 200, offset: int = 0,
                  department: str | None = None) -> list[Row[Any]]:
    """The newest messages (for the outbox page), optionally in one state; `department`:
    only what that department's manager may see (`in_department`)."""
    query = sa.select(messages).order_by(messages.c.id.desc()).limit(limit).offset(offset)
    if state:
        query = query.where(messages.c.state == state)
    if department is not None:
        query = query.where(in_department(department))
    return list(connection.execute(query))


def list_visible(connection: Connection, message_id: int, department: str) -> bool:
    """Whether the department's manager may see the message (`in_department`)."""
    return connection.execute(sa.select(messages.c.id).where(
        messages.c.id == message_id, in_department(department))).first() is not None


def get_message(connection: Connection, message_id: int) -> Row[Any] | None:
    return connection.execute(sa.select(messages).where(messages.c.id == message_id)
                              ).one_or_none()
