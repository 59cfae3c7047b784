"""Staff pages: the start page, my worklist and the list of accounts in scope."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from hub.services import queries
from hub.services import worklist as worklist_service
from hub.web.access import current_viewer
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_viewer

ui = Blueprint("ui", __name__)
ACCOUNTS_PER_PAGE = 50
WORKLIST_PAGE = 50  # the most urgent first; "Show more" adds the next ones


@ui.get("/")
def home() -> Response:
    if current_viewer() is None:
        return redirect(url_for("signin.signin_form"))
    start = "ui.worklist" if "ui.worklist" in current_app.view_functions else "ui.accounts"
    return redirect(url_for(start))


@ui.get("/accounts")
@login_required
def accounts() -> str:
    viewer = require_viewer()
    q = request.args.get("q", "").strip()[:100] or None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = queries.list_customers(
        hub().engine,
        queries.CustomerFilter(owner=viewer.owner_filter(),
                               department=viewer.department_filter(), q=q),
        page=page, per_page=ACCOUNTS_PER_PAGE)
    pages = max((found.total + ACCOUNTS_PER_PAGE - 1) // ACCOUNTS_PER_PAGE, 1)
    return render_template("accounts.html", found=found, q=q or "", page=page, pages=pages)


@ui.get("/worklist")
@login_required
def worklist() -> str:
    """My actionable accounts in priority order; empty means nothing left to do."""
    viewer = require_viewer()
    the_hub = hub()
    today = the_hub.clock.today()
    with the_hub.engine.connect() as connection:
        # the accounts whose work the viewer holds: the same list as their sheet tab,
        # digest and the API (hub.services.worklist.worklist_of)
        rows = worklist_service.worklist_of(connection, as_of=today, person=viewer.email)
    limit = min(max(request.args.get("limit", WORKLIST_PAGE, type=int) or WORKLIST_PAGE, 1),
                10_000)
    actions = {name: url_for("actions.act", name=name)
               for name in ("contacted", "done", "snooze", "promise", "dispute")}
    return render_template("worklist.html", rows=rows[:limit], total=len(rows), today=today,
                           can_act=viewer.can_act, back=url_for("ui.worklist"), act=actions,
                           account_base=url_for("ui.accounts") + "/",
                           limit_more=limit + WORKLIST_PAGE)
