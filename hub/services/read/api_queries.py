"""Read-only, paginated look-ups for the JSON API beyond customers and invoices: payments,
promises, plans, disputes, tasks and cycle runs. Each list is limited to a caller's scope
(a collector's accounts, a manager's department) in SQL, so a page never holds rows the
caller may not see and its counts do not reveal them either."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from hub.domain.money import Money
from hub.ledger.tables import customers
from hub.ledger.tables import cycle_runs
from hub.ledger.tables import dispute_invoices
from hub.ledger.tables import disputes
from hub.ledger.tables import invoices
from hub.ledger.tables import payment_plans
from hub.ledger.tables import payments
from hub.ledger.tables import plan_instalments
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.services.read.queries import Page

Row = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Whose accounts a caller sees; None in both: the whole ledger."""

    owner: str | None = None
    department: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        found: list[sa.ColumnElement[bool]] = []
        if self.owner is not None:
            found.append(sa.func.lower(customers.c.owner) == self.owner.lower())
        if self.department is not None:
            found.append(customers.c.department == self.department)
        return found

    @property
    def limited(self) -> bool:
        return self.owner is not None or self.department is not None


def stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).isoformat()


def _money(minor: int, currency: str) -> Money:
    return Money.from_minor(minor, currency)


def _customer(row: Any) -> Row | None:
    return {"code": row.customer_code, "name": row.customer_name} if row.customer_code else None


def _page(engine: Engine, query: sa.Select[Any], order: list[Any], *, page: int,
          per_page: int, shape: Callable[[Any], Row]) -> Page[Row]:
    with engine.connect() as connection:
        total = connection.execute(sa.select(sa.func.count())
                                   .select_from(query.subquery())).scalar_one()
        rows = list(connection.execute(query.order_by(*order).limit(per_page)
                                       .offset((page - 1) * per_page)))
    return Page([shape(row) for row in rows], int(total), page, per_page)


def _with_customer(table: sa.Table, scope: Scope, customer: str | None,
                   outer: bool = False) -> sa.Select[Any]:
    query = sa.select(table, customers.c.code.label("customer_code"),
                      customers.c.name.label("customer_name")).select_from(
        table.join(customers, customers.c.id == table.c.customer_id, isouter=outer))
    query = query.where(*scope.conditions())
    if customer:
        query = query.where(customers.c.code == customer)
    return query


def list_payments(engine: Engine, scope: Scope, *, customer: str | None, status: str | None,
                  page: int, per_page: int) -> Page[Row]:
    # Unmatched payments belong to no account yet: only callers who see everything see them.
    query = _with_customer(payments, scope, customer, outer=not scope.limited)
    if status:
        query = query.where(payments.c.status == status)

    def shape(r: Any) -> Row:
        return {"reference": r.reference, "received_on": r.received_on.isoformat(),
                "amount": _money(r.amount_minor, r.currency),
                "unallocated": _money(r.unallocated_minor, r.currency), "status": r.status,
                "customer": _customer(r), "payer_name": r.payer_name,
                "remittance": r.remittance}

    return _page(engine, query, [payments.c.received_on.desc(), payments.c.id.desc()],
                 page=page, per_page=per_page, shape=shape)


def list_promises(engine: Engine, scope: Scope, *, customer: str | None, state: str | None,
                  page: int, per_page: int, only_id: int | None = None) -> Page[Row]:
    query = _with_customer(promises, scope, customer)
    if only_id is not None:
        query = query.where(promises.c.id == only_id)
    if state:
        query = query.where(promises.c.state == state)

    def shape(r: Any) -> Row:
        return {"id": r.id, "customer": _customer(r),
                "amount": _money(r.amount_minor, r.currency),
                "promised_on": r.promised_on.isoformat(), "due_date": r.due_date.isoformat(),
                "state": r.state, "closed_on": r.closed_on.isoformat() if r.closed_on else None,
                "source": r.source, "actor": r.actor, "created_at": stamp(r.created_at)}

    return _page(engine, query, [promises.c.id.desc()], page=page, per_page=per_page, shape=shape)


def list_plans(engine: Engine, scope: Scope, *, customer: str | None, state: str | None,
               page: int, per_page: int, only_id: int | None = None) -> Page[Row]:
    query = _with_customer(payment_plans, scope, customer)
    if only_id is not None:
        query = query.where(payment_plans.c.id == only_id)
    if state:
        query = query.where(payment_plans.c.state == state)

    def shape(r: Any) -> Row:
        return {"id": r.id, "customer": _customer(r),
                "total": _money(r.total_minor, r.currency), "state": r.state,
                "review_reason": r.review_reason, "source": r.source, "actor": r.actor,
                "approved_by": r.approved_by, "created_at": stamp(r.created_at),
                "instalments": []}

    found = _page(engine, query, [payment_plans.c.id.desc()],
                  page=page, per_page=per_page, shape=shape)
    by_id = {row["id"]: row for row in found.items}
    if by_id:
        with engine.connect() as connection:
            for i in connection.execute(
                    sa.select(plan_instalments).where(plan_instalments.c.plan_id.in_(by_id))
                    .order_by(plan_instalments.c.plan_id, plan_instalments.c.seq)):
                by_id[i.plan_id]["instalments"].append(
                    {"seq": i.seq, "due_date": i.due_date.isoformat(),
                     "amount": _money(i.amount_minor, i.currency)})
    return found


def list_disputes(engine: Engine, scope: Scope, *, customer: str | None, state: str | None,
                  page: int, per_page: int, only_id: int | None = None) -> Page[Row]:
    query = _with_customer(disputes, scope, customer)
    if only_id is not None:
        query = query.where(disputes.c.id == only_id)
    if state:
        query = query.where(disputes.c.state == state)

    def shape(r: Any) -> Row:
        return {"id": r.id, "customer": _customer(r), "reason": r.reason, "state": r.state,
                "resolution": r.resolution, "opened_by": r.opened_by, "source": r.source,
                "created_at": stamp(r.created_at), "resolved_by": r.resolved_by,
                "resolved_at": stamp(r.resolved_at), "invoices": []}

    found = _page(engine, query, [disputes.c.id.desc()], page=page, per_page=per_page, shape=shape)
    by_id = {row["id"]: row for row in found.items}
    if by_id:
        with engine.connect() as connection:
            for link in connection.execute(
                    sa.select(dispute_invoices.c.dispute_id, invoices.c.number)
                    .join(invoices, invoices.c.id == dispute_invoices.c.invoice_id)
                    .where(dispute_invoices.c.dispute_id.in_(by_id))
                    .order_by(invoices.c.number)):
                by_id[link.dispute_id]["invoices"].append(link.number)
    return found


def list_tasks(engine: Engine, scope: Scope, *, customer: str | None, state: str | None,
               assignee: str | None, task_type: str | None, page: int,
               per_page: int) -> Page[Row]:
    query = _with_customer(tasks, scope, customer)
    if state:
        query = query.where(tasks.c.state == state)
    if assignee:
        query = query.where(sa.func.lower(tasks.c.assignee) == assignee.lower())
    if task_type:
        query = query.where(tasks.c.task_type == task_type)

    def shape(r: Any) -> Row:
        return {"id": r.id, "customer": _customer(r), "task_type": r.task_type,
                "assignee": r.assignee, "due_date": r.due_date.isoformat(), "state": r.state,
                "reason": r.reason, "snoozed_until": r.snoozed_until.isoformat()
                if r.snoozed_until else None, "outcome": r.outcome, "source": r.source,
                "created_by": r.created_by, "created_at": stamp(r.created_at),
                "closed_at": stamp(r.closed_at)}

    return _page(engine, query, [tasks.c.due_date, tasks.c.id],
                 page=page, per_page=per_page, shape=shape)


def list_cycle_runs(engine: Engine, *, page: int, per_page: int) -> Page[Row]:
    def shape(r: Any) -> Row:
        return {"id": r.id, "as_of": r.as_of.isoformat(), "dry_run": r.dry_run,
                "status": r.status, "started_at": stamp(r.started_at),
                "finished_at": stamp(r.finished_at), "actor": r.actor,
                "policy_version": r.policy_version, "counts": dict(r.counts or {}),
                "errors": list(r.errors or [])}

    return _page(engine, sa.select(cycle_runs), [cycle_runs.c.id.desc()],
                 page=page, per_page=per_page, shape=shape)


def account_scope(engine: Engine, customer_code: str) -> tuple[str | None, str | None]:
    """(owner, department) of a customer, to check a caller may see it."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(customers.c.owner, customers.c.department)
                                 .where(customers.c.code == customer_code)).first()
    return (row.owner, row.department) if row else (None, None)


def customer_exists(engine: Engine, customer_code: str) -> bool:
    with engine.connect() as connection:
        return connection.execute(sa.select(customers.c.id)
                                  .where(customers.c.code == customer_code)).first() is not None
