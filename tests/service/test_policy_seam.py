"""The Policy seam without a database: what the composition root and the scheduler read
from the rules in force, with in-memory fakes of the rule files and the dispatcher.

These are the honest tests of that seam: no ledger is involved in choosing which settings
apply, so none is built."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from hub.bootstrap import Hub
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.domain.decisions import PolicySettings
from hub.domain.errors import RuleFileError
from hub.domain.plans import PlanLimits
from hub.ports import Policy
from hub.scheduler import Jobs
from hub.services.cycle.rule_files import PolicyStatus
from tests.service.fake_policy import FakePolicy

LATE_WINDOW = PolicySettings(send_window=(time(9, 0), time(17, 0)),
                             plan_auto_approve=PlanLimits(max_instalments=6))


@dataclass
class FakeRuleFiles:
    """The rule-file service (hub.services.cycle.rule_files.RuleFiles) in memory: the rules in
    force, or the error a broken file on a new ledger raises."""

    policy: Policy | None
    asked: list[Path] = field(default_factory=list)

    def in_force(self, path: Path) -> PolicyStatus:
        self.asked.append(path)
        if self.policy is None:
            raise RuleFileError("collections.yaml line 2: this is not valid YAML")
        return PolicyStatus(self.policy, None)

    def policy_from_file(self, path: Path, actor: str = "rule file") -> PolicyStatus:
        return self.in_force(path)


def _hub(tmp_path: Path, rule_files: FakeRuleFiles) -> Hub:
    hub = Hub(settings=Settings(var_dir=tmp_path, database_url="sqlite:///unused.db",
                                rules_file=tmp_path / "collections.yaml"),
              clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
    hub.__dict__["rule_files"] = rule_files  # the cached_property, filled by the fake
    return hub


def test_the_settings_are_the_rules_in_force(tmp_path: Path) -> None:
    rule_files = FakeRuleFiles(FakePolicy(settings=LATE_WINDOW))
    hub = _hub(tmp_path, rule_files)
    assert hub.policy_settings() == LATE_WINDOW
    assert rule_files.asked == [tmp_path / "collections.yaml"]


def test_unreadable_rules_give_the_one_fallback(tmp_path: Path) -> None:
    hub = _hub(tmp_path, FakeRuleFiles(None))
    settings = hub.policy_settings()
    assert settings == PolicySettings.without_rules()
    assert settings.plan_auto_approve is None  # every plan goes to a person
    assert settings.send_window == (time(8, 0), time(20, 0))  # the careful defaults
    with pytest.raises(RuleFileError):
        hub.policy()  # the cycle is not given a fallback: nothing is safe to run


@dataclass
class FakeDispatcher:
    settings: PolicySettings | None

    def run(self) -> str:
        return "0 sent"


@dataclass
class FakeHub:
    """What Jobs.dispatch uses of the Hub."""

    made: list[PolicySettings | None] = field(default_factory=list)
    task_queue: None = None  # the embedded default: no broker

    def dispatcher(self, policy: PolicySettings | None = None) -> Any:
        self.made.append(policy)
        return FakeDispatcher(policy)


def test_dispatch_uses_the_rules_the_last_cycle_ran_on() -> None:
    hub = FakeHub()
    jobs = Jobs(hub, policy_loader=lambda: FakePolicy(settings=LATE_WINDOW))  # type: ignore[arg-type]
    assert jobs.dispatch() == "dispatch: 0 sent"
    assert hub.made == [None]  # before any cycle: the dispatcher reads the rules in force
    jobs._policy()  # what the daily cycle does first
    jobs.dispatch()
    assert hub.made[-1] == LATE_WINDOW


def test_the_fake_and_the_compiled_policy_keep_the_port() -> None:
    """Both implement every member of hub.ports.Policy (a Protocol: checked by name)."""
    from rules import DEFAULT_POLICY
    from rules import load_policy

    members = ("version", "settings", "thresholds", "evaluate", "evaluate_with_schedule")
    for policy in (FakePolicy(), load_policy(DEFAULT_POLICY, isolation="inline")):
        assert all(hasattr(policy, name) for name in members), type(policy).__name__
        assert isinstance(policy.settings, PolicySettings)
        assert all(isinstance(day, int) for day in policy.thresholds())
