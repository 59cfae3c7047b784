"""The cycle lock's holder and heartbeat, and `cycle unlock` for the cases the hub cannot
decide itself (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import socket
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.ledger import cycle_runs
from hub.ledger.tables import audit_log
from hub.ledger.tables import cycle_lock
from hub.ledger.tables import cycle_runs as runs_table
from hub.ports import HookReport
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleBusy
from hub.services.cycle.daily import CycleLockLost
from hub.services.cycle.daily import CycleOptions
from hub.services.cycle.lock_holders import ProcessIdentity
from hub.services.cycle.lock_holders import gone_reason
from hub.services.cycle.lock_holders import process_start
from hub.services.cycle.lock_holders import this_process
from tests.integration.cycle.helpers import START
from tests.integration.cycle.helpers import morning
from tests.service.fake_policy import FakePolicy

ELSEWHERE = ProcessIdentity("batch-02.example", 4242, "777", "f" * 32)


def run(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _hold(hub: Hub, identity: ProcessIdentity, *, run: bool = True) -> None:
    """A lock held by `identity` since now, with a run that is `running`."""
    now = hub.clock.now()
    assert cycle_runs.try_lock(hub.engine, holder="nightly on batch-02", now=now,
                               ttl=timedelta(minutes=10), identity=identity) is None
    if run:
        with hub.engine.begin() as connection:
            run_id = cycle_runs.start_run(connection, as_of=START, dry_run=False,
                                          actor="scheduler", now=now, policy_version="1")
            cycle_runs.attach_run(connection, token=identity.token, run_id=run_id)


def _audit(hub: Hub, action: str) -> list[sa.Row[tuple[object, ...]]]:
    with hub.engine.connect() as connection:
        return list(connection.execute(sa.select(audit_log).where(
            audit_log.c.action == action)).all())


def test_unlock_says_so_when_there_is_no_lock(hub: Hub) -> None:
    result = run(hub, "cycle", "unlock")
    assert result.exit_code == 0
    assert result.output == "there is no cycle lock: no cycle is running, nothing to unlock\n"
    assert _audit(hub, "cycle.unlocked") == []


def test_unlock_removes_a_lock_from_another_host_audited_and_the_run_interrupted(
        hub: Hub) -> None:
    _hold(hub, ELSEWHERE)
    with pytest.raises(CycleBusy, match=r"pid 4242 on batch-02.example.*cycle unlock"):
        Cycle(hub.engine, FakePolicy(), now=hub.clock.now).run(CycleOptions(as_of=START))
    result = run(hub, "cycle", "unlock")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("removed the cycle lock held by nightly on batch-02, "
                                    "pid 4242 on batch-02.example, since 2026-11-23 09:00")
    assert "run #1 is recorded as interrupted" in result.output
    [entry] = _audit(hub, "cycle.unlocked")
    assert entry.actor.startswith("cli")
    assert entry.target == "nightly on batch-02"
    assert entry.detail["host"] == "batch-02.example"
    assert entry.detail["pid"] == 4242
    assert entry.detail["run_id"] == 1
    listing = run(hub, "cycle", "runs").output.splitlines()
    assert listing[1].split()[:3] == ["1", str(START), "interrupted"]
    assert listing[-1].startswith("interrupted: killed, or its lock removed")
    assert Cycle(hub.engine, FakePolicy(), now=hub.clock.now).run(
        CycleOptions(as_of=START)).status == "done"


def test_unlock_refuses_a_holder_that_still_runs_here_without_force(hub: Hub) -> None:
    _hold(hub, this_process(), run=False)
    refused = run(hub, "cycle", "unlock")
    assert refused.exit_code == 1
    assert f"still runs on this host (nightly on batch-02, pid {os.getpid()}" in refused.output
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(cycle_lock)
                                  ).scalar_one() == 1
    forced = run(hub, "cycle", "unlock", "--force")
    assert forced.exit_code == 0
    assert "removed the cycle lock" in forced.output


def test_a_reused_pid_is_not_taken_for_the_holder() -> None:
    me = this_process()
    if me.started is None:
        pytest.skip("no /proc on this system")
    here = socket.gethostname()
    alive = ProcessIdentity(here, os.getpid(), process_start(os.getpid()), "a" * 32)
    reused = ProcessIdentity(here, os.getpid(), str(int(me.started) - 1), "b" * 32)
    assert gone_reason(_Row(alive)) is None
    assert "the pid now belongs to another process" in (gone_reason(_Row(reused)) or "")
    assert gone_reason(_Row(ELSEWHERE)) is None  # another host: only the heartbeat tells


class _Row:
    def __init__(self, identity: ProcessIdentity) -> None:
        self.host, self.pid, self.process_start = identity.host, identity.pid, identity.started


def test_a_stale_heartbeat_is_taken_over_with_an_audit_entry(hub: Hub) -> None:
    now = morning(START)
    cycle_runs.try_lock(hub.engine, holder="nightly on batch-02", now=now - timedelta(minutes=11),
                        ttl=timedelta(minutes=10), identity=ELSEWHERE)
    report = Cycle(hub.engine, FakePolicy(), now=lambda: now).run(
        CycleOptions(as_of=START, lock_ttl=timedelta(minutes=10)))
    assert report.status == "done"
    [entry] = _audit(hub, "cycle.lock_taken_over")
    assert entry.detail["reason"] == "no heartbeat since 2026-01-05 05:49:00 UTC"
    assert entry.target == "nightly on batch-02"


def test_a_cycle_whose_lock_is_removed_stops_and_stays_interrupted(hub: Hub) -> None:
    class Unlocker:
        name = "read_back"

        def run(self, as_of: date, *, dry_run: bool) -> HookReport:
            cycle_runs.force_unlock(hub.engine, actor="cli:ops", now=hub.clock.now())
            return HookReport(self.name, True)

    cycle = Cycle(hub.engine, FakePolicy(), now=hub.clock.now,
                  hooks={"read_back": [Unlocker()]})
    with pytest.raises(CycleLockLost, match="taken over or removed"):
        cycle.run(CycleOptions(as_of=START))
    with hub.engine.connect() as connection:
        status, errors = connection.execute(sa.select(runs_table.c.status,
                                                      runs_table.c.errors)).one()
    assert status == "interrupted"
    assert errors == ["interrupted: cli:ops removed the cycle lock"]
