"""Account-wide decisions a person takes from the web: exclude an account from
collection (or include it again), hand it over to legal, name the account manager. Holds live in
hub.services.accounts.holds. Each writes an event with who, when and why."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.accounts import check_source
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import users
from hub.services.accounts.tasks import create_task

CUSTOMER_EXCLUDED = "customer.excluded"
CUSTOMER_INCLUDED = "customer.included"


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise UserError(lazy_gettext("say why (reason): it is kept on the account's timeline"))
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


def set_account_manager(connection: Connection, *, customer_code: str, email: str | None,
                        actor: str, source: str, now: datetime) -> bool:
    """Name the salesperson who owns the relationship (None or blank: nobody). They must be
    an active user of the hub: `notify: [everyone]` tells them at each stage. Returns False
    when nothing changed."""
    check_source(source)
    email = (email or "").strip() or None
    ref = account(connection, customer_code)
    if email is not None:
        row = connection.execute(sa.select(users.c.email, users.c.active).where(
            sa.func.lower(users.c.email) == email.lower())).first()
        if row is None:
            raise UserError(lazy_gettext("account manager %(email)s: no user of the hub has that "
                                         "e-mail address (add them on the People page first)",
                                         email=repr(email)))
        if not row.active:
            raise UserError(lazy_gettext("account manager %(email)s: that user is deactivated",
                                         email=repr(email)))
        email = str(row.email)
    before = connection.execute(sa.select(customers.c.account_manager)
                                .where(customers.c.id == ref.id)).scalar()
    if before == email:
        return False
    connection.execute(customers.update().where(customers.c.id == ref.id)
                       .values(account_manager=email, updated_at=now))
    add_event(connection, customer_id=ref.id, actor=actor, now=now,
              kind=kinds.CUSTOMER_UPDATED,
              summary=f"account manager: {email or 'nobody'} (was {before or 'nobody'})",
              data={"changes": {"account_manager": [before, email]}, "source": source})
    return True


def set_whatsapp_opt_in(connection: Connection, *, customer_code: str, opt_in: bool,
                        actor: str, source: str, now: datetime) -> bool:
    """Record that the customer's contact agreed to WhatsApp messages (or withdrew): the
    first contact with a phone number, the primary one first. WhatsApp goes only to a
    number whose owner opted in. Returns False when nothing changed."""
    check_source(source)
    ref = account(connection, customer_code)
    person = connection.execute(
        sa.select(contacts.c.id, contacts.c.name, contacts.c.phone, contacts.c.whatsapp_opt_in)
        .where(contacts.c.customer_id == ref.id, contacts.c.phone.is_not(None))
        .order_by(contacts.c.is_primary.desc(), contacts.c.id)).first()
    if person is None:
        raise UserError(lazy_gettext("customer %(code)s has no contact with a phone "
                                     "number: WhatsApp needs one (add it with the customers "
                                     "import)", code=customer_code))
    if bool(person.whatsapp_opt_in) == opt_in:
        return False
    connection.execute(contacts.update().where(contacts.c.id == person.id)
                       .values(whatsapp_opt_in=opt_in))
    said = "agreed to" if opt_in else "withdrew from"
    add_event(connection, customer_id=ref.id, actor=actor, now=now,
              kind=kinds.CUSTOMER_UPDATED,
              summary=f"{person.name} ({person.phone}) {said} WhatsApp messages",
              data={"changes": {"whatsapp_opt_in": [not opt_in, opt_in]},
                    "contact": person.name, "source": source})
    return True
