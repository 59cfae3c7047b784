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
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account as account_ref
from hub.services.accounts import account_status
from hub.services.accounts import disputes
from hub.services.accounts import holds
from hub.services.accounts import plans
from hub.services.accounts import promises
from hub.services.accounts import tasks
from hub.services.payments import incoming as payment_service
from hub.services.read.worklist import CALL_TASKS
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_action_rights
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.access import safe_next
from hub.web.translations import _
from hub.web.translations import ngettext
from hub.web.translations import refusal

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
        raise UserError(_("%(field)s: %(problem)s", field=label,
                          problem=exc.message(_language()))) from None


def _money(raw: str, currency: str, label: str) -> Money:
    try:
        money = parse_money(raw, currency, _language())
    except ParseError as exc:
        raise UserError(_("%(field)s: %(problem)s", field=label,
                          problem=exc.message(_language()))) from None
    if money.amount <= 0:
        raise UserError(_("%(field)s: %(text)s is not a positive amount in %(currency)s",
                          field=label, text=repr(raw.strip()), currency=currency))
    return money


def _currency(form: Form) -> str:
    currency = form.get("currency", "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise UserError(_("currency: %(text)s is not a currency code", text=repr(currency)))
    return currency


def _contacted(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    tasks.mark_contacted(c, customer_code=code, actor=viewer.email, source=SOURCE,
                         now=hub().clock.now(), note=form.get("note", "").strip() or None)
    return _("%(code)s: contact logged.", code=code)


def _done(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    closed = tasks.complete_account(c, customer_code=code, actor=viewer.email, source=SOURCE,
                                    now=hub().clock.now(),
                                    outcome=form.get("outcome", "").strip() or None)
    return ngettext("%(code)s: done (%(num)s task closed).",
                    "%(code)s: done (%(num)s tasks closed).", len(closed), code=code)


def _snooze(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    now = hub().clock.now()
    if form.get("until"):
        until = _date(form, "until", _("snooze until"))
    else:
        days = form.get("days", "3").strip() or "3"
        if not days.isdigit() or not 1 <= int(days) <= 365:
            raise UserError(_("snooze: %(days)s is not a number of days from 1 to 365",
                              days=repr(days)))
        until = hub().clock.today() + timedelta(days=int(days))
    tasks.snooze(c, customer_code=code, until=until, actor=viewer.email, source=SOURCE, now=now)
    return _("%(code)s: snoozed until %(until)s.", code=code, until=until)


def _note(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    tasks.add_note(c, customer_code=code, text=form.get("text", ""), actor=viewer.email,
                   source=SOURCE, now=hub().clock.now())
    return _("%(code)s: note added.", code=code)


def _promise(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    amount = _money(form.get("amount", ""), _currency(form), _("promised amount"))
    due = _date(form, "due_date", _("promised date"))
    promises.record_promise(c, customer_code=code, amount=amount, due_date=due,
                            actor=viewer.email, source=SOURCE, now=hub().clock.now(),
                            today=hub().clock.today())
    # the promise answers the call the worklist asked for: that task is done
    closed = tasks.close_open_of_type(c, customer_code=code, task_types=CALL_TASKS,
                                      actor=viewer.email, source=SOURCE,
                                      now=hub().clock.now(), outcome="promise")
    if closed:
        return ngettext("%(code)s: promise of %(amount)s by %(due)s recorded; call task closed.",
                        "%(code)s: promise of %(amount)s by %(due)s recorded; call tasks "
                        "closed.", len(closed), code=code, amount=amount, due=due)
    return _("%(code)s: promise of %(amount)s by %(due)s recorded.", code=code, amount=amount,
             due=due)


def parse_instalments(text: str, currency: str) -> list[tuple[date, Money]]:
    """One instalment a line: "2026-12-15 250.00" (date, then amount)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)  # the amount may hold spaces: "1 250,00"
        hint = _("instalments line %(number)s: write a date and an amount, like 2026-12-15 "
                 "250.00; got %(text)s", number=number, text=repr(line.strip()))
        if len(parts) != 2:
            raise UserError(hint)
        try:
            day = parse_date(parts[0], _language())
        except ParseError as exc:
            raise UserError(f"{hint} ({exc.message(_language())})") from None
        found.append((day, _money(parts[1], currency,
                                  _("instalments line %(number)s", number=number))))
    return found


def _plan(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    instalments = parse_instalments(form.get("instalments", ""), _currency(form))
    outcome = plans.propose_plan(c, customer_code=code, instalments=instalments,
                                 actor=viewer.email, source=SOURCE, now=hub().clock.now(),
                                 limits=hub().policy_settings().plan_auto_approve,
                                 today=hub().clock.today())
    if outcome.approved:
        return _("%(code)s: payment plan approved.", code=code)
    return _("%(code)s: payment plan recorded for review (%(reasons)s).", code=code,
             reasons="; ".join(outcome.reasons))


def _dispute(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    numbers = [n for n in form.getlist("invoices") if n.strip()]
    disputes.open_dispute(c, customer_code=code, invoice_numbers=numbers,
                          reason=form.get("reason", ""), actor=viewer.email, source=SOURCE,
                          now=hub().clock.now())
    if not numbers:
        return _("%(code)s: dispute opened on all open invoices.", code=code)
    return _("%(code)s: dispute opened on %(invoices)s.", code=code, invoices=", ".join(numbers))


def _hold(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    if not form.get("reason", "").strip():
        raise UserError(_("say why (reason): it is kept on the account's timeline"))
    placed = holds.hold_account(c, customer_code=code, reason=form["reason"].strip(),
                                actor=viewer.email, source=SOURCE, now=hub().clock.now())
    return _("%(code)s: sales hold placed.", code=code) if placed else \
        _("%(code)s was on hold already.", code=code)


def _release(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    if not form.get("reason", "").strip():
        raise UserError(_("say why (reason): it is kept on the account's timeline"))
    released = holds.release_account(c, customer_code=code, reason=form["reason"].strip(),
                                     actor=viewer.email, source=SOURCE, now=hub().clock.now())
    return _("%(code)s: sales hold released.", code=code) if released else \
        _("%(code)s had no sales hold.", code=code)


def _exclusion(excluded: bool) -> Action:
    def act(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
        changed = account_status.set_excluded(
            c, customer_code=code, excluded=excluded, reason=form.get("reason", ""),
            actor=viewer.email, source=SOURCE, now=hub().clock.now())
        if excluded:
            return _("%(code)s: excluded from collection.", code=code) if changed else \
                _("%(code)s was excluded from it already.", code=code)
        return _("%(code)s: included in collection.", code=code) if changed else \
            _("%(code)s was included in it already.", code=code)
    return act


def _legal(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    account_status.hand_over_to_legal(c, customer_code=code, reason=form.get("reason", ""),
                                      actor=viewer.email, source=SOURCE,
                                      now=hub().clock.now())
    return _("%(code)s: handed over to legal.", code=code)


def _account_manager(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    email = form.get("account_manager", "").strip()
    changed = account_status.set_account_manager(c, customer_code=code, email=email or None,
                                                 actor=viewer.email, source=SOURCE,
                                                 now=hub().clock.now())
    if not email:
        return _("%(code)s: account manager is now nobody.", code=code) if changed else \
            _("%(code)s: account manager was nobody already.", code=code)
    return _("%(code)s: account manager is now %(who)s.", code=code, who=email) if changed \
        else _("%(code)s: account manager was %(who)s already.", code=code, who=email)


def _whatsapp(c: Connection, viewer: Viewer, code: str, form: Form) -> str:
    opt_in = form.get("whatsapp_opt_in", "") == "yes"
    changed = account_status.set_whatsapp_opt_in(c, customer_code=code, opt_in=opt_in,
                                                 actor=viewer.email, source=SOURCE,
                                                 now=hub().clock.now())
    if opt_in:
        return _("%(code)s: the contact is now opted in to WhatsApp.", code=code) if changed \
            else _("%(code)s: the contact was already opted in to WhatsApp.", code=code)
    return _("%(code)s: the contact is now opted out of WhatsApp.", code=code) if changed \
        else _("%(code)s: the contact was already opted out of WhatsApp.", code=code)


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
        raise NotFound(lazy_gettext("no action called %(name)s", name=repr(name)))
    try:
        with hub().engine.begin() as connection:
            ref = account_ref(connection, code)
            if not viewer.can_view(ref.owner, ref.department):
                raise NotFound(lazy_gettext("no customer with code %(code)s", code=repr(code)))
            message = action(connection, viewer, code, request.form)
    except NotFound:
        raise
    except UserError as exc:
        flash(_("Not saved: %(problem)s", problem=refusal(exc)), "error")
        return redirect(back)
    flash(message, "ok")
    return redirect(back)


@actions.post("/act/payment/<name>")
@roles_required(Role.ADMIN, Role.FINANCE)
def payment_action(name: str) -> Response:
    """Unmatch a payment (back to the manual queue) or mark it reversed by the bank, from
    the account page: finance and admins only. The invoices it paid reopen."""
    if name not in ("unmatch", "reverse"):
        raise NotFound(lazy_gettext("no payment action called %(name)s", name=repr(name)))
    viewer = require_viewer()
    code = request.form.get("customer", "")
    reference = request.form.get("payment", "").strip()
    back = safe_next(request.form.get("back")) or url_for("account.account_page", code=code)
    try:
        with hub().engine.begin() as connection:
            found = payment_service.list_payments(connection, customer_code=code)
            if not any(p.reference == reference for p in found):
                raise NotFound(lazy_gettext("no payment %(payment)s on account %(code)s",
                                            payment=repr(reference), code=repr(code)))
            result = payment_service.unmatch(
                connection, reference, actor=viewer.email, now=hub().clock.now(),
                reason=request.form.get("reason", "").strip() or None,
                reversed_by_bank=name == "reverse")
    except NotFound:
        raise
    except UserError as exc:
        flash(_("Not saved: %(problem)s", problem=refusal(exc)), "error")
        return redirect(back)
    reopened = ", ".join(number for number, _back, _left in result.reopened)
    said = _("Payment %(reference)s reversed.", reference=result.reference) \
        if name == "reverse" else _("Payment %(reference)s unmatched; it waits in the manual "
                                    "queue.", reference=result.reference)
    if reopened:
        said += " " + _("Reopened: %(invoices)s.", invoices=reopened)
    flash(said, "ok")
    return redirect(back)
