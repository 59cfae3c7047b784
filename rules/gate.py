"""The activation gate: a rule file goes live only if

1. every rule fires in the engine on an example made from its own condition;
2. the engine and the shadow agree on random accounts (values around the file's thresholds);
3. the file's own `tests:` pass.
"""

from __future__ import annotations

import random
from typing import Any

from rules.conditions import ALWAYS
from rules.conditions import comparisons
from rules.conditions import example
from rules.engine import EngineFailure
from rules.examples import ExampleError
from rules.examples import account_from_spec
from rules.experiments import field_of
from rules.fields import BOOL
from rules.fields import FIELDS
from rules.fields import NUMBER
from rules.policy import CompiledPolicy
from rules.reader import Problems

RANDOM_ACCOUNTS = 300


def _random_facts(policy: CompiledPolicy, count: int, seed: int) -> list[dict[str, Any]]:
    chooser = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    seen: dict[str, list[Any]] = {}
    for rule in policy.compiled.rules:
        for name, _, value in comparisons(rule.condition):
            seen.setdefault(name, []).append(value)
    facts = []
    for _ in range(count):
        fact: dict[str, Any] = {ALWAYS: 1}
        for field in (*FIELDS.values(),
                      *(field_of(e) for e in policy.rule_file.experiments)):
            name = field.engine_name
            if chooser.random() < 0.1:
                continue  # absent, as a missing credit limit is
            known = seen.get(name, [])
            if field.type == BOOL:
                fact[name] = chooser.random() < 0.5
            elif field.type == NUMBER:
                base = chooser.choice(known) if known and chooser.random() < 0.8 else \
                    float(chooser.randint(0, 400))
                fact[name] = float(base + chooser.choice((-1, 0, 0, 1, 0.5)))
            else:
                options = [str(v) for v in known] + list(field.choices) + ["other"]
                fact[name] = chooser.choice(options)
        facts.append(fact)
    return facts


def self_test(policy: CompiledPolicy, problems: Problems, *, seed: int = 7) -> None:
    """Adds a problem for everything that keeps the file from going live."""
    rules = policy.compiled.rules
    examples = []
    for rule in rules:
        made = example(rule.condition)
        if made is None:
            problems.error(rule.line, f"{rule.kind} \"{rule.name}\"",
                           f"can never apply: no account satisfies {rule.text}")
        examples.append({ALWAYS: 1, **(made or {})})
    randoms = _random_facts(policy, RANDOM_ACCOUNTS, seed)
    with policy.runner() as runner:
        found = runner.matches(examples + randoms)
        if isinstance(found, EngineFailure):
            problems.error(None, None, f"the rules engine cannot run this file: {found.message}")
            return
        for rule, fired in zip(rules, found[:len(rules)], strict=True):
            if rule.rule_id in policy.compiled.always:
                continue  # `true`: nothing for the engine to test
            if example(rule.condition) is not None and rule.rule_id not in fired:
                problems.error(rule.line, f'{rule.kind} "{rule.name}"',
                               f"did not fire in the engine on an account where {rule.text}")
        for fact, fired in zip(randoms, found[len(rules):], strict=True):
            if frozenset(fired) != policy.compiled.shadow(fact):
                problems.error(None, None, f"the engine and its Python shadow disagree on "
                                           f"{fact}; the file cannot go live")
                break
        _file_tests(policy, problems, runner)


def _file_tests(policy: CompiledPolicy, problems: Problems, runner: Any) -> None:
    known = {step.name for ladder in policy.rule_file.ladders.values()
             for step in ladder.steps} | {e.name for e in policy.rule_file.events}
    for test in policy.rule_file.tests:
        label = f'test "{test.name}"'
        try:
            account = account_from_spec(test.account)
            segment = policy.outcomes([account], engine=False)[0].segment  # the steps' ladder
            ladder = policy.rule_file.ladders.get(segment or "")
            ladder_of = {step.name: ladder.name for step in ladder.steps} if ladder else {}
            account = account_from_spec(test.account, ladder_of=ladder_of)
        except ExampleError as exc:
            problems.error(test.line, label, str(exc))
            continue
        for name in test.expect or ():
            if name not in known:
                problems.error(test.line, label, f'expects "{name}", which is no step or rule '
                                                 f"in this file")
        outcome = policy.outcomes([account], runner=runner)[0]
        fired = sorted({d.rule for d in outcome.decisions if d.paused_by is None})
        if test.expect is not None and fired != sorted(set(test.expect)):
            why = f" ({'; '.join(outcome.notes)})" if outcome.notes else ""
            problems.error(test.line, label, f"expected {_names(sorted(set(test.expect)))}, "
                                             f"got {_names(fired)}{why}")
        if test.expect_paused is not None:
            paused = {d.paused_by for d in outcome.decisions if d.paused_by}
            if test.expect_paused not in paused:
                problems.error(test.line, label, f'expected a pause by "{test.expect_paused}", '
                                                 f"got {sorted(paused) or 'none'}")


def _names(names: list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names) or "nothing"
