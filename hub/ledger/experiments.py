"""experiment_assignments: the variant each account was dealt, written at its first exposure
(the day the rule file's experiment step was applied to it) and read back as its facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.decisions import Decision
from hub.domain.money import Money
from hub.ledger.accounts import ids_in
from hub.ledger.tables import experiment_assignments


def exposure_row(decision: Decision, customer_id: int, as_of: date,
                 now: datetime) -> dict[str, Any]:
    """The row for a decision of an experiment's variant step (facts["experiment"])."""
    facts = decision.facts
    currency = str(facts.get("currency") or "EUR")
    owed = Money(Decimal(str(facts.get("overdue_balance") or "0")), currency)
    return {"experiment": facts["experiment"]["name"], "customer_id": customer_id,
            "variant": facts["experiment"]["variant"], "assigned_on": as_of,
            "ladder": decision.ladder, "step": decision.step, "decision_key": decision.key,
            "currency": currency, "owed_minor": owed.to_minor(), "created_at": now}


def record_exposures(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Inserts the first exposure of each (experiment, account); a later one (the same step
    for a new debt, another day) keeps the first. Returns how many were new."""
    if not rows:
        return 0
    ids = sorted({row["customer_id"] for row in rows})
    seen = {(row.experiment, row.customer_id) for row in connection.execute(
        sa.select(experiment_assignments.c.experiment, experiment_assignments.c.customer_id)
        .where(ids_in(connection, experiment_assignments.c.customer_id, ids)))}
    new = []
    for row in rows:
        key = (row["experiment"], row["customer_id"])
        if key not in seen:
            seen.add(key)
            new.append(row)
    if new:
        connection.execute(experiment_assignments.insert(), new)
    return len(new)


def recorded_variants(connection: Connection, where: sa.ColumnElement[bool]
                      ) -> dict[int, list[tuple[str, str]]]:
    """customer id -> [(experiment, variant)] for the customers `where` selects (a test on
    experiment_assignments.c.customer_id)."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for customer_id, experiment, variant in connection.execute(
            sa.select(experiment_assignments.c.customer_id, experiment_assignments.c.experiment,
                      experiment_assignments.c.variant).where(where)):
        found[customer_id].append((experiment, variant))
    return found
