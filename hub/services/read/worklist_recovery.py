"""The worklist ordered by expected recovery: the accounts where a contact is worth most
first (hub.domain.prediction.account_prediction defines the figure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Connection

from hub.domain.worklist import WorklistRow
from hub.services.read.worklist import ranked_worklist


def recovery_page(connection: Connection, *, as_of: date, person: str,
                  limit: int) -> tuple[list[WorklistRow], int]:
    """The first `limit` accounts of `worklist_of(person)` by expected recovery, largest
    first (ties: the usual priority, then the customer code; an account with nothing open
    counts 0), and how many the whole list has. Every account held is predicted (the
    order needs it); only the rows on the page are read in full."""
    ranked = ranked_worklist(connection, as_of=as_of, person=person)
    if not ranked.keys:
        return [], 0
    from hub.services.prediction.predictions import predict_accounts  # noqa: PLC0415 - loads sklearn

    predicted = predict_accounts(connection, sorted(key[2] for key in ranked.keys), as_of)
    recovery = {customer_id: outlook.prediction.expected_recovery
                for customer_id, outlook in predicted.items()}
    order = sorted(ranked.keys, key=lambda key: (-(recovery.get(key[2]) or 0.0), key))
    page = [customer_id for _, _, customer_id in order[:limit]]
    place = {customer_id: index for index, customer_id in enumerate(page)}
    ids = {code: customer_id for _, code, customer_id in ranked.keys}
    rows = [replace(row, expected_recovery=recovery.get(ids[row.customer_code], 0.0))
            for row in ranked.rows(connection, page)]
    rows.sort(key=lambda row: place[ids[row.customer_code]])
    return rows, len(ranked.keys)
