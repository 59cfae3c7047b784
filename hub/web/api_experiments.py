"""JSON API: a rule-file experiment's report (docs/experiments.md)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import request

from hub.domain.experiments import MINIMUM_EFFECT
from hub.services.prediction.experiments import experiments
from hub.services.prediction.experiments import report_data
from hub.web import params
from hub.web.api_scope import require_whole_ledger
from hub.web.api_scope import the_hub
from hub.web.errors import bad_parameter

MAX_DAYS = 365


def _whole(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise bad_parameter(name, raw, f"a whole number from 1 to {maximum}")
    return int(raw)


def listing() -> dict[str, Any]:
    params.allow_only()
    require_whole_ledger()
    hub = the_hub()
    plans = hub.experiment_plans()
    with hub.engine.connect() as connection:
        found = {summary.name: summary for summary in experiments(connection)}
    return {"data": [{
        "experiment": name, "in_rule_file": name in plans,
        "step": plans[name].step if name in plans else None,
        "variants": dict(plans[name].variants) if name in plans else None,
        "control": plans[name].control if name in plans else None,
        "accounts": found[name].accounts if name in found else 0,
        "exposed": found[name].variants if name in found else {}}
        for name in sorted(set(plans) | set(found))]}


def report(name: str) -> dict[str, Any]:
    params.allow_only("days", "as_of", "against", "effect")
    require_whole_ledger()
    days = _whole("days", 30, MAX_DAYS)
    effect = _whole("effect", round(MINIMUM_EFFECT * 100), 100) / 100
    found = the_hub().experiment_report(name, days=days, as_of=params.iso_date("as_of"),
                                        against=params.text("against"), effect=effect)
    return report_data(found)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/reports/experiments", view_func=listing, methods=["GET"])
    blueprint.add_url_rule("/reports/experiments/<name>", view_func=report, methods=["GET"])
