"""What a debtor answers on a reminder call, and what Twilio reports about WhatsApp
messages and calls, as ledger changes.

A call belongs to one outbox message (its idempotency key is in the call's URL), so each
keypad answer lands on that account and feeds the portal's workflows
(hub.services.portal.actions) with source "phone": 1 a promise to pay what is owed by
a keyed date, 2 a call-back task for the owner, 3 a dispute (which pauses the ladder)
and a task to find out what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.decisions import PolicySettings
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.outbox import MESSAGE_FAILED
from hub.domain.outbox import MessageState
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account
from hub.ledger.current import platform_wide
from hub.ledger.event_log import add_event
from hub.ledger.tables import customers
from hub.ledger.tables import messages
from hub.services.accounts.tasks import create_task
from hub.services.portal import actions as portal_actions
from hub.services.read.owed import owed_by

ACTOR = "debtor (phone)"
SOURCE = "phone"
# Twilio statuses after which nothing reached the debtor
FAILED_STATUSES = frozenset({"failed", "undelivered", "busy", "no-answer", "canceled"})


@dataclass(frozen=True)
class CallAccount:
    """The account a reminder call is about, and what is owed today."""

    key: str
    customer_code: str
    customer_name: str
    language: str
    owed: Money | None  # the largest currency's total; None when nothing is owed


def message_creditor(connection: Connection, *, key: str = "", sid: str = "",
                     channel: str | None = None, creditor: int | None = None) -> int | None:
    """The creditor whose outbox message a Twilio callback refers to: the creditor its
    (signed) URL names, when it has a message with that key; else by the message's SID
    (Twilio's, unique across the hub), else by its outbox key, which two creditors may
    share: then the SID must tell them apart. None: no message, or no single one (the
    callback is refused and nothing changes)."""
    with platform_wide():  # who the callback is about, before anything else
        if creditor is not None:  # a call placed since the voice URL names its creditor
            query = sa.select(messages.c.creditor_id, messages.c.external_id).where(
                messages.c.idempotency_key == key, messages.c.creditor_id == creditor)
            if channel is not None:
                query = query.where(messages.c.channel == channel)
            rows = connection.execute(query).all() if key else []
            # a SID the hub recorded must be this call's: a URL is never another's answer
            if rows and (not sid or any(r.external_id in (None, "", sid) for r in rows)):
                return creditor
            return None
        if sid:
            found = set(connection.execute(sa.select(messages.c.creditor_id).where(
                messages.c.external_id == sid)).scalars())
            if len(found) == 1:
                return int(found.pop())
        if not key:
            return None
        query = sa.select(messages.c.creditor_id).where(messages.c.idempotency_key == key)
        if channel is not None:
            query = query.where(messages.c.channel == channel)
        found = set(connection.execute(query).scalars())
    return int(found.pop()) if len(found) == 1 else None


def call_account(connection: Connection, key: str, today: date) -> CallAccount | None:
    row = connection.execute(
        sa.select(messages.c.customer_code, messages.c.language, customers.c.id,
                  customers.c.name)
        .select_from(messages.join(customers, customers.c.code == messages.c.customer_code))
        .where(messages.c.idempotency_key == key, messages.c.channel == "voice")).first()
    if row is None:
        return None
    totals = owed_by(connection, row.id, today).totals
    main = max(totals, key=lambda money: money.to_minor(), default=None)
    return CallAccount(key, row.customer_code, row.name, row.language,
                       main if main is not None and not main.is_zero() else None)


def keyed_date(digits: str, *, today: date, max_days_ahead: int) -> date:
    """DDMM keyed on the phone -> the next such date from today; UserError when it is not
    a date or falls outside the rule file's promise limit."""
    if len(digits) != 4 or not digits.isdigit():
        raise UserError(lazy_gettext("four digits are needed: the day and the month"))
    day, month = int(digits[:2]), int(digits[2:])
    try:
        found = date(today.year, month, day)
        if found < today:
            found = date(today.year + 1, month, day)
    except ValueError:
        raise UserError(lazy_gettext("%(digits)s/%(digits2)s is not a date",
                                     digits=digits[:2], digits2=digits[2:])) from None
    latest = today + timedelta(days=max_days_ahead)
    if found > latest:
        raise UserError(lazy_gettext("%(found)s is more than %(max_days_ahead)s days ahead; the "
                                     "latest date is %(latest)s",
                                     found=found, max_days_ahead=max_days_ahead, latest=latest))
    return found


def promise(connection: Connection, call: CallAccount, *, due_date: date,
            settings: PolicySettings, now: datetime, today: date) -> int:
    if call.owed is None:
        raise UserError(lazy_gettext("nothing is owed on this account"))
    return portal_actions.promise(connection, customer_code=call.customer_code,
                                  amount=call.owed, due_date=due_date, settings=settings,
                                  language=call.language, now=now, today=today,
                                  actor=ACTOR, source=SOURCE)


def call_back(connection: Connection, call: CallAccount, *, now: datetime,
              today: date) -> int | None:
    ref = account(connection, call.customer_code)
    return create_task(
        connection, customer_code=call.customer_code, task_type="call_back",
        assignee=ref.owner, due_date=today, actor=ACTOR, now=now, source=SOURCE,
        key=f"phone|call_back|{call.key}",
        reason="the debtor pressed 2 on the reminder call to be called back by a collector")


def dispute(connection: Connection, call: CallAccount, *, now: datetime,
            today: date) -> int:
    """A dispute on every open invoice (the keypad cannot name one) and a task for the
    owner to ask what is wrong; the dispute pauses the ladder until it is resolved."""
    dispute_id = portal_actions.dispute(
        connection, customer_code=call.customer_code, invoice_numbers=[],
        reason="disputed on a reminder call (keypad 3); no reason given yet",
        language=call.language, now=now, actor=ACTOR, source=SOURCE)
    ref = account(connection, call.customer_code)
    create_task(connection, customer_code=call.customer_code, task_type="dispute_review",
                assignee=ref.owner, due_date=today, actor=ACTOR, now=now, source=SOURCE,
                key=f"phone|dispute|{call.key}",
                reason=f"the debtor disputed on the reminder call (dispute {dispute_id}): "
                       "call them to find out what is wrong")
    return dispute_id


def delivery_status(connection: Connection, *, sid: str, status: str, error_code: str,
                    now: datetime) -> bool:
    """Twilio's word on a sent WhatsApp message or call. A failed, undelivered or
    unanswered one marks its outbox row failed, with the reason on the timeline; True
    when a row changed. Other statuses (queued, sent, delivered, read, completed) change
    nothing."""
    if status not in FAILED_STATUSES or not sid:
        return False
    row = connection.execute(sa.select(messages.c.id, messages.c.channel,
                                       messages.c.customer_code)
                             .where(messages.c.external_id == sid)).first()
    if row is None:
        return False
    reason = f"Twilio reports the {row.channel} message {status}" + (
        f" (error {error_code})" if error_code else "")
    changed = connection.execute(
        sa.update(messages).where(messages.c.id == row.id,
                                  messages.c.state == MessageState.SENT.value)
        .values(state=MessageState.FAILED.value, last_error=reason, updated_at=now)).rowcount
    if changed and row.customer_code:
        customer_id = connection.execute(sa.select(customers.c.id).where(
            customers.c.code == row.customer_code)).scalar_one_or_none()
        add_event(connection, customer_id=customer_id, kind=MESSAGE_FAILED, now=now,
                  summary=reason, actor="twilio",
                  data={"message_id": row.id, "channel": row.channel, "status": status,
                           "error_code": error_code or None})
    return bool(changed)
