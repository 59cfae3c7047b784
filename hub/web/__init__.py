"""Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap


def create_app(hub: Hub | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    hub = hub or bootstrap()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = hub.settings.signing_key()
    if test_config:
        app.config.update(test_config)
    app.extensions["hub"] = hub

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
