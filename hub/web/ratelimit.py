"""An in-process rate limiter (sliding window per key), for sign-in and the portal.

Counts live in the web process: with several workers each keeps its own count,
which still bounds guessing to workers x limit per window.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import ParamSpec
from typing import TypeVar

from flask import current_app
from flask import request

from hub.web.errors import ApiError

P = ParamSpec("P")
R = TypeVar("R")


class RateLimiter:
    """`hit(key, limit, window)` records a request and says how long to wait when over."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        """None when allowed, else the seconds until the next request is allowed."""
        now = self._now()
        with self._lock:
            stamps = self._hits.setdefault(key, deque())
            while stamps and stamps[0] <= now - window_seconds:
                stamps.popleft()
            if len(stamps) >= limit:
                return max(stamps[0] + window_seconds - now, 0.001)
            stamps.append(now)
            if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
                self._forget_idle(now, window_seconds)
            return None

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _forget_idle(self, now: float, window_seconds: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - window_seconds]:
            del self._hits[key]


def limiter() -> RateLimiter:
    found: RateLimiter = current_app.extensions["hub.ratelimiter"]
    return found


def client_address() -> str:
    """The client's address as the WSGI server saw it, or as the trusted proxies report it
    (ProxyFix, HUB_TRUSTED_PROXIES). Never read X-Forwarded-For here: any client can send
    one, and a limit keyed on it could be dodged by changing the header."""
    return request.remote_addr or "unknown"


def enforce(bucket: str, limit: int, window_seconds: float, key: str | None = None) -> None:
    """Raise 429 (with Retry-After) when `key` (default: client address) is over the limit."""
    if current_app.config.get("HUB_RATE_LIMITS_DISABLED"):
        return
    wait = limiter().hit(f"{bucket}:{key or client_address()}", limit, window_seconds)
    if wait is not None:
        seconds = math.ceil(wait)
        raise ApiError(429, "too_many_requests",
                       f"too many requests; try again in {seconds} seconds",
                       {"retry_after": seconds})


def rate_limited(bucket: str, limit: int, window_seconds: float,
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
