"""OpenAPI paths and schemas of the hand-over routes (hub/web/api_handovers.py)."""

from __future__ import annotations

from typing import Any

from hub.domain.handover import HandoverStatus

JsonSchema = dict[str, Any]
STRING = {"type": "string"}
TEXT = {"anyOf": [STRING, {"type": "null"}]}
MOMENT = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
LINK = {"anyOf": [{"type": "string", "format": "uri-reference"}, {"type": "null"}]}


def _closed(properties: dict[str, JsonSchema]) -> JsonSchema:
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": list(properties)}


def _ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, JsonSchema] = {
    "Handover": _closed({
        "id": {"type": "integer", "minimum": 1},
        "customer": _closed({"code": STRING, "name": STRING}),
        "status": {"enum": [s.value for s in HandoverStatus],
                   "description": "awaiting_approval and declined are the creditor's; the "
                                  "others the collection company's (returned: back with "
                                  "the creditor, whose dunning resumes)."},
        "approval_required": {"type": "boolean"},
        "requested_on": {"type": "string", "format": "date"}, "requested_by": STRING,
        "reason": STRING, "owed": {"type": "array", "items": _ref("Money"),
                                   "description": "Overdue per currency when proposed."},
        "decided_by": TEXT, "decided_at": MOMENT, "decline_reason": TEXT,
        "handed_over_at": MOMENT, "note": TEXT, "updated_at": MOMENT,
        "case_file": _closed({"pdf": LINK, "json": LINK, "zip": LINK})}),
    "HandoverList": _closed({"data": {"type": "array", "items": _ref("Handover")}}),
    "HandoverResponse": _closed({"data": _ref("Handover")}),
    "HandoverCreate": {"type": "object", "required": ["customer", "reason"],
                       "properties": {"customer": {"type": "string", "minLength": 1},
                                      "reason": {"type": "string", "minLength": 1}}},
    "HandoverDecline": {"type": "object", "required": ["reason"],
                        "properties": {"reason": {"type": "string", "minLength": 1}}},
}


def handover_paths() -> dict[str, JsonSchema]:
    def errors(*codes: int) -> dict[str, JsonSchema]:
        return {str(s): {"$ref": f"#/components/responses/E{s}"}
                for s in sorted({*codes, 401, 405, 500})}

    def ok(schema: str) -> dict[str, JsonSchema]:
        return {"200": {"description": "OK", "content": {
            "application/json": {"schema": _ref(schema)}}}}

    case = {"name": "case_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1}, "description": "The case's number"}

    def download(operation_id: str, mime: str, what: str) -> JsonSchema:
        return {"get": {"operationId": operation_id, "summary": what, "parameters": [case],
                        "responses": {"200": {"description": "The file as kept",
                                              "content": {mime: {"schema": {
                                                  "type": "string",
                                                  "format": "binary"}}}},
                                      **errors(400, 404)}}}

    return {
        "/api/v1/handovers": {"get": {
            "operationId": "listHandovers", "summary": "Hand-overs to collection of the "
            "accounts the token may see: waiting for approval, declined, and the cases with "
            "the collection company with their status",
            "parameters": [{"name": "status", "in": "query", "required": False,
                            "description": "Only cases in this status.",
                            "schema": {"enum": [s.value for s in HandoverStatus]}}],
            "responses": {**ok("HandoverList"), **errors(400)}},
            "post": {
            "operationId": "createHandover", "summary": "Hand an account over to the "
            "collection company now (the caller's approval: admin, finance, or a manager "
            "for their department): the hub's reminders stop and the case file is made",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("HandoverCreate")}}},
            "responses": {"201": {"description": "Handed over", "content": {
                "application/json": {"schema": _ref("HandoverResponse")}}},
                **errors(403, 404, 409, 422)}}},
        "/api/v1/handovers/{case_id}": {"get": {
            "operationId": "getHandover", "summary": "One hand-over case", "parameters": [case],
            "responses": {**ok("HandoverResponse"), **errors(400, 404)}}},
        "/api/v1/handovers/{case_id}/approve": {"post": {
            "operationId": "approveHandover", "summary": "Approve a proposed hand-over: the "
            "account is handed over now and its case file is made",
            "parameters": [case], "responses": {**ok("HandoverResponse"),
                                                **errors(403, 404, 409)}}},
        "/api/v1/handovers/{case_id}/decline": {"post": {
            "operationId": "declineHandover", "summary": "Decline a proposed hand-over, with "
            "a reason: the account stays with the creditor", "parameters": [case],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("HandoverDecline")}}},
            "responses": {**ok("HandoverResponse"), **errors(403, 404, 409, 422)}}},
        "/api/v1/handovers/{case_id}/case-file.pdf": download(
            "handoverCaseFilePdf", "application/pdf", "The PDF dossier kept at the hand-over"),
        "/api/v1/handovers/{case_id}/case-file.json": download(
            "handoverCaseFileJson", "application/json",
            "The case file as JSON (schema collections-hub/case-file/1, docs/handover.md)"),
        "/api/v1/handovers/{case_id}/case-file.zip": download(
            "handoverCaseFileZip", "application/zip",
            "The case file as CSV files in a zip (claim, invoices, reminders, responses, "
            "charges, payments), made from the kept JSON"),
    }
