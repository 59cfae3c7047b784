"""The account page: customer, contacts, open invoices and the timeline of
everything that happened on the account, with the actions a person can take."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request

from hub.domain.errors import NotFound
from hub.domain.handover import OPEN
from hub.domain.model import Role
from hub.i18n import lazy_gettext
from hub.services.payments.incoming import list_payments
from hub.services.read import queries
from hub.services.read.queries import CustomerDetail
from hub.services.read.timeline import messages_for
from hub.services.read.timeline import timeline
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_viewer
from hub.web.actions import ACTIONS
from hub.web.handover_ui import cases_of_account
from hub.web.handover_ui import may_decide

account = Blueprint("account", __name__)
TIMELINE_PAGE = 100


def visible_account(viewer: Viewer, code: str) -> CustomerDetail:
    """The account, or NotFound when it does not exist *or* is outside the viewer's
    scope (the same answer, so scopes do not reveal which customers exist)."""
    detail = queries.customer_detail(hub().engine, code)
    customer = detail.customer
    if not viewer.can_view(customer.owner, customer.department):
        raise NotFound(lazy_gettext("no customer with code %(code)s", code=repr(code)))
    return detail


def account_actions(detail: CustomerDetail) -> list[tuple[str, str, str]]:
    """Actions with a reason that fit the account's state: (action, label, field)."""
    customer = detail.customer
    wanted = [("release", "Release the sales hold") if customer.on_hold
              else ("hold", "Place a sales hold"),
              ("include", "Include in collection again") if customer.excluded
              else ("exclude", "Exclude from collection"),
              ("legal", "Hand over to legal")]
    return [(name, label, "reason") for name, label in wanted if name in ACTIONS]


@account.get("/accounts/<path:code>")
@login_required
def account_page(code: str) -> str:
    viewer = require_viewer()
    detail = visible_account(viewer, code)
    before = request.args.get("before", type=int)
    kinds = request.args.get("kinds", "").strip()[:40] or None
    the_hub = hub()
    assert detail.customer.id is not None
    with the_hub.engine.connect() as connection:
        events = timeline(connection, detail.customer.id, limit=TIMELINE_PAGE,
                          before_id=before, kinds=kinds)
        sent = messages_for(connection, detail.customer.code)
        received = list_payments(connection, customer_code=detail.customer.code)
        today = the_hub.clock.today()
        # scikit-learn loads on the first account page, not with every command
        from hub.services.prediction.predictions import payment_outlook  # noqa: PLC0415

        outlook = payment_outlook(connection, detail.customer.id, today)
    cases = cases_of_account(viewer, detail.customer.code)
    deciding = may_decide(viewer) and viewer.can_act
    return render_template("account.html", detail=detail, customer=detail.customer,
                           handover_cases=cases, may_decide_handover=deciding,
                           may_hand_over=deciding and not any(c.status in OPEN for c in cases),
                           collection_company=the_hub.collection_company(),
                           events=events, kinds=kinds or "", today=today, messages=sent,
                           can_act=viewer.can_act, payments=received,
                           can_unmatch=viewer.role in (Role.ADMIN, Role.FINANCE),
                           account_actions=account_actions(detail), outlook=outlook)
