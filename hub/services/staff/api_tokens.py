"""API tokens for machine clients: `Authorization: Bearer hub_...`.

A token carries a role and, for the roles that see part of the ledger, whose accounts:
a collector token sees the accounts its user owns, a manager token its department. Only
a SHA-256 hash is stored; the token itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.i18n import lazy_gettext
from hub.ledger.tables import api_tokens
from hub.ledger.tables import users
from hub.ledger.tenancy import acting_for
from hub.ledger.tenancy import platform_wide

PREFIX = "hub_"
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class ApiCaller:
    token_id: int
    name: str
    role: Role
    user_email: str | None
    department: str | None
    creditor_id: int = 1  # the creditor the token acts for


@dataclass(frozen=True)
class TokenRow:
    name: str
    role: str
    user_email: str | None
    department: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _scope(connection: Connection, role: Role, user_email: str | None,
           department: str | None) -> tuple[str | None, str | None]:
    """Fill in and check whose accounts a token of this role sees."""
    if user_email:
        user_email = user_email.strip().lower()
        row = connection.execute(sa.select(users.c.department)
                                 .where(sa.func.lower(users.c.email) == user_email)).first()
        if row is None and role in (Role.COLLECTOR, Role.MANAGER):
            raise UserError(lazy_gettext("no user %(user_email)s: add them first (python app.py "
                                         "users add)", user_email=repr(user_email)))
        if row is not None and department is None and role == Role.MANAGER:
            department = row.department
    if role == Role.COLLECTOR and not user_email:
        raise UserError(lazy_gettext("a collector token sees one person's accounts: give --user "
                                     "EMAIL"))
    if role == Role.MANAGER and not department:
        raise UserError(lazy_gettext("a manager token sees one department: give --department or a"
                                     " --user who has one"))
    return user_email, department


def create_token(connection: Connection, *, name: str, role: str, actor: str, now: datetime,
                 user_email: str | None = None, department: str | None = None) -> str:
    """A new token; returns it (the only time it is ever shown)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise UserError(lazy_gettext("a token needs a name of 1 to 100 characters"))
    try:
        parsed = Role(role)
    except ValueError:
        raise UserError(lazy_gettext("unknown role %(role)s: use one of %(names)s",
                                     role=repr(role),
                                     names=", ".join(r.value for r in Role))) from None
    if connection.execute(sa.select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
        raise UserError(lazy_gettext("a token named %(name)s exists already; revoke it or pick "
                                     "another name", name=repr(name)))
    user_email, department = _scope(connection, parsed, user_email, department)
    token = PREFIX + secrets.token_urlsafe(32)
    connection.execute(api_tokens.insert().values(
        name=name, token_hash=_hash(token), role=parsed.value, user_email=user_email,
        department=department, created_by=actor, created_at=now))
    return token


def authenticate(connection: Connection, token: str, *, now: datetime) -> ApiCaller | None:
    """The caller a live token belongs to, or None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    with platform_wide():  # the token's hash alone says which creditor it acts for
        row = connection.execute(sa.select(api_tokens)
                                 .where(api_tokens.c.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    last = _utc(row.last_used_at)
    if last is None or last + TOUCH_EVERY < now:
        with acting_for(row.creditor_id):
            connection.execute(api_tokens.update().where(api_tokens.c.id == row.id)
                               .values(last_used_at=now))
    return ApiCaller(row.id, row.name, Role(row.role), row.user_email, row.department,
                     row.creditor_id)


def revoke_token(connection: Connection, *, name: str, now: datetime) -> None:
    done = connection.execute(api_tokens.update()
                              .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
                              .values(revoked_at=now)).rowcount
    if not done:
        raise NotFound(lazy_gettext("no live API token named %(name)s", name=repr(name)))


def list_tokens(connection: Connection) -> list[TokenRow]:
    rows = connection.execute(sa.select(api_tokens).order_by(api_tokens.c.name))
    return [TokenRow(r.name, r.role, r.user_email, r.department, _utc(r.created_at) or r.created_at,
                     r.created_by, _utc(r.revoked_at), _utc(r.last_used_at)) for r in rows]
