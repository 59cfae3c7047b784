"""Buttons pressed in Slack (or Teams): each calls the same person-action service the web
and the sheets use, as the hub user the chat account belongs to, with source `slack`.
"Log promise" asks first (a modal): `promise_prompt` fills it, `record_chat_promise`
reads what was typed the way the web form does and says which field is wrong."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.parsing import ParseError
from hub.domain.parsing import language_of
from hub.domain.parsing import parse_date
from hub.domain.parsing import parse_money
from hub.i18n import N_
from hub.i18n import gettext_for
from hub.i18n import lazy_gettext
from hub.i18n import ngettext_for
from hub.ledger.current import platform_wide
from hub.ledger.outbox import debtor_contact
from hub.ledger.outbox import open_items
from hub.ledger.tables import users
from hub.services.accounts import promises
from hub.services.accounts import tasks
from hub.services.staff.creditors import allowed_creditors

SNOOZE_DAYS = 3
PROMISE_DAYS = 7  # the date the promise modal suggests (never more than the rule file allows)
# what replaces an account's buttons after a press, in the presser's language
DONE_WORDS = {"mark_contacted": N_("%(code)s: marked contacted by %(actor)s"),
              "mark_done": N_("%(code)s: marked done by %(actor)s"),
              "snooze_3d": N_("%(code)s: snoozed for %(days)s days by %(actor)s")}


class FieldErrors(UserError):
    """What was typed into a chat form and refused, per field (block id -> message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def split_action(action_id: str, value: str) -> tuple[str, str]:
    """`mark_done:ACME` -> ("mark_done", "ACME"); an older message's bare `mark_done`
    takes the code from the button's value. A creditor mark (`mark_done@2:ACME`) is left
    out: `button_creditor` reads it."""
    action, _, code = action_id.partition(":")
    return action.partition("@")[0], code or value


def button_creditor(action_id: str) -> int | None:
    """The creditor a button was made for (`mark_done@2:ACME` -> 2); None when the button
    names none (the default creditor's, or a message older than creditors)."""
    mark = action_id.partition(":")[0].partition("@")[2]
    return int(mark) if mark.isdigit() else None


def _active_user(connection: Connection, email: str) -> Any:
    with platform_wide():  # who presses, before anything else: e-mails are hub-wide
        return connection.execute(sa.select(users.c.id, users.c.email, users.c.creditor_id)
                                  .where(sa.func.lower(users.c.email) == email.lower(),
                                         users.c.active.is_(True))).first()


def hub_user(connection: Connection, email: str | None) -> str | None:
    """The active hub user with this e-mail (case-insensitive), or None."""
    if not email:
        return None
    found = _active_user(connection, email)
    return str(found.email) if found else None


def press_creditor(connection: Connection, email: str | None,
                   wanted: int | None) -> int | None:
    """The creditor a chat press acts for: the one the button names (`wanted`), when the
    person may act for it (their own creditor, or one they are granted), else their own
    creditor for a button that names none. None: no such person, or not theirs."""
    found = _active_user(connection, email) if email else None
    if found is None:
        return None
    home = int(found.creditor_id)
    if wanted is None or wanted == home:
        return home
    allowed = {c.id for c in allowed_creditors(connection, int(found.id), home)}
    return wanted if wanted in allowed else None


def _open_balance(connection: Connection, customer_code: str) -> Money:
    contact = debtor_contact(connection, customer_code)
    if contact is None:
        raise UserError(lazy_gettext("customer %(code)s is not in the ledger",
                                     code=repr(customer_code)))
    rows = open_items(connection, contact.customer_id)
    if not rows:
        raise UserError(lazy_gettext("%(code)s has nothing open to promise",
                                     code=customer_code))
    currency = rows[0].currency
    return Money.from_minor(sum(r.open_minor for r in rows if r.currency == currency), currency)


def apply_chat_action(connection: Connection, *, action_id: str, customer_code: str,
                      actor: str, source: str, now: datetime, today: date,
                      language: str | None = None) -> str:
    """Apply one button; returns what was done, in words (in `language`), for the updated
    message."""
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
    else:
        raise UserError(lazy_gettext("unknown button %(action_id)s", action_id=repr(action_id)))
    done = DONE_WORDS[action_id]
    return gettext_for(language, done, code=customer_code, actor=actor, days=SNOOZE_DAYS)


def promise_prompt(connection: Connection, customer_code: str) -> tuple[str, Money]:
    """The account's name and open balance, for the promise modal."""
    contact = debtor_contact(connection, customer_code)
    if contact is None:
        raise UserError(lazy_gettext("customer %(code)s is not in the ledger",
                                     code=repr(customer_code)))
    return contact.name, _open_balance(connection, customer_code)


def record_chat_promise(connection: Connection, *, customer_code: str, amount_text: str,
                        due_text: str, locale: str | None, actor: str, source: str,
                        now: datetime, today: date, max_days_ahead: int) -> str:
    """Record the promise typed into the modal through the promise service the web uses,
    within the rule file's `portal.promise.max_days_ahead`; FieldErrors names the field
    (`amount`, `due_date`) that is wrong and records nothing."""
    language = language_of(locale)
    _name, balance = promise_prompt(connection, customer_code)
    errors: dict[str, str] = {}
    amount: Money | None = None
    try:
        amount = parse_money(amount_text, balance.currency, language)
    except ParseError as exc:
        errors["amount"] = exc.message(language)
    else:
        if amount.amount <= 0:
            errors["amount"] = gettext_for(language, "%(amount)s is not a positive amount",
                                           amount=repr(amount_text.strip()))
    due: date | None = None
    latest = today + timedelta(days=max_days_ahead)
    try:
        due = parse_date(due_text, language)  # Slack's date picker: 2026-12-31
    except ParseError:
        errors["due_date"] = gettext_for(language, "Pick the date the customer promised to "
                                                   "pay.")
    else:
        if due < today:
            errors["due_date"] = gettext_for(language, "%(date)s is in the past.", date=due)
        elif due > latest:
            errors["due_date"] = ngettext_for(
                language, "%(date)s is more than %(num)s day ahead; the latest date is "
                "%(latest)s.", "%(date)s is more than %(num)s days ahead; the latest date is "
                "%(latest)s.", max_days_ahead, date=due, latest=latest)
    if errors or amount is None or due is None:
        raise FieldErrors(errors)
    promises.record_promise(connection, customer_code=customer_code, amount=amount,
                            due_date=due, actor=actor, source=source, now=now, today=today,
                            max_days_ahead=max_days_ahead)
    return gettext_for(language, "%(code)s: promise of %(amount)s by %(due)s logged by "
                       "%(actor)s", code=customer_code, amount=amount, due=due, actor=actor)
