"""The collection company's queue: the handed-over cases of the creditors a member of its
staff is granted (docs/creditors.md), read creditor by creditor (each under its own
creditor, so the query layer and PostgreSQL's row-level security stay in force: nothing is
read platform-wide but who the person is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.handover import QUEUE_STATUSES
from hub.domain.handover import HandoverStatus
from hub.domain.model import Role
from hub.ledger import staff
from hub.ledger.tables import creditor_grants
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import acting_for
from hub.ledger.tenancy import platform_wide
from hub.services.handover.cases import Case
from hub.services.handover.cases import count_cases
from hub.services.handover.cases import list_cases
from hub.services.staff.creditors import Creditor
from hub.services.staff.creditors import list_creditors


@dataclass(frozen=True)
class QueueItem:
    creditor: Creditor
    case: Case


def queue_creditors(connection: Connection, user_id: int) -> list[Creditor]:
    """The creditors whose handed-over cases a person works: those they are granted
    (platform staff), and the default creditor (the company that runs the hub) for its own
    admins. A creditor's own users, granted nothing, have no queue."""
    with platform_wide():  # who the person is, before anything else
        user = staff.user_by_id(connection, user_id)
    if user is None or not user.active:
        return []
    granted = {row[0] for row in connection.execute(
        sa.select(creditor_grants.c.creditor_id).where(creditor_grants.c.user_id == user.id))}
    if user.creditor_id == DEFAULT_CREDITOR and (user.role == Role.ADMIN or granted):
        granted.add(DEFAULT_CREDITOR)
    return [c for c in list_creditors(connection) if c.id in granted]


PAGE_SIZE = 50


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    page: int  # from 1
    pages: int  # at least 1
    total: int  # cases in the queue (in the statuses asked for)


def queue_page(engine: Engine, creditors: Sequence[Creditor],
               statuses: Sequence[HandoverStatus] = QUEUE_STATUSES, *, page: int = 1,
               size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue in its order (creditor by creditor, newest first within one):
    each creditor's cases are counted, and only the creditors the page reaches are read,
    with LIMIT/OFFSET, each under its own creditor. A page past the end is the last."""
    counts: list[int] = []
    for creditor in creditors:
        with acting_for(creditor.id), engine.connect() as connection:
            counts.append(count_cases(connection, statuses=statuses))
    total = sum(counts)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    start, end = (page - 1) * size, page * size
    found: list[QueueItem] = []
    before = 0  # cases of the creditors before this one
    for creditor, count in zip(creditors, counts, strict=True):
        first, last = max(start, before), min(end, before + count)
        if first < last:
            with acting_for(creditor.id), engine.connect() as connection:
                found += [QueueItem(creditor, case) for case in list_cases(
                    connection, statuses=statuses, limit=last - first, offset=first - before)]
        before += count
    return QueuePage(found, page, pages, total)


def queue_creditor(connection: Connection, user_id: int, creditor_id: int) -> Creditor | None:
    """The creditor, when the person works its queue; None otherwise (answer 404)."""
    return next((c for c in queue_creditors(connection, user_id) if c.id == creditor_id), None)
