"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

Schemas are JSON Schema 2020-12 and closed (`additionalProperties: false`), so
tests that validate real responses against them catch any drift.
"""

from __future__ import annotations

from typing import Any

from hub.domain.model import CustomerKind
from hub.domain.model import InvoiceStatus
from hub.domain.reports import BUCKETS
from hub.web.openapi_campaigns import SCHEMAS as CAMPAIGN_SCHEMAS
from hub.web.openapi_campaigns import campaign_paths
from hub.web.openapi_experiments import SCHEMAS as EXPERIMENT_SCHEMAS
from hub.web.openapi_experiments import experiment_paths
from hub.web.openapi_handovers import SCHEMAS as HANDOVER_SCHEMAS
from hub.web.openapi_handovers import handover_paths
from hub.web.openapi_resources import SCHEMAS as RESOURCE_SCHEMAS
from hub.web.openapi_resources import action_operations
from hub.web.openapi_resources import resource_paths

API_VERSION = "1.0.0"
JsonSchema = dict[str, Any]


def _ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: JsonSchema) -> JsonSchema:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, JsonSchema], *, optional: tuple[str, ...] = ()) -> JsonSchema:
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": [name for name in properties if name not in optional]}


STRING = {"type": "string"}
TEXT = _nullable(STRING)
DATE = {"type": "string", "format": "date"}
BOOLEAN = {"type": "boolean"}
COUNT = {"type": "integer", "minimum": 0}
LINK = _nullable({"type": "string", "format": "uri-reference"})
DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}

_CUSTOMER: dict[str, JsonSchema] = {
    "code": STRING, "name": STRING, "kind": {"enum": [k.value for k in CustomerKind]},
    "country": TEXT, "timezone": STRING, "language": STRING, "owner": TEXT,
    "account_manager": TEXT, "department": TEXT, "segment": TEXT, "currency": TEXT,
    "credit_limit": _nullable(_ref("Money")), "lifetime_value": _nullable(_ref("Money")),
    "excluded": BOOLEAN, "on_hold": BOOLEAN,
    "score": _nullable({"type": "integer", "minimum": 0, "maximum": 100}),
}
_INVOICE: dict[str, JsonSchema] = {
    "number": STRING,
    "customer": _object({"code": STRING, "name": STRING}),
    "issue_date": DATE, "due_date": DATE, "amount": _ref("Money"),
    "open_amount": _ref("Money"), "status": {"enum": [s.value for s in InvoiceStatus]},
    "disputed": BOOLEAN, "excluded": BOOLEAN,
    "days_overdue": {"type": "integer", "minimum": 0,
                     "description": "Days past due today; 0 when not due or settled."},
    "document_ref": TEXT, "description": TEXT,
}
_AGING_ROW: dict[str, JsonSchema] = {
    "group": _nullable(STRING), "currency": STRING,
    "buckets": _object({b.key: _object({"label": {"const": b.label}, "amount": _ref("Money"),
                                        "count": COUNT, "percent": DECIMAL})
                        for b in BUCKETS}),
    "total": _ref("Money"), "count": COUNT, "overdue": _ref("Money"),
}

SCHEMAS: dict[str, JsonSchema] = {
    "Money": {**_object({"amount": DECIMAL, "currency": {"type": "string",
                                                        "pattern": "^[A-Z]{3}$"}}),
              "description": "An exact amount (a decimal string, never a float) and its "
                             "ISO 4217 currency."},
    "Error": _object({"error": _object({
        "code": {"type": "string", "examples": ["not_found", "bad_parameter"]},
        "message": STRING, "details": {"type": "object"}})}),
    "PageMeta": {"type": "object", "required": ["page", "per_page", "total", "pages"],
                 "properties": {"page": {"type": "integer", "minimum": 1},
                                "per_page": {"type": "integer", "minimum": 1},
                                "total": COUNT, "pages": COUNT}},
    "Links": _object({"self": {"type": "string"}, "next": LINK, "prev": LINK}),
    "Customer": _object(_CUSTOMER),
    "Contact": _object({"name": STRING, "email": TEXT, "phone": TEXT, "role": TEXT,
                        "language": TEXT, "is_primary": BOOLEAN,
                        "whatsapp_opt_in": {**BOOLEAN, "description": "Agreed to WhatsApp "
                                            "messages on this phone number."}}),
    "CustomerDetail": _object({
        **_CUSTOMER, "contacts": {"type": "array", "items": _ref("Contact")},
        "open_balances": {"type": "array", "items": _ref("Money"),
                          "description": "Open amount per currency."},
        "open_invoices": {"type": "array", "items": _ref("Invoice")}}),
    "Invoice": _object(_INVOICE),
    "Allocation": _object({"payment_reference": STRING, "amount": _ref("Money"),
                           "allocated_on": DATE, "method": STRING}),
    "InvoiceDetail": _object({**_INVOICE, "allocations": {"type": "array",
                                                          "items": _ref("Allocation")}}),
    "AgingRow": _object(_AGING_ROW),
    "AgingMeta": {"allOf": [_ref("PageMeta"), {
        "type": "object", "required": ["as_of", "by", "totals"],
        "properties": {"as_of": DATE, "by": {"enum": ["currency", "owner", "department",
                                                     "customer"]},
                       "totals": {"type": "array", "items": _ref("AgingRow"),
                                  "description": "One row per currency over all groups."}}}]},
    "WorklistRow": _object({
        "customer": _object({"code": STRING, "name": STRING}), "owner": TEXT,
        "assignee": TEXT, "department": TEXT, "main_contact": TEXT,
        "balance": _ref("Money"), "overdue": _ref("Money"), "oldest_due_date": _nullable(DATE),
        "days_overdue": COUNT, "current_step": TEXT, "suggested_action": STRING,
        "open_tasks": {"type": "array", "items": {"type": "integer"}},
        "last_contact": _nullable(DATE), "priority": {"type": "integer"}}),
    "WorklistMeta": {"allOf": [_ref("PageMeta"), {
        "type": "object", "required": ["as_of", "user"],
        "properties": {"as_of": DATE, "user": STRING}}]},
}


def _page_of(item: str, meta: str = "PageMeta") -> JsonSchema:
    return _object({"data": {"type": "array", "items": _ref(item)}, "meta": _ref(meta),
                    "links": _ref("Links")})


SCHEMAS |= {
    "CustomerPage": _page_of("Customer"), "InvoicePage": _page_of("Invoice"),
    "AgingPage": _page_of("AgingRow", "AgingMeta"),
    "WorklistPage": _page_of("WorklistRow", "WorklistMeta"),
    "CustomerResponse": _object({"data": _ref("CustomerDetail")}),
    "InvoiceResponse": _object({"data": _ref("InvoiceDetail")}),
    "Health": _object({"status": {"enum": ["ok"]}, "database": STRING}),
}


def _query(name: str, description: str, schema: JsonSchema | None = None) -> JsonSchema:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or STRING}


def _path_param(name: str, description: str) -> JsonSchema:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": STRING}


def _json(schema: str, description: str) -> JsonSchema:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema)}}}


def _operation(operation_id: str, summary: str, ok: str,
               parameters: list[JsonSchema] | None = None,
               errors: tuple[int, ...] = (400,)) -> JsonSchema:
    responses = {"200": _json(ok, "OK")}
    for status in sorted({*errors, 401, 405, 500}):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return {"get": {"operationId": operation_id, "summary": summary,
                    "parameters": parameters or [], "responses": responses}}


PAGING = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]
_ERRORS = {400: "A query parameter is unknown or has a bad value.",
           401: "No API token, or an unknown or revoked one.",
           403: "The token's role may not read this (reports need the whole ledger) or "
                "change anything (read-only).",
           409: "The campaign is not in a state that allows this (e.g. pausing a stopped "
                "one).",
           422: "The request body has a field that is missing or wrong (named in details).",
           404: "No such customer, invoice or route.", 405: "Method not allowed.",
           413: "The uploaded document is larger than HUB_DOCUMENT_MAX_KB.",
           500: "Unexpected server error (logged).", 503: "The database does not answer."}


def openapi_document() -> dict[str, Any]:
    paths: dict[str, JsonSchema] = {
        "/healthz": {"get": {"operationId": "healthz", "summary": "Liveness and database check",
                             "security": [],
                             "responses": {"200": _json("Health", "The database answers."),
                                           "503": {"$ref": "#/components/responses/E503"}}}},
        "/api/v1/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document",
                                  "content": {"application/json": {
                                      "schema": {"type": "object"}}}}}}},
        "/api/v1/customers": _operation("listCustomers", "Customers, filtered", "CustomerPage", [
            _query("owner", "Owner's e-mail (any case)."), _query("department", "Department."),
            _query("country", "ISO 3166-1 alpha-2 country."),
            _query("q", "Part of the customer code or name, any case."), *PAGING]),
        "/api/v1/customers/{code}": _operation(
            "getCustomer", "A customer with contacts, open balances and open invoices",
            "CustomerResponse", [_path_param("code", "Customer code")], errors=(400, 404)),
        "/api/v1/invoices": _operation("listInvoices", "Invoices, filtered", "InvoicePage", [
            _query("customer", "Customer code."),
            _query("status", "Invoice status.", {"enum": [s.value for s in InvoiceStatus]}),
            _query("overdue", "true: past due and still open today; false: the others.",
                   {"type": "boolean"}),
            _query("currency", "ISO 4217 code.", {"type": "string", "pattern": "^[A-Za-z]{3}$"}),
            *PAGING]),
        "/api/v1/invoices/{number}": _operation(
            "getInvoice", "An invoice with the payments applied to it", "InvoiceResponse",
            [_path_param("number", "Invoice number")], errors=(400, 404)),
        "/api/v1/worklist": _operation(
            "listWorklist", "What needs a person today, in priority order: the same "
            "accounts as their web worklist, sheet tab and digest", "WorklistPage", [
                _query("user", "The person's e-mail (default: the token's user). A collector "
                       "reads only their own; a manager sees their department's part."),
                *PAGING], errors=(400, 403)),
        "/api/v1/reports/aging": _operation(
            "agingReport", "Open invoices in overdue buckets, per group and currency",
            "AgingPage", [
                _query("as_of", "Report date (default today); history is reconstructed.",
                       DATE),
                _query("by", "Group rows by (always also by currency).",
                       {"enum": ["currency", "owner", "department", "customer"]}),
                *PAGING], errors=(400, 403)),
        **resource_paths(_query, _operation, PAGING, (400, 403)),
        **experiment_paths(_query, _operation, _path_param),
        **campaign_paths(),
        **handover_paths(),
    }
    for path, operations in action_operations().items():
        paths[path] = {**paths.get(path, {}), **operations}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Collections Hub API", "version": API_VERSION,
                 "description": "Read access to the receivables ledger. Amounts are exact "
                                "decimal strings with their currency; amounts in different "
                                "currencies are never added together. Send an API token as "
                                "'Authorization: Bearer <token>'; a token sees what a person "
                                "with its role sees."},
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "python app.py api-token create NAME --role ROLE"}},
            "schemas": (SCHEMAS | RESOURCE_SCHEMAS | EXPERIMENT_SCHEMAS | CAMPAIGN_SCHEMAS
                        | HANDOVER_SCHEMAS),
            "parameters": {
                "page": _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1,
                                                             "maximum": 1_000_000}),
                "per_page": _query("per_page", "Items per page (server default and maximum "
                                               "are configurable).",
                                   {"type": "integer", "minimum": 1}),
            },
            "responses": {f"E{status}": _json("Error", text)
                          for status, text in _ERRORS.items()},
        },
    }
