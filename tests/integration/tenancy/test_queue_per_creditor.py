"""Tasks on the task queue run for the creditor they were sent for (docs/creditors.md):
a cycle's partitions, the dispatcher rounds the cycle and the scheduler send, each on a
Celery worker in this process, on the in-memory broker and on RabbitMQ and Redis when
they are running (skipped when not). Both creditors have the same customer codes and
message keys, so a task run for the wrong creditor would find the other's rows."""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celery.contrib.testing.worker import start_worker

from hub import queue_worker
from hub.bootstrap import Hub
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.domain.outbox import MessageState
from hub.ledger.current import DEFAULT_CREDITOR
from hub.ledger.current import NoCreditorChosen
from hub.ledger.current import acting_for
from hub.ledger.current import platform_wide
from hub.ledger.outbox import enqueue
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import cycle_partitions
from hub.ledger.tables import messages
from hub.queue import CeleryQueue
from hub.scheduler import Jobs
from hub.services.staff.creditors import add_creditor
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice
from tests.integration.queue.support import RABBITMQ
from tests.integration.queue.support import always_open
from tests.integration.queue.support import import_portfolio
from tests.integration.queue.support import reachable

REDIS = "redis://127.0.0.1:6379/0"
CUSTOMERS = 30
PART = 11  # three partitions


@pytest.fixture(params=["memory", "rabbitmq", "redis"])
def queue(request: pytest.FixtureRequest, hub: Hub,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[CeleryQueue]:
    """A CeleryQueue on the broker, its own queue name, and a worker thread whose tasks
    use `hub` (as a worker process uses its own)."""
    url = {"memory": "memory://", "rabbitmq": RABBITMQ, "redis": REDIS}[request.param]
    if request.param == "rabbitmq" and not reachable("127.0.0.1", 5672):
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    if request.param == "redis" and not reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    sender = CeleryQueue(url, f"hub-tenancy-{uuid.uuid4().hex[:12]}")
    queue_worker.register_tasks(sender.app)
    monkeypatch.setitem(queue_worker._hubs, os.getpid(), hub)
    with start_worker(sender.app, pool="solo", perform_ping_check=False,
                      queues=[sender.queue], loglevel="WARNING", shutdown_timeout=30):
        yield sender
    sender.close()


def _bravo(hub: Hub) -> int:
    with hub.engine.begin() as connection:
        return add_creditor(connection, code="bravo", name="Bravo Holding", profile=None,
                            now=hub.clock.now()).id


def _outbox(hub: Hub, creditor: int) -> list[tuple[str, str]]:
    with acting_for(creditor), hub.engine.connect() as connection:
        return sorted(connection.execute(sa.select(messages.c.idempotency_key,
                                                   messages.c.state)).all())


def test_dispatch_rounds_send_only_the_outbox_of_the_creditor_they_were_sent_for(
        hub: Hub, queue: CeleryQueue) -> None:
    bravo = _bravo(hub)
    for creditor, domain in ((DEFAULT_CREDITOR, "alpha.example"), (bravo, "bravo.example")):
        with acting_for(creditor), hub.engine.begin() as connection:
            debtor(connection, "ACME", email=f"pay@{domain}")  # the same code for both
            enqueue(connection, notice("ACME", "email"), now=hub.clock.now())
    key = _outbox(hub, bravo)[0][0]
    queued, sent = MessageState.QUEUED.value, MessageState.SENT.value

    with acting_for(bravo):
        report = queue.dispatch_round(timeout=60)
    assert report.counts["sent"] == 1, report
    assert _outbox(hub, bravo) == [(key, sent)]
    assert _outbox(hub, DEFAULT_CREDITOR) == [(key, queued)]  # alpha's waits for its round
    folder = hub.settings.var_dir / "mail"
    mail = sorted((folder / f"creditor-{bravo}").glob("*.eml"))  # apart from alpha's
    assert len(mail) == 1
    assert "pay@bravo.example" in mail[0].read_text(encoding="utf-8")
    assert not list(folder.glob("*.eml"))

    # the scheduler sends a round for each creditor; alpha's message goes in its own
    hub.__dict__["task_queue"] = queue  # the scheduler's hub, with a task queue
    jobs = Jobs(hub)
    assert jobs.dispatch() == ("default: dispatch: sent to the task queue; "
                               "bravo: dispatch: sent to the task queue")
    for _ in range(600):
        if _outbox(hub, DEFAULT_CREDITOR) == [(key, sent)]:
            break
        time.sleep(0.1)
    assert _outbox(hub, DEFAULT_CREDITOR) == [(key, sent)]
    mail = sorted(folder.glob("*.eml"))
    assert len(mail) == 1
    assert "pay@alpha.example" in mail[0].read_text(encoding="utf-8")


def test_a_cycle_spread_over_the_queue_applies_its_partitions_for_its_creditor(
        hub: Hub, queue: CeleryQueue, tmp_path: Path) -> None:
    bravo = _bravo(hub)
    settings = dataclasses.replace(hub.settings, rules_file=always_open(tmp_path / "rules"),
                                   cycle_partition_accounts=PART)
    spread = Hub(settings=settings, clock=hub.clock)
    spread.__dict__["engine"] = hub.engine
    queue_worker._hubs[os.getpid()] = spread
    with acting_for(bravo):
        import_portfolio(hub.engine, tmp_path / "files", hub.clock.today(), CUSTOMERS,
                         hub.clock)
        with hub.engine.connect() as connection:
            codes = connection.execute(sa.select(customers.c.code)).scalars().all()
    with hub.engine.begin() as connection:  # alpha has overdue accounts of the same codes
        for code in codes:
            add_invoice(connection, f"A-{code}", add_customer(connection, code),
                        issued="2026-09-01", due="2026-10-01", amount="500.00")
    with acting_for(bravo):
        cycle = build_cycle(spread)
        cycle.hooks = {phase: [] for phase in cycle.hooks}  # decisions only
        cycle.queue = queue
        options: Any = dataclasses.replace(cycle_options(spread, actor="tests"),
                                           wait_seconds=120)
        report = cycle.run(options)
    assert report.status == "done", report.errors
    assert report.counts["partitions"] == 3
    assert report.counts["accounts_evaluated"] == CUSTOMERS
    with hub.engine.connect() as connection, platform_wide():
        parts = connection.execute(sa.select(cycle_partitions.c.creditor_id,
                                             cycle_partitions.c.state)).all()
        decided = connection.execute(sa.select(applied_decisions.c.creditor_id)).scalars()
        assert set(decided) == {bravo}  # alpha's accounts were not touched
    assert sorted(parts) == [(bravo, "done")] * 3


def test_a_task_is_not_sent_for_no_creditor(hub: Hub, queue: CeleryQueue) -> None:
    with platform_wide(), pytest.raises(NoCreditorChosen, match="without choosing"):
        queue.send_dispatch()
