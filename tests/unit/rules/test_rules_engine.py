"""The engine in its child process: agrees with the shadow, survives hangs and crashes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest

from hub.domain.decisions import AccountFacts
from rules import DEFAULT_POLICY
from rules import compile_text
from rules import load_policy
from rules.engine import EngineSession
from rules.engine_facts import EngineFacts
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


@pytest.mark.parametrize("policy_of", [forked_policy, lambda: load_policy(DEFAULT_POLICY)],
                         ids=["small", "default"])
def test_the_engine_on_one_fact_per_class_agrees_with_the_shadow_on_every_account(
        policy_of: Callable[[], Any]) -> None:
    """The cycle's path: the engine sees each class of accounts once (engine_facts); each
    account's own shadow, on its real values, must say the same."""
    policy = policy_of()
    classes = policy.compiled.engine_facts
    facts = _random_facts(policy, 3000, seed=11)
    keys = [classes.key(fact) for fact in facts]
    unique = list(dict.fromkeys(keys))
    with policy.runner() as runner:
        found = runner.matches([classes.fact(key) for key in unique])
    assert isinstance(found, list)
    by_class = dict(zip(unique, found, strict=True))
    disagreements = [fact for fact, key in zip(facts, keys, strict=True)
                     if frozenset(by_class[key]) != policy.compiled.shadow(fact)]
    assert disagreements == []
    assert sum(1 for fired in found if fired) > len(unique) / 3


def test_a_class_keeps_each_value_on_the_same_side_of_every_threshold() -> None:
    classes = EngineFacts([("days", ">=", 3.0), ("days", "<", 14.0), ("kind", "==", "B2C"),
                           ("legal", "==", True)])
    assert classes.fields == ("days", "kind", "legal")
    days = [classes.fact(classes.key({"days": d}))["days"] for d in (-5, 2.5, 3, 4, 13.9, 14,
                                                                     400)]
    assert days == [2.0, 2.0, 3, 8.5, 8.5, 14, 15.0]
    assert classes.fact(classes.key({"kind": "B2B", "legal": False, "other": 1})) == {
        "kind": "other", "legal": False}
    assert classes.fact(classes.key({"kind": "B2C"})) == {"kind": "B2C"}  # days missing
    assert classes.key({"days": 20.0}) == classes.key({"days": 9000.0})
    assert classes.key({"days": 20.0}) != classes.key({"days": 14.0})


@pytest.mark.parametrize("policy_of", [forked_policy, lambda: load_policy(DEFAULT_POLICY)],
                         ids=["small", "default"])
def test_the_generated_shadow_says_what_each_rules_predicate_says(
        policy_of: Callable[[], Any]) -> None:
    policy = policy_of()
    compiled = policy.compiled
    facts = [*_random_facts(policy, 3000, seed=5), {}, {"always": 1}]
    for fact in facts:
        each = frozenset(rule.rule_id for rule in compiled.rules
                         if rule.rule_id not in compiled.always and rule.shadow(fact))
        assert compiled.shadow(fact) == each, fact
