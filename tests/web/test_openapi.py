"""The OpenAPI document matches the routes, is well formed, and describes real responses."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from hub.bootstrap import Hub
from hub.web import create_app
from hub.web.api import api
from tests.web.api_support import authorized


@pytest.fixture
def client(seeded: Hub) -> FlaskClient:
    """A finance token: sees the whole ledger."""
    return authorized(create_app(seeded, {"TESTING": True}), seeded).test_client()


@pytest.fixture
def make_app(make_app: Callable[..., Flask], seeded: Hub) -> Callable[..., Flask]:
    count = iter(range(1000))
    return lambda **settings: authorized(make_app(**settings), seeded, f"tests-{next(count)}")


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_every_route_is_documented_and_nothing_else(client: FlaskClient,
                                                    document: dict[str, Any]) -> None:
    app = client.application
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():  # one path may have several rules (GET, POST)
        if rule.endpoint.startswith(f"{api.name}.") or rule.rule == "/healthz":
            routes.setdefault(openapi_path(rule.rule), set()).update(
                (rule.methods or set()) - {"HEAD", "OPTIONS"})
    assert any(path.startswith("/api/v1/") for path in routes)
    documented = {path: {m.upper() for m in item} for path, item in document["paths"].items()}
    assert documented == routes


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_document_has_the_openapi_3_1_structure(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"]
    assert document["info"]["version"]
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/")
        for method, operation in item.items():
            assert method in HTTP_METHODS
            operation_ids.append(operation["operationId"])
            assert operation["responses"], f"{method} {path} has no responses"
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5]\d\d", status)
            templated = set(re.findall(r"{([^}]+)}", path))
            declared = {p["name"] for p in operation.get("parameters", [])
                        if p.get("in") == "path"}
            assert templated == declared, path
            for parameter in operation.get("parameters", []):
                resolved = _resolve(document, parameter["$ref"]) if "$ref" in parameter \
                    else parameter
                assert resolved["in"] in ("query", "path", "header", "cookie")
    assert len(operation_ids) == len(set(operation_ids))
    for ref in _refs(document):
        _resolve(document, ref)  # raises KeyError when a reference dangles
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises SchemaError naming the problem


def validate(document: dict[str, Any], path: str, status: str, body: Any) -> None:
    """Check a real response against the schema the document gives for it."""
    response = document["paths"][path]["get"]["responses"][status]
    if "$ref" in response:
        response = _resolve(document, response["$ref"])
    schema = response["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert errors == []


@pytest.mark.parametrize(("path", "url"), [
    ("/api/v1/customers", "/api/v1/customers?per_page=2"),
    ("/api/v1/customers/{code}", "/api/v1/customers/ACME"),
    ("/api/v1/invoices", "/api/v1/invoices?overdue=true"),
    ("/api/v1/invoices/{number}", "/api/v1/invoices/A-1"),
    ("/api/v1/reports/aging", "/api/v1/reports/aging?by=customer&as_of=2026-10-31"),
    ("/healthz", "/healthz"),
])
def test_real_responses_match_their_schemas(client: FlaskClient, document: dict[str, Any],
                                            path: str, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    validate(document, path, "200", response.get_json())


@pytest.mark.parametrize(("path", "url", "status"), [
    ("/api/v1/customers/{code}", "/api/v1/customers/NOPE", "404"),
    ("/api/v1/invoices", "/api/v1/invoices?status=late", "400"),
])
def test_error_responses_match_the_envelope(client: FlaskClient, document: dict[str, Any],
                                            path: str, url: str, status: str) -> None:
    response = client.get(url)
    assert str(response.status_code) == status
    validate(document, path, status, response.get_json())


def test_schemas_catch_a_response_that_drifts(document: dict[str, Any]) -> None:
    body = {"data": {"code": "X"}}  # most fields missing
    with pytest.raises(AssertionError):
        validate(document, "/api/v1/customers/{code}", "200", body)


def test_an_unavailable_database_is_503_in_the_envelope(
        make_app: Callable[..., Flask], document: dict[str, Any]) -> None:
    app = make_app(database_url="postgresql://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"]["code"] == "database_unavailable"
    validate(document, "/healthz", "503", body)
