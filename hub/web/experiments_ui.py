"""The experiments page: each rule-file experiment's recovery within N days per variant,
the difference against the control with its interval, and the accounts still needed
(docs/experiments.md). The figures add up the whole ledger, so the page is for the roles
that see all of it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask import render_template
from flask import request

from hub.domain.errors import NotFound
from hub.domain.experiments import MINIMUM_EFFECT
from hub.domain.experiments import points
from hub.domain.model import Role
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.i18n import lazy_gettext
from hub.services.prediction.experiments import experiments
from hub.services.prediction.experiments import report_data
from hub.web.access import hub
from hub.web.access import roles_required
from hub.web.errors import bad_parameter

experiments_ui = Blueprint("experiments", __name__)
READERS = (Role.FINANCE, Role.ADMIN, Role.READ_ONLY)
MAX_DAYS = 365


def _days() -> int:
    raw = request.args.get("days", "30").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise bad_parameter("days", raw, f"a whole number of days from 1 to {MAX_DAYS}")
    return int(raw)


def _as_of() -> date:
    raw = request.args.get("as_of", "").strip()
    try:
        return parse_date(raw, "en") if raw else hub().clock.today()
    except ParseError:
        raise bad_parameter("as_of", raw, "a date YYYY-MM-DD") from None


@experiments_ui.get("/reports/experiments")
@roles_required(*READERS)
def index() -> str:
    plans = hub().experiment_plans()
    with hub().engine.connect() as connection:
        found = {summary.name: summary for summary in experiments(connection)}
    rows = [{"name": name, "plan": plans.get(name), "seen": found.get(name)}
            for name in sorted(set(plans) | set(found))]
    return render_template("experiments.html", rows=rows, report=None, days=_days(),
                           as_of=_as_of())


@experiments_ui.get("/reports/experiments/<name>")
@roles_required(*READERS)
def show(name: str) -> str:
    days, as_of = _days(), _as_of()
    plans = hub().experiment_plans()
    with hub().engine.connect() as connection:
        known = {summary.name for summary in experiments(connection)}
    if name not in known:
        if name in plans:
            return render_template("experiments.html", rows=[], report=None, days=days,
                                   as_of=as_of, waiting=plans[name])
        raise NotFound(lazy_gettext('no experiment "%(name)s"', name=name))
    found = hub().experiment_report(name, days=days, as_of=as_of, effect=MINIMUM_EFFECT)
    return render_template("experiments.html", rows=[], report=report_data(found),
                           plan=plans.get(name), days=days, as_of=as_of, points=points)
