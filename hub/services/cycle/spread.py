"""The daily cycle spread over queue workers.

The process that runs the cycle (the scheduler, or `python app.py cycle`) holds the cycle
lock as always, does the follow-up of promises and plans, chooses the accounts, and
records them as partitions in the ledger; the task queue carries one message per part.
Each worker loads the facts of its part, evaluates and applies them in one transaction
that also marks the part done (hub.ledger.cycle_partitions), so:

- a part is applied once: a second try (the broker redelivers the message of a worker
  that was killed) waits for the first one's row lock and then finds the part done, or,
  when the first try died, finds it untouched and applies it whole;
- decision keys stay the guard below that (apply_decisions skips a key already applied);
- a part never commits into a run that was given up: the worker reads the run with a
  share lock, and a lock take-over (which marks the run interrupted) waits for it.

The coordinator waits on the ledger, not on the broker, heartbeats its lock meanwhile,
sends again the parts that made no progress for a while (a message lost with a broker),
and stops with a clear error when no worker takes them."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from hub.domain.clock import moment_on
from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Evaluation
from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger import cycle_partitions as partitions
from hub.ports import PartitionQueue
from hub.ports import Policy
from hub.services.cycle.account_facts import load_account_facts
from hub.services.cycle.apply_decisions import ApplyContext
from hub.services.cycle.apply_decisions import apply_decisions
from hub.services.cycle.candidates import schedule_evaluations
from hub.services.cycle.collector import collector_paused

log = logging.getLogger(__name__)
PolicyFor = Callable[[str | None], Policy]  # the run's policy_version -> its compiled rules


def evaluate(policy: Policy, batch: list[AccountFacts]) -> Evaluation:
    """The policy's decisions and the accounts' next evaluation days."""
    return policy.evaluate_with_schedule(batch)


def run_partition(engine: Engine, run_id: int, part: int, *, policy_for: PolicyFor,
                  now: Callable[[], datetime], worker: str) -> str:
    """Apply one part (the queue worker's task). Returns what happened: `done`,
    `already done` or `skipped` (the run is no longer running)."""
    row = partitions.start_try(engine, run_id, part, worker=worker, now=now())
    if row is None:
        return "already done"
    counts: Counter[str] = Counter()
    timings: dict[str, float] = {}
    errors: list[str] = []
    with engine.connect() as connection, collector_paused():  # hub.services.cycle.collector
        try:
            if not partitions.take(connection, run_id, part):
                connection.rollback()
                return "already done"
            run = partitions.running_run(connection, run_id)
            if run is None:
                connection.rollback()
                partitions.give_up(engine, run_id, part, state=partitions.SKIPPED, now=now(),
                                   error="the run was no longer running (its cycle lock was "
                                         "lost); the next cycle does this part's work")
                return "skipped"
            policy = policy_for(run.policy_version)
            started = time.perf_counter()
            span = ((row.first_id, row.last_id) if row.codes is None else None)
            batch = list(load_account_facts(
                connection, as_of=run.as_of, customer_codes=row.codes, id_range=span,
                enforcement=row.enforcement, batch_size=max(1, row.accounts),
                predictions=policy.uses_predictions))
            timings["load_facts"] = round(time.perf_counter() - started, 3)
            counts["accounts_evaluated"] = len(batch)
            started = time.perf_counter()
            try:
                evaluation = evaluate(policy, batch) if batch else None
            except Exception as exc:  # one part lost, not the cycle (as one batch in-process)
                errors.append(f"evaluating {len(batch)} accounts from "
                              f"{batch[0].customer_code}: {type(exc).__name__}: {exc}")
                evaluation = None
            timings["evaluate"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            if evaluation is not None:
                counts["decisions"] = len(evaluation.decisions)
                context = ApplyContext(as_of=run.as_of, now=moment_on(run.as_of, now()),
                                       run_id=run_id)
                counts.update(apply_decisions(connection, evaluation.decisions,
                                              {f.customer_code: f for f in batch}, context))
                schedule_evaluations(connection, evaluation.next_evaluation)
            timings["apply"] = round(time.perf_counter() - started, 3)
            partitions.finish(connection, run_id, part, now=now(), counts=dict(counts),
                              timings=timings, errors=errors)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return "done"


@dataclass
class SpreadOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    parts: int = 0
    tries: int = 0


@dataclass
class Waiting:
    """How the coordinator waits for the parts."""

    poll_seconds: float = 0.25
    stall_seconds: float = 300.0  # no part moved this long: send the unfinished ones again
    stalls_allowed: int = 3  # then stop: no worker takes them


def wait_for_parts(engine: Engine, queue: PartitionQueue, run_id: int, count: int, *,
                   beat: Callable[[], None], waiting: Waiting) -> SpreadOutcome:
    """Until every part is finished; `beat()` refreshes the lock (and raises when it was
    lost). Sums what the parts did."""
    last_seen: tuple[int, int] | None = None
    moved = time.monotonic()
    stalls = 0
    while True:
        with engine.connect() as connection:
            rows = partitions.progress(connection, run_id)
        finished = [row for row in rows if row.state in partitions.FINISHED]
        if len(finished) == count:
            return _summed(rows)
        seen = (len(finished), sum(row.attempts for row in rows))
        if seen != last_seen:
            last_seen, moved = seen, time.monotonic()
        elif time.monotonic() - moved > waiting.stall_seconds:
            stalls += 1
            if stalls > waiting.stalls_allowed:
                raise UserError(lazy_gettext("no queue worker took the cycle's partitions "
                                             "(%(unfinished)s of %(count)s unfinished after "
                                             "%(stalls)s tries): is `python app.py worker` "
                                             "running and connected to HUB_BROKER_URL?",
                                             unfinished=count - len(finished), count=count,
                                             stalls=stalls))
            unfinished = [row.part for row in rows if row.state not in partitions.FINISHED]
            log.warning("cycle run %d: %d part(s) made no progress for %.0f s; sent again",
                        run_id, len(unfinished), waiting.stall_seconds)
            queue.send_partitions(run_id, unfinished)
            moved = time.monotonic()
        beat()
        time.sleep(waiting.poll_seconds)


def _summed(rows: list[Any]) -> SpreadOutcome:
    outcome = SpreadOutcome(parts=len(rows))
    for row in rows:
        outcome.counts.update({key: int(value) for key, value in (row.counts or {}).items()})
        for phase, seconds in (row.timings or {}).items():
            outcome.timings[phase] = round(outcome.timings.get(phase, 0.0) + seconds, 3)
        outcome.errors.extend(f"part {row.part}: {error}" for error in row.errors or ())
        outcome.tries += int(row.attempts)
    return outcome
