"""The cycle spread over partitions (hub.services.cycle.spread), in one process: the queue
here hands each part straight to `run_partition`, as a worker would. The real broker and
worker processes are in test_compose_day.py; this pins the rules of the parts down on
SQLite and PostgreSQL: the same decisions as the one-process cycle, a try that dies
mid-apply leaves nothing and its retry applies the part once, a part is never applied
twice nor into a run that was given up, and no worker means a clear error."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.domain.errors import UserError
from hub.ledger import cycle_partitions as partitions
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import cycle_lock
from hub.ledger.tables import cycle_partitions
from hub.ledger.tables import cycle_runs
from hub.services.cycle import spread
from hub.services.cycle.daily import Cycle
from hub.services.cycle.spread import Waiting
from hub.services.cycle.spread import run_partition
from tests.conftest import NOW
from tests.integration.queue.support import always_open
from tests.integration.queue.support import day_result
from tests.integration.queue.support import import_portfolio

CUSTOMERS = 80
PART = 11  # accounts per partition: 8 parts, the last one short


class InlineQueue:
    """Each part is applied as it is sent, like a worker that takes it at once; `fail`
    makes the first try of those parts die mid-apply, and the part is delivered again
    (what the broker does for a killed worker)."""

    def __init__(self, hub: Hub, fail: Sequence[int] = ()) -> None:
        self.hub = hub
        self.fail = set(fail)
        self.sent: list[int] = []
        self.outcomes: list[str] = []

    def send_partitions(self, run_id: int, parts: Sequence[int]) -> None:
        for part in parts:
            self.sent.append(part)
            self.outcomes.append(self._try(run_id, part))

    def _try(self, run_id: int, part: int) -> str:
        try:
            return run_partition(self.hub.engine, run_id, part,
                                 policy_for=self.hub.rule_files.by_digest,
                                 now=self.hub.clock.now, worker="inline")
        except _Killed:
            return self._try(run_id, part)  # redelivered


class _Killed(BaseException):
    """Stands in for SIGKILL: nothing after it runs in this try."""


def _ledger(hub: Hub, tmp_path: Path) -> Hub:
    settings = dataclasses.replace(hub.settings, rules_file=always_open(tmp_path / "rules"),
                                   cycle_partition_accounts=PART)
    ready = Hub(settings=settings, clock=hub.clock)
    import_portfolio(ready.engine, tmp_path / "files", hub.clock.today(), CUSTOMERS,
                     hub.clock)
    return ready


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
              ) -> dict[str, list[tuple[Any, ...]]]:
    """The one-process cycle on the same portfolio (SQLite), what it left."""
    tmp_path = tmp_path_factory.mktemp("reference")
    clock = FixedClock(NOW)
    path = tmp_path / "reference.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(var_dir=tmp_path / "ref-var", database_url=f"sqlite:///{path}",
                        progress=False)
    one = _ledger(bootstrap(settings, clock=clock, migrate=False), tmp_path / "ref")
    report = _cycle(one, None).run(_options(one))
    assert report.status == "done", report.errors
    assert "partitions" not in report.counts
    result = day_result(one.engine)
    one.engine.dispose()
    return result


def _cycle(hub: Hub, queue: InlineQueue | None) -> Cycle:
    cycle = build_cycle(hub)
    cycle.hooks = {phase: [] for phase in cycle.hooks}  # decisions only: no sheets, no sends
    cycle.queue = queue
    return cycle


def _options(hub: Hub, **extra: Any) -> Any:
    return dataclasses.replace(cycle_options(hub, actor="tests"), **extra)


def _parts(hub: Hub) -> list[Any]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(cycle_partitions)
                                       .order_by(cycle_partitions.c.part)).all())


def test_a_cycle_spread_over_partitions_decides_as_one_process(
        hub: Hub, tmp_path: Path, reference: dict[str, list[tuple[Any, ...]]]) -> None:
    spread_hub = _ledger(hub, tmp_path)
    queue = InlineQueue(spread_hub)
    report = _cycle(spread_hub, queue).run(_options(spread_hub))
    assert report.status == "done", report.errors
    assert report.counts["partitions"] == 8 == len(queue.sent)
    assert report.counts["partition_retries"] == 0
    assert queue.outcomes == ["done"] * 8
    assert report.counts["accounts_evaluated"] == CUSTOMERS
    assert reference["decisions"], "the portfolio gives the rules something to decide"
    assert day_result(spread_hub.engine) == reference
    parts = _parts(spread_hub)
    assert [p.accounts for p in parts] == [PART] * 7 + [CUSTOMERS - 7 * PART]
    assert {p.state for p in parts} == {"done"}
    assert sum(p.counts.get("applied", 0) for p in parts) == report.counts["applied"] > 0
    with spread_hub.engine.connect() as connection:
        assert connection.execute(sa.select(cycle_lock)).first() is None


def test_a_try_killed_mid_apply_leaves_nothing_and_the_retry_applies_it_once(
        hub: Hub, tmp_path: Path, reference: dict[str, list[tuple[Any, ...]]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    spread_hub = _ledger(hub, tmp_path)
    real = spread.schedule_evaluations
    calls: list[int] = []

    def dies_once(connection: sa.Connection, schedule: Any) -> None:
        calls.append(1)
        if len(calls) in (2, 5):  # parts 1 and 3 (call 3 is part 1 again): mid-apply
            raise _Killed
        real(connection, schedule)

    monkeypatch.setattr(spread, "schedule_evaluations", dies_once)
    queue = InlineQueue(spread_hub)
    report = _cycle(spread_hub, queue).run(_options(spread_hub))
    assert report.status == "done", report.errors
    assert report.counts["partition_retries"] == 2
    parts = _parts(spread_hub)
    assert [p.attempts for p in parts] == [1, 2, 1, 2, 1, 1, 1, 1]
    assert day_result(spread_hub.engine) == reference  # nothing twice, nothing missing
    with spread_hub.engine.connect() as connection:
        keys = connection.execute(sa.select(applied_decisions.c.decision_key)).scalars().all()
    assert len(keys) == len(set(keys)) == len(reference["decisions"])


def test_a_part_is_applied_once_however_often_it_is_delivered(
        hub: Hub, tmp_path: Path) -> None:
    spread_hub = _ledger(hub, tmp_path)
    queue = InlineQueue(spread_hub)
    report = _cycle(spread_hub, queue).run(_options(spread_hub))
    before = day_result(spread_hub.engine)
    again = [run_partition(spread_hub.engine, report.run_id, part,
                           policy_for=spread_hub.rule_files.by_digest,
                           now=spread_hub.clock.now, worker="late") for part in range(8)]
    assert again == ["already done"] * 8
    assert day_result(spread_hub.engine) == before


def test_two_tries_of_one_part_at_once_apply_it_once(hub: Hub, tmp_path: Path) -> None:
    """Two workers holding the same part (a redelivery while the first still runs): the
    second waits for the first's row lock (PostgreSQL) or write lock (SQLite), then finds
    the part done."""
    spread_hub = _ledger(hub, tmp_path)
    planned = _planned_run(spread_hub)
    outcomes: list[str] = []

    def one_try() -> None:
        outcomes.append(run_partition(spread_hub.engine, planned, 0,
                                      policy_for=spread_hub.rule_files.by_digest,
                                      now=spread_hub.clock.now, worker="twin"))

    threads = [threading.Thread(target=one_try) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["already done", "done"]
    with spread_hub.engine.connect() as connection:
        keys = connection.execute(sa.select(applied_decisions.c.decision_key)).scalars().all()
    assert keys
    assert len(keys) == len(set(keys))
    assert _parts(spread_hub)[0].counts.get("applied", 0) == len(keys)


def _planned_run(hub: Hub) -> int:
    """A running cycle run with its parts recorded, as the coordinator leaves it."""
    policy = hub.reload_rules().policy
    with hub.engine.begin() as connection:
        run_id = int(connection.execute(cycle_runs.insert().values(
            as_of=hub.clock.today(), dry_run=False, status="running",
            started_at=hub.clock.now(), actor="tests", policy_version=policy.version,
            counts={}, timings={}, errors=[], hooks=[]).returning(cycle_runs.c.id))
            .scalar_one())
        partitions.create(connection, run_id, partitions.full_ranges(connection, PART),
                          enforcement=True)
    return run_id


def test_a_part_of_a_run_given_up_is_skipped(hub: Hub, tmp_path: Path) -> None:
    spread_hub = _ledger(hub, tmp_path)
    run_id = _planned_run(spread_hub)
    with spread_hub.engine.begin() as connection:  # its lock was taken over meanwhile
        connection.execute(cycle_runs.update().values(status="interrupted"))
    outcome = run_partition(spread_hub.engine, run_id, 0,
                            policy_for=spread_hub.rule_files.by_digest,
                            now=spread_hub.clock.now, worker="late")
    assert outcome == "skipped"
    part = _parts(spread_hub)[0]
    assert part.state == "skipped"
    assert "the next cycle does this part's work" in part.errors[0]
    with spread_hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(applied_decisions)
                                  ).scalar_one() == 0


class Unheard:
    """A broker nobody consumes from."""

    def __init__(self) -> None:
        self.sent: list[list[int]] = []

    def send_partitions(self, run_id: int, parts: Sequence[int]) -> None:
        self.sent.append(list(parts))


def test_with_no_worker_the_parts_are_sent_again_then_the_cycle_says_why(
        hub: Hub, tmp_path: Path) -> None:
    spread_hub = _ledger(hub, tmp_path)
    queue = Unheard()
    cycle = _cycle(spread_hub, None)
    cycle.queue = queue
    waiting = Waiting(poll_seconds=0.01, stall_seconds=0.05, stalls_allowed=2)
    with pytest.raises(UserError, match=r"no queue worker took the cycle's partitions \(8 of "
                                        r"8 unfinished.*python app.py worker"):
        cycle.run(_options(spread_hub, waiting=waiting))
    assert queue.sent == [list(range(8))] * 3  # sent, then sent again twice
    with spread_hub.engine.connect() as connection:
        status = connection.execute(sa.select(cycle_runs.c.status)).scalar_one()
        assert connection.execute(sa.select(cycle_lock)).first() is None
    assert status == "failed"
