"""A new creditor with its first admin, made in one go by a platform admin on the web's
onboarding page (docs/creditors.md#onboarding)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.current import acting_for
from hub.ledger.tables import creditor_grants
from hub.services.staff.admin import save_user
from hub.services.staff.creditors import Creditor
from hub.services.staff.creditors import add_creditor
from hub.services.staff.creditors import home_creditor


def add_creditor_with_admin(connection: Connection, *, code: str, name: str, admin_email: str,
                            admin_name: str, admin_password: str | None, actor: str,
                            actor_id: int | None, now: datetime) -> Creditor:
    """The web's "new creditor" (docs/creditors.md#onboarding): the creditor, its first
    admin (a user whose home creditor it is) and a grant for the platform admin who made it,
    so they can act for it at once. All or nothing: any problem leaves no trace."""
    email = admin_email.strip().lower()
    if home_creditor(connection, email) is not None:
        raise UserError(f"{email} is a user already (e-mail addresses are unique on the hub): "
                        "give the new creditor's admin another address")
    creditor = add_creditor(connection, code=code, name=name, profile=None, now=now)
    with acting_for(creditor.id):
        save_user(connection, User(email=email, name=admin_name, role=Role.ADMIN),
                  password=admin_password or None, actor=actor, now=now)
    if actor_id is not None:
        connection.execute(creditor_grants.insert().values(
            user_id=actor_id, creditor_id=creditor.id, granted_by=actor, granted_at=now))
    return creditor
