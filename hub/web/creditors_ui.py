"""For platform staff: pick which creditor company to act for, among their own and the
ones they are granted (docs/creditors.md). Every later page acts for the one picked."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.ledger import staff
from hub.ledger import tenancy
from hub.services.staff.creditors import Creditor
from hub.services.staff.creditors import allowed_creditors
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_viewer

creditors_ui = Blueprint("creditors", __name__)


def _allowed() -> list[Creditor]:
    viewer = require_viewer()
    with hub().engine.connect() as connection:
        with tenancy.platform_wide():
            user = staff.user_by_id(connection, viewer.id)
        if user is None:
            return []
        return allowed_creditors(connection, user.id, user.creditor_id)


@creditors_ui.get("/creditors")
@login_required
def page() -> str:
    return render_template("creditors.html", creditors=_allowed(),
                           current=require_viewer().creditor_id)


@creditors_ui.post("/creditors")
@login_required
def switch() -> Response:
    wanted = request.form.get("creditor", "")
    chosen = next((c for c in _allowed() if str(c.id) == wanted), None)
    if chosen is None:
        abort(404)  # not granted: as if it did not exist
    session["creditor"] = chosen.id
    flash(gettext("You now act for %(name)s.", name=chosen.name), "ok")
    return redirect("/")
