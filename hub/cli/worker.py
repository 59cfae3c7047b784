"""`worker`: a task-queue worker (Celery) for the cycle's partitions, dispatch and sheets."""

from __future__ import annotations

import os
import socket

import click

from hub.cli.context import get_hub
from hub.domain.errors import UserError


@click.command("worker")
@click.option("--concurrency", type=click.IntRange(1, 256), default=None,
              help="worker processes (default: one per CPU core)")
@click.option("--pool", type=click.Choice(["prefork", "solo", "threads"]), default="prefork",
              show_default=True, help="prefork: one process per task at a time (the rules "
                                      "engine is CPU-bound); solo: everything in this process")
@click.option("--queue", "queues", multiple=True, metavar="NAME",
              help="take tasks from this queue (repeatable; default HUB_QUEUE_NAME)")
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None, pool: str,
           queues: tuple[str, ...]) -> None:
    """Take the hub's tasks from the queue at HUB_BROKER_URL: the daily cycle's partitions,
    outbox dispatch and sheet sync. Run as many as you like, on as many machines; SIGTERM
    lets the tasks in hand finish, then stops."""
    hub = get_hub(ctx, schema="long-running")
    queue = hub.task_queue
    if queue is None:
        raise UserError("HUB_BROKER_URL is not set: without a broker the scheduler and the "
                        "`cycle` command do everything in their own process and need no "
                        "worker (see docs/scaling.md)")
    from hub.queue_worker import register_tasks  # noqa: PLC0415  (only a worker runs them)

    register_tasks(queue.app)
    hub.engine.dispose()  # the pool's children open their own connections after the fork
    argv = ["worker", f"--pool={pool}", "--loglevel=INFO", "--without-gossip",
            "--without-mingle", f"--hostname=hub-{os.getpid()}@{socket.gethostname()}"]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    argv.append(f"--queues={','.join(queues or (hub.settings.observe.queue_name,))}")
    queue.app.worker_main(argv)


def register(cli: click.Group) -> None:
    cli.add_command(worker)
