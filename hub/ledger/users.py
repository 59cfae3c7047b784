"""Users of the hub: collectors, managers, finance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.current import platform_wide
from hub.ledger.tables import users


def upsert_users(connection: Connection, people: Sequence[User], now: datetime) -> int:
    """Create or update users by e-mail; returns how many were created."""
    existing = {
        row.email: row.id for row in connection.execute(sa.select(users.c.email, users.c.id))
    }
    created = 0
    for person in people:
        values = {"name": person.name, "role": person.role.value,
                  "department": person.department, "manager_email": person.manager_email,
                  "active": person.active, "updated_at": now}
        if person.email in existing:
            connection.execute(
                users.update().where(users.c.id == existing[person.email]).values(**values))
        else:
            _refuse_another_creditors(connection, person.email)
            connection.execute(users.insert().values(email=person.email, created_at=now, **values))
            created += 1
    return created


def _refuse_another_creditors(connection: Connection, email: str) -> None:
    """An e-mail address signs in to one creditor (docs/creditors.md): say so, rather than
    fail on the unique key."""
    with platform_wide():
        taken = connection.execute(sa.select(users.c.id).where(
            sa.func.lower(users.c.email) == email.lower())).first()
    if taken is not None:
        raise UserError(f"{email} is a user of another creditor: an e-mail address signs in "
                        "to one creditor; grant that user this creditor instead "
                        "(`creditor grant`)")


def list_users(connection: Connection) -> list[User]:
    rows = connection.execute(sa.select(users).order_by(users.c.department, users.c.email))
    return [User(email=row.email, name=row.name, role=Role(row.role), department=row.department,
                 manager_email=row.manager_email, active=row.active, id=row.id)
            for row in rows]
