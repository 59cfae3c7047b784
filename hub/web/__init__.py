"""Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask import Response
from flask import jsonify

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.web.api import api
from hub.web.errors import error_response
from hub.web.errors import register_error_handlers

log = logging.getLogger(__name__)


def create_app(hub: Hub | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    hub = hub or bootstrap()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = hub.settings.signing_key()
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep documented field order
    if test_config:
        app.config.update(test_config)
    app.extensions["hub"] = hub
    register_error_handlers(app)
    app.register_blueprint(api)

    @app.get("/healthz")
    def healthz() -> Response:
        """200 when the database answers a trivial query, 503 with the envelope when not."""
        try:
            with hub.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            log.warning("health check: database unavailable: %s", exc)
            return error_response(503, "database_unavailable", "the database does not answer",
                                  {"database": hub.engine.dialect.name})
        return jsonify({"status": "ok", "database": hub.engine.dialect.name})

    return app
