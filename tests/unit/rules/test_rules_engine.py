"""The engine in its child process: agrees with the shadow, survives hangs and crashes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from hub.domain.decisions import AccountFacts
from rules import compile_text
from rules.engine import EngineSession
from rules.gate import _random_facts
from tests.unit.rules.conftest import small_file


def forked_policy(timeout: float = 30.0) -> Any:
    return compile_text(small_file(), "collections.yaml", isolation="fork", timeout=timeout)


def test_engine_and_shadow_agree_on_random_accounts() -> None:
    policy = forked_policy()
    facts = _random_facts(policy, 1500, seed=42)
    with policy.runner() as runner:
        found = runner.matches(facts)
    assert not isinstance(found, Exception)
    assert isinstance(found, list)
    disagreements = [f for f, fired in zip(facts, found, strict=True)
                     if frozenset(fired) != policy.compiled.shadow(f)]
    assert disagreements == []
    assert sum(1 for fired in found if fired) > 500  # the accounts did match rules


def test_the_engine_decides_the_same_as_the_shadow_on_accounts(
        account: Callable[..., AccountFacts]) -> None:
    policy = forked_policy()
    accounts = [account(f"C{d}", days_overdue=d, balance=50 + d) for d in range(0, 60)]
    engine = policy.evaluate(accounts)
    assert policy.last_report.ok
    shadow = [d for o in policy.outcomes(accounts, engine=False) for d in o.decisions
              if d.paused_by is None]
    assert engine == shadow
    assert len(engine) == 57


def _crash(self: EngineSession, facts: Any) -> Any:
    os._exit(139)  # what a segfault in the C extension looks like to the parent


def _hang(self: EngineSession, facts: Any) -> Any:
    time.sleep(30)


@pytest.mark.parametrize(("broken", "message"), [(_crash, "ended unexpectedly"),
                                                 (_hang, "did not answer within")])
def test_a_crash_or_hang_costs_one_batch_and_falls_back(
        monkeypatch: pytest.MonkeyPatch, account: Callable[..., AccountFacts],
        broken: Callable[..., Any], message: str) -> None:
    policy = forked_policy(timeout=1.0)
    monkeypatch.setattr(EngineSession, "matches", broken)  # the forked child inherits it
    decisions = policy.evaluate([account(days_overdue=3)])
    assert [d.rule for d in decisions] == ["first"]  # decided by the shadow
    [failure] = policy.last_report.engine_failures
    assert message in failure
    assert "decided by the shadow evaluator" in failure


def _evaluate_in_daemon(connection: Any) -> None:
    from rules.examples import account_from_spec

    policy = forked_policy()
    decisions = policy.evaluate([account_from_spec({"days_overdue": 3, "balance": 100})])
    connection.send(([d.rule for d in decisions], policy.last_report.engine_failures))


def test_inside_a_daemonic_process_the_engine_runs_in_process() -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_evaluate_in_daemon, args=(child,), daemon=True)
    process.start()
    assert parent.poll(60)
    rules, failures = parent.recv()
    process.join(10)
    assert rules == ["first"]
    assert failures == []
