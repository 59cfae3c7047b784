"""For administrators: the audit log of sign-ins and admin actions, and the staff list."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request

from hub.domain.model import Role
from hub.ledger import staff
from hub.ledger.users import list_users
from hub.web.access import hub
from hub.web.access import roles_required

admin = Blueprint("admin", __name__)
FILTERS = (("", "everything"), ("signin.", "sign-ins"), ("rules.", "rule changes"),
           ("user.", "user changes"))


@admin.get("/admin/audit")
@roles_required(Role.ADMIN)
def audit() -> str:
    prefix = request.args.get("show", "")
    if prefix not in {value for value, _ in FILTERS}:
        prefix = ""
    with hub().engine.connect() as connection:
        entries = staff.recent_audit(connection, limit=500, action_prefix=prefix or None)
        people = list_users(connection)
    return render_template("audit.html", entries=entries, people=people, show=prefix,
                           filters=FILTERS)
