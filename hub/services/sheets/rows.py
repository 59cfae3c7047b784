"""What goes on the sheets: worklist rows per department and owner, as the canonical cell
text of hub.domain.sheet_cells (numbers plain, dates ISO; the backends write them as number
and date cells), and the values the hub itself has for the editable columns (an open
promise, an open dispute)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.model import DisputeState
from hub.domain.model import PromiseState
from hub.domain.money import Money
from hub.domain.sheet_cells import number_text
from hub.domain.sheets import SheetRow
from hub.domain.sheets import severity
from hub.domain.worklist import WorklistRow
from hub.i18n import Text
from hub.i18n import gettext_for
from hub.ledger.tables import customers
from hub.ledger.tables import disputes
from hub.ledger.tables import promises
from hub.services.read.worklist import UNASSIGNED  # noqa: F401 - the tab of work nobody holds
from hub.services.read.worklist import worklist

DEFAULT_BOOK = "Collections"


def departments(connection: Connection) -> list[str | None]:
    rows = connection.execute(sa.select(customers.c.department).distinct()
                              .where(customers.c.excluded.is_(False)))
    found = {row.department for row in rows}
    return sorted(found, key=lambda name: (name is None, name or ""))


def book_name(department: str | None) -> str:
    return department or DEFAULT_BOOK


def owners(connection: Connection, department: str | None) -> list[str]:
    """Everyone who owns accounts in the department: each keeps a tab, even an empty one.
    Accounts without an owner are on the tab of whoever their task was given to; an
    "unassigned" tab appears only for work nobody could be given."""
    where = customers.c.department == department if department is not None \
        else customers.c.department.is_(None)
    rows = connection.execute(sa.select(customers.c.owner).distinct().where(where))
    return sorted({row.owner for row in rows if row.owner})


def department_worklist(connection: Connection, *, as_of: date,
                        department: str | None) -> list[WorklistRow]:
    """The department's worklist rows (CYCLE's worklist), in priority order."""
    rows = worklist(connection, as_of=as_of, department=department)
    return [row for row in rows if row.department == department]


def computed_values(row: WorklistRow, portal_link: str | None,
                    language: str = "en") -> dict[str, str]:
    """The computed columns; the suggested action in the sheet's language (a msgid of
    hub.services.read.worklist.ACTIONS; never read back, so the hub only compares it)."""
    action = row.suggested_action
    return {
        "customer": row.customer_name,
        "contact": row.main_contact or "",
        "phone": row.phone or "",
        "balance": number_text(row.balance.amount),  # a number cell, #,##0.00
        "currency": row.balance.currency,
        "oldest_due": row.oldest_due_date.isoformat() if row.oldest_due_date else "",
        "days_overdue": str(row.days_overdue),
        "current_step": row.current_step or "",
        "next_action": action.in_language(language) if isinstance(action, Text)
        else gettext_for(language, action),
        "last_contact": row.last_contact.isoformat() if row.last_contact else "",
        "portal_link": portal_link or "",
        "score": "" if row.score is None else str(row.score),
    }


def sheet_row(row: WorklistRow, editable: Mapping[str, str],
              portal_link: str | None, language: str = "en") -> SheetRow:
    values = computed_values(row, portal_link, language)
    values.update(editable)
    rank = f"{max(0, 999_999 - row.priority):07d} {row.customer_code}"
    return SheetRow(row.customer_code, values, severity(row.days_overdue), rank)


def hub_editable_values(connection: Connection,
                        codes: Sequence[str]) -> dict[str, dict[str, str]]:
    """What the ledger says for the editable columns: an open promise or dispute recorded
    elsewhere (portal, web, Slack) shows on the sheet too."""
    result: dict[str, dict[str, str]] = defaultdict(dict)
    for start in range(0, len(codes), 500):
        chunk = list(codes[start:start + 500])
        for promise in connection.execute(
                sa.select(customers.c.code, promises.c.due_date, promises.c.amount_minor,
                          promises.c.currency)
                .join(customers, customers.c.id == promises.c.customer_id)
                .where(customers.c.code.in_(chunk), promises.c.state == PromiseState.OPEN)
                .order_by(promises.c.id)):
            amount = Money.from_minor(promise.amount_minor, promise.currency).amount
            result[promise.code].update(status="promised",
                                        promise_date=promise.due_date.isoformat(),
                                        promise_amount=number_text(amount))
        for dispute in connection.execute(
                sa.select(customers.c.code)
                .join(customers, customers.c.id == disputes.c.customer_id)
                .where(customers.c.code.in_(chunk), disputes.c.state == DisputeState.OPEN)):
            result[dispute.code]["status"] = "disputed"
    return dict(result)
