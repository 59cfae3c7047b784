"""Managing the people who sign in: add or change them, deactivate and reactivate,
each written to the audit log. Used by `python app.py users` and the People page."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.domain.model import User
from hub.i18n import lazy_gettext
from hub.ledger import staff
from hub.ledger.tables import users
from hub.ledger.users import upsert_users
from hub.services.staff import auth as staff_auth


def save_user(connection: Connection, person: User, *, password: str | None, actor: str,
              now: datetime) -> bool:
    """Create a user, or update the name, role, department and manager of an existing
    one (their active state is kept); set the password when one is given. True when
    created. A weak password or a bad address is refused before anything is written."""
    email = person.email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise UserError(lazy_gettext("%(email)s is not an e-mail address",
                                     email=repr(person.email)))
    if not person.name.strip():
        raise UserError(lazy_gettext("%(email)s: the name is empty", email=email))
    if password is not None:
        staff_auth.hash_password(password)
    existing = staff.user_by_email(connection, email)
    if existing is not None and existing.role == Role.ADMIN and person.role != Role.ADMIN:
        _keep_an_admin(connection, existing.id)
    active = existing.active if existing is not None else True
    created = upsert_users(connection, [replace(person, email=email, name=person.name.strip(),
                                                active=active)], now) > 0
    staff.audit(connection, actor=actor, action="user.created" if created else "user.updated",
                target=email, now=now, detail={"role": person.role.value,
                                               "department": person.department})
    if password is not None:
        staff_auth.set_password(connection, email, password, actor=actor, now=now)
    return created


def set_active(connection: Connection, email: str, active: bool, *, actor: str,
               now: datetime) -> None:
    """Deactivate (signed out at once, cannot sign in) or reactivate a user. The last
    active admin cannot be deactivated: nobody could manage users any more."""
    user = staff.user_by_email(connection, email)
    if user is None:
        raise UserError(lazy_gettext("no user with e-mail %(email)s", email=repr(email)))
    if user.active == active:
        return
    if not active and user.role == Role.ADMIN:
        _keep_an_admin(connection, user.id)
    connection.execute(sa.update(users).where(users.c.id == user.id)
                       .values(active=active, updated_at=now))
    staff.audit(connection, actor=actor, now=now, target=user.email,
                action="user.reactivated" if active else "user.deactivated")


def _keep_an_admin(connection: Connection, leaving: int) -> None:
    others = connection.scalar(sa.select(sa.func.count()).select_from(users).where(
        users.c.role == Role.ADMIN.value, users.c.active.is_(True), users.c.id != leaving))
    if not others:
        raise UserError(lazy_gettext("this is the last active admin: make someone else admin "
                                     "first"))
