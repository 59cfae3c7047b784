"""Metrics read from the ledger at scrape time: the outbox and the latest cycle run.

They describe shared state, so every web worker answers the same and nothing is lost
when the process that did the work (the scheduler, a queue worker) is elsewhere. Two
small queries a scrape: the outbox grouped by channel and state over the messages not
yet sent (the `state` index; sent messages are never scanned), and one cycle-run row."""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from hub.domain.outbox import MessageState
from hub.ledger.cycle_runs import latest_run
from hub.ledger.tables import messages
from hub.observe.metrics import DECISION_KINDS

log = logging.getLogger(__name__)
WAITING = tuple(state.value for state in MessageState if state is not MessageState.SENT)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LedgerCollector(Collector):
    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("hub_ledger_scrape_ok",
                               "1 when the ledger answered this scrape's queries")
        try:
            with self.engine.connect() as connection:
                families = [*self._outbox(connection), *self._cycle(connection)]
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics: the ledger does not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _outbox(self, connection: sa.Connection) -> list[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "hub_outbox_messages", "Messages in the outbox not sent, by channel and state "
            "(channel 'undecided': not yet given a channel)", labels=["channel", "state"])
        age = GaugeMetricFamily(
            "hub_outbox_oldest_age_seconds",
            "Age of the oldest message in the outbox not sent, by channel and state",
            labels=["channel", "state"])
        now = _aware(self.now())
        rows = connection.execute(
            sa.select(messages.c.channel, messages.c.state, sa.func.count(),
                      sa.func.min(messages.c.created_at))
            .where(messages.c.state.in_(WAITING))
            .group_by(messages.c.channel, messages.c.state))
        for channel, state, count, oldest in rows:
            labels = [channel or "undecided", state]
            depth.add_metric(labels, count)
            if oldest is not None:
                age.add_metric(labels, max(0.0, (now - _aware(oldest)).total_seconds()))
        return [depth, age]

    def _cycle(self, connection: sa.Connection) -> list[GaugeMetricFamily]:
        run = latest_run(connection)
        finished = GaugeMetricFamily("hub_cycle_last_finished_timestamp_seconds",
                                     "When the latest cycle run (not dry) finished")
        phases = GaugeMetricFamily("hub_cycle_last_phase_seconds",
                                   "Seconds the latest cycle run spent in each phase",
                                   labels=["phase"])
        accounts = GaugeMetricFamily("hub_cycle_last_accounts_evaluated",
                                     "Accounts the latest cycle run evaluated")
        decisions = GaugeMetricFamily("hub_cycle_last_decisions",
                                      "What the latest cycle run decided and did, by kind",
                                      labels=["kind"])
        errors = GaugeMetricFamily("hub_cycle_last_errors", "Errors of the latest cycle run")
        if run is None:
            return []
        if run.finished_at is not None:
            finished.add_metric([], _aware(run.finished_at).timestamp())
        for phase, seconds in sorted((run.timings or {}).items()):
            phases.add_metric([phase], float(seconds))
        counts = run.counts or {}
        accounts.add_metric([], float(counts.get("accounts_evaluated", 0)))
        for kind in DECISION_KINDS:
            decisions.add_metric([kind], float(counts.get(kind, 0)))
        errors.add_metric([], float(len(run.errors or [])))
        return [finished, phases, accounts, decisions, errors]
