"""The queue worker's side of hub.queue: the tasks, each on this process's own hub.

Kept apart from the senders (hub.queue, built by bootstrap) because the tasks bootstrap a
hub themselves: the composition root imports the sender, and only `python app.py worker`
(or `celery -A hub.queue_worker worker`) imports this."""

from __future__ import annotations

import logging
import os
import socket
from datetime import date
from typing import TYPE_CHECKING
from typing import Any

from celery import Celery
from sqlalchemy.exc import DBAPIError

from hub.ledger.current import DEFAULT_CREDITOR
from hub.ledger.current import acting_for
from hub.ports import HookReport
from hub.queue import DISPATCH
from hub.queue import HOOK
from hub.queue import PARTITION
from hub.queue import PARTITION_TRIES
from hub.queue import READ_BACK
from hub.queue import make_celery

if TYPE_CHECKING:
    from hub.bootstrap import Hub

log = logging.getLogger("hub.queue")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


_hubs: dict[int, Hub] = {}


def worker_hub() -> Hub:
    """The hub of this worker process, bootstrapped on its first task (after the fork,
    so no database connection is shared between processes)."""
    pid = os.getpid()
    hub = _hubs.get(pid)
    if hub is None:
        from hub.bootstrap import bootstrap  # noqa: PLC0415

        _hubs.clear()
        hub = bootstrap(migrate=False)
        hub.require_current_schema()
        _hubs[pid] = hub
    return hub


def register_tasks(app: Celery) -> None:
    """The hub's tasks on `app` (a worker's Celery app)."""
    @app.task(name=PARTITION, bind=True, max_retries=PARTITION_TRIES, shared=False)  # type: ignore[untyped-decorator]
    def partition(task: Any, run_id: int, part: int, creditor: int = DEFAULT_CREDITOR) -> str:
        with acting_for(creditor):
            return _partition(task, run_id, part)

    def _partition(task: Any, run_id: int, part: int) -> str:
        from hub.ledger.cycle_partitions import FAILED  # noqa: PLC0415
        from hub.ledger.cycle_partitions import give_up  # noqa: PLC0415
        from hub.services.cycle.spread import run_partition  # noqa: PLC0415

        hub = worker_hub()
        try:
            return run_partition(hub.engine, run_id, part, policy_for=hub.rule_files.by_digest,
                                 now=hub.clock.now, worker=worker_name())
        except DBAPIError as exc:  # a busy or restarting database: try again shortly
            if task.request.retries >= PARTITION_TRIES:
                give_up(hub.engine, run_id, part, state=FAILED, now=hub.clock.now(),
                        error=f"{type(exc).__name__}: {exc}"[:2000])
                raise
            raise task.retry(exc=exc, countdown=min(30, 2 ** task.request.retries)) from exc
        except Exception as exc:  # the same again would fail the same way: say why
            log.exception("cycle run %d part %d failed", run_id, part)
            give_up(hub.engine, run_id, part, state=FAILED, now=hub.clock.now(),
                    error=f"{type(exc).__name__}: {exc}"[:2000])
            return "failed"

    @app.task(name=HOOK, shared=False)  # type: ignore[untyped-decorator]
    def hook(phase: str, as_of: str, dry_run: bool,
             creditor: int = DEFAULT_CREDITOR) -> list[dict[str, Any]]:
        with acting_for(creditor):
            return _hook(phase, as_of, dry_run)

    def _hook(phase: str, as_of: str, dry_run: bool) -> list[dict[str, Any]]:
        hub = worker_hub()
        reports = []
        for each in hub.cycle_hooks().get(phase, []):
            try:
                outcome = each.run(date.fromisoformat(as_of), dry_run=dry_run)
            except Exception as exc:  # reported as in-process: the cycle goes on
                outcome = HookReport(name=each.name, done=False,
                                     errors=(f"{type(exc).__name__}: {exc}",))
            reports.append({"name": outcome.name, "done": outcome.done,
                            "counts": dict(outcome.counts), "errors": list(outcome.errors),
                            "message": outcome.message})
        return reports

    @app.task(name=DISPATCH, shared=False)  # type: ignore[untyped-decorator]
    def dispatch(creditor: int = DEFAULT_CREDITOR) -> dict[str, Any]:
        with acting_for(creditor):
            report = worker_hub().dispatcher().run()
        return {"counts": dict(report.counts), "by_channel": dict(report.by_channel),
                "errors": report.errors[:50]}

    @app.task(name=READ_BACK, shared=False)  # type: ignore[untyped-decorator]
    def read_back(creditor: int | None = None) -> str:
        from hub.scheduler import Jobs  # noqa: PLC0415

        jobs = Jobs(worker_hub())
        if creditor is None:  # sent by an older scheduler: every creditor, in turn
            return jobs.read_back_here()
        with acting_for(creditor):
            return jobs.read_back_for_current()



# `celery -A hub.queue_worker worker` works too; `python app.py worker` is the documented way
def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        from hub.config import Settings  # noqa: PLC0415

        observe = Settings.from_env().observe
        app = make_celery(observe.broker_url, observe.queue_name)
        register_tasks(app)
        return app
    raise AttributeError(name)
