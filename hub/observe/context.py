"""The ids every log line carries: the web request's and the cycle run's.

Context variables, so each thread (a gunicorn thread, the scheduler's job thread) sees
only its own request or run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("hub_request_id", default=None)
cycle_run_id: ContextVar[int | None] = ContextVar("hub_cycle_run_id", default=None)


@contextmanager
def cycle_run(run_id: int) -> Iterator[None]:
    """Every line logged inside names this cycle run."""
    token = cycle_run_id.set(run_id)
    try:
        yield
    finally:
        cycle_run_id.reset(token)
