"""The scheduler process (`python app.py scheduler`): the daily cycle at a configured
local time, sheet read-back and outbox dispatch on intervals. APScheduler lives here only.

Jobs coalesce (a backlog runs once), never overlap (one instance each), and are skipped
when they start later than the misfire grace. The cycle-run table, not the scheduler's
memory, decides whether today's cycle has run: a restart never runs a day twice, and a
scheduler started after the cycle time catches up at once. Two schedulers on one ledger
are safe: the cycle lock lets one cycle run, and the other finds the day done."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from hub.bootstrap import Hub
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.bootstrap.cycle import load_policy
from hub.domain.errors import UserError
from hub.ledger.current import acting_for
from hub.ledger.current import current_creditor
from hub.ledger.cycle_runs import latest_run
from hub.ledger.tables import cycle_lock
from hub.ports import Policy
from hub.services.staff.creditors import list_creditors

log = logging.getLogger("hub.scheduler")
SCHEDULER_WAIT_SECONDS = 900.0  # a cycle started by hand delays the scheduled one


class Jobs:
    """What the scheduler runs; each job logs and never raises (the next run comes)."""

    def __init__(self, hub: Hub, policy_loader: Callable[[], Policy] | None = None) -> None:
        self.hub = hub
        self.policy_loader = policy_loader or (lambda: load_policy(hub))
        self._policies: dict[int, Policy] = {}  # per creditor: each has its rules in force

    @property
    def policy(self) -> Policy | None:
        return self._policies.get(current_creditor())

    @policy.setter
    def policy(self, policy: Policy | None) -> None:
        if policy is not None:
            self._policies[current_creditor()] = policy

    def for_each_creditor(self, job: Callable[[], str]) -> str:
        """Run a job once per creditor company, acting for it (docs/creditors.md); a
        single-company install runs it once, as ever."""
        engine = getattr(self.hub, "engine", None)
        if engine is None:  # a hub without a ledger (a test's stand-in): nothing to share
            return job()
        with engine.connect() as connection:
            everyone = list_creditors(connection)
        if len(everyone) == 1:
            return job()
        said = []
        for creditor in everyone:
            with acting_for(creditor.id):
                said.append(f"{creditor.code}: {job()}")
        return "; ".join(said)

    def _policy(self) -> Policy:
        """The rule file, reloaded each cycle; a broken file keeps the previous one."""
        try:
            self.policy = self.policy_loader()
        except UserError as exc:
            if self.policy is None:
                raise
            log.error("the rule file cannot go live, the previous rules stay in force: %s", exc)
        return self.policy

    def cycle_done_today(self) -> bool:
        with self.hub.engine.connect() as connection:
            latest = latest_run(connection)
        return latest is not None and latest.as_of >= self.hub.clock.today()

    def catch_up_due(self) -> bool:
        """Started after today's cycle time, and today's cycle has not run."""
        local = self.hub.clock.now().astimezone(self.hub.settings.zone)
        return local.time() >= self.hub.settings.cycle_time and not self.cycle_done_today()

    def daily_cycle(self) -> str:
        return self.for_each_creditor(self._daily_cycle)

    def _daily_cycle(self) -> str:
        try:
            if self.cycle_done_today():
                return self._log("cycle: today's cycle has already run")
            cycle = build_cycle(self.hub, self._policy())
            report = cycle.run(cycle_options(self.hub, actor="scheduler",
                                             wait_seconds=SCHEDULER_WAIT_SECONDS))
            counts = report.counts
            return self._log(f"cycle {report.as_of}: {report.status}, "
                             f"{counts['accounts_evaluated']} accounts, "
                             f"{counts['applied']} decisions applied, "
                             f"{len(report.errors)} errors")
        except Exception as exc:
            log.exception("cycle failed")
            return f"cycle failed: {exc}"

    def _cycle_running(self) -> bool:
        with self.hub.engine.connect() as connection:
            return connection.execute(cycle_lock.select()).first() is not None

    def read_back(self) -> str:
        """Read the sheets back: on a queue worker when there is a task queue."""
        queue = self.hub.task_queue
        if queue is None:
            return self.read_back_here()
        expires = self.hub.settings.readback_minutes * 60

        def send() -> str:  # one task per creditor, each run for its creditor
            queue.send_read_back(expires=expires)
            return "read-back: sent to the task queue"

        return self.for_each_creditor(send)

    def read_back_here(self) -> str:
        return self.for_each_creditor(self.read_back_for_current)

    def read_back_for_current(self) -> str:
        """The read-back of the creditor the code acts for (a queue worker's task)."""
        hooks = list(self.hub.cycle_hooks().get("read_back", []))  # this process's own
        if not hooks:
            return "read-back: no sheets are configured"
        if self._cycle_running():  # the cycle reads back itself
            return "read-back: skipped, a cycle is running"
        for hook in hooks:
            try:
                outcome = hook.run(self.hub.clock.today(), dry_run=False)
                for error in outcome.errors:
                    log.warning("read-back %s: %s", outcome.name, error)
            except Exception:
                log.exception("read-back %s failed", hook.name)
        return f"read-back: {len(hooks)} hook(s) ran"

    def dispatch(self) -> str:
        """Send the outbox: a round of dispatchers on the queue's workers when there is a
        task queue (several claim at once), else here."""
        queue = self.hub.task_queue
        if queue is not None:
            expires = self.hub.settings.dispatch_seconds

            def send() -> str:  # a round per creditor, each run for its creditor
                queue.send_dispatch(expires=expires)
                return "dispatch: sent to the task queue"

            return self.for_each_creditor(send)
        return self.for_each_creditor(self._dispatch_here)

    def _dispatch_here(self) -> str:
        try:  # the rules the last cycle ran on; before any, those in force
            settings = self.policy.settings if self.policy is not None else None
            report = self.hub.dispatcher(settings).run()
            return f"dispatch: {report}"
        except Exception as exc:
            log.exception("dispatch failed")
            return f"dispatch failed: {exc}"

    @staticmethod
    def _log(message: str) -> str:
        log.info(message)
        return message


def build_scheduler(hub: Hub, jobs: Jobs | None = None, *,
                    blocking: bool = True) -> BaseScheduler:
    """The jobs on a scheduler (not started). `blocking=False` gives one that runs in a
    background thread, for tests and embedding."""
    settings = hub.settings
    jobs = jobs or Jobs(hub)
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=settings.zone)
    # a backlog runs once, a job never overlaps itself, and a job that starts too late
    # (the machine slept) is skipped: the next run, or the catch-up below, covers it
    each: dict[str, Any] = {"coalesce": True, "max_instances": 1,
                            "misfire_grace_time": settings.misfire_grace_minutes * 60}
    at = settings.cycle_time
    scheduler.add_job(jobs.daily_cycle, CronTrigger(hour=at.hour, minute=at.minute,
                                                    timezone=settings.zone),
                      id="cycle", name=f"daily cycle at {at:%H:%M} {settings.timezone}", **each)
    scheduler.add_job(jobs.read_back, IntervalTrigger(minutes=settings.readback_minutes),
                      id="read_back", name="sheet read-back", **each)
    scheduler.add_job(jobs.dispatch, IntervalTrigger(seconds=settings.dispatch_seconds),
                      id="dispatch", name="outbox dispatch", **each)
    if jobs.catch_up_due():
        start = hub.clock.now() + timedelta(seconds=1)
        scheduler.add_job(jobs.daily_cycle, "date", run_date=start, id="cycle_catch_up",
                          name="today's cycle, missed while the scheduler was down", **each)
    return scheduler


def describe(scheduler: BaseScheduler) -> list[str]:
    return [f"{job.name}: {job.trigger}" for job in scheduler.get_jobs()]


__all__ = ["Jobs", "build_scheduler", "describe"]
