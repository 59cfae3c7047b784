"""JSON API: campaigns (docs/campaigns.md). List, templates, start, a campaign's customers
(paged, within the token's scope) with totals, pause, resume, stop, save as template.

Starting goes through the same service as the web form and `campaign start`: the rule
compiler and activation gate check the campaign on top of finance's rule file, and every
problem is a 422 naming the field it concerns."""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from flask import Blueprint
from flask import request

from hub.domain.campaigns import CampaignFormError
from hub.domain.campaigns import CampaignSettings
from hub.domain.campaigns import Target
from hub.domain.campaigns import Template
from hub.domain.campaigns import settings_from_form
from hub.domain.campaigns import with_channel_first
from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.ledger.campaigns import CampaignRow
from hub.services.cycle.campaigns import SIMULATED_DAYS
from hub.services.cycle.campaigns import CampaignRefused
from hub.services.cycle.campaigns import Draft
from hub.services.cycle.campaigns import MemberProgress
from hub.web import params
from hub.web.api_scope import paging
from hub.web.api_scope import scope
from hub.web.api_scope import the_hub
from hub.web.auth import api_viewer
from hub.web.errors import ApiError
from hub.web.serialize import money

STARTERS = (Role.FINANCE, Role.ADMIN, Role.MANAGER)
FILTER_KEYS = ("segment", "country", "min_days_overdue", "min_amount", "max_score")


def settings_json(settings: CampaignSettings) -> dict[str, Any]:
    return settings.as_json()


def campaign_json(found: CampaignRow) -> dict[str, Any]:
    return {"name": found.name, "slug": found.slug, "state": found.state,
            "template": found.template, "version": found.version,
            "started_on": found.started_on.isoformat(),
            "paused_on": found.paused_on.isoformat() if found.paused_on else None,
            "stopped_on": found.stopped_on.isoformat() if found.stopped_on else None,
            "target": found.target.as_json(), "settings": settings_json(found.settings),
            "steps": found.settings.step_names()}


MAX_DAYS = 365


def _member(m: MemberProgress) -> dict[str, Any]:
    def day(value: Any) -> str | None:
        return value.isoformat() if value else None
    return {"customer": {"code": m.customer_code, "name": m.customer_name},
            "joined_on": day(m.joined_on), "left_on": day(m.left_on),
            "step_reached": m.step_reached, "reached_on": day(m.reached_on),
            "next_step": m.next_step, "next_on": day(m.next_on),
            "messages_sent": m.messages_sent, "messages_waiting": m.messages_waiting,
            "channels": list(m.channels), "responses": m.responses,
            "last_response": m.last_response, "promises": m.promises,
            "owed_at_start": money(m.owed_at_start), "recovered": money(m.recovered)}


def _template(found: Template) -> dict[str, Any]:
    return {"key": found.key, "name": found.name, "shipped": found.builtin,
            "settings": settings_json(found.settings)}


def _visible(name: str) -> CampaignRow:
    viewer = api_viewer()
    hub = the_hub()
    try:
        found = hub.campaigns.get(name)
    except UserError:
        raise ApiError(404, "not_found", "no such campaign") from None
    if found.id not in {c.id for c in hub.campaigns.visible(scope(), viewer.email)}:
        raise ApiError(404, "not_found", "no such campaign")  # as if it did not exist
    return found


def _may_change(found: CampaignRow | None = None) -> None:
    viewer = api_viewer()
    if viewer.role not in STARTERS:
        raise ApiError(403, "forbidden", "campaigns are started and changed by finance, "
                                         "admins and managers")
    if found is not None and viewer.role == Role.MANAGER and found.created_by != viewer.email:
        raise ApiError(403, "forbidden", "a manager changes only the campaigns they started")


def listing() -> dict[str, Any]:
    params.allow_only()
    found = the_hub().campaigns.visible(scope(), api_viewer().email)
    return {"data": [campaign_json(c) for c in found]}


def templates() -> dict[str, Any]:
    params.allow_only()
    return {"data": [_template(t) for t in the_hub().campaigns.templates()]}


def show(name: str) -> dict[str, Any]:
    params.allow_only("page", "per_page")
    found = _visible(name)
    pages = paging()
    view = the_hub().campaigns.view(found.slug, scope(), page=pages.page,
                                    per_page=pages.per_page)
    totals = {**view.totals, "owed_at_start": [money(m) for m in view.totals["owed_at_start"]],
              "recovered": [money(m) for m in view.totals["recovered"]]}
    return {**params.paginated([_member(m) for m in view.members.items],
                               total=view.members.total, paging=pages),
            "campaign": campaign_json(found), "totals": totals}


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object (Content-Type: application/json)")
    return body


def _refused(problems: list[tuple[str, str]]) -> ApiError:
    return ApiError(422, "invalid_body", "; ".join(f"{f}: {m}" for f, m in problems),
                    {"problems": [{"field": f, "message": m} for f, m in problems]})


def _strings(body: dict[str, Any], field: str) -> list[str]:
    value = body.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _refused([(field, "expected a list of strings")])
    return list(value)


def _settings(body: dict[str, Any], base: CampaignSettings) -> CampaignSettings:
    first = body.get("first_channel")
    if isinstance(first, str) and first.strip():
        base = with_channel_first(base, first.strip().lower())
    steps = body.get("steps")
    if steps is None:
        steps = [{"channel": s.channel, "day": s.day} for s in base.steps]
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise _refused([("steps", "expected a list of {channel, day}")])
    fees = body.get("fees", base.fees)
    if not isinstance(fees, bool):
        raise _refused([("fees", "expected true or false")])
    below = body.get("stop_below", base.stop_below)
    try:
        return settings_from_form(
            [str(s.get("channel", "")) for s in steps], [str(s.get("day", "")) for s in steps],
            tone=str(body.get("tone", base.tone)), fees=fees,
            stop_when=_strings(body, "stop_when") if "stop_when" in body else
            list(base.stop_when), stop_below="" if below is None else str(below))
    except CampaignFormError as exc:
        raise _refused([(exc.field, exc.message)]) from None


def _target(body: dict[str, Any]) -> Target:
    customer = body.get("customer")
    selection = body.get("filter")
    if (customer is None) == (selection is None):
        raise _refused([("customer", "give a customer's code or a filter, not both")])
    if customer is not None:
        if not isinstance(customer, str) or not customer.strip():
            raise _refused([("customer", "expected a customer's code")])
        return Target(customer=customer.strip())
    if not isinstance(selection, dict):
        raise _refused([("filter", "expected an object: segment, country, min_days_overdue, "
                                   "min_amount, max_score")])
    problems = [(f"filter.{key}", "expected a whole number") for key in
                ("min_days_overdue", "max_score") if key in selection and
                (isinstance(selection[key], bool) or not isinstance(selection[key], int)
                 or selection[key] < 0)]
    problems += [(f"filter.{key}", "expected text") for key in ("segment", "country")
                 if key in selection and not isinstance(selection[key], str)]
    problems += [(f"filter.{key}", "unknown; use segment, country, min_days_overdue, "
                                   "min_amount, max_score")
                 for key in selection if key not in FILTER_KEYS]
    amount = selection.get("min_amount")
    if amount is not None:
        try:
            if isinstance(amount, bool) or not Decimal(str(amount)).is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(("filter.min_amount", "expected an amount such as \"500.00\""))
    if problems:
        raise _refused(problems)
    return Target.from_json({**selection, "customer": None})


def _draft(body: dict[str, Any]) -> Draft:
    """The campaign a request body describes (422 with each problem)."""
    name = body.get("name")
    if not isinstance(name, str):
        raise _refused([("name", "expected the campaign's name")])
    try:
        template = the_hub().campaigns.template(str(body.get("template", "standard")))
    except UserError as exc:
        raise _refused([("template", str(exc))]) from None
    return Draft(name, template.key, _settings(body, template.settings), _target(body))


def start() -> tuple[dict[str, Any], int]:
    _may_change()
    draft = _draft(_body())
    try:
        found = the_hub().campaigns.start(draft, api_viewer().email, scope())
    except CampaignRefused as exc:
        raise _refused(exc.problems) from None
    return campaign_json(found), 201


def simulation() -> dict[str, Any]:
    """A campaign's first days simulated (as `start` takes it), starting nothing."""
    _may_change()
    body = _body()
    draft = _draft(body)
    days = body.get("days", SIMULATED_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise _refused([("days", f"expected a whole number of days from 1 to {MAX_DAYS}")])
    try:
        found = the_hub().campaigns.simulate_days(draft, scope(), days=days)
    except CampaignRefused as exc:
        raise _refused(exc.problems) from None
    return {"data": [{"day": d.day.isoformat(), "campaign_day": d.campaign_day,
                      "messages": dict(sorted(d.messages.items())), "steps": d.steps,
                      "customers_reached": d.customers_reached,
                      "amount_reached": [money(m) for m in d.amount_reached]}
                     for d in found]}


def _change(name: str, what: str) -> dict[str, Any]:
    found = _visible(name)
    _may_change(found)
    try:
        changed = getattr(the_hub().campaigns, what)(found.slug, api_viewer().email)
    except UserError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return campaign_json(changed)


def pause(name: str) -> dict[str, Any]:
    return _change(name, "pause")


def resume(name: str) -> dict[str, Any]:
    return _change(name, "resume")


def stop(name: str) -> dict[str, Any]:
    return _change(name, "stop")


def adjust(name: str) -> dict[str, Any]:
    found = _visible(name)
    _may_change(found)
    body = _body()
    try:
        changed = the_hub().campaigns.adjust(found.slug, _settings(body, found.settings),
                                             api_viewer().email)
    except CampaignRefused as exc:
        raise _refused(exc.problems) from None
    except UserError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return campaign_json(changed)


def save_template(name: str) -> tuple[dict[str, Any], int]:
    found = _visible(name)
    _may_change()
    body = _body()
    template = body.get("template")
    if not isinstance(template, str):
        raise _refused([("template", "expected the template's name")])
    try:
        saved = the_hub().campaigns.save_as_template(found.slug, template, api_viewer().email)
    except UserError as exc:
        raise _refused([("template", str(exc))]) from None
    return _template(saved), 201


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/campaigns", view_func=listing, methods=["GET"],
                           endpoint="campaigns")
    blueprint.add_url_rule("/campaigns", view_func=start, methods=["POST"],
                           endpoint="start_campaign")
    blueprint.add_url_rule("/campaigns/templates", view_func=templates, methods=["GET"],
                           endpoint="campaign_templates")
    blueprint.add_url_rule("/campaigns/simulation", view_func=simulation, methods=["POST"],
                           endpoint="campaign_simulation")
    blueprint.add_url_rule("/campaigns/<name>", view_func=show, methods=["GET"],
                           endpoint="campaign")
    for view in (pause, resume, stop):
        blueprint.add_url_rule(f"/campaigns/<name>/{view.__name__}", view_func=view,
                               methods=["POST"], endpoint=f"campaign_{view.__name__}")
    blueprint.add_url_rule("/campaigns/<name>/adjust", view_func=adjust, methods=["POST"],
                           endpoint="campaign_adjust")
    blueprint.add_url_rule("/campaigns/<name>/template", view_func=save_template,
                           methods=["POST"], endpoint="campaign_save_template")
