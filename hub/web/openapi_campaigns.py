"""OpenAPI paths and schemas of the campaign routes (hub/web/api_campaigns.py)."""

from __future__ import annotations

from typing import Any

JsonSchema = dict[str, Any]
STRING = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
DAY_OR_NULL = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
TEXT_OR_NULL = {"anyOf": [STRING, {"type": "null"}]}
MONEY = {"$ref": "#/components/schemas/Money"}
CHANNEL = {"enum": ["email", "sms", "letter", "whatsapp", "voice", "call", "handover"]}


def _closed(properties: dict[str, JsonSchema]) -> JsonSchema:
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": list(properties)}


def _ref(name: str) -> JsonSchema:
    return {"$ref": f"#/components/schemas/{name}"}


SETTINGS = _closed({
    "steps": {"type": "array", "items": _closed({"channel": CHANNEL, "day": COUNT})},
    "tone": {"enum": ["friendly", "standard", "firm"]}, "fees": {"type": "boolean"},
    "stop_when": {"type": "array", "items": {"enum": ["promise", "plan", "dispute"]}},
    "stop_below": TEXT_OR_NULL})

SCHEMAS: dict[str, JsonSchema] = {
    "CampaignSettings": SETTINGS,
    "Campaign": _closed({
        "name": STRING, "slug": STRING, "state": {"enum": ["running", "paused", "stopped"]},
        "template": STRING, "version": {"type": "integer", "minimum": 1},
        "started_on": {"type": "string", "format": "date"}, "paused_on": DAY_OR_NULL,
        "stopped_on": DAY_OR_NULL, "target": {"type": "object"},
        "settings": _ref("CampaignSettings"), "steps": {"type": "array", "items": STRING}}),
    "CampaignList": _closed({"data": {"type": "array", "items": _ref("Campaign")}}),
    "CampaignTemplate": _closed({"key": STRING, "name": STRING, "shipped": {"type": "boolean"},
                                 "settings": _ref("CampaignSettings")}),
    "CampaignTemplateList": _closed({"data": {"type": "array",
                                              "items": _ref("CampaignTemplate")}}),
    "CampaignMember": _closed({
        "customer": _closed({"code": STRING, "name": STRING}),
        "joined_on": {"type": "string", "format": "date"}, "left_on": DAY_OR_NULL,
        "step_reached": TEXT_OR_NULL, "reached_on": DAY_OR_NULL,
        "next_step": TEXT_OR_NULL, "next_on": DAY_OR_NULL,
        "messages_sent": COUNT, "messages_waiting": COUNT,
        "channels": {"type": "array", "items": STRING}, "responses": COUNT,
        "last_response": TEXT_OR_NULL, "promises": COUNT,
        "owed_at_start": MONEY, "recovered": MONEY}),
    "CampaignPage": {"type": "object", "additionalProperties": False,
                     "required": ["data", "meta", "links", "campaign", "totals"],
                     "properties": {
                         "data": {"type": "array", "items": _ref("CampaignMember")},
                         "meta": {"type": "object"}, "links": {"type": "object"},
                         "campaign": _ref("Campaign"),
                         "totals": _closed({
                             "customers": COUNT, "reached_a_step": COUNT,
                             "messages_sent": COUNT, "responses": COUNT, "promises": COUNT,
                             "owed_at_start": {"type": "array", "items": MONEY},
                             "recovered": {"type": "array", "items": MONEY}})}},
    "CampaignRequest": {
        "type": "object", "required": ["name"], "additionalProperties": False,
        "description": "A campaign from a template: the template's settings unless a field "
                       "changes them. Give `customer` or `filter`.",
        "properties": {
            "name": STRING, "template": STRING, "customer": STRING,
            "filter": {"type": "object", "additionalProperties": False, "properties": {
                "segment": STRING, "country": STRING, "min_days_overdue": COUNT,
                "min_amount": STRING, "max_score": COUNT}},
            "first_channel": CHANNEL,
            "steps": {"type": "array", "items": {"type": "object", "properties": {
                "channel": CHANNEL, "day": COUNT}}},
            "tone": STRING, "fees": {"type": "boolean"},
            "stop_when": {"type": "array", "items": STRING},
            "stop_below": {"anyOf": [STRING, {"type": "null"}]}}},
    "CampaignSimulation": _closed({"data": {"type": "array", "items": _closed({
        "day": {"type": "string", "format": "date"}, "campaign_day": COUNT,
        "messages": {"type": "object", "additionalProperties": COUNT}, "steps": COUNT,
        "customers_reached": COUNT, "amount_reached": {"type": "array", "items": MONEY}})}}),
    "CampaignTemplateRequest": _closed({"template": STRING}),
    "CampaignSimulationRequest": {"type": "object", "required": ["name"],
                                  "additionalProperties": False,
                                  "description": "As CampaignRequest, and `days` to simulate",
                                  "properties": {}},
    "CampaignAdjustRequest": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "first_channel": CHANNEL,
            "steps": {"type": "array", "items": {"type": "object", "properties": {
                "channel": CHANNEL, "day": COUNT}}},
            "tone": STRING, "fees": {"type": "boolean"},
            "stop_when": {"type": "array", "items": STRING},
            "stop_below": {"anyOf": [STRING, {"type": "null"}]}}},
}


def campaign_paths() -> dict[str, JsonSchema]:
    def errors(*codes: int) -> dict[str, JsonSchema]:
        return {str(s): {"$ref": f"#/components/responses/E{s}"}
                for s in sorted({*codes, 401, 405, 500})}

    def ok(schema: str, status: str = "200", text: str = "OK") -> dict[str, JsonSchema]:
        return {status: {"description": text, "content": {
            "application/json": {"schema": _ref(schema)}}}}

    name = {"name": "name", "in": "path", "required": True, "schema": STRING,
            "description": "The campaign's name or short name (slug)"}

    def post(operation_id: str, summary: str, response: str, status: str = "200",
             request: str | None = None) -> JsonSchema:
        found: JsonSchema = {"operationId": operation_id, "summary": summary,
                             "parameters": [name],
                             "responses": {**ok(response, status), **errors(403, 404, 409)}}
        if request:
            found["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _ref(request)}}}
            found["responses"] = {**ok(response, status, "Created"), **errors(400, 403, 404,
                                                                             422)}
        return {"post": found}

    return {
        "/api/v1/campaigns": {
            "get": {"operationId": "listCampaigns", "summary": "The campaigns with a customer "
                    "the token may see", "parameters": [],
                    "responses": {**ok("CampaignList"), **errors(400)}},
            "post": {"operationId": "startCampaign", "summary": "Start a campaign from a "
                     "template, checked on top of finance's rule file like any rule file "
                     "(problems: 422, each with its field)",
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": _ref("CampaignRequest")}}},
                     "responses": {**ok("Campaign", "201", "Started"),
                                   **errors(400, 403, 422)}}},
        "/api/v1/campaigns/simulation": {"post": {
            "operationId": "simulateCampaign", "summary": "A campaign's first days (`days`, "
            "default 30) if it started today, checked like a start: per day the messages per "
            "channel (call tasks as `call`), and the customers reached so far with what they "
            "owed overdue; starts nothing",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("CampaignSimulationRequest")}}},
            "responses": {**ok("CampaignSimulation"), **errors(400, 403, 422)}}},
        "/api/v1/campaigns/templates": {"get": {
            "operationId": "listCampaignTemplates", "summary": "Shipped and saved campaign "
            "templates", "parameters": [],
            "responses": {**ok("CampaignTemplateList"), **errors(400)}}},
        "/api/v1/campaigns/{name}": {"get": {
            "operationId": "getCampaign", "summary": "A campaign's customers (those the token "
            "may see): step reached, next step and its date, messages, responses, promises "
            "and the amount recovered since joining; totals over them",
            "parameters": [name, {"$ref": "#/components/parameters/page"},
                           {"$ref": "#/components/parameters/per_page"}],
            "responses": {**ok("CampaignPage"), **errors(400, 404)}}},
        "/api/v1/campaigns/{name}/pause": post("pauseCampaign", "Pause: no step until "
                                               "resumed", "Campaign"),
        "/api/v1/campaigns/{name}/resume": post("resumeCampaign", "Resume: the steps go on, "
                                                "their days shifted by the pause", "Campaign"),
        "/api/v1/campaigns/{name}/stop": post("stopCampaign", "Stop for good: the customers "
                                              "go back to finance's ladders", "Campaign"),
        "/api/v1/campaigns/{name}/adjust": {"post": {
            "operationId": "adjustCampaign", "summary": "A new version of the campaign's "
            "settings (fields left out stay), checked like a start; customers keep the steps "
            "they passed", "parameters": [name],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("CampaignAdjustRequest")}}},
            "responses": {**ok("Campaign"), **errors(400, 403, 404, 409, 422)}}},
        "/api/v1/campaigns/{name}/template": post(
            "saveCampaignTemplate", "Save the campaign's settings as a template",
            "CampaignTemplate", "201", "CampaignTemplateRequest"),
    }


SCHEMAS["CampaignSimulationRequest"]["properties"] = {
    **SCHEMAS["CampaignRequest"]["properties"], "days": {"type": "integer", "minimum": 1,
                                                         "maximum": 365}}
