"""API test clients that send a bearer token (tokens are made in the test ledger)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.services.api_tokens import create_token


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
