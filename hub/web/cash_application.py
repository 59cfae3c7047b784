"""Cash application on the web: the queue of payments the matcher could not place, with
its suggestions, and a page per payment to match, split, put on account or return it.

Finance and admins act; managers see the payments that concern their department, read
only. Every action goes through hub.services.payments.cash_application (the same functions as
`python app.py payments ...`), which writes the timeline events and the audit entry.
Amounts are read by hub.domain.parsing in the staff member's language; a mistake comes
back on the payment's page next to the field, with what was typed, and nothing changes.
"""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.domain.money import Money
from hub.domain.parsing import LANGUAGES
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_money
from hub.services.payments import cash_application as service
from hub.services.payments.queue import ManualMatch
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.ratelimit import client_address
from hub.web.translations import refusal

cash = Blueprint("cash", __name__)
PER_PAGE = 50
SPLIT_ROWS = 4  # invoice/amount pairs on the split form
VIEWERS = (Role.ADMIN, Role.FINANCE, Role.MANAGER)
ACTORS = (Role.ADMIN, Role.FINANCE)


def _language() -> str:
    return request.accept_languages.best_match(LANGUAGES) or "en"


@cash.get("/payments/unmatched")
@roles_required(*VIEWERS)
def queue_page() -> str:
    """Oldest first, PER_PAGE a page."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    department = require_viewer().department_filter()
    with hub().engine.connect() as connection:
        found = service.queue(connection, department=department)
    start = (page - 1) * PER_PAGE
    return render_template("cash_queue.html", items=found[start:start + PER_PAGE],
                           total=len(found), page=page, more=len(found) > start + PER_PAGE,
                           can_act=require_viewer().role in ACTORS)


def _payment_page(payment_id: int, *, errors: dict[str, str] | None = None,
                  typed: dict[str, list[str]] | None = None, status: int = 200
                  ) -> tuple[str, int]:
    viewer = require_viewer()
    with hub().engine.connect() as connection:  # another department's answers 404
        item = service.waiting(connection, payment_id, department=viewer.department_filter())
    typed = typed or {}
    invoices = typed.get("invoice") or [hint.number for hint in item.hints]
    amounts = typed.get("amount") or []
    rows = [(invoices[i] if i < len(invoices) else "", amounts[i] if i < len(amounts) else "")
            for i in range(max(SPLIT_ROWS, len(invoices)))]
    customer = (typed.get("customer") or [item.customer_code or
                                          next((h.customer for h in item.hints), "")])[0]
    return render_template("cash_payment.html", item=item, rows=rows, errors=errors or {},
                           customer=customer, can_act=viewer.role in ACTORS), status


@cash.get("/payments/<int:payment_id>")
@roles_required(*VIEWERS)
def payment_page(payment_id: int) -> tuple[str, int]:
    return _payment_page(payment_id)


def _done(result: ManualMatch) -> Response:
    applied = ", ".join(_("%(amount)s to %(invoice)s", amount=part, invoice=number)
                        for number, part in result.allocations)
    said = _("Payment %(reference)s: %(applied)s.", reference=result.reference, applied=applied)
    if not result.remainder.is_zero():
        said += " " + _("%(amount)s kept as credit on the account.", amount=result.remainder)
    flash(said, "ok")
    return redirect(url_for("cash.queue_page"))


@cash.post("/payments/<int:payment_id>/match")
@roles_required(*ACTORS)
def match(payment_id: int) -> Response | tuple[str, int]:
    """Match to the one invoice named (a suggestion's button, or typed)."""
    number = request.form.get("invoice", "").strip()
    try:
        with hub().engine.begin() as connection:
            service.waiting(connection, payment_id)
            result = service.match(connection, f"#{payment_id}", [number] if number else [],
                                   actor=require_viewer().email, today=hub().clock.today(),
                                   now=hub().clock.now(), address=client_address())
    except NotFound:
        raise
    except UserError as exc:
        return _payment_page(payment_id, errors={"match": refusal(exc)},
                             typed={"match": [number]}, status=400)
    return _done(result)


@cash.post("/payments/<int:payment_id>/split")
@roles_required(*ACTORS)
def split(payment_id: int) -> Response | tuple[str, int]:
    numbers = [n.strip() for n in request.form.getlist("invoice")]
    amounts = [a.strip() for a in request.form.getlist("amount")]
    typed = {"invoice": numbers, "amount": amounts}
    errors: dict[str, str] = {}
    parts: list[tuple[str, Money]] = []
    with hub().engine.connect() as connection:
        currency = service.waiting(connection, payment_id).amount.currency
    for index, (number, raw) in enumerate(zip(numbers, amounts, strict=False)):
        if not number and not raw:
            continue
        if not number:
            errors[str(index)] = _("name the invoice this amount is for")
            continue
        try:
            parts.append((number, parse_money(raw, currency, _language())))
        except ParseError as exc:
            errors[str(index)] = exc.message(_language())
    if not errors:
        # positions in `parts` may differ from the form's rows when rows were left empty
        rows = [i for i, (n, a) in enumerate(zip(numbers, amounts, strict=False)) if n or a]
        try:
            with hub().engine.begin() as connection:
                result = service.split(connection, f"#{payment_id}", parts,
                                       actor=require_viewer().email,
                                       today=hub().clock.today(), now=hub().clock.now(),
                                       address=client_address())
            return _done(result)
        except service.SplitRefused as exc:
            # the total's problem is shown next to the last amount typed
            errors = {str(rows[int(k)] if k else rows[-1]) if rows else k: v
                      for k, v in exc.problems.items()}
        except NotFound:
            raise
        except UserError as exc:
            errors = {"": refusal(exc)}
    return _payment_page(payment_id, errors=errors, typed=typed, status=400)


@cash.post("/payments/<int:payment_id>/on-account")
@roles_required(*ACTORS)
def on_account(payment_id: int) -> Response | tuple[str, int]:
    code = request.form.get("customer", "").strip()
    try:
        if not code:
            raise UserError(_("customer: name the customer whose account takes the payment"))
        with hub().engine.begin() as connection:
            item = service.waiting(connection, payment_id)
            reference = service.put_on_account(
                connection, f"#{payment_id}", code, actor=require_viewer().email,
                today=hub().clock.today(), now=hub().clock.now(), address=client_address())
    except NotFound:
        raise
    except UserError as exc:
        return _payment_page(payment_id, errors={"customer": refusal(exc)},
                             typed={"customer": [code]}, status=400)
    flash(_("Payment %(reference)s: %(amount)s kept as credit on account %(code)s.",
            reference=reference, amount=item.amount, code=code), "ok")
    return redirect(url_for("cash.queue_page"))


@cash.post("/payments/<int:payment_id>/return")
@roles_required(*ACTORS)
def return_payment(payment_id: int) -> Response:
    reason = request.form.get("reason", "").strip() or None
    with hub().engine.begin() as connection:
        item = service.waiting(connection, payment_id)
        reference = service.return_to_payer(connection, f"#{payment_id}",
                                            actor=require_viewer().email,
                                            now=hub().clock.now(), reason=reason,
                                            address=client_address())
    flash(_("Payment %(reference)s: %(amount)s recorded as returned to the payer. Make the "
            "refund in your bank.", reference=reference, amount=item.amount), "ok")
    return redirect(url_for("cash.queue_page"))
