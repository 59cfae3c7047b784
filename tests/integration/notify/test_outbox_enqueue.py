from __future__ import annotations

from datetime import UTC
from datetime import datetime

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import RecipientKind
from hub.ledger.outbox import enqueue
from hub.ledger.tables import messages

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_enqueue_is_idempotent_by_key(hub: Hub) -> None:
    notice = OutboxMessage(idempotency_key="C1|reminder-1|2026-11-23", template="reminder-1",
                           customer_code="C1", channels=("email", "sms"), language="nl",
                           context={"amount": "12.50"}, decision_key="C1|step|2026-11-23")
    with hub.engine.begin() as connection:
        assert enqueue(connection, notice, now=NOW) is True
        assert enqueue(connection, notice, now=NOW) is False
        assert enqueue(connection, OutboxMessage(
            idempotency_key="digest|ann@example.com|2026-11-23", template="digest",
            recipient_kind=RecipientKind.STAFF, channel="slack",
            recipient="ann@example.com"), now=NOW) is True
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(messages).order_by(messages.c.id)).all()
    assert [(r.idempotency_key, r.state, r.channels) for r in rows] == [
        ("C1|reminder-1|2026-11-23", "queued", ["email", "sms"]),
        ("digest|ann@example.com|2026-11-23", "queued", ["slack"]),
    ]
    assert rows[0].language == "nl"
    assert rows[0].context == {"amount": "12.50"}
