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
from werkzeug.wrappers import Response

from hub.domain.model import Role
from hub.domain.outbox import MessageState
from hub.ledger import outbox as ledger
from hub.web.access import hub
from hub.web.access import roles_required

outbox = Blueprint("outbox", __name__)
STATES = [state.value for state in MessageState]


@outbox.get("/outbox")
@roles_required(Role.ADMIN, Role.FINANCE, Role.MANAGER, Role.READ_ONLY)
def outbox_page() -> str:
    state = request.args.get("state", "").strip() or None
    if state is not None and state not in STATES:
        abort(400, f"unknown state {state!r}; use one of {', '.join(STATES)}")
    with hub().engine.connect() as connection:
        rows = ledger.list_messages(connection, state=state)
        counts = ledger.counts_by_state(connection)
        flagged = ledger.flagged_channels(connection)
        paused = ledger.paused_channels(connection, hub().clock.now())
    return render_template("outbox.html", rows=rows, counts=counts, flagged=flagged,
                           paused=paused, state=state, states=STATES)


@outbox.get("/outbox/<int:message_id>")
@roles_required(Role.ADMIN, Role.FINANCE, Role.MANAGER, Role.READ_ONLY)
def message_page(message_id: int) -> str:
    with hub().engine.connect() as connection:
        row = ledger.get_message(connection, message_id)
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
        flash(f"Message #{message_id} " + ("recorded as sent." if mark_sent
                                           else "queued to be sent."))
    else:
        flash(f"Message #{message_id} is not uncertain or held any more.")
    return redirect(url_for("outbox.message_page", message_id=message_id))
