"""The default owner of customers an import created without one (the onboarding page,
docs/creditors.md#onboarding): invoice rows create customers with no owner, and the cycle's
call tasks and the worklists go to a customer's owner."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.ledger import staff
from hub.ledger.event_log import add_events
from hub.ledger.tables import customers


def give_owner(connection: Connection, codes: Collection[str], owner: str, *, actor: str,
               now: datetime) -> int:
    """Make `owner` (a user of the current creditor) the owner of each customer of `codes`
    that has none; customers with an owner keep theirs. Returns how many changed; each
    one's timeline says so."""
    person = staff.user_by_email(connection, owner)
    if person is None or not person.active:
        raise UserError(f"owner {owner} is not an active user of this creditor")
    changed: list[int] = []
    wanted = list(codes)
    for first in range(0, len(wanted), 5000):
        changed += [row.id for row in connection.execute(
            sa.select(customers.c.id).where(customers.c.code.in_(wanted[first:first + 5000]),
                                            customers.c.owner.is_(None)))]
    for first in range(0, len(changed), 5000):
        connection.execute(customers.update().where(
            customers.c.id.in_(changed[first:first + 5000])).values(owner=person.email))
    add_events(connection, [{"occurred_at": now, "actor": actor, "kind": "customer.owner",
                             "summary": f"owner set to {person.email} (onboarding import)",
                             "customer_id": customer_id, "invoice_id": None,
                             "data": {"owner": person.email}} for customer_id in changed])
    return len(changed)
