"""The JSON API under /api/v1: customers, invoices and the aging report.

Lists are paginated (`?page=&per_page=`) in one envelope, errors use the envelope
of hub.web.errors, and /api/v1/openapi.json describes every route here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app

from hub.bootstrap import Hub
from hub.domain.model import InvoiceStatus
from hub.services import queries
from hub.services.reports import GROUPINGS
from hub.services.reports import aging_report
from hub.web import params
from hub.web import serialize
from hub.web.auth import authenticate_api_request
from hub.web.openapi import openapi_document

api = Blueprint("api", __name__, url_prefix="/api/v1")
api.before_request(authenticate_api_request)


def _hub() -> Hub:
    hub: Hub = current_app.extensions["hub"]
    return hub


def _paging() -> params.Paging:
    settings = _hub().settings
    return params.paging(settings.api_page_size, settings.api_max_page_size)


@api.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document()


@api.get("/customers")
def list_customers() -> dict[str, Any]:
    params.allow_only("owner", "department", "country", "q", *params.PAGINATION)
    filters = queries.CustomerFilter(owner=params.text("owner"),
                                     department=params.text("department"),
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
    return {"data": serialize.customer_detail(detail, hub.clock.today())}


@api.get("/invoices")
def list_invoices() -> dict[str, Any]:
    params.allow_only("customer", "status", "overdue", "currency", *params.PAGINATION)
    status = params.choice("status", [s.value for s in InvoiceStatus])
    filters = queries.InvoiceFilter(
        customer=params.text("customer"),
        status=InvoiceStatus(status) if status else None,
        overdue=params.boolean("overdue"), currency=params.currency("currency"))
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
    return {"data": {**serialize.invoice(view, hub.clock.today()),
                     "allocations": [serialize.allocation(a) for a in applied]}}


@api.get("/reports/aging")
def aging() -> dict[str, Any]:
    params.allow_only("as_of", "by", *params.PAGINATION)
    hub = _hub()
    as_of = params.iso_date("as_of") or hub.clock.today()
    by = params.choice("by", GROUPINGS) or "currency"
    paging = _paging()
    report = aging_report(hub.engine, as_of, by)
    start = (paging.page - 1) * paging.per_page
    rows = report.rows[start:start + paging.per_page]
    return params.paginated(
        [serialize.aging_row(r) for r in rows], total=len(report.rows), paging=paging,
        extra_meta={"as_of": as_of.isoformat(), "by": by,
                    "totals": [serialize.aging_row(t) for t in report.totals]})
