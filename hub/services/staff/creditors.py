"""The creditor companies one hub collects for, and who may act for which
(docs/creditors.md). The default creditor (id 1) is the single company of an install that
never adds another; platform staff are users granted other creditors besides their own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.ledger.tables import creditor_grants
from hub.ledger.tables import creditors
from hub.ledger.tables import users
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import platform_wide

CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# the name the migration gives the default creditor: a placeholder, not a company's name
DEFAULT_CREDITOR_NAME = "Default creditor"


@dataclass(frozen=True)
class Creditor:
    id: int
    code: str
    name: str
    profile: str | None  # the profile YAML; None: HUB_CREDITOR_FILE (the default creditor)


def _creditor(row: Any) -> Creditor:
    return Creditor(row.id, row.code, row.name, row.profile)


def list_creditors(connection: Connection) -> list[Creditor]:
    rows = connection.execute(sa.select(creditors).order_by(creditors.c.id)).all()
    found = [_creditor(row) for row in rows]
    if not any(creditor.id == DEFAULT_CREDITOR for creditor in found):
        # the row is the migration's; an install that lost it still has its default creditor
        found.insert(0, Creditor(DEFAULT_CREDITOR, "default", DEFAULT_CREDITOR_NAME, None))
    return found


def creditor_by_id(connection: Connection, creditor_id: int) -> Creditor | None:
    return next((c for c in list_creditors(connection) if c.id == creditor_id), None)


def creditor_by_code(connection: Connection, code: str) -> Creditor:
    everyone = list_creditors(connection)
    found = next((c for c in everyone if c.code == code.strip().lower()), None)
    if found is None:
        known = ", ".join(c.code for c in everyone)
        raise NotFound(f"no creditor with code {code!r} (known: {known})")
    return found


def add_creditor(connection: Connection, *, code: str, name: str, profile: str | None,
                 now: datetime) -> Creditor:
    code = code.strip().lower()
    if not CODE.fullmatch(code):
        raise UserError(f"creditor code {code!r}: use 1 to 40 lower-case letters, digits "
                        "and dashes, starting with a letter or digit")
    if not name.strip():
        raise UserError("creditor name: give the company's name (--name)")
    if any(c.code == code for c in list_creditors(connection)):
        raise UserError(f"a creditor with code {code!r} exists already")
    if connection.execute(sa.select(creditors.c.id).where(
            creditors.c.id == DEFAULT_CREDITOR)).first() is None:
        connection.execute(creditors.insert().values(
            id=DEFAULT_CREDITOR, code="default", name=DEFAULT_CREDITOR_NAME, created_at=now))
    # numbered here, not by the sequence: the migration wrote id 1 itself
    new_id = int(connection.execute(sa.select(sa.func.max(creditors.c.id))).scalar() or 1) + 1
    connection.execute(creditors.insert().values(
        id=new_id, code=code, name=name.strip(), profile=profile, created_at=now))
    return Creditor(new_id, code, name.strip(), profile)


def _user_by_email(connection: Connection, email: str) -> Any:
    with platform_wide():  # e-mail addresses are unique across creditors
        return connection.execute(sa.select(users.c.id, users.c.email, users.c.creditor_id)
                                  .where(sa.func.lower(users.c.email)
                                         == email.strip().lower())).first()


def home_creditor(connection: Connection, email: str) -> int | None:
    """The creditor a user (by e-mail) belongs to, or None for an unknown address."""
    row = _user_by_email(connection, email)
    return None if row is None else int(row.creditor_id)


def grant(connection: Connection, *, email: str, code: str, actor: str,
          now: datetime) -> Creditor:
    """Let a user (platform staff) act for another creditor too."""
    creditor = creditor_by_code(connection, code)
    row = _user_by_email(connection, email)
    if row is None:
        raise NotFound(f"no user with e-mail {email!r} (add them with `users` first)")
    user_id = int(row.id)
    if int(row.creditor_id) == creditor.id:
        raise UserError(f"{email} belongs to creditor {creditor.code!r} already")
    if connection.execute(sa.select(creditor_grants.c.user_id).where(
            creditor_grants.c.user_id == user_id,
            creditor_grants.c.creditor_id == creditor.id)).first() is None:
        connection.execute(creditor_grants.insert().values(
            user_id=user_id, creditor_id=creditor.id, granted_by=actor, granted_at=now))
    return creditor


def revoke(connection: Connection, *, email: str, code: str) -> None:
    creditor = creditor_by_code(connection, code)
    row = _user_by_email(connection, email)
    if row is None:
        raise NotFound(f"no user with e-mail {email!r}")
    done = connection.execute(creditor_grants.delete().where(
        creditor_grants.c.user_id == row.id,
        creditor_grants.c.creditor_id == creditor.id)).rowcount
    if not done:
        raise NotFound(f"{email} has no grant for creditor {creditor.code!r}")


def allowed_creditors(connection: Connection, user_id: int, home: int) -> list[Creditor]:
    """The creditors a user may act for: their own first, then the granted ones."""
    granted = {row.creditor_id for row in connection.execute(
        sa.select(creditor_grants.c.creditor_id).where(creditor_grants.c.user_id == user_id))}
    everyone = list_creditors(connection)
    return [c for c in everyone if c.id == home] + \
        [c for c in everyone if c.id in granted and c.id != home]


def grants_by_creditor(connection: Connection) -> dict[int, list[str]]:
    """Who (by e-mail) is granted each creditor, for `creditor list`."""
    with platform_wide():
        rows = connection.execute(sa.select(creditor_grants.c.creditor_id, users.c.email)
                                  .join(users, users.c.id == creditor_grants.c.user_id)
                                  .order_by(users.c.email)).all()
    found: dict[int, list[str]] = {}
    for creditor_id, email in rows:
        found.setdefault(creditor_id, []).append(email)
    return found


def set_profile(connection: Connection, creditor_id: int, text: str) -> None:
    """Keep a creditor's profile (YAML) in its row: every creditor but the default one."""
    if creditor_id == DEFAULT_CREDITOR:
        raise UserError("the default creditor's profile is the file HUB_CREDITOR_FILE names")
    done = connection.execute(creditors.update().where(creditors.c.id == creditor_id)
                              .values(profile=text)).rowcount
    if not done:
        raise NotFound(f"no creditor with id {creditor_id}")
