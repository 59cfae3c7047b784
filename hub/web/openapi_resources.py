"""OpenAPI paths and schemas of the collections resources and the DSO, CEI and summary
reports (merged into the document by hub.web.openapi)."""

from __future__ import annotations

from typing import Any

from hub.domain.model import DisputeState
from hub.domain.model import PaymentStatus
from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from hub.domain.model import TaskState

JsonSchema = dict[str, Any]
STRING = {"type": "string"}
TEXT = {"anyOf": [STRING, {"type": "null"}]}
DATE = {"type": "string", "format": "date"}
NULL_DATE = {"anyOf": [DATE, {"type": "null"}]}
STAMP = {"type": "string", "format": "date-time"}
NULL_STAMP = {"anyOf": [STAMP, {"type": "null"}]}
DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
ID = {"type": "integer", "minimum": 1}


def _states(*values: str) -> JsonSchema:
    return {"enum": [str(value) for value in values]}  # plain strings in the JSON document


def ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict[str, JsonSchema]) -> JsonSchema:
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": list(properties)}


ACCOUNT = {"anyOf": [closed({"code": STRING, "name": STRING}), {"type": "null"}]}
COUNTBACK = closed({"days": DECIMAL, "complete": {"type": "boolean"}})
PERIOD = closed({"start": DATE, "end": DATE})

SCHEMAS: dict[str, JsonSchema] = {
    "Payment": closed({
        "reference": STRING, "received_on": DATE, "amount": ref("Money"),
        "unallocated": ref("Money"), "status": {"enum": [s.value for s in PaymentStatus]},
        "customer": ACCOUNT, "payer_name": TEXT, "remittance": TEXT}),
    "Promise": closed({
        "id": ID, "customer": ACCOUNT, "amount": ref("Money"), "promised_on": DATE,
        "due_date": DATE, "state": _states(*PromiseState),
        "closed_on": NULL_DATE, "source": STRING, "actor": STRING, "created_at": STAMP}),
    "Instalment": closed({"seq": {"type": "integer"}, "due_date": DATE,
                          "amount": ref("Money")}),
    "Plan": closed({
        "id": ID, "customer": ACCOUNT, "total": ref("Money"),
        "state": _states(*PlanState),
        "review_reason": TEXT, "source": STRING, "actor": STRING, "approved_by": TEXT,
        "created_at": STAMP, "instalments": {"type": "array", "items": ref("Instalment")}}),
    "Dispute": closed({
        "id": ID, "customer": ACCOUNT, "reason": STRING, "state": _states(*DisputeState),
        "resolution": TEXT, "opened_by": STRING, "source": STRING, "created_at": STAMP,
        "resolved_by": TEXT, "resolved_at": NULL_STAMP,
        "invoices": {"type": "array", "items": STRING}}),
    "Task": closed({
        "id": ID, "customer": ACCOUNT, "task_type": STRING, "assignee": TEXT, "due_date": DATE,
        "state": _states(*TaskState), "reason": STRING,
        "snoozed_until": NULL_DATE, "outcome": TEXT, "source": STRING, "created_by": STRING,
        "created_at": STAMP, "closed_at": NULL_STAMP}),
    "CycleRun": closed({
        "id": ID, "as_of": DATE, "dry_run": {"type": "boolean"}, "status": STRING,
        "started_at": STAMP, "finished_at": NULL_STAMP, "actor": STRING,
        "policy_version": TEXT, "counts": {"type": "object"},
        "errors": {"type": "array"}}),
    "Balance": closed({"total": ref("Money"), "current": ref("Money"),
                       "overdue": ref("Money"), "count": {"type": "integer", "minimum": 0}}),
    "DsoRow": closed({
        "group": TEXT, "currency": STRING, "receivables": ref("Money"), "current": ref("Money"),
        "countback_dso": COUNTBACK, "best_possible_dso": COUNTBACK,
        "average_days_delinquent": DECIMAL, "simple_dso": {"anyOf": [DECIMAL, {"type": "null"}]}}),
    "CeiRow": closed({
        "group": TEXT, "currency": STRING, "cei": {"anyOf": [DECIMAL, {"type": "null"}]},
        "opening": ref("Balance"), "invoiced": ref("Money"), "closing": ref("Balance")}),
    "SummaryRow": closed({
        "group": TEXT, "currency": STRING, "cei": {"anyOf": [DECIMAL, {"type": "null"}]},
        "opening": ref("Balance"), "invoiced": ref("Money"), "closing": ref("Balance"),
        "collected": ref("Money"), "received": ref("Money"), "adjustments": ref("Money")}),
    "DsoMeta": {"allOf": [ref("PageMeta"), {
        "type": "object", "required": ["as_of", "by", "months", "simple_window"],
        "properties": {"as_of": DATE, "by": STRING, "months": {"type": "integer"},
                       "simple_window": PERIOD}}]},
    "PeriodMeta": {"allOf": [ref("PageMeta"), {
        "type": "object", "required": ["as_of", "by", "period"],
        "properties": {"as_of": DATE, "by": STRING, "period": PERIOD}}]},
}


def page_of(item: str, meta: str = "PageMeta") -> JsonSchema:
    return closed({"data": {"type": "array", "items": ref(item)}, "meta": ref(meta),
                   "links": ref("Links")})


SCHEMAS |= {f"{name}Page": page_of(name) for name in
            ("Payment", "Promise", "Plan", "Dispute", "Task", "CycleRun")}
SCHEMAS |= {"DsoPage": page_of("DsoRow", "DsoMeta"), "CeiPage": page_of("CeiRow", "PeriodMeta"),
            "SummaryPage": page_of("SummaryRow", "PeriodMeta")}


def resource_paths(query: Any, operation: Any, paging: list[JsonSchema],
                   report_errors: tuple[int, ...]) -> dict[str, JsonSchema]:
    """The paths; `query` and `operation` are the document's own helpers."""
    customer = query("customer", "Customer code.")
    groups = {"enum": ["currency", "owner", "department", "customer"]}
    as_of = query("as_of", "Report date (default today).", DATE)
    by = query("by", "Group rows by (always also by currency).", groups)
    period = [query("from", "First day of the period (default: the calendar month ending "
                            "on as_of).", DATE),
              query("days", "Or: the period is the last N days.",
                    {"type": "integer", "minimum": 1, "maximum": 3660})]
    return {
        "/api/v1/payments": operation("listPayments", "Incoming payments, newest first",
                                      "PaymentPage", [customer, query(
                                          "status", "Payment status.",
                                          _states(*[s.value for s in PaymentStatus])),
                                                      *paging]),
        "/api/v1/promises": operation("listPromises", "Promises to pay, newest first",
                                      "PromisePage", [customer, query(
                                          "state", "Promise state.",
                                          _states(*PromiseState)),
                                                      *paging]),
        "/api/v1/plans": operation("listPlans", "Payment plans with their instalments",
                                   "PlanPage", [customer, query(
                                       "state", "Plan state.", _states(*PlanState)), *paging]),
        "/api/v1/disputes": operation("listDisputes", "Disputes with their invoices",
                                      "DisputePage", [customer, query(
                                          "state", "Dispute state.", _states(*DisputeState)),
                                                      *paging]),
        "/api/v1/tasks": operation("listTasks", "Tasks for people, by due date", "TaskPage", [
            customer, query("state", "Task state.", _states(*TaskState)),
            query("assignee", "Assignee's e-mail (any case)."),
            query("type", "Task type, e.g. call, review_plan, copy_request."), *paging]),
        "/api/v1/cycle-runs": operation("listCycleRuns", "Cycle runs, newest first",
                                        "CycleRunPage", paging),
        "/api/v1/reports/dso": operation("dsoReport", "Countback, best possible and simple "
                                         "DSO, and average days delinquent", "DsoPage", [
            as_of, by, query("months", "How far the countback walks back.",
                             {"type": "integer", "minimum": 1, "maximum": 120}), *paging],
            errors=report_errors),
        "/api/v1/reports/cei": operation("ceiReport", "Collection effectiveness index over a "
                                         "period", "CeiPage", [as_of, by, *period, *paging],
                                         errors=report_errors),
        "/api/v1/reports/summary": operation(
            "summaryReport", "Opening and closing receivables, invoiced, collected and "
            "received over a period", "SummaryPage", [as_of, by, *period, *paging],
            errors=report_errors),
    }


CODE = {"type": "string", "minLength": 1, "maxLength": 64}
SCHEMAS |= {
    "CustomerUpdate": closed({"account_manager": {
        "anyOf": [{"type": "string", "format": "email", "maxLength": 320}, {"type": "null"}],
        "description": "An active user's e-mail: the salesperson who owns the relationship, "
                       "told at each stage by `notify: [everyone]`; null: nobody."},
        "whatsapp_opt_in": {"type": "boolean", "description": "The contact with a phone "
                            "number (the primary one first) agreed to WhatsApp messages "
                            "(true) or withdrew (false)."}}),
    "PromiseRequest": closed({"customer": CODE, "amount": ref("Money"), "due_date": DATE}),
    "PlanRequest": closed({"customer": CODE, "instalments": {
        "type": "array", "minItems": 1, "maxItems": 60,
        "items": closed({"due_date": DATE, "amount": ref("Money")})}}),
    "DisputeRequest": {**closed({"customer": CODE, "reason": {
        "type": "string", "minLength": 1, "maxLength": 2000}, "invoices": {
        "type": "array", "items": CODE, "description": "Empty or left out: all open invoices."}}),
        "required": ["customer", "reason"]},
    "PromiseResponse": closed({"data": ref("Promise")}),
    "PlanResponse": closed({"data": ref("Plan")}),
    "DisputeResponse": closed({"data": ref("Dispute")}),
    "InvoiceUploadResponse": closed({"data": ref("Invoice")}),
}


def action_operations() -> dict[str, JsonSchema]:
    """POST (and PATCH) operations: person actions with source "api" (not for read-only
    tokens)."""
    def post(operation_id: str, summary: str, request: str, response: str) -> JsonSchema:
        errors = {str(s): {"$ref": f"#/components/responses/E{s}"}
                  for s in (400, 401, 403, 404, 422, 500)}
        return {"post": {
            "operationId": operation_id, "summary": summary,
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": ref(request)}}},
            "responses": {"201": {"description": "Created", "content": {
                "application/json": {"schema": ref(response)}}}, **errors}}}

    customer_errors = {str(s): {"$ref": f"#/components/responses/E{s}"}
                       for s in (400, 401, 403, 404, 422, 500)}
    return {
        "/api/v1/customers/{code}": {"patch": {
            "operationId": "updateCustomer", "summary": "Change a customer's account manager",
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}, "description": "Customer code"}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": ref("CustomerUpdate")}}},
            "responses": {"200": {"description": "The customer as changed", "content": {
                "application/json": {"schema": ref("CustomerResponse")}}},
                **customer_errors}}},
        "/api/v1/promises": post("createPromise", "Record a promise to pay (replaces the "
                                 "account's open promise)", "PromiseRequest", "PromiseResponse"),
        "/api/v1/plans": post("proposePlan", "Propose a payment plan: active at once inside "
                              "the rule file's limits, else a review task", "PlanRequest",
                              "PlanResponse"),
        "/api/v1/disputes": post("openDispute", "Open a dispute on invoices of an account",
                                 "DisputeRequest", "DisputeResponse"),
        "/api/v1/invoices/{number}/document": {"post": {
            "operationId": "uploadInvoiceDocument",
            "summary": "Put the invoice's PDF on file: the portal offers it, a copy request "
                       "e-mails it, formal notices attach it",
            "parameters": [{"name": "number", "in": "path", "required": True,
                            "description": "Invoice number", "schema": {"type": "string"}}],
            "requestBody": {"required": True, "description": "The PDF itself, at most "
                            "HUB_DOCUMENT_MAX_KB (default 5120 KB); it must start with %PDF-.",
                            "content": {"application/pdf": {"schema": {
                                "type": "string", "contentMediaType": "application/pdf"}}}},
            "responses": {"201": {"description": "On file", "content": {
                "application/json": {"schema": ref("InvoiceUploadResponse")}}},
                **{str(s): {"$ref": f"#/components/responses/E{s}"}
                   for s in (401, 403, 404, 413, 422, 500)}}}},
    }
