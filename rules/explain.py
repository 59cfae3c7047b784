"""Why the rules decide what they decide for one account, in words (`rules explain`)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Decision
from rules.conditions import describe
from rules.policy import CompiledPolicy


@dataclass(frozen=True, slots=True)
class RuleCheck:
    kind: str  # segment | step | pause | event
    name: str
    ladder: str | None
    line: int
    condition: str
    matched: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    customer_code: str
    as_of: str
    segment: str | None
    pause: str | None
    checks: tuple[RuleCheck, ...]
    decisions: tuple[Decision, ...]  # paused ones included (paused_by set)
    notes: tuple[str, ...]
    facts: dict[str, object]  # what the rules saw


def explain(policy: CompiledPolicy, facts: AccountFacts) -> Explanation:
    """Runs the account through the engine (checked against the shadow) and reports every
    rule with its condition and whether it matched."""
    outcome = policy.outcomes([facts])[0]
    from rules.facts import situation  # noqa: PLC0415

    seen = situation(policy.rule_file, facts)
    matched = policy.compiled.with_always(policy.compiled.shadow(seen.fact))
    fired = [rule for rule in policy.compiled.rules if rule.rule_id in matched]
    reached = {name: policy.decider.reached(name, fired) for name in policy.rule_file.ladders}
    checks = []
    for rule in policy.compiled.rules:
        if rule.kind == "step" and rule.ladder is not None:
            step = next(s for s in policy.rule_file.ladders[rule.ladder].steps
                        if s.name == rule.name)
            text = f"account.days_overdue >= {step.at}"  # as written, not the compiled band
            if step.condition is not None:
                text += f" and {describe(step.condition)}"
            checks.append(RuleCheck(rule.kind, rule.name, rule.ladder, rule.line, text,
                                    rule.name in reached[rule.ladder]))
        else:
            checks.append(RuleCheck(rule.kind, rule.name, rule.ladder, rule.line, rule.text,
                                    rule.rule_id in matched))
    return Explanation(facts.customer_code, facts.today.isoformat(), outcome.segment,
                       outcome.pause, tuple(checks), tuple(outcome.decisions),
                       tuple(outcome.notes + policy.last_report.engine_failures
                             + policy.last_report.disagreements),
                       {key.replace("_", ".", 1): value for key, value in seen.fact.items()
                        if key != "always"})
