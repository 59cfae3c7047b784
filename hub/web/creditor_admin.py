"""For administrators: the creditor profile (docs/creditor.md) on a web page. For the
default creditor it edits the file HUB_CREDITOR_FILE names, so the file stays the one
source the command line, the dispatcher and the portal read; any other creditor's profile
is kept in its row of the creditors table (docs/creditors.md), and the page says so. Every
save is checked as a whole (each problem is
shown beside its field and nothing is written) and audited with the fields it changed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from hub.creditor import ACCOUNT_FIELDS
from hub.creditor import TEXT_FIELDS
from hub.creditor import CreditorFileError
from hub.creditor import creditor_text
from hub.creditor import profile_data
from hub.creditor import profile_from_data
from hub.creditor import sheets_data
from hub.creditor import write_creditor
from hub.domain.model import Role
from hub.ledger import staff
from hub.ledger import tenancy
from hub.services.staff.creditors import creditor_by_id
from hub.services.staff.creditors import set_profile
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.ratelimit import client_address

creditor_admin = Blueprint("creditor_admin", __name__)
SPARE_ACCOUNTS = 2  # empty account rows offered for a new currency


def _form_of(data: dict[str, Any]) -> dict[str, Any]:
    """The profile as the form shows it: text fields, address lines, account rows."""
    form: dict[str, Any] = {name: str(data.get(name) or "") for name in TEXT_FIELDS}
    form["address"] = "\n".join(data.get("address") or [])
    form["accounts"] = [{name: str(account.get(name) or "") for name in ACCOUNT_FIELDS}
                        for account in data.get("accounts") or []]
    return form


def _data_of(form: MultiDict[str, str]) -> dict[str, Any]:
    """The posted form as the file would hold it; empty account rows are left out."""
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in TEXT_FIELDS
                            if form.get(name, "").strip()}
    data["address"] = [line.strip() for line in form.get("address", "").splitlines()
                       if line.strip()]
    accounts = []
    index = 0
    while f"accounts-{index}-currency" in form:
        row = {name: form.get(f"accounts-{index}-{name}", "").strip() for name in ACCOUNT_FIELDS}
        if any(row.values()):
            accounts.append({name: value for name, value in row.items() if value})
        index += 1
    data["accounts"] = accounts
    return data


def _page(form: dict[str, Any], problems: dict[str, str], status: int = 200
          ) -> tuple[str, int]:
    rows = [*form["accounts"], *(dict.fromkeys(ACCOUNT_FIELDS, "")
                                 for _ in range(SPARE_ACCOUNTS))]
    state = hub().creditor_state()
    in_row = _row_creditor()
    return render_template("creditor.html", form=form, rows=rows, problems=problems,
                           path=None if in_row else hub().settings.creditor_file,
                           in_row=in_row,
                           unusable=state.problem if state.profile is None else ""), status


def _row_creditor() -> str:
    """The code of the creditor acted for when its profile is kept in its row; "" for the
    default creditor, whose profile is the file HUB_CREDITOR_FILE names."""
    creditor = tenancy.current_creditor()
    if creditor == tenancy.DEFAULT_CREDITOR:
        return ""
    with hub().engine.connect() as connection:
        found = creditor_by_id(connection, creditor)
    return found.code if found else str(creditor)


@creditor_admin.get("/admin/creditor")
@roles_required(Role.ADMIN)
def page() -> tuple[str, int]:
    state = hub().creditor_state()
    data = profile_data(state.profile) if state.profile else {}
    return _page(_form_of(data), {})


@creditor_admin.post("/admin/creditor")
@roles_required(Role.ADMIN)
def save() -> Response | tuple[str, int]:
    the_hub = hub()
    if tenancy.current_creditor() != tenancy.DEFAULT_CREDITOR:
        return _save_in_row(the_hub)
    path = the_hub.settings.creditor_file
    data = _data_of(request.form)
    if path is None:
        return _page(_form_of(data), {"file": _("HUB_CREDITOR_FILE is not set: name the file "
                                                "the profile is kept in, then save again")}, 409)
    try:
        profile = profile_from_data(data, str(path))
    except CreditorFileError as exc:
        return _page(_form_of(data), exc.problems, 422)
    before = the_hub.creditor_state().profile
    old = profile_data(before) if before else {}
    new = profile_data(profile)
    changed = sorted(name for name in {*old, *new} if old.get(name) != new.get(name))
    try:
        write_creditor(path, profile)
    except OSError as exc:
        return _page(_form_of(data), {"file": _("cannot write %(path)s: %(reason)s", path=path,
                                                  reason=exc.strerror)}, 500)
    with the_hub.engine.begin() as connection:
        staff.audit(connection, actor=require_viewer().email, action="creditor.update",
                    target=str(path), address=client_address(), now=the_hub.clock.now(),
                    detail={"changed": changed})
    flash(_("Creditor profile saved to %(path)s (%(fields)s changed)", path=path,
            fields=", ".join(changed)) if changed else
          _("Creditor profile saved to %(path)s (nothing changed)", path=path), "ok")
    return redirect(url_for("creditor_admin.page"))


def _save_in_row(the_hub: Any) -> Response | tuple[str, int]:
    """Every creditor but the default one keeps its profile in its creditors row."""
    creditor = tenancy.current_creditor()
    code = _row_creditor()
    data = _data_of(request.form)
    try:
        profile = profile_from_data(data, f"creditor {code}")
    except CreditorFileError as exc:
        return _page(_form_of(data), exc.problems, 422)
    before = the_hub.creditor_state().profile
    old = profile_data(before) if before else {}
    new = profile_data(profile)
    changed = sorted(name for name in {*old, *new} if old.get(name) != new.get(name))
    with the_hub.engine.begin() as connection:
        row = creditor_by_id(connection, creditor)
        kept = sheets_data(row.profile if row else None)  # not on this page: kept as it is
        set_profile(connection, creditor, creditor_text(profile, kept))
        staff.audit(connection, actor=require_viewer().email, action="creditor.update",
                    target=f"creditor:{creditor}", address=client_address(),
                    now=the_hub.clock.now(), detail={"changed": changed})
    flash(_("Creditor profile of %(code)s saved in the hub's database (%(fields)s changed)",
            code=code, fields=", ".join(changed)) if changed else
          _("Creditor profile of %(code)s saved in the hub's database (nothing changed)",
            code=code), "ok")
    return redirect(url_for("creditor_admin.page"))
