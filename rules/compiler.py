"""RuleFile -> durable_rules ruleset JSON and the Python shadow of the same rule tree.

Every segment, ladder step, pause and event rule becomes one engine rule that matches the
account fact. Which of them match is all the engine decides; decide.py then applies the
file's semantics (first segment wins, progression, pauses) identically for both.

A plain step (no `when:`) compiles to its band of days, up to the next plain step, so one
rule per ladder fires instead of every step already passed (each firing costs the engine
far more than a test); the steps below the band are reached by implication. A step also
tests its segment's condition, so other segments' customers do not fire it.

The compiler refuses files that would meet the engine's measured limits (research
durable_rules.md): more than 64 distinct tests true at once on one fact (error 303), more
than 512 thresholds on one field (hang), too many rules for one ruleset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rules.conditions import AllOf
from rules.conditions import Condition
from rules.conditions import Const
from rules.conditions import Predicate
from rules.conditions import comparisons
from rules.conditions import describe
from rules.conditions import parse_condition
from rules.conditions import shadow_of_rules
from rules.conditions import to_engine
from rules.conditions import to_shadow
from rules.engine_facts import EngineFacts
from rules.fields import FIELDS
from rules.model import RuleFile
from rules.reader import Problems

MAX_DISTINCT_TESTS = 60  # the engine fails (error 303) past 64 tests true at once
MAX_THRESHOLDS_PER_FIELD = 500  # 513 thresholds on one field hang the engine
MAX_RULES = 200
MAX_PROPERTIES = 250  # error 302 past 253 properties in one message
SENTINEL_FIELD = "end_of_account"


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule_id: str  # engine name: r0, r1, ...
    kind: str  # segment | step | pause | event
    name: str  # as written in the file
    ladder: str | None
    condition: Condition
    line: int
    shadow: Predicate

    @property
    def text(self) -> str:
        return describe(self.condition)


@dataclass(frozen=True, slots=True)
class Compiled:
    ruleset_name: str
    rules: tuple[CompiledRule, ...]
    definition: dict[str, Any]  # durable_rules JSON, without the `run` callables
    engine_facts: EngineFacts  # what the engine is sent of an account
    shadow_all: Callable[[dict[str, Any]], frozenset[str]]  # the rules not `always`
    always: frozenset[str] = frozenset()  # rules that are simply `true`: never sent to the engine

    def shadow(self, fact: dict[str, Any]) -> frozenset[str]:
        """The rule ids the shadow predicate says match `fact` (what the engine must say):
        each rule's `shadow`, generated as one function (conditions.shadow_of_rules)."""
        return self.shadow_all(fact)

    def with_always(self, matched: frozenset[str]) -> frozenset[str]:
        return matched | self.always


def _rules(rule_file: RuleFile) -> list[tuple[str, str, str | None, Condition, int]]:
    found: list[tuple[str, str, str | None, Condition, int]] = []
    for segment in rule_file.segments:
        found.append(("segment", segment.name, None, segment.condition, segment.line))
    segments = {segment.name: segment.condition for segment in rule_file.segments}
    for ladder in rule_file.ladders.values():
        plain = [step.at for step in ladder.steps if step.condition is None]
        for step in ladder.steps:
            parts = [parse_condition(f"account.days_overdue >= {step.at}")]
            if step.condition is not None:
                parts.append(step.condition)
            else:  # a band up to the next plain step: the steps below it are implied
                later = [at for at in plain if at > step.at]
                if later:
                    parts.append(parse_condition(f"account.days_overdue < {min(later)}"))
            owner = segments.get(ladder.name)
            if owner is not None and owner != Const(True):
                parts.append(owner)  # only the ladder's own customers fire its steps
            condition: Condition = parts[0] if len(parts) == 1 else AllOf(tuple(parts))
            found.append(("step", step.name, ladder.name, condition, step.line))
    for pause in rule_file.pauses:
        if pause.condition is not None:
            found.append(("pause", pause.name, None, pause.condition, pause.line))
    for event in rule_file.events:
        found.append(("event", event.name, None, event.condition, event.line))
    return found


def compile_rules(rule_file: RuleFile, problems: Problems) -> Compiled | None:
    """The compiled rules, or None after adding problems for what the engine cannot take."""
    found = _rules(rule_file)
    tests: set[tuple[str, str, Any]] = set()
    for _, _, _, condition, _ in found:
        tests |= comparisons(condition)
    properties = len(FIELDS) + len(rule_file.experiments) + 2  # with `always` and `sid`
    if properties > MAX_PROPERTIES:
        problems.error(None, None, f"the account fact would carry {properties} "
                                   f"properties; the engine takes {MAX_PROPERTIES}")
    if len(found) > MAX_RULES:
        problems.error(None, None, f"the file has {len(found)} rules, steps and segments; "
                                   f"the engine takes at most {MAX_RULES}")
    if len(tests) > MAX_DISTINCT_TESTS:
        problems.error(None, None, f"the file uses {len(tests)} different tests (field, "
                                   f"comparison, value); the engine fails past 64 true at "
                                   f"once, so at most {MAX_DISTINCT_TESTS} are allowed: "
                                   f"reuse the same day and amount thresholds")
    per_field = Counter(field for field, _, _ in tests)
    for field, count in per_field.items():
        if count > MAX_THRESHOLDS_PER_FIELD:
            problems.error(None, None, f"{field} is compared with {count} values; at most "
                                       f"{MAX_THRESHOLDS_PER_FIELD}")
    if problems.errors:
        return None
    rules = tuple(CompiledRule(f"r{index}", kind, name, ladder, condition, line,
                               to_shadow(condition))
                  for index, (kind, name, ladder, condition, line) in enumerate(found))
    always = frozenset(rule.rule_id for rule in rules if rule.condition == Const(True))
    definition: dict[str, Any] = {  # a `true` rule would fire on every account: each firing
        rule.rule_id: {"all": [{"m": to_engine(rule.condition)}]}  # costs, and says nothing
        for rule in rules if rule.rule_id not in always}
    definition["end"] = {"all": [{"m": {SENTINEL_FIELD: 1}}]}
    engine_facts = EngineFacts(test for rule in rules if rule.rule_id not in always
                               for test in comparisons(rule.condition))
    shadow_all = shadow_of_rules([(rule.rule_id, rule.condition) for rule in rules
                                  if rule.rule_id not in always])
    return Compiled(f"collections_{rule_file.sha256[:12]}", rules, definition, engine_facts,
                    shadow_all, always)
