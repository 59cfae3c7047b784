"""Request ids, HTTP metrics, `/metrics`, `/livez` and `/readyz` (docs/observability.md).

Every request gets an id: the caller's X-Request-Id when it is sane (a proxy's or a load
balancer's, so one id follows the request through), else a new one. It is on every log
line of the request and echoed in the response. Latency is recorded by endpoint name
(`portal.page`, not `/portal/<token>`), so neither tokens nor customer codes become labels.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import time
import uuid

from flask import Flask
from flask import Response
from flask import g
from flask import jsonify
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest

from hub.bootstrap import Hub
from hub.observe import context
from hub.observe import metrics
from hub.observe.collectors import LedgerCollector
from hub.observe.readiness import readiness
from hub.web.errors import ApiError

SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_from(header: str | None) -> str:
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def setup_observability(app: Flask, hub: Hub) -> None:
    """Registered first, so the request id is set before any other hook logs."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_forget)
    ledger = CollectorRegistry(auto_describe=False)
    ledger.register(LedgerCollector(hub.engine, hub.clock.now))
    app.extensions["hub.metrics_ledger"] = ledger
    _routes(app, hub)


def _begin() -> None:
    g.hub_started = time.perf_counter()
    g.hub_request_token = context.request_id.set(
        request_id_from(request.headers.get("X-Request-Id")))


def _finish(response: Response) -> Response:
    rid = context.request_id.get()
    if rid:
        response.headers["X-Request-Id"] = rid
    started = g.get("hub_started")
    if started is not None:
        endpoint = request.endpoint or ("unmatched" if response.status_code == 404 else "other")
        metrics.record_http(endpoint, request.method, response.status_code,
                            time.perf_counter() - started)
    return response


def _forget(_error: BaseException | None) -> None:
    token = g.pop("hub_request_token", None)
    if token is not None:
        context.request_id.reset(token)


def _may_scrape(hub: Hub) -> bool:
    """A bearer token equal to HUB_METRICS_TOKEN, or an address in HUB_METRICS_ALLOW."""
    settings = hub.settings.observe
    header = request.headers.get("Authorization", "")
    if settings.metrics_token and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].strip().encode(), settings.metrics_token.encode())
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.metrics_allow)


def _routes(app: Flask, hub: Hub) -> None:
    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        if not _may_scrape(hub):
            raise ApiError(403, "forbidden", "metrics are served to the addresses in "
                           "HUB_METRICS_ALLOW, or with the HUB_METRICS_TOKEN bearer token")
        ledger: CollectorRegistry = app.extensions["hub.metrics_ledger"]
        body = generate_latest(metrics.scrape_registry()) + generate_latest(ledger)
        return Response(body, content_type=CONTENT_TYPE_LATEST,
                        headers={"Cache-Control": "no-store"})

    @app.get("/livez")
    def livez() -> Response:
        """Liveness: the process answers. It checks nothing else on purpose."""
        return jsonify({"status": "alive"})

    @app.get("/readyz")
    def readyz() -> Response:
        checks = readiness(hub.engine, hub.settings.observe, hub.clock.now)
        ready = all(check.ok for check in checks)
        response = jsonify({"status": "ready" if ready else "not_ready",
                            "checks": [check.as_json() for check in checks]})
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response
