"""The JSON API under /api/v1: customers, invoices, payments, promises, plans,
disputes, tasks, cycle runs and reports.

Every route but the OpenAPI document needs a caller (hub.web.auth) and shows only what
the caller's role sees. Lists are paginated (`?page=&per_page=`) in one envelope, errors
use the envelope of hub.web.errors, and /api/v1/openapi.json describes every route.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import request

from hub.domain.model import InvoiceStatus
from hub.services.read import api_queries
from hub.services.read import queries
from hub.services.read.report_cache import cached_aging_report
from hub.services.read.reports import GROUPINGS
from hub.services.read.worklist import worklist_of
from hub.web import api_actions
from hub.web import api_campaigns
from hub.web import api_documents
from hub.web import api_experiments
from hub.web import api_handovers
from hub.web import api_reports
from hub.web import api_resources
from hub.web import params
from hub.web import serialize
from hub.web.api_scope import check_visible
from hub.web.api_scope import narrow
from hub.web.api_scope import paging as _paging
from hub.web.api_scope import require_whole_ledger
from hub.web.api_scope import scope
from hub.web.api_scope import the_hub as _hub
from hub.web.auth import api_viewer
from hub.web.auth import authenticate_api_request
from hub.web.auth import challenge
from hub.web.auth import limit_api_caller
from hub.web.errors import ApiError
from hub.web.openapi import openapi_document

api = Blueprint("api", __name__, url_prefix="/api/v1")
api.before_request(authenticate_api_request)
api.before_request(limit_api_caller)
api.after_request(challenge)


@api.url_value_preprocessor
def _refuse_nul(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """No code or number holds a NUL, and PostgreSQL refuses one in a query: 404 early."""
    if values and any("\x00" in str(value) for value in values.values()):
        raise ApiError(404, "not_found", "no such resource")


def _nul_field(value: Any, path: str) -> str | None:
    """The path of the first text in a JSON body that holds a NUL, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for where, item in items:
        if (found := (where if "\x00" in where else _nul_field(item, where))) is not None:
            return found
    return None


@api.before_request
def _refuse_nul_in_body() -> None:
    """No stored text holds a NUL and PostgreSQL refuses one in a query or a row: a JSON
    body with one is refused before any route reads it, naming the field."""
    field = _nul_field(request.get_json(silent=True), "") if request.is_json else None
    if field is not None:
        field = field or "body"
        raise ApiError(422, "invalid_body", f"{field}: expected text without NUL characters",
                       {"field": field, "expected": "text without NUL characters"})


api_resources.register(api)
api_reports.register(api)
api_experiments.register(api)
api_campaigns.register(api)
api_actions.register(api)
api_documents.register(api)
api_handovers.register(api)


@api.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document()


@api.get("/customers")
def list_customers() -> dict[str, Any]:
    params.allow_only("owner", "department", "country", "q", *params.PAGINATION)
    limits = scope()
    filters = queries.CustomerFilter(
        owner=narrow(params.text("owner"), limits.owner, any_case=True),
        department=narrow(params.text("department"), limits.department),
        country=params.text("country"), q=params.text("q"))
    paging = _paging()
    found = queries.list_customers(_hub().engine, filters, page=paging.page,
                                   per_page=paging.per_page)
    return params.paginated([serialize.customer(c) for c in found.items], total=found.total,
                            paging=paging)


@api.get("/customers/<path:code>")  # ERP codes and numbers may contain "/"
def get_customer(code: str) -> dict[str, Any]:
    params.allow_only()
    hub = _hub()
    detail = queries.customer_detail(hub.engine, code)
    check_visible(detail.customer.owner, detail.customer.department, f"customer {code!r}")
    return {"data": serialize.customer_detail(detail, hub.clock.today())}


@api.get("/invoices")
def list_invoices() -> dict[str, Any]:
    params.allow_only("customer", "status", "overdue", "currency", *params.PAGINATION)
    status = params.choice("status", [s.value for s in InvoiceStatus])
    limits = scope()
    filters = queries.InvoiceFilter(
        customer=params.text("customer"),
        status=InvoiceStatus(status) if status else None,
        overdue=params.boolean("overdue"), currency=params.currency("currency"),
        owner=limits.owner, department=limits.department)
    paging = _paging()
    hub = _hub()
    today = hub.clock.today()
    found = queries.list_invoices(hub.engine, filters, today, page=paging.page,
                                  per_page=paging.per_page)
    return params.paginated([serialize.invoice(i, today) for i in found.items],
                            total=found.total, paging=paging)


@api.get("/invoices/<path:number>")
def get_invoice(number: str) -> dict[str, Any]:
    params.allow_only()
    hub = _hub()
    view, applied = queries.invoice_detail(hub.engine, number)
    if scope().limited:
        owner, department = api_queries.account_scope(hub.engine, view.invoice.customer_code)
        check_visible(owner, department, f"invoice {number!r}")
    return {"data": {**serialize.invoice(view, hub.clock.today()),
                     "allocations": [serialize.allocation(a) for a in applied]}}


@api.get("/worklist")
def list_worklist() -> dict[str, Any]:
    """What needs a person today (`user`, default the caller): the same accounts, in the
    same order, as their web worklist, sheet tab and digest (hub.services.read.worklist)."""
    params.allow_only("user", *params.PAGINATION)
    viewer = api_viewer()
    person = (params.text("user") or viewer.email).strip().lower()
    if person != viewer.email.lower() and not (viewer.sees_everything
                                               or viewer.department_filter() is not None):
        raise ApiError(403, "forbidden", "a collector's token reads only its own worklist")
    hub = _hub()
    today = hub.clock.today()
    with hub.engine.connect() as connection:
        rows = worklist_of(connection, as_of=today, person=person)
    if person != viewer.email.lower():  # a manager sees their department's part of it
        rows = [row for row in rows if viewer.can_view(row.owner, row.department)]
    paging = _paging()
    start = (paging.page - 1) * paging.per_page
    shown = rows[start:start + paging.per_page]
    return params.paginated([serialize.worklist_row(r) for r in shown],
                            total=len(rows), paging=paging,
                            extra_meta={"as_of": today.isoformat(), "user": person})


@api.get("/reports/aging")
def aging() -> dict[str, Any]:
    params.allow_only("as_of", "by", *params.PAGINATION)
    require_whole_ledger()
    hub = _hub()
    as_of = params.iso_date("as_of") or hub.clock.today()
    by = params.choice("by", GROUPINGS) or "currency"
    paging = _paging()
    report = cached_aging_report(hub.engine, as_of, by)
    start = (paging.page - 1) * paging.per_page
    rows = report.rows[start:start + paging.per_page]
    return params.paginated(
        [serialize.aging_row(r) for r in rows], total=len(report.rows), paging=paging,
        extra_meta={"as_of": as_of.isoformat(), "by": by,
                    "totals": [serialize.aging_row(t) for t in report.totals]})
