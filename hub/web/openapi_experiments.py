"""OpenAPI paths and schemas of the experiment reports (hub/web/api_experiments.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JsonSchema = dict[str, Any]
NUMBER = {"type": "number"}
SHARE = {"anyOf": [{"type": "number"}, {"type": "null"}]}
COUNT = {"type": "integer", "minimum": 0}
DATE_OR_NULL = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
STRING = {"type": "string"}


def _closed(properties: dict[str, JsonSchema]) -> JsonSchema:
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": list(properties)}


SCHEMAS: dict[str, JsonSchema] = {
    "ExperimentList": _closed({"data": {"type": "array", "items": _closed({
        "experiment": STRING, "in_rule_file": {"type": "boolean"},
        "step": {"anyOf": [STRING, {"type": "null"}]},
        "variants": {"anyOf": [{"type": "object", "additionalProperties": NUMBER},
                               {"type": "null"}],
                     "description": "Variant: share in percent, as the rule file says."},
        "control": {"anyOf": [STRING, {"type": "null"}]},
        "accounts": COUNT,
        "exposed": {"type": "object", "additionalProperties": COUNT,
                    "description": "Accounts recorded per variant."}})}}),
    "ExperimentReport": _closed({
        "experiment": STRING, "days": {"type": "integer", "minimum": 1},
        "as_of": {"type": "string", "format": "date"}, "currency": STRING, "control": STRING,
        "interval": STRING, "first_exposed": DATE_OR_NULL, "last_exposed": DATE_OR_NULL,
        "other_currencies": COUNT,
        "variants": {"type": "array", "items": _closed({
            "variant": STRING, "accounts": COUNT, "running": COUNT, "owed": NUMBER,
            "recovered": NUMBER, "recovery": SHARE})},
        "comparisons": {"type": "array", "items": _closed({
            "variant": STRING, "against": STRING, "difference": NUMBER, "low": NUMBER,
            "high": NUMBER, "clear": {"type": "boolean"}, "normal_low": NUMBER,
            "normal_high": NUMBER, "effect": NUMBER,
            "needed_per_variant": {"anyOf": [COUNT, {"type": "null"}]},
            "needed_per_variant_for_observed": {"anyOf": [COUNT, {"type": "null"}]},
            "still_needed": {"anyOf": [COUNT, {"type": "null"}]}, "verdict": STRING})}}),
}


def experiment_paths(query: Callable[..., JsonSchema], operation: Callable[..., JsonSchema],
                     path_param: Callable[..., JsonSchema]) -> dict[str, JsonSchema]:
    """The paths; `query`, `operation` and `path_param` are the document's own helpers."""
    whole = {"type": "integer", "minimum": 1}
    return {
        "/api/v1/reports/experiments": operation(
            "listExperiments", "The rule file's campaign experiments and the accounts "
            "recorded in each", "ExperimentList", [], errors=(400, 403)),
        "/api/v1/reports/experiments/{name}": operation(
            "experimentReport", "Recovery within N days per variant, each variant against "
            "the control with a 95% bootstrap interval, and the accounts still needed",
            "ExperimentReport", [
                path_param("name", "The experiment's name in the rule file"),
                query("days", "Payments received within this many days of each account's "
                              "exposure (default 30).", {**whole, "maximum": 365}),
                query("as_of", "Report date (default today).",
                      {"type": "string", "format": "date"}),
                query("against", "Compare with this variant (default: the control)."),
                query("effect", "Smallest difference worth knowing, in points (default 5), "
                                "for the accounts still needed.", {**whole, "maximum": 100})],
            errors=(400, 403, 404)),
    }
