"""The one alert an outage sends: when a channel fails for everyone the dispatcher pauses
it and tells each active admin once, by the staff channels other than the failed one
first (Slack, Teams, ...). The failed channel comes last, so when it is the only one the
admin can receive, the alert waits for the channel to come back instead of being lost."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.model import Role
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import RecipientKind
from hub.domain.outbox import message_key
from hub.ledger.outbox import enqueue
from hub.ledger.tables import messages
from hub.ledger.tables import users

TEMPLATE = "channel-paused"


def admins(connection: Connection) -> list[str]:
    return list(connection.execute(
        sa.select(users.c.email).where(users.c.role == Role.ADMIN.value,
                                       users.c.active.is_(True))
        .order_by(users.c.email)).scalars())


def alert_admins(connection: Connection, *, channel: str, error: str, since: datetime,
                 until: datetime, staff_channels: tuple[str, ...], hub_url: str,
                 now: datetime) -> list[int]:
    """Queue the outage alert for every active admin (once per outage: the idempotency key
    names the channel and the outage's start). Returns the ids of the new messages."""
    channels = (*(name for name in staff_channels if name != channel), channel)
    created = []
    for email in admins(connection):
        key = message_key(TEMPLATE, channel, since.isoformat(), email)
        message = OutboxMessage(
            idempotency_key=key, template=TEMPLATE, recipient_kind=RecipientKind.STAFF,
            recipient=email, channels=channels, batch=since.date().isoformat(),
            context={"channel": channel, "error": error,
                     "since": f"{since:%Y-%m-%d %H:%M} UTC",
                     "until": f"{until:%Y-%m-%d %H:%M} UTC",
                     "outbox_link": f"{hub_url}/outbox"})
        if enqueue(connection, message, now=now):
            created.append(int(connection.execute(sa.select(messages.c.id).where(
                messages.c.idempotency_key == key)).scalar_one()))
    return created
