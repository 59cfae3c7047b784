"""Account-wide decisions a person takes from the web: exclude an account from
collection (or include it again) and hand it over to legal. Holds live in
hub.services.holds. Each writes an event with who, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.errors import UserError
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.accounts import check_source
from hub.ledger.tables import customers
from hub.services.tasks import create_task

CUSTOMER_EXCLUDED = "customer.excluded"
CUSTOMER_INCLUDED = "customer.included"


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise UserError("say why (reason): it is kept on the account's timeline")
    return reason


def set_excluded(connection: Connection, *, customer_code: str, excluded: bool, reason: str,
                 actor: str, source: str, now: datetime) -> bool:
    """Exclude the account from collection (no ladder step runs), or include it again.
    Returns False when it already was in that state."""
    check_source(source)
    reason = _reason(reason)
    ref = account(connection, customer_code)
    changed = connection.execute(
        customers.update().where(customers.c.id == ref.id, customers.c.excluded != excluded)
        .values(excluded=excluded, updated_at=now)).rowcount
    if not changed:
        return False
    add_event(connection, customer_id=ref.id, actor=actor, now=now,
              kind=CUSTOMER_EXCLUDED if excluded else CUSTOMER_INCLUDED,
              summary=(f"excluded from collection: {reason}" if excluded
                       else f"included in collection again: {reason}"),
              data={"reason": reason, "source": source})
    return True


def hand_over_to_legal(connection: Connection, *, customer_code: str, reason: str,
                       actor: str, source: str, now: datetime) -> int | None:
    """Hard collection from now on: a legal hand-over task (which pauses the ladder)
    and an event. Returns the task id (None when one was open already)."""
    check_source(source)
    reason = _reason(reason)
    ref = account(connection, customer_code)
    task_id = create_task(connection, customer_code=customer_code, task_type="legal_handover",
                          assignee=ref.owner, due_date=now.date(), reason=reason, actor=actor,
                          now=now, key=None, source=source)
    add_event(connection, customer_id=ref.id, kind=kinds.LEGAL_HANDOVER, actor=actor, now=now,
              summary=f"handed over to legal: {reason}",
              data={"reason": reason, "source": source, "task_id": task_id})
    return task_id
