"""Rate limits for sign-in and the portal, on Flask-Limiter and its `limits` storage.

The counts live where HUB_RATELIMIT_STORAGE says: `memory://` (the embedded default:
each web process counts alone) or Redis (`redis://127.0.0.1:6379/0`), which every web
worker and machine shares, so a limit is one limit however many workers serve it.
Windows slide (the `moving-window` strategy): a burst at a minute's edge is not let
through twice. A limit over answers 429 with Retry-After; the portal shows it as a page
in the debtor's language (hub.web.portal_access). When the storage does not answer, the
request is served and the failure logged at ERROR: a Redis outage must not lock every
debtor out of the portal (the sign-in lockout per account still holds, in the ledger).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import ParamSpec
from typing import TypeVar

from flask import Flask
from flask import current_app
from flask import request
from flask_limiter import Limiter
from limits import RateLimitItemPerSecond

from hub.i18n import lazy_ngettext
from hub.web.errors import ApiError

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def key_prefix(database_url: str) -> str:
    """Keys name the ledger they guard (a digest of its URL, never the URL): the web
    workers of one hub share their counts, and two hubs on one Redis never do."""
    return "hub-" + hashlib.sha256(database_url.encode()).hexdigest()[:12]


def install_limiter(app: Flask, storage_uri: str, database_url: str) -> Limiter:
    """One Limiter per app; it only keeps the storage and strategy (no default limits:
    each limit is declared where it applies)."""
    limiter = Limiter(key_func=client_address, storage_uri=storage_uri,
                      strategy="moving-window", key_prefix=key_prefix(database_url),
                      headers_enabled=False)
    limiter.init_app(app)
    app.extensions["hub.ratelimiter"] = limiter
    app.extensions["hub.ratelimit_prefix"] = key_prefix(database_url)
    return limiter


def limiter() -> Limiter:
    found: Limiter = current_app.extensions["hub.ratelimiter"]
    return found


def client_address() -> str:
    """The client's address as the WSGI server saw it, or as the trusted proxies report it
    (ProxyFix, HUB_TRUSTED_PROXIES). Never read X-Forwarded-For here: any client can send
    one, and a limit keyed on it could be dodged by changing the header."""
    return request.remote_addr or "unknown"


def enforce(bucket: str, limit: int, window_seconds: int, key: str | None = None) -> None:
    """Count this request against `bucket` for `key` (default: the client address); raise
    429 with the seconds to wait when it is over `limit` per window."""
    if current_app.config.get("HUB_RATE_LIMITS_DISABLED"):
        return
    item = RateLimitItemPerSecond(limit, window_seconds)
    identity = key or client_address()
    strategy = limiter().limiter
    keys = (current_app.extensions["hub.ratelimit_prefix"], bucket, identity)
    try:
        if strategy.hit(item, *keys):
            return
        reset_at = strategy.get_window_stats(item, *keys).reset_time
    except Exception:  # storage down: serve, and say so (see module doc)
        log.error("rate limits: the storage (HUB_RATELIMIT_STORAGE) does not answer; "
                  "this request was not counted", exc_info=True)
        return
    seconds = max(1, math.ceil(reset_at - time.time()))
    raise ApiError(429, "too_many_requests", lazy_ngettext(
        "too many requests; try again in %(num)s second",
        "too many requests; try again in %(num)s seconds", seconds), {"retry_after": seconds})


def rate_limited(bucket: str, limit: int, window_seconds: int,
                 methods: frozenset[str] | None = None
                 ) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: at most `limit` requests per client address per window (optionally
    counting only some methods, e.g. POST for sign-in)."""
    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if methods is None or request.method in methods:
                enforce(bucket, limit, window_seconds)
            return view(*args, **kwargs)
        return wrapper
    return decorate
