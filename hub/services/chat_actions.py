"""Buttons pressed in Slack (or Teams): each calls the same person-action service the web
and the sheets use, as the hub user the chat account belongs to, with source `slack`."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.ledger.outbox import debtor_contact
from hub.ledger.outbox import open_items
from hub.ledger.tables import users
from hub.services import promises
from hub.services import tasks

SNOOZE_DAYS = 3
PROMISE_DAYS = 7  # "log promise" from a chat button: the open balance within a week
DONE_WORDS = {"mark_contacted": "marked contacted", "mark_done": "marked done",
              "snooze_3d": f"snoozed for {SNOOZE_DAYS} days",
              "log_promise": f"promise logged (due in {PROMISE_DAYS} days)"}


def hub_user(connection: Connection, email: str | None) -> str | None:
    """The active hub user with this e-mail (case-insensitive), or None."""
    if not email:
        return None
    found = connection.execute(sa.select(users.c.email).where(
        sa.func.lower(users.c.email) == email.lower(), users.c.active.is_(True))).first()
    return str(found.email) if found else None


def _open_balance(connection: Connection, customer_code: str) -> Money:
    contact = debtor_contact(connection, customer_code)
    if contact is None:
        raise UserError(f"customer {customer_code!r} is not in the ledger")
    rows = open_items(connection, contact.customer_id)
    if not rows:
        raise UserError(f"{customer_code} has nothing open to promise")
    currency = rows[0].currency
    return Money.from_minor(sum(r.open_minor for r in rows if r.currency == currency), currency)


def apply_chat_action(connection: Connection, *, action_id: str, customer_code: str,
                      actor: str, source: str, now: datetime, today: date) -> str:
    """Apply one button; returns what was done, in words, for the updated message."""
    if action_id == "mark_contacted":
        tasks.mark_contacted(connection, customer_code=customer_code, actor=actor,
                             source=source, now=now, note=f"via {source}")
    elif action_id == "mark_done":
        tasks.complete_account(connection, customer_code=customer_code, actor=actor,
                               source=source, now=now, outcome=f"done via {source}")
    elif action_id == "snooze_3d":
        tasks.snooze(connection, customer_code=customer_code,
                     until=today + timedelta(days=SNOOZE_DAYS), actor=actor, source=source,
                     now=now)
    elif action_id == "log_promise":
        promises.record_promise(connection, customer_code=customer_code,
                                amount=_open_balance(connection, customer_code),
                                due_date=today + timedelta(days=PROMISE_DAYS), actor=actor,
                                source=source, now=now, today=today)
    else:
        raise UserError(f"unknown button {action_id!r}")
    return f"{customer_code}: {DONE_WORDS[action_id]} by {actor}"
