"""For administrators: the people who sign in (add, change, deactivate, set a
password) and the audit log of sign-ins and admin actions."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger import staff
from hub.ledger.users import list_users
from hub.services.staff import admin as staff_admin
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.translations import refusal

admin = Blueprint("admin", __name__)
AUDIT_PAGE = 200  # entries a page, newest first
FILTERS = (("", "everything"), ("signin.", "sign-ins"), ("rules.", "rule changes"),
           ("user.", "user changes"), ("cycle.", "cycle locks"),
           ("channel.", "channel outages"), ("creditor.", "creditor profile"),
           ("payment.", "cash application"))


@admin.get("/admin/audit")
@roles_required(Role.ADMIN)
def audit() -> str:
    prefix = request.args.get("show", "")
    if prefix not in {value for value, _ in FILTERS}:
        prefix = ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    with hub().engine.connect() as connection:
        entries = staff.recent_audit(connection, limit=AUDIT_PAGE + 1,
                                     offset=(page - 1) * AUDIT_PAGE,
                                     action_prefix=prefix or None)
    return render_template("audit.html", entries=entries[:AUDIT_PAGE], show=prefix,
                           filters=FILTERS, page=page, more=len(entries) > AUDIT_PAGE)


@admin.get("/admin/people")
@roles_required(Role.ADMIN)
def people() -> str:
    with hub().engine.connect() as connection:
        everyone = list_users(connection)
    return render_template("people.html", people=everyone, roles=list(Role))


@admin.post("/admin/people")
@roles_required(Role.ADMIN)
def save_person() -> Response:
    form = request.form
    email = form.get("email", "").strip()
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        flash(_("Not saved: choose a role for %(email)s", email=email) if email else
              _("Not saved: choose a role for the new person"), "error")
        return redirect(url_for("admin.people"))
    person = User(email=email, name=form.get("name", ""), role=role,
                  department=form.get("department", "").strip() or None,
                  manager_email=form.get("manager_email", "").strip().lower() or None)
    password = form.get("password") or None
    try:
        with hub().engine.begin() as connection:
            created = staff_admin.save_user(connection, person, password=password,
                                            actor=require_viewer().email,
                                            now=hub().clock.now())
    except UserError as exc:
        flash(_("Not saved: %(problem)s", problem=refusal(exc)), "error")
        return redirect(url_for("admin.people"))
    if created:
        said = _("%(email)s added, with a new password", email=email.lower()) if password \
            else _("%(email)s added", email=email.lower())
    else:
        said = _("%(email)s updated, with a new password", email=email.lower()) if password \
            else _("%(email)s updated", email=email.lower())
    flash(said, "ok")
    return redirect(url_for("admin.people"))


@admin.post("/admin/people/active")
@roles_required(Role.ADMIN)
def set_active() -> Response:
    email = request.form.get("email", "")
    active = request.form.get("active") == "yes"
    try:
        with hub().engine.begin() as connection:
            staff_admin.set_active(connection, email, active, actor=require_viewer().email,
                                   now=hub().clock.now())
    except UserError as exc:
        flash(_("Not changed: %(problem)s", problem=refusal(exc)), "error")
        return redirect(url_for("admin.people"))
    flash(_("%(email)s can sign in again", email=email) if active else
          _("%(email)s is deactivated and signed out", email=email), "ok")
    return redirect(url_for("admin.people"))
