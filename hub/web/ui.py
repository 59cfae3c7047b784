"""Staff pages: the start page, my worklist and the list of accounts in scope."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from hub.services.read import account_search
from hub.services.read import worklist as worklist_service
from hub.services.read.worklist_recovery import recovery_page
from hub.web.access import current_viewer
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_viewer

ui = Blueprint("ui", __name__)
ACCOUNTS_PER_PAGE = 50
WORKLIST_PAGE = 50  # the most urgent first; "Show more" adds the next ones


def tel_uri(phone: str) -> str:
    """A `tel:` link for a number as typed: "+31 20 123 45 67" -> "tel:+31201234567"."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"


@ui.get("/")
def home() -> Response:
    if current_viewer() is None:
        return redirect(url_for("signin.signin_form"))
    start = "ui.worklist" if "ui.worklist" in current_app.view_functions else "ui.accounts"
    return redirect(url_for(start))


@ui.get("/accounts")
@login_required
def accounts() -> str:
    """The accounts in the viewer's scope with balance and overdue, found by name (any case,
    accents ignored), invoice number or contact e-mail; `sort=` name, balance, overdue or
    days (overdue), paged."""
    viewer = require_viewer()
    the_hub = hub()
    q = request.args.get("q", "").strip()[:100] or None
    requested = request.args.get("sort", "name")
    sort: account_search.Sort = next((s for s in account_search.SORTS if s == requested),
                                     "name")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    today = the_hub.clock.today()
    with the_hub.engine.connect() as connection:
        found = account_search.list_accounts(
            connection, as_of=today, owner=viewer.owner_filter(),
            department=viewer.department_filter(), q=q, sort=sort, page=page,
            per_page=ACCOUNTS_PER_PAGE)
    pages = max((found.total + ACCOUNTS_PER_PAGE - 1) // ACCOUNTS_PER_PAGE, 1)
    return render_template("accounts.html", found=found, q=q or "", page=page, pages=pages,
                           sort=sort, today=today)


# Stand-ins in the worklist's row form, rendered once per page (worklist.html): characters
# of Unicode's private use area, which no code, currency or translation holds and HTML
# escaping leaves alone.
ROW_MARKS = {"code": "\ue000", "currency": "\ue001", "index": "\ue002"}


@ui.get("/worklist")
@login_required
def worklist() -> str:
    """My actionable accounts in priority order; empty means nothing left to do."""
    viewer = require_viewer()
    the_hub = hub()
    today = the_hub.clock.today()
    limit = min(max(request.args.get("limit", WORKLIST_PAGE, type=int) or WORKLIST_PAGE, 1),
                10_000)
    order = "recovery" if request.args.get("order") == "recovery" else "priority"
    with the_hub.engine.connect() as connection:
        # the accounts whose work the viewer holds: the same list as their sheet tab,
        # digest and the API (hub.services.read.worklist.worklist_of); in either order only
        # the rows shown are read in full
        if order == "recovery":  # docs/prediction.md: open amount x chance a contact helps
            rows, total = recovery_page(connection, as_of=today, person=viewer.email,
                                        limit=limit)
        else:
            rows, total = worklist_service.worklist_page(connection, as_of=today,
                                                         person=viewer.email, limit=limit)
    actions = {name: url_for("actions.act", name=name)
               for name in ("contacted", "done", "snooze", "promise", "dispute")}
    phones = {row.customer_code: tel_uri(row.phone) for row in rows
              if row.calls and row.phone}
    return render_template("worklist.html", phones=phones, rows=rows, total=total,
                           today=today,
                           can_act=viewer.can_act, back=url_for("ui.worklist"), act=actions,
                           account_base=url_for("ui.accounts") + "/",
                           limit_more=limit + WORKLIST_PAGE, order=order, mark=ROW_MARKS)
