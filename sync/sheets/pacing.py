"""Client-side pacing under a service's quota, and bounded retries that honour Retry-After."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field


@dataclass
class Pacer:
    """At most `per_minute` requests in any sliding 60-second window: the next request
    waits until the oldest of the last `per_minute` is a minute old."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _sent: deque[float] = field(default_factory=deque)

    def wait(self) -> None:
        now = self.clock()
        while self._sent and now - self._sent[0] >= 60.0:
            self._sent.popleft()
        if len(self._sent) >= self.per_minute:
            self.sleep(60.0 - (now - self._sent[0]))
            now = self.clock()
            self._sent.popleft()
        self._sent.append(now)


@dataclass(frozen=True)
class RetryPolicy:
    """Transient failures (429, 5xx, rate-limit codes) are retried `attempts - 1` times,
    waiting Retry-After when the service sends it, else base * 2**n, never over `cap`."""

    attempts: int = 5
    base: float = 1.0
    cap: float = 64.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return float(min(self.cap, max(0.0, float(retry_after))))
            except ValueError:
                pass  # an HTTP date: fall back to the exponential wait
        return float(min(self.cap, self.base * 2 ** attempt))


def retry_after_of(headers: object) -> str | None:
    getter = getattr(headers, "get", None)
    value = getter("Retry-After") if getter else None
    return str(value) if value is not None else None
