"""The scheduler's jobs and their settings: coalesce, one instance, misfire grace, the
daily cycle at the configured local time, and no day run twice across restarts."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from datetime import datetime
from datetime import time

from hub.bootstrap import Hub
from hub.domain.clock import FixedClock
from hub.domain.errors import RuleFileError
from hub.scheduler import Jobs
from hub.scheduler import build_scheduler
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.service.fake_policy import FakePolicy


def _hub_at(hub: Hub, moment: datetime, **settings: object) -> Hub:
    """The test's hub at another moment and with other settings, on the same engine."""
    moved = Hub(settings=dataclasses.replace(hub.settings, timezone="Europe/Amsterdam",
                                             cycle_time=time(6, 30), **settings),
                clock=FixedClock(moment))
    moved.__dict__["engine"] = hub.engine  # the cached engine: one pool, disposed by the fixture
    return moved


def test_jobs_are_scheduled_with_coalesce_one_instance_and_misfire_grace(hub: Hub) -> None:
    early = _hub_at(hub, datetime(2026, 11, 23, 4, 0, tzinfo=UTC), misfire_grace_minutes=30)
    scheduler = build_scheduler(early, Jobs(early, FakePolicy), blocking=False)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"cycle", "read_back", "dispatch"}  # 05:00 local: not yet due
    trigger = jobs["cycle"].trigger
    assert str(trigger) == "cron[hour='6', minute='30']"
    assert str(trigger.timezone) == "Europe/Amsterdam"
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 30 * 60


def test_a_scheduler_started_after_the_cycle_time_catches_up_once(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME")
        add_invoice(connection, "I-1", acme, issued="2026-10-01", due="2026-11-01",
                    amount="900.00")
    late = _hub_at(hub, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    jobs = Jobs(late, FakePolicy)
    scheduler = build_scheduler(late, jobs, blocking=False)
    assert "cycle_catch_up" in {job.id for job in scheduler.get_jobs()}
    assert "1 decisions applied" in jobs.daily_cycle()
    # a restart the same day: nothing to catch up, and the cron job finds the day done
    restarted = build_scheduler(late, Jobs(late, FakePolicy), blocking=False)
    assert "cycle_catch_up" not in {job.id for job in restarted.get_jobs()}
    assert jobs.daily_cycle() == "cycle: today's cycle has already run"


def test_a_broken_rule_file_keeps_the_previous_rules_in_force(hub: Hub) -> None:
    policies = [FakePolicy()]

    def loader() -> FakePolicy:
        if not policies:
            raise RuleFileError("rules.yaml line 3: broken")
        return policies.pop()

    day_one = _hub_at(hub, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    jobs = Jobs(day_one, loader)
    assert jobs.daily_cycle().startswith("cycle 2026-11-23: ")
    jobs.hub = _hub_at(hub, datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    assert jobs.daily_cycle().startswith("cycle 2026-11-24: ")  # the previous rules ran


def test_read_back_and_dispatch_say_what_is_not_wired(hub: Hub) -> None:
    jobs = Jobs(_hub_at(hub, datetime(2026, 11, 23, 8, 0, tzinfo=UTC)), FakePolicy)
    assert jobs.read_back().startswith("read-back:")
    assert jobs.dispatch().startswith("dispatch")
