"""The worklist ordered by expected recovery: the accounts where a contact is worth most
first (hub.domain.prediction.account_prediction defines the figure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.worklist import WorklistRow
from hub.ledger.tables import customers


def by_expected_recovery(connection: Connection, rows: Sequence[WorklistRow],
                         as_of: date) -> list[WorklistRow]:
    """`rows` with their expected recovery, largest first (ties: the usual priority).
    Accounts with nothing open count 0."""
    if not rows:
        return []
    from hub.services.predictions import predict_accounts  # noqa: PLC0415 - loads sklearn

    codes = [row.customer_code for row in rows]
    ids: dict[str, int] = {row.code: row.id for row in connection.execute(
        sa.select(customers.c.code, customers.c.id).where(customers.c.code.in_(codes)))}
    predicted = predict_accounts(connection, sorted(ids.values()), as_of)
    found = []
    for row in rows:
        outlook = predicted.get(ids.get(row.customer_code, -1))
        found.append(replace(row, expected_recovery=outlook.prediction.expected_recovery
                             if outlook else 0.0))
    return sorted(found, key=lambda r: (-(r.expected_recovery or 0.0), -r.priority,
                                        r.customer_code))
