"""What every transport shares (the healthchecks design): payload building separate from
sending, one error type with a `permanent` flag, and bounded retries inside one send for
rate limits and flaky networks. Longer waits are the dispatcher's job (backoff)."""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

import requests

from hub.domain.outbox import TransportError

Sleep = Callable[[float], None]
MAX_INLINE_WAIT = 10.0  # seconds a send may wait for Retry-After before giving up to backoff


def retry_after_seconds(headers: Mapping[str, str], default: float = 1.0) -> float:
    raw = headers.get("Retry-After", "")
    try:
        return max(0.0, float(raw))
    except ValueError:
        return default


class HttpTransport:
    """A transport over HTTP: `tries` attempts per send; 429 and 5xx are retried after
    Retry-After (when short), timeouts and connection errors at once; anything else is
    classified by `classify` (override it per service)."""

    tries = 3

    def __init__(self, *, session: requests.Session | None = None, timeout: float = 10.0,
                 sleep: Sleep = time.sleep) -> None:
        self.session = session or requests.Session()
        self.timeout = timeout
        self.sleep = sleep

    def classify(self, response: requests.Response) -> TransportError:
        """The error for a failed response: 401/403/404 mean the configuration is wrong,
        other 4xx that this message will never go out, 429 and 5xx try again later."""
        detail = f"HTTP {response.status_code}: {response.text[:300]}"
        if response.status_code in (401, 403, 404):
            return TransportError(detail, configuration=True)
        if response.status_code == 429 or response.status_code >= 500:
            return TransportError(detail, retry_after=retry_after_seconds(response.headers))
        return TransportError(detail, permanent=True)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        error = TransportError("no attempt made")
        for attempt in range(1, self.tries + 1):
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout:
                error = TransportError(f"{url.partition('?')[0]} did not answer within "
                                       f"{self.timeout:g} s")
            except requests.ConnectionError as exc:
                error = TransportError(f"cannot connect: {exc.__class__.__name__}",
                                       unreachable=True)
            else:
                if response.ok:
                    return response
                error = self.classify(response)
                if error.permanent:
                    raise error
                wait = error.retry_after or 0.0
                if wait > MAX_INLINE_WAIT:
                    raise error
                if attempt < self.tries:
                    self.sleep(wait)
                continue
        raise error
