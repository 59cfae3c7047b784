"""Stored prediction models: every training, never updated, like rule versions. The
newest `active` one predicts; a `not_better` one (it did not beat the baselines on its
evaluation) is kept for the record and never used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.ledger.tables import model_versions

PAYMENT = "payment"
ACTIVE, NOT_BETTER = "active", "not_better"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    version: int
    kind: str
    status: str
    data_from: date
    data_to: date
    cut_date: date
    rows: int
    metrics: dict[str, Any]
    actor: str
    created_at: datetime
    library: str


def _version(m: Any) -> ModelVersion:
    created: datetime = m["created_at"]
    if created.tzinfo is None:  # SQLite keeps no zone; we store UTC
        created = created.replace(tzinfo=UTC)
    return ModelVersion(int(m["id"]), str(m["kind"]), str(m["status"]), m["data_from"],
                        m["data_to"], m["cut_date"], int(m["rows"]), dict(m["metrics"]),
                        str(m["actor"]), created, str(m["library"]))


_META = [c for c in model_versions.c if c.name != "model"]


def store(connection: Connection, *, status: str, data_from: date, data_to: date,
          cut_date: date, rows: int, metrics: dict[str, Any], actor: str,
          created_at: datetime, library: str, model: bytes, kind: str = PAYMENT
          ) -> ModelVersion:
    values = {"kind": kind, "status": status, "data_from": data_from, "data_to": data_to,
              "cut_date": cut_date, "rows": rows, "metrics": metrics, "actor": actor,
              "created_at": created_at.astimezone(UTC), "library": library}
    version = connection.execute(sa.insert(model_versions).values(**values, model=model)
                                 .returning(model_versions.c.id)).scalar_one()
    return _version({**values, "id": version})


def active(connection: Connection, kind: str = PAYMENT) -> tuple[ModelVersion, bytes] | None:
    """The model in force and its bytes: the newest active one of `kind`."""
    row = connection.execute(
        sa.select(model_versions)
        .where(model_versions.c.kind == kind, model_versions.c.status == ACTIVE)
        .order_by(model_versions.c.id.desc()).limit(1)).first()
    return None if row is None else (_version(row._mapping), bytes(row._mapping["model"]))


def active_stamp(connection: Connection, kind: str = PAYMENT) -> tuple[Any, ...] | None:
    """What identifies the model in force (number, time, rows), without its bytes."""
    row = connection.execute(
        sa.select(model_versions.c.id, model_versions.c.created_at, model_versions.c.rows)
        .where(model_versions.c.kind == kind, model_versions.c.status == ACTIVE)
        .order_by(model_versions.c.id.desc()).limit(1)).first()
    return None if row is None else tuple(row)


def history(connection: Connection, kind: str = PAYMENT) -> list[ModelVersion]:
    """Every stored version of `kind`, newest first (without the model bytes)."""
    rows = connection.execute(sa.select(*_META).where(model_versions.c.kind == kind)
                              .order_by(model_versions.c.id.desc()))
    return [_version(row._mapping) for row in rows]
