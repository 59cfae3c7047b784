"""Stored rule-file versions: every activation, rollback and refusal, never updated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.ledger.tables import rule_versions


@dataclass(frozen=True, slots=True)
class RuleVersion:
    version: int  # 1, 2, 3 ... in order of storing
    file_name: str
    sha256: str
    status: str  # active | refused
    source: str  # file | web | rollback
    actor: str
    created_at: datetime
    note: str | None
    text: str


def _row(row: sa.Row[tuple[object, ...]]) -> RuleVersion:
    m = row._mapping
    created: datetime = m["created_at"]
    if created.tzinfo is None:  # SQLite keeps no zone; we store UTC
        created = created.replace(tzinfo=UTC)
    return RuleVersion(int(m["id"]), str(m["file_name"]), str(m["sha256"]), str(m["status"]),
                       str(m["source"]), str(m["actor"]), created, m["note"], str(m["text"]))


def store(connection: Connection, *, file_name: str, sha256: str, text: str, status: str,
          source: str, actor: str, created_at: datetime, note: str | None = None
          ) -> RuleVersion:
    created_at = created_at.astimezone(UTC)
    version = connection.execute(sa.insert(rule_versions).values(
        file_name=file_name, sha256=sha256, text=text, status=status, source=source,
        actor=actor, created_at=created_at, note=note).returning(rule_versions.c.id)
    ).scalar_one()
    return RuleVersion(int(version), file_name, sha256, status, source, actor, created_at,
                       note, text)


def active(connection: Connection) -> RuleVersion | None:
    """The version in force: the newest active one."""
    row = connection.execute(sa.select(rule_versions).where(rule_versions.c.status == "active")
                             .order_by(rule_versions.c.id.desc()).limit(1)).first()
    return _row(row) if row is not None else None


def latest_from_file(connection: Connection, file_name: str) -> RuleVersion | None:
    """The newest version (active or refused) read from the rule file itself."""
    row = connection.execute(sa.select(rule_versions)
                             .where(rule_versions.c.source == "file",
                                    rule_versions.c.file_name == file_name)
                             .order_by(rule_versions.c.id.desc()).limit(1)).first()
    return _row(row) if row is not None else None


def get(connection: Connection, version: int) -> RuleVersion | None:
    row = connection.execute(sa.select(rule_versions)
                             .where(rule_versions.c.id == version)).first()
    return _row(row) if row is not None else None


def by_sha256(connection: Connection, digest: str) -> RuleVersion | None:
    """The newest active (or once active) version with this content."""
    row = connection.execute(sa.select(rule_versions)
                             .where(rule_versions.c.sha256 == digest,
                                    rule_versions.c.status == "active")
                             .order_by(rule_versions.c.id.desc()).limit(1)).first()
    return _row(row) if row is not None else None


def history(connection: Connection, limit: int = 100) -> list[RuleVersion]:
    rows = connection.execute(sa.select(rule_versions).order_by(rule_versions.c.id.desc())
                              .limit(limit))
    return [_row(row) for row in rows]
