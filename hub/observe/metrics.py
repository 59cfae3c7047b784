"""The hub's Prometheus metrics, and the calls that record them.

Counters and histograms live in the process that did the work. With
PROMETHEUS_MULTIPROC_DIR set (before the process starts), prometheus_client keeps them
in files in that folder, so every gunicorn worker, the scheduler and the queue workers
on one host add up in one `/metrics` answer. State that lives in the database (the
outbox, the latest cycle run) is read at scrape time instead: see `collectors`.

Recording never raises: a metric must not fail a cycle or a send."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import multiprocess

log = logging.getLogger(__name__)

# The cycle's counts that say what was decided and done, by kind (hub/services/cycle/daily.py).
DECISION_KINDS = ("decisions", "applied", "already_applied", "paused", "enforcement_off",
                  "messages", "tasks", "escalations", "holds_placed", "holds_released",
                  "legal_handovers", "fees", "interest", "resumed", "warnings")
IMPORT_OUTCOMES = ("created", "updated", "unchanged", "rejected")
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_PHASE_SECONDS = (0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)

CYCLE_PHASE_SECONDS = Histogram("hub_cycle_phase_seconds",
                                "Time a cycle spent in each phase", ["phase"],
                                buckets=_PHASE_SECONDS)
CYCLE_RUNS = Counter("hub_cycle_runs", "Cycles run, by final status", ["status"])
ACCOUNTS_EVALUATED = Counter("hub_cycle_accounts_evaluated",
                             "Accounts the cycle evaluated with the rules")
DECISIONS = Counter("hub_cycle_decisions", "What cycles decided and did, by kind", ["kind"])
DISPATCH_OUTCOMES = Counter("hub_dispatch_messages",
                            "Messages a dispatcher handled, by outcome", ["outcome"])
MESSAGES_SENT = Counter("hub_messages_sent", "Messages sent, by channel", ["channel"])
SEND_FAILURES = Counter("hub_send_failures",
                        "Sends that failed, by channel and whether they will be retried",
                        ["channel", "retry"])
SHEET_CALLS = Counter("hub_sheet_api_calls", "Requests made to the sheet service",
                      ["backend"])
IMPORT_ROWS = Counter("hub_import_rows", "Rows imported, by kind and outcome",
                      ["kind", "outcome"])
HTTP_SECONDS = Histogram("hub_http_request_duration_seconds",
                         "Web requests by route (endpoint name), method and status",
                         ["endpoint", "method", "status"], buckets=_SECONDS)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def scrape_registry() -> CollectorRegistry:
    """What `/metrics` exposes: this process's metrics, or every process's when they
    share PROMETHEUS_MULTIPROC_DIR."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    from prometheus_client import REGISTRY  # noqa: PLC0415

    return REGISTRY


def mark_process_dead(pid: int) -> None:
    """For gunicorn's `child_exit` hook in multiprocess mode: drop a dead worker's live
    gauges (its counters stay counted)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def record_cycle(status: str, counts: Mapping[str, int], timings: Mapping[str, float],
                 dry_run: bool) -> None:
    try:
        CYCLE_RUNS.labels("dry_run" if dry_run else status).inc()
        for phase, seconds in timings.items():
            CYCLE_PHASE_SECONDS.labels(phase).observe(float(seconds))
        if dry_run:
            return
        ACCOUNTS_EVALUATED.inc(int(counts.get("accounts_evaluated", 0)))
        for kind in DECISION_KINDS:
            if counts.get(kind):
                DECISIONS.labels(kind).inc(int(counts[kind]))
    except Exception:  # a metric never fails the cycle
        log.warning("cannot record the cycle's metrics", exc_info=True)


def record_dispatch(outcomes: Mapping[str, int], by_channel: Mapping[str, int]) -> None:
    try:
        for outcome, count in outcomes.items():
            if count:
                DISPATCH_OUTCOMES.labels(outcome).inc(count)
        for channel, count in by_channel.items():
            if count:
                MESSAGES_SENT.labels(channel).inc(count)
    except Exception:
        log.warning("cannot record the dispatch metrics", exc_info=True)


def record_send_failure(channel: str, *, retry: bool) -> None:
    SEND_FAILURES.labels(channel or "unknown", "yes" if retry else "no").inc()


def record_sheet_calls(backend: str, calls: int) -> None:
    if calls:
        SHEET_CALLS.labels(backend).inc(calls)


def record_import(kind: str, outcomes: Mapping[str, int]) -> None:
    for outcome in IMPORT_OUTCOMES:
        if outcomes.get(outcome):
            IMPORT_ROWS.labels(kind, outcome).inc(outcomes[outcome])


def record_http(endpoint: str, method: str, status: int, seconds: float) -> None:
    HTTP_SECONDS.labels(endpoint, method, str(status)).observe(seconds)
