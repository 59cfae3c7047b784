"""The task queue: Celery on the broker HUB_BROKER_URL names (RabbitMQ, or Redis).

Queue workers (`python app.py worker`) apply the daily cycle's partitions, send the outbox
and sync the sheets. Celery lives here only; the ledger, not the broker, holds the state of
every piece of work (cycle_partitions, the outbox's message states), so a task delivered
twice does its work once:

- `acks_late` + `reject_on_worker_lost`: a message is acknowledged after its task ended,
  so a worker killed mid-task (SIGKILL, the OOM killer, a lost machine) leaves it with
  the broker, which hands it to another worker;
- one message at a time per worker process (`prefetch_multiplier=1`): a long partition
  never holds others back on a busy worker;
- results travel back by `rpc://` (reply queues on the broker itself), only for the
  cycle's sheet phases and dispatch rounds that the cycle waits for.

Every task carries the creditor it was sent for (the keyword `creditor`, from
hub.ledger.current when it is sent) and the worker runs it acting for that creditor
(docs/creditors.md); a task from an older sender, without it, runs for the default one.

Without HUB_BROKER_URL nothing here is imported: the embedded default runs every job in
its own process."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from celery import Celery
from celery.exceptions import TimeoutError as ResultTimeout

from hub.ledger.current import ALL_CREDITORS
from hub.ledger.current import NoCreditorChosen
from hub.ledger.current import current_creditor
from hub.ports import HookReport
from hub.services.notify.dispatch import DispatchReport

log = logging.getLogger("hub.queue")

QUEUE = "hub"
PARTITION = "hub.cycle.partition"
HOOK = "hub.cycle.hook"
DISPATCH = "hub.dispatch"
READ_BACK = "hub.sheets.read_back"
DISPATCHERS = 4  # dispatch tasks per round: that many dispatchers claim from the outbox
PARTITION_TRIES = 6  # a partition's tries on database errors before it is failed
HOOK_TIMEOUT = 3600.0  # the cycle waits this long for a sheet phase on a worker


def make_celery(broker_url: str, queue: str = QUEUE) -> Celery:
    """The hub's Celery app on `broker_url`, its tasks registered; `queue`: the queue's
    name (HUB_QUEUE_NAME), so installations can share a broker. Senders name tasks;
    a worker registers them (hub.queue_worker.register_tasks)."""
    app = Celery("hub", broker=broker_url, backend="rpc://", set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        worker_enable_remote_control=False,  # nothing is steered remotely; no broadcasts
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json", result_serializer="json", accept_content=["json"],
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,  # the hub's own log format (hub.observe.logs)
        worker_redirect_stdouts=False,
        # Redis only: a message not acknowledged in this time goes to another worker (a
        # partition takes seconds; the longest task, a sheet write-out, well under this)
        broker_transport_options={"visibility_timeout": 3600},
    )
    return app


# --- the sender's side (the scheduler, `cycle`) -------------------------------------------

def creditor_kwargs() -> dict[str, int]:
    """What every task is sent with: the creditor the sender acts for."""
    creditor = current_creditor()
    if creditor == ALL_CREDITORS:
        raise NoCreditorChosen("a task for the queue was sent without choosing the creditor "
                               "(inside platform_wide)")
    return {"creditor": creditor}


class CeleryQueue:
    """hub.ports.PartitionQueue and the other jobs the hub hands to its workers."""

    def __init__(self, broker_url: str, queue: str = QUEUE) -> None:
        self.queue = queue
        self.app = make_celery(broker_url, queue)

    def send_partitions(self, run_id: int, parts: Sequence[int]) -> None:
        for part in parts:
            self.app.send_task(PARTITION, args=(run_id, part), kwargs=creditor_kwargs(),
                               queue=self.queue, ignore_result=True)

    def send_dispatch(self, *, expires: float | None = None) -> None:
        """A round of dispatchers, not waited for (the scheduler's interval job); a round
        still queued when the next one is due is dropped (`expires`)."""
        for _ in range(DISPATCHERS):
            self.app.send_task(DISPATCH, kwargs=creditor_kwargs(), queue=self.queue,
                               ignore_result=True, expires=expires)

    def send_read_back(self, *, expires: float | None = None) -> None:
        self.app.send_task(READ_BACK, kwargs=creditor_kwargs(), queue=self.queue,
                           ignore_result=True, expires=expires)

    def dispatch_round(self, timeout: float = HOOK_TIMEOUT) -> DispatchReport:
        """DISPATCHERS dispatchers at once on the workers, waited for (the cycle's notify
        phase, which binds the day's letters after them)."""
        results = [self.app.send_task(DISPATCH, kwargs=creditor_kwargs(), queue=self.queue)
                   for _ in range(DISPATCHERS)]
        report = DispatchReport()
        for result in results:
            try:
                value = result.get(timeout=timeout, propagate=True)
            except ResultTimeout:
                report.errors.append(f"a dispatcher on the queue did not answer in "
                                     f"{timeout:.0f} s; what it did not send waits for the "
                                     f"next round")
                continue
            report.counts.update(value.get("counts") or {})
            report.by_channel.update(value.get("by_channel") or {})
            report.errors.extend(value.get("errors") or [])
        return report

    def run_hook(self, phase: str, as_of: date, *, dry_run: bool,
                 timeout: float = HOOK_TIMEOUT) -> list[HookReport]:
        """A cycle phase (the sheets) run on a worker, waited for."""
        result = self.app.send_task(HOOK, args=(phase, as_of.isoformat(), dry_run),
                                    kwargs=creditor_kwargs(), queue=self.queue)
        try:
            values = result.get(timeout=timeout, propagate=True)
        except ResultTimeout:
            return [HookReport(name=phase, done=False,
                               errors=(f"no queue worker ran {phase} in {timeout:.0f} s",))]
        return [HookReport(name=v["name"], done=bool(v["done"]), counts=dict(v["counts"]),
                           errors=tuple(v["errors"]), message=str(v["message"]))
                for v in values]

    def close(self) -> None:
        consumer = getattr(self.app.backend, "result_consumer", None)
        if consumer is not None and getattr(consumer, "_connection", None) is not None:
            consumer.stop()  # the reply queue's connection (rpc://), if a result was awaited
        self.app.close()
