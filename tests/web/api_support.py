"""API test clients that send a bearer token (tokens are made in the test ledger)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.services.staff.api_tokens import create_token


class TokenClient(FlaskClient):
    """A test client that sends the app's TEST_API_TOKEN as a bearer token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        token = self.application.config.get("TEST_API_TOKEN")
        if token:
            self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"


def make_token(hub: Hub, name: str = "tests", role: str = "finance", **scope: str) -> str:
    with hub.engine.begin() as connection:
        return create_token(connection, name=name, role=role, actor="tests",
                            now=hub.clock.now(), **scope)


def authorized(app: Flask, hub: Hub, name: str = "tests", role: str = "finance",
               **scope: str) -> Flask:
    """`app`, whose test clients send a new token of `role`."""
    app.config["TEST_API_TOKEN"] = make_token(hub, name, role, **scope)
    app.test_client_class = TokenClient
    return app


def validate(document: dict[str, Any], path: str, status: str, body: Any,
             method: str = "get") -> list[str]:
    """Where a real response differs from the schema the OpenAPI document gives for it."""
    from jsonschema import Draft202012Validator

    response = document["paths"][path][method]["responses"][status]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[1]
        response = document["components"]["responses"][name]
    schema = response["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
