"""One-click outcomes and account actions from the worklist and the account page.

Every action goes through the person-action services (source "web", actor the
signed-in user), which write the event on the account's timeline. A mistake in
the form (a date in the past, an amount that is not a number) comes back as a
message naming the field and the value typed, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import timedelta

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from sqlalchemy import Connection
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.domain.money import Money
from hub.domain.parsing import LANGUAGES
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.domain.parsing import parse_money
from hub.ledger.accounts import account as account_ref
from hub.services import account_status
from hub.services import disputes
from hub.services import holds
from hub.services import payments as payment_service
from hub.services import plans
from hub.services import promises
from hub.services import tasks
from hub.services.worklist import CALL_TASKS
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_action_rights
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.access import safe_next

actions = Blueprint("actions", __name__)
SOURCE = "web"

Form = MultiDict[str, str]
Action = Callable[[Connection, Viewer, str, Form], str]  # returns the confirmation


def _language() -> str:
    """The staff member's language as their browser states it, for reading what they type
    and saying what was wrong."""
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _date(form: Form, field: str, label: str) -> date:
    return _read_date(form.get(field, ""), label)


def _read_date(raw: str, label: str) -> date:
    try:
        return parse_date(raw, _language())
    except ParseError as exc:
        raise UserError(f"{label}: {exc.message(_language())}") from None


def _money(raw: str, currency: str, label: str) -> Money:
    try:
        money = parse_money(raw, currency, _language())
    except ParseError as exc:
        raise UserError(f"{label}: {exc.message(_language())}") from None
    if money.amount <= 0:
        raise UserError(f"{label}: {raw.strip()!r} is not a positive amount in {currency}")
    return money


def _currency(form: Form) -> str:
    currency = form.get("currency", "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise UserError(f"currency: {currency!r} is not a currency code")
    return currency


def _contacted(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    tasks.mark_contacted(c, customer_code=code, actor=viewer.email, source=SOURCE,
                         now=hub().clock.now(), note=form.get("note", "").strip() or None)
    return f"{code}: contact logged."


def _done(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    closed = tasks.complete_account(c, customer_code=code, actor=viewer.email, source=SOURCE,
                                    now=hub().clock.now(),
                                    outcome=form.get("outcome", "").strip() or None)
    return f"{code}: done ({len(closed)} task{'' if len(closed) == 1 else 's'} closed)."


def _snooze(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    now = hub().clock.now()
    if form.get("until"):
        until = _date(form, "until", "snooze until")
    else:
        days = form.get("days", "3").strip() or "3"
        if not days.isdigit() or not 1 <= int(days) <= 365:
            raise UserError(f"snooze: {days!r} is not a number of days from 1 to 365")
        until = hub().clock.today() + timedelta(days=int(days))
    tasks.snooze(c, customer_code=code, until=until, actor=viewer.email, source=SOURCE, now=now)
    return f"{code}: snoozed until {until}."


def _note(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    tasks.add_note(c, customer_code=code, text=form.get("text", ""), actor=viewer.email,
                   source=SOURCE, now=hub().clock.now())
    return f"{code}: note added."


def _promise(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    amount = _money(form.get("amount", ""), _currency(form), "promised amount")
    due = _date(form, "due_date", "promised date")
    promises.record_promise(c, customer_code=code, amount=amount, due_date=due,
                            actor=viewer.email, source=SOURCE, now=hub().clock.now(),
                            today=hub().clock.today())
    # the promise answers the call the worklist asked for: that task is done
    closed = tasks.close_open_of_type(c, customer_code=code, task_types=CALL_TASKS,
                                      actor=viewer.email, source=SOURCE,
                                      now=hub().clock.now(), outcome="promise")
    calls = f"; call task{'' if len(closed) == 1 else 's'} closed" if closed else ""
    return f"{code}: promise of {amount} by {due} recorded{calls}."


def parse_instalments(text: str, currency: str) -> list[tuple[date, Money]]:
    """One instalment a line: "2026-12-15 250.00" (date, then amount)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)  # the amount may hold spaces: "1 250,00"
        hint = (f"instalments line {number}: write a date and an amount, "
                f"like 2026-12-15 250.00; got {line.strip()!r}")
        if len(parts) != 2:
            raise UserError(hint)
        try:
            day = parse_date(parts[0], _language())
        except ParseError as exc:
            raise UserError(f"{hint} ({exc.message(_language())})") from None
        found.append((day, _money(parts[1], currency, f"instalments line {number}")))
    return found


def _plan(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    instalments = parse_instalments(form.get("instalments", ""), _currency(form))
    outcome = plans.propose_plan(c, customer_code=code, instalments=instalments,
                                 actor=viewer.email, source=SOURCE, now=hub().clock.now(),
                                 limits=hub().policy_settings().plan_auto_approve,
                                 today=hub().clock.today())
    if outcome.approved:
        return f"{code}: payment plan approved."
    return f"{code}: payment plan recorded for review ({'; '.join(outcome.reasons)})."


def _dispute(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    numbers = [n for n in form.getlist("invoices") if n.strip()]
    disputes.open_dispute(c, customer_code=code, invoice_numbers=numbers,
                          reason=form.get("reason", ""), actor=viewer.email, source=SOURCE,
                          now=hub().clock.now())
    return f"{code}: dispute opened on {', '.join(numbers) or 'all open invoices'}."


def _hold(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    if not form.get("reason", "").strip():
        raise UserError("say why (reason): it is kept on the account's timeline")
    placed = holds.hold_account(c, customer_code=code, reason=form["reason"].strip(),
                                actor=viewer.email, source=SOURCE, now=hub().clock.now())
    return f"{code}: sales hold placed." if placed else f"{code} was on hold already."


def _release(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    if not form.get("reason", "").strip():
        raise UserError("say why (reason): it is kept on the account's timeline")
    released = holds.release_account(c, customer_code=code, reason=form["reason"].strip(),
                                     actor=viewer.email, source=SOURCE, now=hub().clock.now())
    return f"{code}: sales hold released." if released else f"{code} had no sales hold."


def _exclusion(excluded: bool) -> Action:
    def act(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
        changed = account_status.set_excluded(
            c, customer_code=code, excluded=excluded, reason=form.get("reason", ""),
            actor=viewer.email, source=SOURCE, now=hub().clock.now())
        state = "excluded from" if excluded else "included in"
        return f"{code}: {state} collection." if changed else f"{code} was {state} it already."
    return act


def _legal(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    account_status.hand_over_to_legal(c, customer_code=code, reason=form.get("reason", ""),
                                      actor=viewer.email, source=SOURCE,
                                      now=hub().clock.now())
    return f"{code}: handed over to legal."


def _account_manager(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    email = form.get("account_manager", "").strip()
    changed = account_status.set_account_manager(c, customer_code=code, email=email or None,
                                                 actor=viewer.email, source=SOURCE,
                                                 now=hub().clock.now())
    who = email or "nobody"
    return f"{code}: account manager is now {who}." if changed else \
        f"{code}: account manager was {who} already."


def _whatsapp(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    opt_in = form.get("whatsapp_opt_in", "") == "yes"
    changed = account_status.set_whatsapp_opt_in(c, customer_code=code, opt_in=opt_in,
                                                 actor=viewer.email, source=SOURCE,
                                                 now=hub().clock.now())
    state = "opted in to" if opt_in else "opted out of"
    return f"{code}: the contact {'is now' if changed else 'was already'} {state} WhatsApp."


ACTIONS: dict[str, Action] = {
    "contacted": _contacted, "done": _done, "snooze": _snooze, "note": _note,
    "promise": _promise, "plan": _plan, "dispute": _dispute, "hold": _hold,
    "release": _release, "exclude": _exclusion(True), "include": _exclusion(False),
    "legal": _legal, "account_manager": _account_manager, "whatsapp": _whatsapp,
}


@actions.post("/act/<name>")
@login_required
def act(name: str) -> Response:
    viewer = require_viewer()
    require_action_rights(viewer)
    code = request.form.get("customer", "")
    back = safe_next(request.form.get("back")) or url_for("account.account_page", code=code)
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(f"no action called {name!r}")
    try:
        with hub().engine.begin() as connection:
            ref = account_ref(connection, code)
            if not viewer.can_view(ref.owner, ref.department):
                raise NotFound(f"no customer with code {code!r}")
            message = action(connection, viewer, code, request.form)
    except NotFound:
        raise
    except UserError as exc:
        flash(f"Not saved: {exc}", "error")
        return redirect(back)
    flash(message, "ok")
    return redirect(back)


@actions.post("/act/payment/<name>")
@roles_required(Role.ADMIN, Role.FINANCE)
def payment_action(name: str) -> Response:
    """Unmatch a payment (back to the manual queue) or mark it reversed by the bank, from
    the account page: finance and admins only. The invoices it paid reopen."""
    if name not in ("unmatch", "reverse"):
        raise NotFound(f"no payment action called {name!r}")
    viewer = require_viewer()
    code = request.form.get("customer", "")
    reference = request.form.get("payment", "").strip()
    back = safe_next(request.form.get("back")) or url_for("account.account_page", code=code)
    try:
        with hub().engine.begin() as connection:
            found = payment_service.list_payments(connection, customer_code=code)
            if not any(p.reference == reference for p in found):
                raise NotFound(f"no payment {reference!r} on account {code!r}")
            result = payment_service.unmatch(
                connection, reference, actor=viewer.email, now=hub().clock.now(),
                reason=request.form.get("reason", "").strip() or None,
                reversed_by_bank=name == "reverse")
    except NotFound:
        raise
    except UserError as exc:
        flash(f"Not saved: {exc}", "error")
        return redirect(back)
    reopened = ", ".join(number for number, _back, _left in result.reopened)
    what = "reversed" if name == "reverse" else "unmatched; it waits in the manual queue"
    flash(f"Payment {result.reference} {what}."
          + (f" Reopened: {reopened}." if reopened else ""), "ok")
    return redirect(back)
