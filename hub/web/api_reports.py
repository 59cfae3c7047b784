"""JSON API reports beyond aging: DSO, CEI and the period summary
(definitions in docs/reports.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint
from flask import request

from hub.domain.reports import Period
from hub.domain.reports import PeriodRow
from hub.domain.reports import period_ending
from hub.services.read.reports import DSO_MONTHS
from hub.services.read.reports import GROUPINGS
from hub.services.read.reports import dso_report
from hub.services.read.reports import period_report
from hub.web import params
from hub.web import serialize
from hub.web.api_scope import paging
from hub.web.api_scope import require_whole_ledger
from hub.web.api_scope import the_hub
from hub.web.errors import bad_parameter

PERIOD_PARAMS = ("as_of", "by", "from", "days")


def _as_of() -> date:
    return params.iso_date("as_of") or the_hub().clock.today()


def _period(as_of: date) -> Period:
    start = params.iso_date("from")
    days = _whole("days", 3660)
    if start is not None and days is not None:
        raise bad_parameter("days", request.args["days"], "either 'from' or 'days', not both")
    if start is not None and start > as_of:
        raise bad_parameter("from", request.args["from"], f"a date on or before {as_of}")
    return period_ending(as_of, start=start, days=days)


def _whole(name: str, maximum: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise bad_parameter(name, raw, f"a whole number from 1 to {maximum}")
    return value


def _page_of(rows: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    page = paging()
    start = (page.page - 1) * page.per_page
    return params.paginated(rows[start:start + page.per_page], total=len(rows), paging=page,
                            extra_meta=meta)


def dso() -> dict[str, Any]:
    params.allow_only("as_of", "by", "months", *params.PAGINATION)
    require_whole_ledger()
    as_of = _as_of()
    by = params.choice("by", GROUPINGS) or "currency"
    months = _whole("months", 120) or DSO_MONTHS
    report = dso_report(the_hub().engine, as_of, by, months=months,
                        simple_months=min(3, months))
    return _page_of([serialize.dso_row(r) for r in report.rows], {
        "as_of": as_of.isoformat(), "by": by, "months": months,
        "simple_window": {"start": report.simple_window.start.isoformat(),
                          "end": report.simple_window.end.isoformat()}})


def _period_meta(as_of: date, by: str, period: Period) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "by": by,
            "period": {"start": period.start.isoformat(), "end": period.end.isoformat()}}


def _period_rows(row: Callable[[PeriodRow], dict[str, Any]]) -> dict[str, Any]:
    """CEI and the summary read the same period report; they differ in the row they show."""
    params.allow_only(*PERIOD_PARAMS, *params.PAGINATION)
    require_whole_ledger()
    as_of = _as_of()
    by = params.choice("by", GROUPINGS) or "currency"
    period = _period(as_of)
    report = period_report(the_hub().engine, as_of, by, period)
    return _page_of([row(r) for r in report.rows], _period_meta(as_of, by, period))


def cei() -> dict[str, Any]:
    return _period_rows(serialize.cei_row)


def summary() -> dict[str, Any]:
    return _period_rows(serialize.summary_row)


def register(blueprint: Blueprint) -> None:
    for rule, view in (("/reports/dso", dso), ("/reports/cei", cei),
                       ("/reports/summary", summary)):
        blueprint.add_url_rule(rule, view_func=view, methods=["GET"])
