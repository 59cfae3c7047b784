"""Onboarding a creditor in minutes (docs/creditors.md#onboarding), a page per step, each
reachable again:

1. `/onboarding`: a platform admin (an admin of the hub's own, default creditor) creates a
   creditor with its first admin, and is granted it; the steps and where each one stands.
2. `/onboarding/file`: the creditor's admin uploads the open-items file (CSV or XLSX), sees
   which column the hub reads for each field (guessed from the import presets, changed with
   the selects) and the first rows as the import reads them, then imports it.
3. `/onboarding/campaign`: a campaign template, adjusted with the campaign form, for the
   customers with an overdue debt that the campaign form's selection picks (segment, country,
   age, amount, risk; all of them when left empty), shown with how many they are and what
   they owe, simulated over its first 30 days, then started.

What was done is kept per creditor in the hub's var folder (hub/bootstrap/onboarding.py),
never in the session: another creditor's people never see it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.bootstrap.onboarding import DATE_CHOICES
from hub.bootstrap.onboarding import DECIMAL_CHOICES
from hub.bootstrap.onboarding import FIELDS
from hub.bootstrap.onboarding import Onboarding
from hub.domain.campaigns import CHANNELS
from hub.domain.campaigns import STOP_CONDITIONS
from hub.domain.campaigns import TONES
from hub.domain.campaigns import CampaignFormError
from hub.domain.campaigns import Target
from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.ledger import staff
from hub.ledger import tenancy
from hub.ledger.tables import users
from hub.services.cycle.campaigns import CampaignRefused
from hub.services.cycle.campaigns import Draft
from hub.services.staff.creditors import creditor_by_id
from hub.services.staff.onboarding import add_creditor_with_admin
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.campaigns_ui import form_settings
from hub.web.campaigns_ui import form_values
from hub.web.campaigns_ui import posted_form
from hub.web.campaigns_ui import posted_target
from hub.web.campaigns_ui import viewer_scope
from hub.web.errors import ApiError

onboarding = Blueprint("onboarding", __name__)
KIND_FIELDS = list(FIELDS["invoices"])
MAX_FILE_BYTES = 200 * 1024 * 1024  # an open-items export; other requests keep the app's limit


def larger_uploads() -> None:
    """The open-items file may be far larger than a portal attachment."""
    if request.endpoint == "onboarding.upload":
        request.max_content_length = MAX_FILE_BYTES


@onboarding.record_once
def _first_of_all(state: Any) -> None:
    # before every other hook: the CSRF check reads the form, and with it the body
    state.app.before_request_funcs.setdefault(None, []).insert(0, larger_uploads)


def _service() -> Onboarding:
    the_hub = hub()
    return Onboarding(the_hub.engine, the_hub.clock, the_hub.settings.var_dir)


def is_platform_admin(viewer: Viewer) -> bool:
    """An admin whose own (home) creditor is the hub's default one: the collection company
    that runs the hub."""
    if viewer.role != Role.ADMIN:
        return False
    with hub().engine.connect() as connection, tenancy.platform_wide():
        user = staff.user_by_id(connection, viewer.id)
    return user is not None and user.creditor_id == tenancy.DEFAULT_CREDITOR


def _creditor() -> Any:
    with hub().engine.connect() as connection:
        return creditor_by_id(connection, tenancy.current_creditor())


def _people() -> list[str]:
    """The creditor's active users, admins first: who may own the imported customers."""
    with hub().engine.connect() as connection:
        rows = connection.execute(sa.select(users.c.email, users.c.role)
                                  .where(users.c.active.is_(True))
                                  .order_by(users.c.email)).all()
    return [r.email for r in rows if r.role == Role.ADMIN.value] + \
        [r.email for r in rows if r.role != Role.ADMIN.value]


def _default_owner(viewer: Viewer, people: list[str]) -> str:
    return viewer.email if viewer.email in people else (people[0] if people else "")


@onboarding.get("/onboarding")
@roles_required(Role.ADMIN)
def index() -> tuple[str, int]:
    viewer = require_viewer()
    return _index(viewer, {}, {})


def _index(viewer: Viewer, values: dict[str, str], errors: dict[str, str],
           status: int = 200) -> tuple[str, int]:
    state = _service().state()
    return render_template("onboarding/index.html", state=state, creditor=_creditor(),
                           platform=is_platform_admin(viewer), values=values,
                           errors=errors), status


@onboarding.post("/onboarding/creditor")
@roles_required(Role.ADMIN)
def create_creditor() -> Response | tuple[str, int]:
    viewer = require_viewer()
    if not is_platform_admin(viewer):
        raise ApiError(403, "forbidden", gettext("Only an admin of the hub's own company "
                                                 "(the default creditor) adds creditors."))
    form = request.form
    values = {name: form.get(name, "").strip() for name in
              ("code", "name", "admin_email", "admin_name")}
    the_hub = hub()
    try:
        with the_hub.engine.begin() as connection:
            created = add_creditor_with_admin(
                connection, code=values["code"], name=values["name"],
                admin_email=values["admin_email"], admin_name=values["admin_name"],
                admin_password=form.get("admin_password") or None, actor=viewer.email,
                actor_id=viewer.id, now=the_hub.clock.now())
            with tenancy.acting_for(tenancy.DEFAULT_CREDITOR):  # the platform's audit log
                staff.audit(connection, actor=viewer.email, action="creditor.created",
                            target=f"creditor:{created.code}", now=the_hub.clock.now(),
                            detail={"admin": values["admin_email"].lower()})
    except UserError as exc:
        return _index(viewer, values, {"creditor": str(exc)}, 422)
    session["creditor"] = created.id  # act for it now, as on the Creditors page
    flash(gettext("Creditor %(name)s (%(code)s) created with its admin %(email)s. You now "
                  "act for it.", name=created.name, code=created.code,
                  email=values["admin_email"].lower()), "ok")
    return redirect(url_for("onboarding.index"))


# --- step 2: the open-items file ----------------------------------------------------------

def _file_page(problem: str = "", status: int = 200) -> tuple[str, int]:
    service = _service()
    viewer = require_viewer()
    stored = service.stored()
    shown = None
    if stored is not None and not problem:
        try:
            shown = service.preview()
        except UserError as exc:  # shown where the rows would be; the choice is kept
            problem = str(exc)
    people = _people()
    return render_template(
        "onboarding/file.html", state=service.state(), stored=stored, preview=shown,
        problem=problem, fields=KIND_FIELDS, people=people,
        date_choices=list(dict.fromkeys([stored.dates, *DATE_CHOICES])) if stored else [],
        decimal_choices=DECIMAL_CHOICES,
        owner=_default_owner(viewer, people)), status


@onboarding.get("/onboarding/file")
@roles_required(Role.ADMIN)
def file_page() -> tuple[str, int]:
    return _file_page()


@onboarding.post("/onboarding/file")
@roles_required(Role.ADMIN)
def upload() -> Response | tuple[str, int]:
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _file_page(gettext("Choose the open-items file (CSV or XLSX) to upload."), 422)
    try:
        stored = _service().upload(sent.filename, sent.stream)
    except UserError as exc:
        return _file_page(str(exc), 422)
    finally:
        sent.close()  # a large upload is spooled to a temporary file
    flash(gettext("%(name)s uploaded: check the columns and the rows below, then import.",
                  name=stored.name), "ok")
    return redirect(url_for("onboarding.file_page"))


@onboarding.post("/onboarding/mapping")
@roles_required(Role.ADMIN)
def choose_mapping() -> Response | tuple[str, int]:
    chosen = {name: request.form.get(f"map-{name}", "") for name in KIND_FIELDS}
    try:
        _service().choose(chosen, request.form.get("currency", ""),
                          request.form.get("dates", ""), request.form.get("decimal", ""))
    except UserError as exc:
        return _file_page(str(exc), 422)
    return redirect(url_for("onboarding.file_page"))


@onboarding.post("/onboarding/import")
@roles_required(Role.ADMIN)
def confirm_import() -> Response | tuple[str, int]:
    viewer = require_viewer()
    people = _people()
    owner = request.form.get("owner", "") or _default_owner(viewer, people)
    if owner not in people:
        return _file_page(gettext("%(owner)s is not a user of this creditor: choose the owner "
                                  "of the imported customers among its users.",
                                  owner=owner or "?"), 422)
    try:
        result = _service().confirm(actor=viewer.email, owner=owner)
    except UserError as exc:
        return _file_page(str(exc), 422)
    flash(gettext("Imported: %(created)s invoices created, %(updated)s updated, %(rejected)s "
                  "rejected; %(customers)s customers created, owned by %(owner)s.",
                  created=result.created, updated=result.updated, rejected=result.rejected,
                  customers=result.details.get("customers_created", 0), owner=owner), "ok")
    return redirect(url_for("onboarding.campaign_page"))


@onboarding.get("/onboarding/rejects")
@roles_required(Role.ADMIN)
def rejects() -> Response:
    from flask import send_file  # noqa: PLC0415

    path = _service().rejects_file()
    if path is None:
        raise ApiError(404, "not_found", gettext("The last import rejected no row."))
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=path.name)


# --- step 3: the first campaign -------------------------------------------------------------

def _campaign_page(template_key: str, values: dict[str, Any], errors: dict[str, list[str]],
                   status: int = 200, *, simulation: list[Any] | None = None,
                   target: Target | None = None) -> tuple[str, int]:
    """The step's page; `target`: the selection to count (None: a selection the admin
    typed wrong, not counted)."""
    selection = None
    if target is not None:
        selection = hub().campaigns.selection(target, viewer_scope(require_viewer()))
    return render_template("onboarding/campaign.html", template_key=template_key,
                           values=values, errors=errors, channels=CHANNELS, tones=TONES,
                           stops=STOP_CONDITIONS, simulation=simulation, selection=selection,
                           templates=hub().campaigns.templates(),
                           state=_service().state()), status


@onboarding.get("/onboarding/campaign")
@roles_required(Role.ADMIN)
def campaign_page() -> tuple[str, int]:
    try:
        template = hub().campaigns.template(request.args.get("template", "standard"))
    except UserError:
        template = hub().campaigns.template("standard")
    values = form_values(template.settings)
    values.update(name="", target="filter")
    return _campaign_page(template.key, values, {}, target=Target())


@onboarding.post("/onboarding/campaign")
@roles_required(Role.ADMIN)
def start_campaign() -> Response | tuple[str, int]:
    viewer = require_viewer()
    template_key, values = posted_form()
    values["target"] = "filter"  # a selection, never one customer: the form has no such field
    errors: dict[str, list[str]] = {}
    target = posted_target(values, errors)  # the campaign form's own reading of the selection
    counted = None if errors else target
    try:
        template = hub().campaigns.template(template_key)
    except UserError as exc:
        return _campaign_page(template_key, values, {"form": [str(exc)]}, 422, target=counted)
    try:
        settings = form_settings(values)
    except CampaignFormError as exc:
        errors[exc.field] = [exc.message]
    if errors:
        return _campaign_page(template.key, values, errors, 422, target=counted)
    draft = Draft(values["name"], template.key, settings, target)
    service = hub().campaigns
    try:
        if request.form.get("action") == "simulate":
            days = service.simulate_days(draft, viewer_scope(viewer))
            return _campaign_page(template.key, values, {}, simulation=days, target=target)
        found = service.start(draft, viewer.email, viewer_scope(viewer))
    except CampaignRefused as exc:
        return _campaign_page(template.key, values, exc.by_field(), 422, target=target)
    _service().update(campaign={"name": found.name, "slug": found.slug,
                                "started_on": str(found.started_on),
                                "by": viewer.email})
    flash(gettext('Campaign "%(name)s" started.', name=found.name), "ok")
    return redirect(url_for("campaigns.show", slug=found.slug))
