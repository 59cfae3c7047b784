"""Staff sign-in records: users by id or e-mail, password hashes, failed-attempt
counters (lockout) and the audit log of sign-ins and admin actions."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.model import Role
from hub.ledger.tables import audit_log
from hub.ledger.tables import sign_in_state
from hub.ledger.tables import users


@dataclass(frozen=True)
class StaffRow:
    id: int
    email: str
    name: str
    role: Role
    department: str | None
    manager_email: str | None
    active: bool
    password_hash: str | None
    creditor_id: int = 1  # the creditor the user belongs to (docs/creditors.md)

    @property
    def credential_stamp(self) -> str:
        """Changes whenever the password does (argon2 hashes are salted, so even the
        same password set again): a session remembers the stamp it was opened with and
        ends when the stamp moves, so a new password signs the user out everywhere."""
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SignInState:
    failed_count: int
    locked_until: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    occurred_at: datetime
    actor: str
    action: str
    target: str | None
    address: str | None
    detail: dict[str, Any]


def _staff(row: sa.Row[Any]) -> StaffRow:
    return StaffRow(id=row.id, email=row.email, name=row.name, role=Role(row.role),
                    department=row.department, manager_email=row.manager_email,
                    active=bool(row.active), password_hash=row.password_hash,
                    creditor_id=row.creditor_id)


def user_by_id(connection: Connection, user_id: int) -> StaffRow | None:
    row = connection.execute(sa.select(users).where(users.c.id == user_id)).first()
    return _staff(row) if row else None


def user_by_email(connection: Connection, email: str) -> StaffRow | None:
    row = connection.execute(
        sa.select(users).where(sa.func.lower(users.c.email) == email.strip().lower())).first()
    return _staff(row) if row else None


def set_password_hash(connection: Connection, user_id: int, password_hash: str,
                      now: datetime) -> None:
    connection.execute(users.update().where(users.c.id == user_id)
                       .values(password_hash=password_hash, updated_at=now))


def sign_in_state_for(connection: Connection, email: str) -> SignInState:
    row = connection.execute(sa.select(sign_in_state)
                             .where(sign_in_state.c.email == email.lower())).first()
    if row is None:
        return SignInState(failed_count=0, locked_until=None)
    locked = row.locked_until
    if locked is not None and locked.tzinfo is None:  # SQLite keeps no offset; we store UTC
        locked = locked.replace(tzinfo=UTC)
    return SignInState(failed_count=row.failed_count, locked_until=locked)


def _upsert_state(connection: Connection, email: str, values: Mapping[str, Any]) -> None:
    key = email.lower()
    updated = connection.execute(sign_in_state.update()
                                 .where(sign_in_state.c.email == key).values(**values))
    if updated.rowcount == 0:
        connection.execute(sign_in_state.insert().values(
            email=key, **{"failed_count": 0, **values}))


def record_failure(connection: Connection, email: str, *, failed_count: int,
                   locked_until: datetime | None, now: datetime) -> None:
    locked = locked_until.astimezone(UTC) if locked_until is not None else None
    _upsert_state(connection, email, {"failed_count": failed_count,
                                      "locked_until": locked, "last_failure_at": now})


def unlock(connection: Connection, email: str) -> None:
    connection.execute(sign_in_state.update().where(sign_in_state.c.email == email.lower())
                       .values(failed_count=0, locked_until=None))


def record_success(connection: Connection, email: str, now: datetime) -> None:
    _upsert_state(connection, email, {"failed_count": 0, "locked_until": None,
                                      "last_sign_in_at": now})


def audit(connection: Connection, *, actor: str, action: str, now: datetime,
          target: str | None = None, address: str | None = None,
          detail: Mapping[str, Any] | None = None) -> None:
    connection.execute(audit_log.insert().values(
        occurred_at=now, actor=actor, action=action, target=target, address=address,
        detail=dict(detail or {})))


def failed_sign_ins(connection: Connection, *, address: str,
                    since: datetime) -> list[tuple[datetime, str | None]]:
    """(when, e-mail tried) of each failed sign-in from `address` since `since`; one
    refused because the account is locked is a failed one too."""
    rows = connection.execute(
        sa.select(audit_log.c.occurred_at, audit_log.c.target)
        .where(audit_log.c.action.in_(("signin.failed", "signin.locked_out")),
               audit_log.c.address == address,
               audit_log.c.occurred_at > since.astimezone(UTC)))
    return [(_aware(r.occurred_at), r.target) for r in rows]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # SQLite: UTC


def recent_audit(connection: Connection, *, limit: int = 200, offset: int = 0,
                 action_prefix: str | None = None) -> list[AuditEntry]:
    query = sa.select(audit_log).order_by(audit_log.c.occurred_at.desc(),
                                          audit_log.c.id.desc()).limit(limit).offset(offset)
    if action_prefix:
        query = query.where(audit_log.c.action.startswith(action_prefix))
    return [AuditEntry(occurred_at=r.occurred_at, actor=r.actor, action=r.action,
                       target=r.target, address=r.address, detail=dict(r.detail))
            for r in connection.execute(query)]
