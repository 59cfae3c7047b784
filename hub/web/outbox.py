"""The outbox page: what the hub sent, is about to send, and what waits for a person
(uncertain, held, failed), with each message's rendered text and why channels were
skipped. Finance and admins decide on uncertain or held messages here."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hub.domain.model import Role
from hub.domain.outbox import MessageState
from hub.ledger import outbox as ledger
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required

outbox = Blueprint("outbox", __name__)
STATES = [state.value for state in MessageState]
PER_PAGE = 100


@outbox.get("/outbox")
@roles_required(Role.ADMIN, Role.FINANCE, Role.MANAGER, Role.READ_ONLY)
def outbox_page() -> str:
    """Newest first, PER_PAGE a page; a manager sees only their department's messages (the
    same rule as the account page: hub.web.access.Viewer.can_view)."""
    state = request.args.get("state", "").strip() or None
    if state is not None and state not in STATES:
        abort(400, f"unknown state {state!r}; use one of {', '.join(STATES)}")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    department = require_viewer().department_filter()
    with hub().engine.connect() as connection:
        found = ledger.list_messages(connection, state=state, limit=PER_PAGE + 1,
                                     offset=(page - 1) * PER_PAGE, department=department)
        counts = ledger.counts_by_state(connection, department)
        flagged = ledger.flagged_channels(connection)
        paused = ledger.paused_channels(connection, hub().clock.now())
    return render_template("outbox.html", rows=found[:PER_PAGE], counts=counts,
                           flagged=flagged, paused=paused, state=state, states=STATES,
                           page=page, more=len(found) > PER_PAGE)


@outbox.get("/outbox/<int:message_id>")
@roles_required(Role.ADMIN, Role.FINANCE, Role.MANAGER, Role.READ_ONLY)
def message_page(message_id: int) -> str:
    department = require_viewer().department_filter()
    with hub().engine.connect() as connection:
        row = ledger.get_message(connection, message_id)
        if row is not None and department is not None and not ledger.list_visible(
                connection, message_id, department):
            row = None  # as if it did not exist, like an account page the viewer may not see
    if row is None:
        abort(404, f"there is no message #{message_id}")
    return render_template("outbox_message.html", row=row)


@outbox.post("/outbox/<int:message_id>/release")
@roles_required(Role.ADMIN, Role.FINANCE)
def release(message_id: int) -> Response:
    """Send an uncertain or held message (again), or record that it went out."""
    mark_sent = request.form.get("decision") == "mark-sent"
    with hub().engine.begin() as connection:
        done = ledger.release(connection, message_id, resend=not mark_sent,
                              now=hub().clock.now())
    if done:
        flash(_("Message #%(id)s recorded as sent.", id=message_id) if mark_sent else
              _("Message #%(id)s queued to be sent.", id=message_id))
    else:
        flash(_("Message #%(id)s is not uncertain or held any more.", id=message_id))
    return redirect(url_for("outbox.message_page", message_id=message_id))
