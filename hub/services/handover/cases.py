"""The cases of accounts handed over to hard collection: opened by a ladder step (waiting
for the creditor's approval when the rule file says so), approved or declined by the
creditor, then worked by the collection company, which sets their status. Everything here
runs inside the caller's transaction, for the current creditor (hub.ledger.tenancy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.clock import day_of
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.handover import OPEN
from hub.domain.handover import QUEUE_STATUSES
from hub.domain.handover import WITH_COLLECTOR
from hub.domain.handover import HandoverStatus
from hub.domain.handover import status_of
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger.event_log import add_event
from hub.ledger.outbox import skip_waiting
from hub.ledger.tables import customers
from hub.ledger.tables import handover_files
from hub.ledger.tables import handover_history
from hub.ledger.tables import handovers
from hub.ledger.tables import invoices
from hub.services.accounts.tasks import close_open_of_type

HANDED_OVER_NOTE = "handed over to collection"  # why waiting messages were not sent
# the creditor's own chasing work, closed at the hand-over (the collection company chases
# now); a plan to review, a payment to check or a claim's deadline stay with the creditor
CHASING_TASKS = ("call", "follow_up", "escalation", "warning")


@dataclass(frozen=True)
class Case:
    id: int
    customer_code: str
    customer_name: str
    owner: str | None
    department: str | None
    status: HandoverStatus
    approval_required: bool
    requested_on: date
    requested_by: str
    reason: str
    owed: tuple[Money, ...]
    decided_by: str | None
    decided_at: datetime | None
    decline_reason: str | None
    handed_over_at: datetime | None
    note: str | None
    status_by: str | None
    updated_at: datetime
    files: tuple[str, ...] = ()  # the kinds of case file kept: pdf, json

    @property
    def with_collector(self) -> bool:
        return self.status in WITH_COLLECTOR


@dataclass(frozen=True)
class HistoryEntry:
    status: HandoverStatus
    note: str | None
    actor: str
    at: datetime


def _owed_json(amounts: Sequence[Money]) -> list[dict[str, str]]:
    return [{"currency": m.currency, "amount": str(m.amount)} for m in amounts]


def _case(row: Any, files: Sequence[str] = ()) -> Case:
    return Case(
        id=row.id, customer_code=row.code, customer_name=row.name, owner=row.owner,
        department=row.department, status=HandoverStatus(row.status),
        approval_required=bool(row.approval_required), requested_on=day_of(row.requested_on),
        requested_by=row.requested_by, reason=row.reason,
        owed=tuple(Money.of(m["amount"], m["currency"]) for m in row.owed or ()),
        decided_by=row.decided_by, decided_at=row.decided_at,
        decline_reason=row.decline_reason, handed_over_at=row.handed_over_at, note=row.note,
        status_by=row.status_by, updated_at=row.updated_at, files=tuple(files))


def _query() -> sa.Select[Any]:
    return (sa.select(handovers, customers.c.code, customers.c.name, customers.c.owner,
                      customers.c.department)
            .join(customers, customers.c.id == handovers.c.customer_id))


def count_cases(connection: Connection, *,
                statuses: Sequence[HandoverStatus] | None = None) -> int:
    """How many cases the current creditor has (in `statuses`)."""
    query = sa.select(sa.func.count()).select_from(handovers)
    if statuses:
        query = query.where(handovers.c.status.in_([s.value for s in statuses]))
    return int(connection.execute(query).scalar_one())


def list_cases(connection: Connection, *, statuses: Sequence[HandoverStatus] | None = None,
               customer_code: str | None = None, owner: str | None = None,
               department: str | None = None, limit: int | None = None,
               offset: int = 0) -> list[Case]:
    """The current creditor's cases, newest first; `owner`/`department` limit them to a
    collector's or a manager's accounts; `limit`/`offset` give one page of them."""
    query = _query()
    if statuses:
        query = query.where(handovers.c.status.in_([s.value for s in statuses]))
    if customer_code is not None:
        query = query.where(customers.c.code == customer_code)
    if owner is not None:
        query = query.where(sa.func.lower(customers.c.owner) == owner.lower())
    if department is not None:
        query = query.where(customers.c.department == department)
    query = query.order_by(handovers.c.id.desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = connection.execute(query).all()
    files: dict[int, list[str]] = {}
    if rows:
        for case_id, kind in connection.execute(
                sa.select(handover_files.c.handover_id, handover_files.c.kind)
                .where(handover_files.c.handover_id.in_([r.id for r in rows]))
                .order_by(handover_files.c.kind)):
            files.setdefault(case_id, []).append(kind)
    return [_case(row, files.get(row.id, ())) for row in rows]


def get_case(connection: Connection, case_id: int) -> Case:
    found = _cases_by_id(connection, [case_id])
    if not found:
        raise NotFound(lazy_gettext("no hand-over case %(id)s", id=case_id))
    return found[0]


def _cases_by_id(connection: Connection, ids: Sequence[int]) -> list[Case]:
    rows = connection.execute(_query().where(handovers.c.id.in_(list(ids)))).all()
    files: dict[int, list[str]] = {}
    for case_id, kind in connection.execute(
            sa.select(handover_files.c.handover_id, handover_files.c.kind)
            .where(handover_files.c.handover_id.in_(list(ids)))
            .order_by(handover_files.c.kind)):
        files.setdefault(case_id, []).append(kind)
    return [_case(row, files.get(row.id, ())) for row in rows]


def history(connection: Connection, case_id: int) -> list[HistoryEntry]:
    return [HistoryEntry(HandoverStatus(r.status), r.note, r.actor, r.at)
            for r in connection.execute(
                sa.select(handover_history).where(handover_history.c.handover_id == case_id)
                .order_by(handover_history.c.id))]


def handed_over_ids(connection: Connection, where: sa.ColumnElement[bool]) -> set[int]:
    """The customers (ids; `where` on handovers.c.customer_id) whose case is with the
    collection company: the hub's own dunning stops for them."""
    return {row[0] for row in connection.execute(
        sa.select(handovers.c.customer_id).distinct()
        .where(where, handovers.c.status.in_([s.value for s in WITH_COLLECTOR])))}


def open_case(connection: Connection, *, customer_id: int, approval: bool, actor: str,
              decision_key: str | None, reason: str, owed: Sequence[Money], today: date,
              now: datetime) -> int | None:
    """A new case for the customer: waiting for the creditor's approval (`approval`), or
    handed over at once. None when the customer has a case waiting or with the collection
    company already."""
    existing = connection.execute(sa.select(handovers.c.id).where(
        handovers.c.customer_id == customer_id,
        handovers.c.status.in_([s.value for s in OPEN]))).first()
    if existing is not None:
        return None
    status = HandoverStatus.AWAITING_APPROVAL if approval else HandoverStatus.NEW
    case_id = int(connection.execute(handovers.insert().returning(handovers.c.id).values(
        customer_id=customer_id, status=status.value, approval_required=approval,
        requested_on=today, requested_by=actor, decision_key=decision_key, reason=reason,
        owed=_owed_json(owed), created_at=now, updated_at=now)).scalar_one())
    _history(connection, case_id, status, None, actor, now)
    if approval:
        add_event(connection, customer_id=customer_id, kind=kinds.HANDOVER_REQUESTED,
                  actor=actor, now=now, data={"case": case_id, "decision_key": decision_key},
                  summary=f"hand-over to collection proposed (case {case_id}): waits for the "
                          f"creditor's approval; {reason}")
    else:
        _hand_over(connection, case_id, customer_id, actor=actor, now=now, reason=reason)
    return case_id


def _hand_over(connection: Connection, case_id: int, customer_id: int, *, actor: str,
               now: datetime, reason: str) -> None:
    connection.execute(handovers.update().where(handovers.c.id == case_id).values(
        status=HandoverStatus.NEW.value, handed_over_at=now, updated_at=now))
    code = connection.execute(sa.select(customers.c.code).where(
        customers.c.id == customer_id)).scalar_one()
    skipped = skip_waiting(connection, str(code), HANDED_OVER_NOTE, now)
    closed = close_open_of_type(connection, customer_code=str(code), task_types=CHASING_TASKS,
                                actor=actor, source="rules", now=now,
                                outcome=f"{HANDED_OVER_NOTE} (case {case_id})")
    add_event(connection, customer_id=customer_id, kind=kinds.HANDED_OVER, actor=actor,
              now=now, data={"case": case_id, "messages_not_sent": skipped,
                             "tasks_closed": closed},
              summary=f"handed over to collection (case {case_id}): the hub sends no more "
                      f"reminders; {reason}")


def hand_over_by_hand(connection: Connection, customer_code: str, *, actor: str,
                      reason: str, today: date, now: datetime) -> int:
    """A person who may approve hand-overs hands the account over themselves: that is the
    creditor's approval. A case waiting for approval is approved; otherwise a new case is
    opened, approved by `actor` and handed over at once. Returns the case number."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise UserError(lazy_gettext("say why the account goes to the collection company "
                                     "(a reason is needed)"))
    customer = connection.execute(sa.select(customers.c.id).where(
        customers.c.code == customer_code)).scalar()
    if customer is None:
        raise NotFound(lazy_gettext("no customer with code %(code)s", code=repr(customer_code)))
    existing = connection.execute(sa.select(handovers.c.id, handovers.c.status).where(
        handovers.c.customer_id == customer,
        handovers.c.status.in_([s.value for s in OPEN]))).first()
    if existing is not None and existing.status != HandoverStatus.AWAITING_APPROVAL.value:
        raise UserError(lazy_gettext("%(code)s is already with the collection company (case "
                                     "%(id)s)", code=customer_code, id=existing.id))
    if existing is not None:
        approve(connection, existing.id, actor=actor, now=now)
        return int(existing.id)
    owed = overdue_amounts(connection, customer, today)
    if not owed:
        raise UserError(lazy_gettext("%(code)s has nothing overdue: there is nothing to hand "
                                     "over", code=customer_code))
    case_id = int(connection.execute(handovers.insert().returning(handovers.c.id).values(
        customer_id=customer, status=HandoverStatus.NEW.value, approval_required=False,
        requested_on=today, requested_by=actor, decision_key=None,
        reason=f"handed over by hand: {reason}", owed=_owed_json(owed), decided_by=actor,
        decided_at=now, created_at=now, updated_at=now)).scalar_one())
    _history(connection, case_id, HandoverStatus.NEW, f"handed over by hand: {reason}",
             actor, now)
    _hand_over(connection, case_id, customer, actor=actor, now=now,
               reason=f"handed over by {actor}: {reason}")
    return case_id


def overdue_amounts(connection: Connection, customer_id: int, today: date) -> list[Money]:
    """What the customer owes past the due date, per currency (open, not excluded)."""
    rows = connection.execute(
        sa.select(invoices.c.currency, sa.func.sum(invoices.c.open_minor))
        .where(invoices.c.customer_id == customer_id, invoices.c.due_date < today,
               invoices.c.open_minor > 0, invoices.c.excluded.is_(False),
               invoices.c.status.in_(("open", "partially_paid")))
        .group_by(invoices.c.currency).order_by(invoices.c.currency)).all()
    return [Money.from_minor(int(total), str(currency)) for currency, total in rows if total]


def _locked(connection: Connection, case_id: int) -> Any:
    row = connection.execute(sa.select(handovers).where(handovers.c.id == case_id)
                             .with_for_update()).first()
    if row is None:
        raise NotFound(lazy_gettext("no hand-over case %(id)s", id=case_id))
    return row


def approve(connection: Connection, case_id: int, *, actor: str, now: datetime) -> Case:
    """The creditor approves: the account is handed over now."""
    row = _locked(connection, case_id)
    if row.status != HandoverStatus.AWAITING_APPROVAL.value:
        raise UserError(lazy_gettext("case %(id)s does not wait for approval (it is %(status)s)",
                                     id=case_id, status=row.status.replace("_", " ")))
    connection.execute(handovers.update().where(handovers.c.id == case_id).values(
        decided_by=actor, decided_at=now))
    _history(connection, case_id, HandoverStatus.NEW, "approved by the creditor", actor, now)
    _hand_over(connection, case_id, row.customer_id, actor=actor, now=now,
               reason=f"approved by {actor}")
    return get_case(connection, case_id)


def decline(connection: Connection, case_id: int, *, actor: str, reason: str,
            now: datetime) -> Case:
    """The creditor keeps the account: the hub's dunning goes on."""
    reason = reason.strip()
    if not reason:
        raise UserError(lazy_gettext("say why the hand-over is declined (a reason is needed)"))
    row = _locked(connection, case_id)
    if row.status != HandoverStatus.AWAITING_APPROVAL.value:
        raise UserError(lazy_gettext("case %(id)s does not wait for approval (it is %(status)s)",
                                     id=case_id, status=row.status.replace("_", " ")))
    connection.execute(handovers.update().where(handovers.c.id == case_id).values(
        status=HandoverStatus.DECLINED.value, decided_by=actor, decided_at=now,
        decline_reason=reason[:2000], updated_at=now))
    _history(connection, case_id, HandoverStatus.DECLINED, reason[:2000], actor, now)
    add_event(connection, customer_id=row.customer_id, kind=kinds.HANDOVER_DECLINED,
              actor=actor, now=now, data={"case": case_id},
              summary=f"hand-over to collection declined (case {case_id}): {reason[:500]}")
    return get_case(connection, case_id)


def set_status(connection: Connection, case_id: int, wanted: str, *, note: str, actor: str,
               now: datetime) -> Case:
    """The collection company moves a handed-over case on. `returned`: the creditor has the
    account back and the hub's dunning resumes at the next cycle."""
    try:
        status = status_of(wanted)
    except ValueError:
        raise UserError(lazy_gettext(
            "%(wanted)s is not a case status; use one of %(known)s", wanted=repr(wanted),
            known=", ".join(s.value for s in QUEUE_STATUSES))) from None
    row = _locked(connection, case_id)
    current = HandoverStatus(row.status)
    if current not in WITH_COLLECTOR:
        raise UserError(lazy_gettext("case %(id)s is not with the collection company (it is "
                                     "%(status)s)", id=case_id,
                                     status=current.value.replace("_", " ")))
    note = note.strip()[:2000]
    connection.execute(handovers.update().where(handovers.c.id == case_id).values(
        status=status.value, note=note or None, status_by=actor, updated_at=now))
    _history(connection, case_id, status, note or None, actor, now)
    said = f": {note[:500]}" if note else ""
    add_event(connection, customer_id=row.customer_id, kind=kinds.HANDOVER_STATUS,
              actor=actor, now=now, data={"case": case_id, "status": status.value},
              summary=f"collection case {case_id}: {status.value.replace('_', ' ')}{said}")
    if status is HandoverStatus.RETURNED:  # the next cycle looks at the account again
        connection.execute(customers.update().where(customers.c.id == row.customer_id)
                           .values(next_evaluation_on=now.date()))
    return get_case(connection, case_id)


def _history(connection: Connection, case_id: int, status: HandoverStatus,  # noqa: PLR0917
             note: str | None, actor: str, now: datetime) -> None:
    connection.execute(handover_history.insert().values(
        handover_id=case_id, status=status.value, note=note, actor=actor, at=now))
