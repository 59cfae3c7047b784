"""The outbox: queued messages with a unique idempotency key.

`enqueue` is what the cycle calls for SEND, ESCALATE and NOTIFY actions; queuing the same
key twice is a no-op, so applying a decision again never sends a second notice."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from hub.domain.outbox import MessageState
from hub.domain.outbox import OutboxMessage
from hub.ledger.tables import messages


def message_row(message: OutboxMessage, now: datetime) -> dict[str, Any]:
    start = message.not_before if message.not_before and message.not_before > now else now
    return {
        "idempotency_key": message.idempotency_key,
        "customer_code": message.customer_code,
        "recipient_kind": str(message.recipient_kind),
        "recipient": message.recipient,
        "channels": [str(channel) for channel in message.candidates],
        "channel": None,
        "skipped_channels": [],
        "template": message.template,
        "language": message.language,
        "context": message.context,
        "decision_key": message.decision_key,
        "batch": message.batch,
        "state": MessageState.QUEUED.value,
        "attempts": 0,
        "not_before": message.not_before,
        "next_attempt_at": start,
        "created_at": now,
        "updated_at": now,
    }


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
        index_elements=[messages.c.idempotency_key])
    created = 0
    for row in rows:  # a returned id means the row is new (rowcount is unreliable here)
        new_id = connection.execute(statement.values(**row).returning(messages.c.id))
        created += new_id.scalar_one_or_none() is not None
    return created
