"""Campaign pages (docs/campaigns.md): the list, a form that starts a campaign from a template
with its adjustments, and a campaign's page (per customer: step reached, next step and its
date, messages, responses, promises, amount recovered; totals), with pause, resume, stop and
"save as template".

Every list is limited to the viewer's scope: a collector sees the campaign's customers they
own, a manager their department's. Finance and admins start and change any campaign; a
manager starts campaigns for the customers they see and changes the ones they started.
An invalid form comes back with the message (the form's own check, or the rule compiler's)
next to the field it concerns."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from hub.domain.campaigns import CHANNELS
from hub.domain.campaigns import MAX_STEPS
from hub.domain.campaigns import STOP_CONDITIONS
from hub.domain.campaigns import TONES
from hub.domain.campaigns import CampaignFormError
from hub.domain.campaigns import CampaignSettings
from hub.domain.campaigns import Target
from hub.domain.campaigns import settings_from_form
from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.i18n import N_
from hub.ledger.campaigns import CampaignRow
from hub.services.cycle.campaigns import CampaignRefused
from hub.services.cycle.campaigns import Draft
from hub.services.read.api_queries import Scope
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import login_required
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.errors import ApiError

campaigns_ui = Blueprint("campaigns", __name__)
STARTERS = (Role.FINANCE, Role.ADMIN, Role.MANAGER)
PER_PAGE = 50
CHANNEL_LABELS = {"email": N_("E-mail"), "sms": N_("SMS"), "letter": N_("Letter"),
                  "whatsapp": N_("WhatsApp"), "voice": N_("Reminder call (keypad)"),
                  "call": N_("Phone call"),
                  "handover": N_("Hand-over to collection (the creditor approves)")}
TONE_LABELS = {"friendly": N_("Friendly"), "standard": N_("Standard"), "firm": N_("Firm")}
STOP_LABELS = {"promise": N_("a promise to pay runs"),
               "plan": N_("a payment plan runs or waits for review"),
               "dispute": N_("an invoice is disputed")}


@campaigns_ui.app_template_filter("channel_label")
@campaigns_ui.app_template_global("channel_label")
def channel_label(channel: str) -> str:
    label = CHANNEL_LABELS.get(channel)
    return gettext(label) if label else channel


@campaigns_ui.app_template_global("tone_label")
def tone_label(tone: str) -> str:
    label = TONE_LABELS.get(tone)
    return gettext(label) if label else tone


@campaigns_ui.app_template_global("stop_label")
def stop_label(stop: str) -> str:
    label = STOP_LABELS.get(stop)
    return gettext(label) if label else stop


def viewer_scope(viewer: Viewer) -> Scope:
    return Scope(owner=viewer.owner_filter(), department=viewer.department_filter())


def may_change(viewer: Viewer, campaign: CampaignRow) -> bool:
    if viewer.role in (Role.FINANCE, Role.ADMIN):
        return True
    return viewer.role == Role.MANAGER and campaign.created_by == viewer.email


def _visible(name: str, viewer: Viewer) -> CampaignRow:
    """The campaign, or 404 when the viewer sees none of its customers (as if it did not
    exist)."""
    try:
        found = hub().campaigns.get(name)
    except UserError:
        raise ApiError(404, "not_found", gettext("There is no such campaign.")) from None
    visible = hub().campaigns.visible(viewer_scope(viewer), viewer.email)
    if found.id not in {c.id for c in visible}:
        raise ApiError(404, "not_found", gettext("There is no such campaign."))
    return found


@campaigns_ui.get("/campaigns")
@login_required
def index() -> str:
    viewer = require_viewer()
    found = hub().campaigns.visible(viewer_scope(viewer), viewer.email)
    return render_template("campaigns/list.html", campaigns=found,
                           templates=hub().campaigns.templates(),
                           can_start=viewer.role in STARTERS)


def form_values(settings: CampaignSettings) -> dict[str, Any]:
    rows = [{"channel": s.channel, "day": str(s.day)} for s in settings.steps]
    rows += [{"channel": "", "day": ""}] * max(0, min(MAX_STEPS, len(rows) + 2) - len(rows))
    return {"rows": rows, "tone": settings.tone, "fees": settings.fees,
            "stop_when": list(settings.stop_when),
            "stop_below": "" if settings.stop_below is None else str(settings.stop_below)}


def _render_form(template_key: str, values: dict[str, Any], errors: dict[str, list[str]],
                 status: int = 200, simulation: list[Any] | None = None) -> tuple[str, int]:
    return render_template("campaigns/new.html", template_key=template_key, values=values,
                           errors=errors, channels=CHANNELS, tones=TONES,
                           stops=STOP_CONDITIONS, simulation=simulation,
                           templates=hub().campaigns.templates()), status


@campaigns_ui.get("/campaigns/new")
@roles_required(*STARTERS)
def new() -> tuple[str, int]:
    key = request.args.get("template", "standard")
    template = hub().campaigns.template(key)
    values = form_values(template.settings)
    values.update(name="", target="customer", customer=request.args.get("customer", ""))
    return _render_form(template.key, values, {})


def posted_form() -> tuple[str, dict[str, Any]]:
    form = request.form
    rows = [{"channel": form.get(f"step-{i}-channel", ""), "day": form.get(f"step-{i}-day", "")}
            for i in range(1, MAX_STEPS + 1) if f"step-{i}-channel" in form]
    values: dict[str, Any] = {
        "name": form.get("name", ""), "target": form.get("target", "customer"),
        "customer": form.get("customer", ""), "segment": form.get("segment", ""),
        "country": form.get("country", ""), "min_days": form.get("min_days", ""),
        "min_amount": form.get("min_amount", ""), "max_score": form.get("max_score", ""),
        "rows": rows, "tone": form.get("tone", ""), "fees": form.get("fees") == "on",
        "stop_when": form.getlist("stop_when"), "stop_below": form.get("stop_below", "")}
    return form.get("template", "standard"), values


def form_settings(values: dict[str, Any]) -> CampaignSettings:
    """The campaign settings the posted form (`posted_form`) asks for (CampaignFormError: a
    field is wrong, and which)."""
    return settings_from_form([r["channel"] for r in values["rows"]],
                              [r["day"] for r in values["rows"]], tone=values["tone"],
                              fees=values["fees"], stop_when=values["stop_when"],
                              stop_below=values["stop_below"])


def _whole(values: dict[str, Any], key: str, errors: dict[str, list[str]]) -> int | None:
    text = str(values.get(key) or "").strip()
    if not text:
        return None
    if not text.isdigit():
        errors.setdefault(key, []).append(gettext("Enter a whole number."))
        return None
    return int(text)


def posted_target(values: dict[str, Any], errors: dict[str, list[str]]) -> Target:
    if values["target"] == "customer":
        if not values["customer"].strip():
            errors.setdefault("customer", []).append(gettext("Enter a customer's code."))
        return Target(customer=values["customer"].strip())
    from decimal import Decimal  # noqa: PLC0415
    from decimal import InvalidOperation  # noqa: PLC0415

    amount = None
    if values["min_amount"].strip():
        try:
            amount = Decimal(values["min_amount"].strip())
        except InvalidOperation:
            errors.setdefault("min_amount", []).append(gettext("Enter an amount such as "
                                                               "500.00."))
    return Target(None, values["segment"].strip() or None,
                  values["country"].strip().upper() or None,
                  _whole(values, "min_days", errors), amount,
                  _whole(values, "max_score", errors))


@campaigns_ui.post("/campaigns/new")
@roles_required(*STARTERS)
def start() -> Response | tuple[str, int]:
    viewer = require_viewer()
    template_key, values = posted_form()
    template = hub().campaigns.template(template_key)
    errors: dict[str, list[str]] = {}
    settings = None
    try:
        settings = form_settings(values)
    except CampaignFormError as exc:
        errors[exc.field] = [exc.message]
    target = posted_target(values, errors)
    if settings is None or errors:
        return _render_form(template.key, values, errors, 422)
    draft = Draft(values["name"], template.key, settings, target)
    try:
        if request.form.get("action") == "check":  # checked and simulated, not started
            decisions = hub().campaigns.simulate(draft, viewer_scope(viewer))
            return _render_form(template.key, values, {}, simulation=decisions)
        found = hub().campaigns.start(draft, viewer.email, viewer_scope(viewer))
    except CampaignRefused as exc:
        return _render_form(template.key, values, exc.by_field(), 422)
    flash(gettext('Campaign "%(name)s" started.', name=found.name))
    return redirect(url_for("campaigns.show", slug=found.slug))


@campaigns_ui.get("/campaigns/<slug>")
@login_required
def show(slug: str) -> str:
    viewer = require_viewer()
    found = _visible(slug, viewer)
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    view = hub().campaigns.view(found.slug, viewer_scope(viewer), page=page, per_page=PER_PAGE)
    pages = max(1, -(-view.members.total // PER_PAGE))
    return render_template("campaigns/show.html", view=view, campaign=found, pages=pages,
                           can_change=may_change(viewer, found))


def _change(slug: str, what: str) -> Response:
    viewer, found = _changeable(slug)
    try:
        getattr(hub().campaigns, what)(found.slug, viewer.email)
    except UserError as exc:
        flash(str(exc), "error")
    return redirect(url_for("campaigns.show", slug=found.slug))


@campaigns_ui.post("/campaigns/<slug>/pause")
@roles_required(*STARTERS)
def pause(slug: str) -> Response:
    return _change(slug, "pause")


@campaigns_ui.post("/campaigns/<slug>/resume")
@roles_required(*STARTERS)
def resume(slug: str) -> Response:
    return _change(slug, "resume")


@campaigns_ui.post("/campaigns/<slug>/stop")
@roles_required(*STARTERS)
def stop(slug: str) -> Response:
    return _change(slug, "stop")


def _changeable(slug: str) -> tuple[Viewer, CampaignRow]:
    viewer = require_viewer()
    found = _visible(slug, viewer)
    if not may_change(viewer, found):
        raise ApiError(403, "forbidden", gettext("Only finance, an admin or the manager who "
                                                 "started it can change this campaign."))
    return viewer, found


@campaigns_ui.get("/campaigns/<slug>/adjust")
@roles_required(*STARTERS)
def adjust_form(slug: str) -> str:
    _, found = _changeable(slug)
    return render_template("campaigns/adjust.html", campaign=found,
                           values=form_values(found.settings), errors={}, channels=CHANNELS,
                           tones=TONES, stops=STOP_CONDITIONS)


@campaigns_ui.post("/campaigns/<slug>/adjust")
@roles_required(*STARTERS)
def adjust(slug: str) -> Response | tuple[str, int]:
    viewer, found = _changeable(slug)
    _, values = posted_form()
    errors: dict[str, list[str]] = {}
    try:
        settings = form_settings(values)
        changed = hub().campaigns.adjust(found.slug, settings, viewer.email)
    except CampaignFormError as exc:
        errors = {exc.field: [exc.message]}
    except CampaignRefused as exc:
        errors = exc.by_field()
    except UserError as exc:
        errors = {"form": [str(exc)]}
    if errors:
        return render_template("campaigns/adjust.html", campaign=found, values=values,
                               errors=errors, channels=CHANNELS, tones=TONES,
                               stops=STOP_CONDITIONS), 422
    flash(gettext("Campaign adjusted: version %(version)s.", version=changed.version))
    return redirect(url_for("campaigns.show", slug=found.slug))


@campaigns_ui.post("/campaigns/<slug>/template")
@roles_required(*STARTERS)
def save_template(slug: str) -> Response:
    viewer = require_viewer()
    found = _visible(slug, viewer)
    try:
        saved = hub().campaigns.save_as_template(found.slug, request.form.get("template", ""),
                                                 viewer.email)
        flash(gettext('Template "%(name)s" saved.', name=saved.name))
    except UserError as exc:
        flash(str(exc), "error")
    return redirect(url_for("campaigns.show", slug=found.slug))
