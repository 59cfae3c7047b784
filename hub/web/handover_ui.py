"""Hand-over to hard collection (docs/handover.md), in the web app.

- **Hand-overs** (`/handovers`), for the creditor's people: the accounts a ladder step
  proposes to hand over (approve, or decline with a reason: admins, finance, managers for
  their department) and the cases with the collection company, with their status and case
  file. Limited to the viewer's accounts like every list.
- **Collection queue** (`/collection`), for the collection company's staff: the handed-over
  cases of every creditor they are granted, each read for its own creditor; they move a
  case on (in progress, payment arrangement, paid, closed, returned) with a note. Anyone
  else, and any creditor not granted, gets 404."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.handover import CASE_FILE_MIME
from hub.domain.handover import DECIDERS
from hub.domain.handover import QUEUE_STATUSES
from hub.domain.handover import STATUS_LABELS
from hub.domain.handover import HandoverStatus
from hub.i18n import lazy_gettext
from hub.ledger.tenancy import acting_for
from hub.services.handover.cases import Case
from hub.services.handover.cases import get_case
from hub.services.handover.cases import history
from hub.services.handover.cases import list_cases
from hub.services.handover.queue import queue_creditor
from hub.services.handover.queue import queue_creditors
from hub.services.handover.queue import queue_page
from hub.services.handover.workflow import approve_case
from hub.services.handover.workflow import case_file
from hub.services.handover.workflow import change_status
from hub.services.handover.workflow import decline_case
from hub.services.handover.workflow import hand_over_now
from hub.services.read import queries
from hub.services.staff.creditors import Creditor
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_action_rights
from hub.web.access import require_viewer

handover_ui = Blueprint("handover", __name__)


@handover_ui.app_template_global("handover_status")
def status_label(status: HandoverStatus | str) -> str:
    return str(gettext(STATUS_LABELS[HandoverStatus(status)]))


def may_decide(viewer: Viewer) -> bool:
    """Who approves or declines a hand-over for the creditor."""
    return viewer.role in DECIDERS


def visible_case(viewer: Viewer, case_id: int) -> Case:
    """The current creditor's case, or 404 when it does not exist or its account is
    outside the viewer's scope."""
    with hub().engine.connect() as connection:
        case = get_case(connection, case_id)
    if not viewer.can_view(case.owner, case.department):
        raise NotFound(lazy_gettext("no hand-over case %(id)s", id=case_id))
    return case


def cases_of_account(viewer: Viewer, code: str) -> list[Case]:
    """The cases of one account (the account page), when the viewer sees it."""
    with hub().engine.connect() as connection:
        return list_cases(connection, customer_code=code, owner=viewer.owner_filter(),
                          department=viewer.department_filter())


@handover_ui.get("/handovers")
@login_required
def creditor_list() -> str:
    viewer = require_viewer()
    with hub().engine.connect() as connection:
        found = list_cases(connection, owner=viewer.owner_filter(),
                           department=viewer.department_filter())
    waiting = [c for c in found if c.status is HandoverStatus.AWAITING_APPROVAL]
    return render_template("handovers.html", waiting=waiting,
                           cases=[c for c in found if c not in waiting],
                           may_decide=may_decide(viewer) and viewer.can_act)


def _decider(case_id: int) -> tuple[Viewer, Case]:
    viewer = require_viewer()
    require_action_rights(viewer)
    case = visible_case(viewer, case_id)
    if not may_decide(viewer):
        abort(403)
    return viewer, case


def _back(case: Case) -> Response:
    target = request.form.get("back", "")
    if target == "account":
        return redirect(url_for("account.account_page", code=case.customer_code))
    return redirect(url_for("handover.creditor_list"))


@handover_ui.post("/handovers/<int:case_id>/approve")
@login_required
def approve(case_id: int) -> Response:
    viewer, case = _decider(case_id)
    the_hub = hub()
    try:
        approve_case(the_hub.engine, the_hub.case_files(), case_id, actor=viewer.email,
                     now=the_hub.clock.now())
    except UserError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("%(code)s is handed over to the collection company (case %(id)s).",
                      code=case.customer_code, id=case_id), "ok")
    return _back(case)


@handover_ui.post("/handovers/<int:case_id>/decline")
@login_required
def decline(case_id: int) -> Response:
    viewer, case = _decider(case_id)
    the_hub = hub()
    try:
        decline_case(the_hub.engine, case_id, actor=viewer.email,
                     reason=request.form.get("reason", ""), now=the_hub.clock.now())
    except UserError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("%(code)s stays with you: the hand-over is declined.",
                      code=case.customer_code), "ok")
    return _back(case)


@handover_ui.post("/handovers/by-hand")
@login_required
def by_hand() -> Response:
    """An admin, finance or a manager (for their department) hands an account over to the
    collection company themselves: their approval; the same case file, dunning stops."""
    viewer = require_viewer()
    require_action_rights(viewer)
    code = request.form.get("customer", "").strip()
    customer = queries.customer_detail(hub().engine, code).customer
    if not viewer.can_view(customer.owner, customer.department):
        raise NotFound(lazy_gettext("no customer with code %(code)s", code=repr(code)))
    if not may_decide(viewer):
        abort(403)
    the_hub = hub()
    try:
        case = hand_over_now(the_hub.engine, the_hub.case_files(), customer.code,
                             actor=viewer.email, reason=request.form.get("reason", ""),
                             today=the_hub.clock.today(), now=the_hub.clock.now())
    except UserError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("%(code)s is handed over to the collection company (case %(id)s).",
                      code=case.customer_code, id=case.id), "ok")
    return redirect(url_for("account.account_page", code=customer.code))


def _download(name: str, content: bytes, kind: str) -> Response:
    response = Response(content, mimetype=CASE_FILE_MIME[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _creditor_file(case_id: int, kind: str) -> Response:
    visible_case(require_viewer(), case_id)
    the_hub = hub()
    name, content = case_file(the_hub.engine, the_hub.case_files(), case_id, kind)
    return _download(name, content, kind)


@handover_ui.get("/handovers/<int:case_id>/case-file.pdf")
@login_required
def creditor_pdf(case_id: int) -> Response:
    return _creditor_file(case_id, "pdf")


@handover_ui.get("/handovers/<int:case_id>/case-file.json")
@login_required
def creditor_json(case_id: int) -> Response:
    return _creditor_file(case_id, "json")


@handover_ui.get("/handovers/<int:case_id>/case-file.zip")
@login_required
def creditor_zip(case_id: int) -> Response:
    return _creditor_file(case_id, "zip")


# --- the collection company's queue ---------------------------------------------------

def _queue_creditors() -> list[Creditor]:
    viewer = require_viewer()
    with hub().engine.connect() as connection:
        return queue_creditors(connection, viewer.id)


def _granted(creditor_id: int) -> Creditor:
    viewer = require_viewer()
    with hub().engine.connect() as connection:
        creditor = queue_creditor(connection, viewer.id, creditor_id)
    if creditor is None:
        abort(404)  # not granted: as if it did not exist
    return creditor


@handover_ui.get("/collection")
@login_required
def collection_queue() -> str:
    creditors = _queue_creditors()
    if not creditors:
        abort(404)
    wanted = request.args.get("status", "").strip()
    statuses = [s for s in QUEUE_STATUSES if s.value == wanted] or list(QUEUE_STATUSES)
    found = queue_page(hub().engine, creditors, statuses,
                       page=request.args.get("page", 1, type=int) or 1)
    return render_template("collection.html", items=found.items, found=found,
                           statuses=QUEUE_STATUSES, wanted=wanted if statuses != list(
                               QUEUE_STATUSES) else "", creditors=creditors)


@handover_ui.get("/collection/<int:creditor_id>/<int:case_id>")
@login_required
def collection_case(creditor_id: int, case_id: int) -> str:
    creditor = _granted(creditor_id)
    with acting_for(creditor.id), hub().engine.connect() as connection:
        case = get_case(connection, case_id)
        if case.status not in QUEUE_STATUSES:
            raise NotFound(lazy_gettext("no hand-over case %(id)s", id=case_id))
        steps = history(connection, case_id)
    return render_template("collection_case.html", creditor=creditor, case=case,
                           history=steps, statuses=QUEUE_STATUSES,
                           can_act=require_viewer().can_act)


@handover_ui.post("/collection/<int:creditor_id>/<int:case_id>/status")
@login_required
def collection_status(creditor_id: int, case_id: int) -> Response:
    viewer = require_viewer()
    require_action_rights(viewer)
    creditor = _granted(creditor_id)
    the_hub = hub()
    with acting_for(creditor.id):
        try:
            case = change_status(the_hub.engine, case_id, request.form.get("status", ""),
                                 note=request.form.get("note", ""), actor=viewer.email,
                                 now=the_hub.clock.now())
        except UserError as exc:
            flash(str(exc), "error")
        else:
            flash(gettext("Case %(id)s of %(creditor)s: %(status)s.", id=case.id,
                          creditor=creditor.name, status=status_label(case.status)), "ok")
    return redirect(url_for("handover.collection_case", creditor_id=creditor.id,
                            case_id=case_id))


def _queue_file(creditor_id: int, case_id: int, kind: str) -> Response:
    creditor = _granted(creditor_id)
    the_hub = hub()
    with acting_for(creditor.id):
        with the_hub.engine.connect() as connection:
            if get_case(connection, case_id).status not in QUEUE_STATUSES:
                raise NotFound(lazy_gettext("no hand-over case %(id)s", id=case_id))
        name, content = case_file(the_hub.engine, the_hub.case_files(), case_id, kind)
    return _download(name, content, kind)


@handover_ui.get("/collection/<int:creditor_id>/<int:case_id>/case-file.pdf")
@login_required
def collection_pdf(creditor_id: int, case_id: int) -> Response:
    return _queue_file(creditor_id, case_id, "pdf")


@handover_ui.get("/collection/<int:creditor_id>/<int:case_id>/case-file.json")
@login_required
def collection_json(creditor_id: int, case_id: int) -> Response:
    return _queue_file(creditor_id, case_id, "json")


@handover_ui.get("/collection/<int:creditor_id>/<int:case_id>/case-file.zip")
@login_required
def collection_zip(creditor_id: int, case_id: int) -> Response:
    return _queue_file(creditor_id, case_id, "zip")
