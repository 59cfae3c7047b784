"""Disputes: a debtor contests invoices. A disputed invoice pauses the ladder until
the dispute is resolved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.model import DisputeState
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.accounts import check_source
from hub.ledger.tables import dispute_invoices
from hub.ledger.tables import disputes
from hub.ledger.tables import invoices

OPEN_INVOICE = ("open", "partially_paid")


def open_dispute(connection: Connection, *, customer_code: str, invoice_numbers: Sequence[str],
                 reason: str, actor: str, source: str, now: datetime) -> int:
    """Open a dispute on these invoices of the customer (all its open invoices when none
    are named). Returns the dispute id."""
    check_source(source)
    ref = account(connection, customer_code)
    reason = reason.strip()
    if not reason:
        raise UserError(lazy_gettext("a dispute needs a reason"))
    query = sa.select(invoices.c.id, invoices.c.number).where(invoices.c.customer_id == ref.id)
    if invoice_numbers:
        wanted = list(dict.fromkeys(invoice_numbers))
        rows = connection.execute(query.where(invoices.c.number.in_(wanted))).all()
        missing = sorted(set(wanted) - {row.number for row in rows})
        if missing:
            raise NotFound(lazy_gettext("customer %(code)s has no invoice %(names)s",
                                        code=customer_code, names=', '.join(missing)))
    else:
        rows = connection.execute(query.where(invoices.c.status.in_(OPEN_INVOICE))).all()
        if not rows:
            raise UserError(lazy_gettext("customer %(code)s has no open invoice to "
                                         "dispute", code=customer_code))
    dispute_id = int(connection.execute(disputes.insert().values(
        customer_id=ref.id, reason=reason, state=DisputeState.OPEN, opened_by=actor, source=source,
        created_at=now, updated_at=now).returning(disputes.c.id)).scalar_one())
    connection.execute(dispute_invoices.insert(),
                       [{"dispute_id": dispute_id, "invoice_id": row.id} for row in rows])
    connection.execute(invoices.update().where(invoices.c.id.in_([row.id for row in rows]))
                       .values(disputed=True, updated_at=now))
    numbers = [row.number for row in rows]
    add_event(connection, customer_id=ref.id, kind=kinds.DISPUTE_OPENED, actor=actor, now=now,
              summary=f"dispute on {', '.join(numbers)}: {reason}",
              data={"dispute_id": dispute_id, "invoices": numbers, "source": source})
    return dispute_id


def resolve_dispute(connection: Connection, *, dispute_id: int, resolution: str, actor: str,
                    source: str, now: datetime) -> None:
    """Close the dispute; its invoices are chased again unless another open dispute
    still names them."""
    check_source(source)
    row = connection.execute(sa.select(disputes.c.customer_id, disputes.c.state)
                             .where(disputes.c.id == dispute_id)).first()
    if row is None:
        raise NotFound(lazy_gettext("dispute %(dispute_id)s does not exist", dispute_id=dispute_id))
    if row.state != DisputeState.OPEN:
        raise UserError(lazy_gettext("dispute %(dispute_id)s is already resolved",
                                     dispute_id=dispute_id))
    connection.execute(disputes.update().where(disputes.c.id == dispute_id).values(
        state=DisputeState.RESOLVED, resolution=resolution, resolved_by=actor, resolved_at=now,
        updated_at=now))
    named = [r.invoice_id for r in connection.execute(
        sa.select(dispute_invoices.c.invoice_id)
        .where(dispute_invoices.c.dispute_id == dispute_id))]
    still = {r.invoice_id for r in connection.execute(
        sa.select(dispute_invoices.c.invoice_id)
        .join(disputes, disputes.c.id == dispute_invoices.c.dispute_id)
        .where(disputes.c.state == DisputeState.OPEN, dispute_invoices.c.invoice_id.in_(named)))}
    released = [invoice for invoice in named if invoice not in still]
    if released:
        connection.execute(invoices.update().where(invoices.c.id.in_(released))
                           .values(disputed=False, updated_at=now))
    add_event(connection, customer_id=row.customer_id, kind=kinds.DISPUTE_RESOLVED, actor=actor,
              now=now, summary=f"dispute {dispute_id} resolved: {resolution}",
              data={"dispute_id": dispute_id, "source": source, "resolution": resolution})


def open_disputes(connection: Connection, customer_code: str) -> list[dict[str, object]]:
    """The customer's open disputes with their invoice numbers (for pages and the API)."""
    ref = account(connection, customer_code)
    rows = connection.execute(
        sa.select(disputes.c.id, disputes.c.reason, disputes.c.created_at, invoices.c.number)
        .join(dispute_invoices, dispute_invoices.c.dispute_id == disputes.c.id)
        .join(invoices, invoices.c.id == dispute_invoices.c.invoice_id)
        .where(disputes.c.customer_id == ref.id, disputes.c.state == DisputeState.OPEN)
        .order_by(disputes.c.id, invoices.c.number))
    found: dict[int, dict[str, object]] = {}
    for row in rows:
        entry = found.setdefault(row.id, {"id": row.id, "reason": row.reason,
                                          "opened_at": row.created_at, "invoices": []})
        entry["invoices"].append(row.number)  # type: ignore[attr-defined]
    return list(found.values())
