"""JSON API: put an invoice's PDF on file (POST /api/v1/invoices/{number}/document).

The body is the PDF itself (Content-Type: application/pdf), at most HUB_DOCUMENT_MAX_KB;
the first bytes must say PDF. The copy is kept in the documents folder as
`<number>.pdf`, becomes the invoice's document_ref, and from then on the portal offers it,
a copy request e-mails it and formal notices attach it. Only tokens that may act, on
invoices in their scope.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import request

from hub.services.accounts.documents import DocumentRefused
from hub.services.accounts.documents import record_document
from hub.services.accounts.documents import store_upload
from hub.services.read import api_queries
from hub.services.read import queries
from hub.web import serialize
from hub.web.api_scope import check_visible
from hub.web.api_scope import the_hub
from hub.web.auth import api_viewer
from hub.web.errors import ApiError

SOURCE = "api"


def upload_document(number: str) -> tuple[dict[str, Any], int]:
    viewer = api_viewer()
    if not viewer.can_act:
        raise ApiError(403, "forbidden", "read-only tokens cannot change anything")
    hub = the_hub()
    view, _applied = queries.invoice_detail(hub.engine, number)  # NotFound: 404
    owner, department = api_queries.account_scope(hub.engine, view.invoice.customer_code)
    check_visible(owner, department, f"invoice {number!r}")
    limit = hub.settings.document_max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "too_large", f"the document is {request.content_length // 1024} "
                                         f"KB; at most {limit // 1024} KB are accepted")
    data = request.stream.read(limit + 1)
    try:
        ref = store_upload(hub.settings.documents_path, number, data, max_bytes=limit)
    except DocumentRefused as exc:
        status = 413 if len(data) > limit else 422
        raise ApiError(status, "too_large" if status == 413 else "invalid_body",
                       str(exc)) from None
    with hub.engine.begin() as connection:
        record_document(connection, number=number, document_ref=ref, size=len(data),
                        actor=viewer.email, source=SOURCE, now=hub.clock.now())
    view, _applied = queries.invoice_detail(hub.engine, number)
    return {"data": serialize.invoice(view, hub.clock.today())}, 201


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/invoices/<path:number>/document", view_func=upload_document,
                           methods=["POST"])
