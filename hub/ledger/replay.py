"""Replay protection for signed callbacks (Slack's interactive buttons): a signature is
accepted once. Its own module, out of the outbox, which queues messages."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from hub.ledger.tables import slack_requests


def remember_request(connection: Connection, signature: str, now: datetime) -> bool:
    """Record a signed callback; False when it was seen before (a replay). Entries older
    than the 5-minute signature window are pruned: a replay that old fails the signature."""
    connection.execute(sa.delete(slack_requests).where(
        slack_requests.c.received_at < now - timedelta(minutes=10)))
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    inserted = connection.execute(
        dialect.insert(slack_requests).values(signature=signature, received_at=now)
        .on_conflict_do_nothing(index_elements=[slack_requests.c.signature])
        .returning(slack_requests.c.signature))
    return inserted.scalar_one_or_none() is not None
