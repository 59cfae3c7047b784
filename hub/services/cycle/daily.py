"""The daily collections cycle: ingest -> sheet read-back -> promises and plans ->
evaluate (incremental) -> apply decisions -> sheet write-out -> notify -> a stored
run record with counts, timings and errors.

One cycle at a time (the cycle lock), never dated before the latest run, and
idempotent: running the same day again creates nothing new. A dry run does the same
work inside one transaction that is rolled back, so its counts say exactly what a
real run would create."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from itertools import islice

from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.clock import moment_on
from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Evaluation
from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger import cycle_partitions as partitions
from hub.ledger import cycle_runs as runs
from hub.observe import context as log_context
from hub.observe import metrics
from hub.ports import CycleHook
from hub.ports import HookReport
from hub.ports import PartitionQueue
from hub.ports import Policy
from hub.services.accounts.plan_watch import escalate_reviews
from hub.services.accounts.plan_watch import remind_instalments
from hub.services.accounts.plans import review_plans
from hub.services.accounts.promises import review_promises
from hub.services.cycle.account_facts import load_account_facts
from hub.services.cycle.apply_decisions import ApplyContext
from hub.services.cycle.apply_decisions import apply_decisions
from hub.services.cycle.candidates import changed_accounts
from hub.services.cycle.candidates import schedule_evaluations
from hub.services.cycle.collector import collector_paused
from hub.services.cycle.lock_holders import Heartbeat
from hub.services.cycle.lock_holders import ProcessIdentity
from hub.services.cycle.lock_holders import gone_reason
from hub.services.cycle.lock_holders import this_process
from hub.services.cycle.spread import Waiting
from hub.services.cycle.spread import wait_for_parts

PHASES_BEFORE = ("ingest", "read_back")
PHASES_AFTER = ("write_out", "notify")
PHASES = PHASES_BEFORE + PHASES_AFTER
BATCH = 5000  # accounts per evaluate + apply round (one commit each)

log = logging.getLogger(__name__)


class CycleBusy(UserError):
    """Another cycle holds the lock."""


class CycleLockLost(UserError):
    """The lock was taken over or removed while this cycle ran: it stops."""


@dataclass
class CycleOptions:
    as_of: date
    dry_run: bool = False
    actor: str = "cli"
    wait_seconds: float = 0.0  # how long to wait for a running cycle; 0: refuse at once
    lock_ttl: timedelta = timedelta(minutes=10)  # a lock without a heartbeat this long is dead
    enforcement: bool = True
    batch_size: int = BATCH
    full: bool = False  # evaluate every account, not only those that can change today
    full_every_days: int | None = 7  # and every account at least this often
    waiting: Waiting = field(default_factory=Waiting)  # for the queue workers' parts


@dataclass
class CycleReport:
    run_id: int
    as_of: date
    dry_run: bool
    status: str  # done | errors | failed
    counts: Counter[str] = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    hooks: list[HookReport] = field(default_factory=list)
    incremental: bool = True


class Cycle:
    def __init__(self, engine: Engine, policy: Policy, *, now: Callable[[], datetime],
                 hooks: Mapping[str, Sequence[CycleHook]] | None = None,
                 thresholds: frozenset[int] | None = None,
                 queue: PartitionQueue | None = None) -> None:
        """`thresholds`: the days overdue at which the policy's decisions can change (the
        ladder steps' days), for the incremental evaluation; `policy.thresholds()` unless
        given. `queue`: spread evaluate + apply over the task queue's workers in partitions
        of `batch_size` accounts (hub.services.cycle.spread); without it (the embedded
        default), and for a dry run, this process does everything."""
        self.engine = engine
        self.queue = queue
        self.policy = policy
        self.thresholds = thresholds if thresholds is not None else policy.thresholds()
        self.now = now
        self.hooks = {phase: list((hooks or {}).get(phase, ())) for phase in PHASES}
        self._heartbeat: Heartbeat | None = None

    def run(self, options: CycleOptions) -> CycleReport:
        identity = this_process()
        holder = (f"{options.actor} run {options.as_of} at {self.now():%Y-%m-%d %H:%M:%S} "
                  f"#{identity.token[:8]}")
        self._lock(holder, identity, options)
        heartbeat = Heartbeat(lambda: runs.heartbeat(self.engine, token=identity.token,
                                                     now=self.now(), ttl=options.lock_ttl),
                              every=_beat_every(options.lock_ttl))
        try:
            with heartbeat:
                return self._locked(options, identity, heartbeat)
        finally:
            runs.release_lock(self.engine, holder=holder)

    def _lock(self, holder: str, identity: ProcessIdentity, options: CycleOptions) -> None:
        deadline = time.monotonic() + options.wait_seconds
        while (busy := runs.try_lock(self.engine, holder=holder, now=self.now(),
                                     ttl=options.lock_ttl, identity=identity,
                                     gone=gone_reason)) is not None:
            if time.monotonic() >= deadline:
                raise CycleBusy(f"another cycle is running ({busy.describe()}); try again "
                                f"when it ends, or pass --wait. If that cycle is known to "
                                f"have stopped, `python app.py cycle unlock` removes its "
                                f"lock")
            time.sleep(min(0.5, max(0.05, deadline - time.monotonic())))

    def _locked(self, options: CycleOptions, identity: ProcessIdentity,
                heartbeat: Heartbeat) -> CycleReport:
        with self.engine.begin() as connection:
            latest = runs.latest_run(connection)
            if latest is not None and options.as_of < latest.as_of:
                raise UserError(lazy_gettext("a cycle for %(as_of)s has already run; a cycle "
                                             "dated %(dated)s would go back in time and is "
                                             "refused", as_of=latest.as_of, dated=options.as_of))
            run_id = runs.start_run(connection, as_of=options.as_of, dry_run=options.dry_run,
                                    actor=options.actor, now=self.now(),
                                    policy_version=self.policy.version)
            runs.attach_run(connection, token=identity.token, run_id=run_id)
        self._heartbeat = heartbeat
        report = CycleReport(run_id=run_id, as_of=options.as_of, dry_run=options.dry_run,
                             status="running")
        watermark = None
        with log_context.cycle_run(run_id):
            log.debug("cycle run %d for %s started by %s%s", run_id, options.as_of,
                     options.actor, " (dry run)" if options.dry_run else "")
            try:
                self._hooks(PHASES_BEFORE, options, report)
                self._beat(beat=True)
                watermark = self._decide(options, report, latest)
                self._beat(beat=True)
                self._hooks(PHASES_AFTER, options, report)
                report.status = "errors" if report.errors else "done"
            except BaseException as exc:  # Ctrl-C too: the run is stored as failed
                report.status = "failed"
                report.errors.append(f"the cycle stopped: {type(exc).__name__}: {exc}")
                raise
            finally:
                with self.engine.begin() as connection:
                    runs.finish_run(connection, run_id, status=report.status, now=self.now(),
                                    counts=dict(report.counts), timings=report.timings,
                                    errors=report.errors, event_watermark=watermark,
                                    hooks=[_hook_json(hook) for hook in report.hooks])
                metrics.record_cycle(report.status, report.counts, report.timings,
                                     report.dry_run)
                log.debug("cycle run %d for %s: %s, %d accounts evaluated, %d decisions "
                         "applied, %d errors", run_id, options.as_of, report.status,
                         report.counts["accounts_evaluated"], report.counts["applied"],
                         len(report.errors))
        return report

    def _hooks(self, phases: Sequence[str], options: CycleOptions,
               report: CycleReport) -> None:
        for phase in phases:
            self._beat(beat=True)
            started = time.perf_counter()
            if not self.hooks[phase]:
                report.hooks.append(HookReport(name=phase, done=False,
                                               message="nothing is configured"))
            for hook in self.hooks[phase]:
                try:
                    outcome = hook.run(options.as_of, dry_run=options.dry_run)
                except Exception as exc:  # a hook's failure is reported, the cycle goes on
                    outcome = HookReport(name=hook.name, done=False,
                                         errors=(f"{type(exc).__name__}: {exc}",))
                report.hooks.append(outcome)
                report.errors.extend(f"{outcome.name}: {error}" for error in outcome.errors)
            report.timings[phase] = round(time.perf_counter() - started, 3)

    def _decide(self, options: CycleOptions, report: CycleReport, latest: object) -> int:
        """Promises and plans, then evaluate and apply. Returns the event watermark."""
        if self.queue is not None and not options.dry_run:
            return self._decide_spread(self.queue, options, report, latest)
        with self.engine.connect() as connection:
            try:
                watermark = self._decide_on(connection, options, report, latest)
            except BaseException:
                connection.rollback()
                raise
            if options.dry_run:
                connection.rollback()
            else:
                connection.commit()
            return watermark

    def _decide_spread(self, queue: PartitionQueue, options: CycleOptions,
                       report: CycleReport, latest: object) -> int:
        """Promises and plans and the choice of accounts here; evaluate + apply on the
        queue's workers, one partition of `batch_size` accounts per task."""
        with self.engine.connect() as connection:
            grace = self._follow_up(connection, options, report)
            started = time.perf_counter()
            codes = self._candidates(connection, options, report, latest, grace)
            watermark = runs.last_event_id(connection)
            planned = (partitions.full_ranges(connection, options.batch_size) if codes is None
                       else partitions.code_lists(codes, options.batch_size))
            count = partitions.create(connection, report.run_id, planned,
                                      enforcement=options.enforcement)
            connection.commit()
            report.timings["select"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        queue.send_partitions(report.run_id, list(range(count)))
        outcome = wait_for_parts(self.engine, queue, report.run_id, count,
                                 beat=lambda: self._beat(beat=False),  # the thread beats
                                 waiting=options.waiting)
        report.counts.update(outcome.counts)
        report.counts.update({"partitions": outcome.parts,
                              "partition_retries": outcome.tries - outcome.parts})
        report.errors.extend(outcome.errors)
        for phase in ("load_facts", "evaluate", "apply"):  # worker seconds, summed
            report.timings[phase] = outcome.timings.get(phase, 0.0)
        report.timings["partitions"] = round(time.perf_counter() - started, 3)  # wall
        return watermark

    def _follow_up(self, connection: Connection, options: CycleOptions,
                   report: CycleReport) -> int:
        """Promises kept or broken, plans, their reviews and reminders; returns the grace
        days the policy gives a promise."""
        as_of = options.as_of
        now = moment_on(as_of, self.now())  # what the run writes carries its date
        settings = self.policy.settings
        grace = settings.promise_grace_days
        started = time.perf_counter()
        promised = review_promises(connection, as_of=as_of, grace_days=grace, now=now)
        completed, broken = review_plans(connection, as_of=as_of, grace_days=grace, now=now)
        review_days, remind_days = settings.plan_review_days, settings.instalment_reminder_days
        overdue = escalate_reviews(connection, as_of=as_of, review_days=review_days, now=now)
        reminders = remind_instalments(connection, as_of=as_of, days_before=remind_days,
                                       now=now)
        report.counts.update({"promises_kept": promised.kept, "promises_broken": promised.broken,
                              "plans_completed": completed, "plans_broken": broken,
                              "plan_reviews_escalated": overdue,
                              "instalment_reminders": reminders,
                              "tasks": promised.tasks + broken + overdue})
        self._commit(connection, options)
        report.timings["promises_and_plans"] = round(time.perf_counter() - started, 3)
        return grace

    def _decide_on(self, connection: Connection, options: CycleOptions, report: CycleReport,
                   latest: object) -> int:
        as_of = options.as_of
        now = moment_on(as_of, self.now())  # what the run writes carries its date
        grace = self._follow_up(connection, options, report)
        started = time.perf_counter()
        codes = self._candidates(connection, options, report, latest, grace)
        watermark = runs.last_event_id(connection)
        report.timings["select"] = round(time.perf_counter() - started, 3)
        spent = {"load_facts": 0.0, "evaluate": 0.0, "apply": 0.0}
        facts = load_account_facts(connection, as_of=as_of, customer_codes=codes,
                                   enforcement=options.enforcement,
                                   predictions=self.policy.uses_predictions)
        while True:
            with collector_paused():  # the batch's objects live until it is written
                if not self._round(connection, facts, options=options, report=report,
                                   now=now, spent=spent):
                    break
        report.timings.update({phase: round(seconds, 3) for phase, seconds in spent.items()})
        return watermark

    def _round(self, connection: Connection, facts: Iterator[AccountFacts], *,
               options: CycleOptions, report: CycleReport, now: datetime,
               spent: dict[str, float]) -> bool:
        """One batch: load, evaluate, apply, commit; False when no account is left. The
        batch's objects are freed by reference counting when this returns, before the
        collector resumes (hub.services.cycle.collector), so it never walks them."""
        started = time.perf_counter()
        batch = list(islice(facts, options.batch_size))
        spent["load_facts"] += time.perf_counter() - started
        if not batch:
            return False
        report.counts["accounts_evaluated"] += len(batch)
        started = time.perf_counter()
        try:
            evaluation = self._evaluate(batch)
        except Exception as exc:  # one batch lost, not the cycle
            report.errors.append(f"evaluating {len(batch)} accounts from "
                                 f"{batch[0].customer_code}: {type(exc).__name__}: {exc}")
            spent["evaluate"] += time.perf_counter() - started
            return True
        spent["evaluate"] += time.perf_counter() - started
        report.counts["decisions"] += len(evaluation.decisions)
        started = time.perf_counter()
        context = ApplyContext(as_of=options.as_of, now=now, run_id=report.run_id)
        report.counts.update(apply_decisions(
            connection, evaluation.decisions, {f.customer_code: f for f in batch}, context))
        schedule_evaluations(connection, evaluation.next_evaluation)
        self._commit(connection, options)
        spent["apply"] += time.perf_counter() - started
        self._beat(beat=not options.dry_run)  # a dry run's open transaction: no write
        return True

    def _beat(self, *, beat: bool) -> None:
        """Between phases and batches: refresh the heartbeat (`beat`), and stop when the
        lock is no longer this cycle's."""
        heartbeat = self._heartbeat
        if heartbeat is None:
            return
        if (heartbeat.check() if beat else not heartbeat.lost):
            return
        raise CycleLockLost("the cycle lock was taken over or removed (`cycle unlock`) "
                            "while this cycle ran; it stops here, and the next cycle "
                            "completes its work")

    def _evaluate(self, batch: Sequence[AccountFacts]) -> Evaluation:
        """The policy's decisions and the accounts' next evaluation days."""
        return self.policy.evaluate_with_schedule(batch)

    def _commit(self, connection: Connection, options: CycleOptions) -> None:
        if not options.dry_run:  # a dry run keeps everything in one transaction
            connection.commit()

    def _candidates(self, connection: Connection, options: CycleOptions, report: CycleReport,
                    latest: object, grace: int) -> list[str] | None:
        thresholds = self.thresholds
        watermark = getattr(latest, "event_watermark", None)
        last_full = runs.last_full_evaluation(connection)
        due = (options.full_every_days is not None and
               (last_full is None or (options.as_of - last_full).days >= options.full_every_days))
        if options.full or due or latest is None or watermark is None:
            report.incremental = False
            report.counts["full_evaluation"] = 1
            return None
        last_as_of: date = getattr(latest, "as_of")  # noqa: B009
        return changed_accounts(connection, since_event=watermark, last_as_of=last_as_of,
                                as_of=options.as_of, thresholds=thresholds, grace_days=grace)


def _beat_every(ttl: timedelta) -> float:
    """Heartbeat often enough that a live cycle never looks stale: 4 beats per lifetime,
    at most a minute apart."""
    return max(0.05, min(60.0, ttl.total_seconds() / 4))


def _hook_json(report: HookReport) -> dict[str, object]:
    return {"name": report.name, "done": report.done, "counts": dict(report.counts),
            "errors": list(report.errors), "message": report.message}
