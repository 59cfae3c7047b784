"""The default owner of customers an import created without one (the onboarding page,
docs/creditors.md#onboarding, and `import invoices --owner`): invoice rows create customers
with no owner, and the cycle's call tasks and the worklists go to a customer's owner."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger import staff
from hub.ledger.event_log import add_events
from hub.ledger.tables import customers
from hub.services.accounts.tasks import move_unassigned_tasks


def owner_user(connection: Connection, owner: str) -> str:
    """The e-mail address of `owner` as the current creditor's users list has it; a
    UserError when it is no active user of that creditor."""
    person = staff.user_by_email(connection, owner)
    if person is None or not person.active:
        raise UserError(lazy_gettext("owner %(owner)s is not an active user of this creditor",
                                     owner=owner))
    return person.email


def last_customer_id(connection: Connection) -> int:
    """The newest customer's id (0: none): the customers an import creates come after."""
    return int(connection.execute(sa.select(sa.func.max(customers.c.id))).scalar() or 0)


def created_without_owner(connection: Connection, after_id: int) -> list[str]:
    """The codes of the customers created since `after_id` (`last_customer_id`) that have
    no owner: those an invoice import just created from its rows."""
    return list(connection.execute(sa.select(customers.c.code).where(
        customers.c.id > after_id, customers.c.owner.is_(None))).scalars())


def give_owner(connection: Connection, codes: Collection[str], owner: str, *, actor: str,
               now: datetime, source: str = "onboarding import") -> int:
    """Make `owner` (a user of the current creditor) the owner of each customer of `codes`
    that has none; customers with an owner keep theirs. Returns how many changed; each
    one's timeline says so (and by what: `source`)."""
    person = staff.user_by_email(connection, owner_user(connection, owner))
    assert person is not None
    changed: list[int] = []
    wanted = list(codes)
    for first in range(0, len(wanted), 5000):
        changed += [row.id for row in connection.execute(
            sa.select(customers.c.id).where(customers.c.code.in_(wanted[first:first + 5000]),
                                            customers.c.owner.is_(None)))]
    for first in range(0, len(changed), 5000):
        connection.execute(customers.update().where(
            customers.c.id.in_(changed[first:first + 5000])).values(owner=person.email))
    move_unassigned_tasks(connection, changed)
    add_events(connection, [{"occurred_at": now, "actor": actor, "kind": "customer.owner",
                             "summary": f"owner set to {person.email} ({source})",
                             "customer_id": customer_id, "invoice_id": None,
                             "data": {"owner": person.email}} for customer_id in changed])
    return len(changed)
