"""Flask application factory: each `_setup_*` step configures one concern."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask import Response
from flask import jsonify
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.web.errors import error_response
from hub.web.errors import register_error_handlers

log = logging.getLogger(__name__)

LEDGER_ID_MAX = 2**31 - 1  # the ledger's ids are INTEGER columns on PostgreSQL


class LedgerIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number larger than any ledger id matches no route
    (404), rather than reaching PostgreSQL, which refuses it in a query (500)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = LEDGER_ID_MAX, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


def create_app(hub: Hub | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """The web app. Without `hub` (a WSGI server loading `app:create_app()`), it bootstraps
    from the environment and refuses a database at another schema revision: web workers
    never migrate (`python app.py db upgrade` does)."""
    if hub is None:
        hub = bootstrap(migrate=False)
        hub.require_current_schema()
    app = Flask(__name__)
    app.url_map.converters["int"] = LedgerIdConverter
    app.config["SECRET_KEY"] = hub.settings.signing_key()
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep documented field order
    app.extensions["hub"] = hub
    _setup_observability(app, hub)
    _setup_security(app, hub)
    if test_config:
        app.config.update(test_config)
    register_error_handlers(app)
    _setup_templates(app)
    _setup_blueprints(app)
    _setup_health(app, hub)
    _setup_proxies(app, hub.settings.trusted_proxies)
    return app


def _setup_proxies(app: Flask, trusted: int) -> None:
    """Believe X-Forwarded-For/-Proto/-Host/-Port/-Prefix from exactly `trusted` reverse
    proxies (HUB_TRUSTED_PROXIES). With none trusted the headers are ignored, so a client
    cannot pick its own address for the rate limits or the audit trail."""
    if trusted > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix  # noqa: PLC0415

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted,  # type: ignore[method-assign]
                                x_proto=trusted, x_host=trusted, x_port=trusted,
                                x_prefix=trusted)


def _setup_observability(app: Flask, hub: Hub) -> None:
    from hub.web.observability import setup_observability  # noqa: PLC0415

    setup_observability(app, hub)


def _setup_security(app: Flask, hub: Hub) -> None:
    from hub.web.entra import EntraSignIn  # noqa: PLC0415
    from hub.web.ratelimit import install_limiter  # noqa: PLC0415
    from hub.web.security import configure_sessions  # noqa: PLC0415
    from hub.web.security import setup_security  # noqa: PLC0415
    from hub.web.signin import forget_creditor  # noqa: PLC0415
    from hub.web.signin import load_viewer  # noqa: PLC0415

    configure_sessions(app, public_url=hub.settings.public_url,
                       session_hours=hub.settings.session_hours,
                       max_upload_bytes=max(hub.settings.portal_upload_max_bytes,
                                            hub.settings.document_max_bytes))
    install_limiter(app, hub.settings.observe.ratelimit_storage, hub.settings.database_url)
    app.extensions["hub.entra"] = EntraSignIn(hub.settings)
    app.before_request(load_viewer)
    app.teardown_request(forget_creditor)
    setup_security(app)


def _setup_templates(app: Flask) -> None:
    from hub.web import filters  # noqa: PLC0415
    from hub.web import numbers  # noqa: PLC0415
    from hub.web.translations import install_translations  # noqa: PLC0415

    install_translations(app)
    filters.register(app)
    numbers.register(app)


def _setup_blueprints(app: Flask) -> None:
    """Every blueprint of the app. The JSON API authenticates by token, not by
    session cookie, so it is exempt from CSRF checks."""
    from hub.web.account import account  # noqa: PLC0415
    from hub.web.actions import actions  # noqa: PLC0415
    from hub.web.admin import admin  # noqa: PLC0415
    from hub.web.api import api  # noqa: PLC0415
    from hub.web.campaigns_ui import campaigns_ui  # noqa: PLC0415
    from hub.web.cash_application import cash  # noqa: PLC0415
    from hub.web.creditor_admin import creditor_admin  # noqa: PLC0415
    from hub.web.creditors_ui import creditors_ui  # noqa: PLC0415
    from hub.web.experiments_ui import experiments_ui  # noqa: PLC0415
    from hub.web.handover_ui import handover_ui  # noqa: PLC0415
    from hub.web.onboarding import onboarding  # noqa: PLC0415
    from hub.web.portal import portal  # noqa: PLC0415
    from hub.web.portal_pay import portal_pay  # noqa: F401, PLC0415  # nests in the portal
    from hub.web.reports_ui import reports  # noqa: PLC0415
    from hub.web.rule_editor import rule_editor  # noqa: PLC0415
    from hub.web.security import exempt_blueprint  # noqa: PLC0415
    from hub.web.signin import signin  # noqa: PLC0415
    from hub.web.team import team  # noqa: PLC0415
    from hub.web.ui import ui  # noqa: PLC0415

    for blueprint in (signin, ui, account, actions, cash, reports, team, rule_editor, admin,
                      creditor_admin, creditors_ui, experiments_ui, campaigns_ui,
                      handover_ui, onboarding, portal):
        app.register_blueprint(blueprint)
    app.register_blueprint(api)
    exempt_blueprint(app, api)
    from hub.web.outbox import outbox  # noqa: PLC0415  # NOTIFY: the outbox page
    from hub.web.slack import slack  # noqa: PLC0415  # NOTIFY: signed Slack buttons
    app.register_blueprint(slack)
    from hub.web.payment_webhooks import webhooks  # noqa: PLC0415  # signed, CSRF-exempt
    app.register_blueprint(webhooks)
    app.register_blueprint(outbox)
    from hub.web.twilio_hooks import twilio_hooks  # noqa: PLC0415  # NOTIFY: Twilio callbacks
    app.register_blueprint(twilio_hooks)
    from hub.web.portal_short import short_links  # noqa: PLC0415  # /p/<code> from letters
    app.register_blueprint(short_links)


def _setup_health(app: Flask, hub: Hub) -> None:
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
