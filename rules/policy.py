"""A compiled rule file that decides for accounts (implements hub.ports.Policy)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import PurePath
from typing import Any

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Decision
from hub.domain.decisions import Evaluation
from hub.domain.decisions import PolicySettings
from hub.domain.experiments import ExperimentPlan
from rules.compiler import Compiled
from rules.conditions import comparisons
from rules.decide import Decider
from rules.decide import Outcome
from rules.engine import EngineFailure
from rules.engine import EngineRunner
from rules.engine_facts import Key
from rules.facts import Situation
from rules.facts import situation
from rules.model import RuleFile

BATCH_SIZE = 1000
WORKERS = 2  # engine processes; the C engine holds the GIL, so parallel means processes


@dataclass
class EvaluationReport:
    """How the last evaluate() went: failures fall back, disagreements are withheld."""

    accounts: int = 0
    batches: int = 0
    classes: int = 0  # what the engine evaluated: one fact per class (rules/engine_facts.py)
    engine_failures: list[str] = field(default_factory=list)  # batch fell back to the shadow
    disagreements: list[str] = field(default_factory=list)  # account skipped, no decision
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.engine_failures and not self.disagreements


class CompiledPolicy:
    """Finance's rule file, validated and compiled; evaluates accounts through durable_rules
    (in a child process, in batches) and cross-checks every account against the shadow."""

    def __init__(self, rule_file: RuleFile, compiled: Compiled, *, isolation: str = "fork",
                 timeout: float = 60.0, batch_size: int = BATCH_SIZE,
                 workers: int = WORKERS) -> None:
        self.rule_file = rule_file
        self.compiled = compiled
        self.decider = Decider(rule_file, compiled)
        self.isolation = isolation
        self.timeout = timeout
        self.batch_size = batch_size
        self.workers = 1 if isolation == "inline" else workers
        self.last_report = EvaluationReport()

    @property
    def version(self) -> str:
        return self.rule_file.sha256

    @property
    def settings(self) -> PolicySettings:
        return self.rule_file.settings

    def thresholds(self) -> frozenset[int]:
        """Days overdue at which a ladder step falls due (the cycle's incremental selection:
        an account with no new events changes only when it reaches one of these). A step
        due on a weekend or holiday waits for a business day: the cycle's selection looks
        back that far itself (cycle_candidates.BUSINESS_DAY_SLACK), and the schedule each
        evaluation stores names the day it waits for."""
        return frozenset(step.at for ladder in self.rule_file.ladders.values()
                         for step in ladder.steps)

    @property
    def experiments(self) -> tuple[ExperimentPlan, ...]:
        """The file's experiments, for the experiment report
        (hub.services.prediction.experiments)."""
        return tuple(ExperimentPlan(
            e.name, e.ladder, e.step, tuple((v.name, float(v.share)) for v in e.variants),
            e.control, tuple(v.name for v in e.variants if v.skip))
            for e in self.rule_file.experiments)

    @property
    def uses_predictions(self) -> bool:
        """The file tests a prediction.* field: the cycle then loads predictions."""
        return any(name.startswith(("prediction.", "prediction_"))
                   for rule in self.compiled.rules
                   for name, _, _ in comparisons(rule.condition))

    @property
    def file_name(self) -> str:
        return PurePath(self.rule_file.file).name

    def runner(self) -> EngineRunner:
        return EngineRunner(self.compiled.ruleset_name, self.compiled.definition,
                            timeout=self.timeout, isolation=self.isolation)

    def outcomes(self, accounts: Sequence[AccountFacts], *, engine: bool = True,
                 runner: EngineRunner | None = None) -> list[Outcome]:
        """Per account: segment, pause, matches and decisions (paused ones included).

        The engine is sent each class of accounts once (rules/engine_facts.py: the same
        side of every threshold the rules test), in batches to `workers` engine processes
        in turn; every account is still checked against its own shadow evaluation."""
        started = time.perf_counter()
        report = EvaluationReport(accounts=len(accounts))
        situations = [situation(self.rule_file, account) for account in accounts]
        classes: dict[Key, int] = {}
        if engine:
            key = self.compiled.engine_facts.key
            members = [classes.setdefault(key(s.fact), len(classes)) for s in situations]
            found = self._engine([self.compiled.engine_facts.fact(k) for k in classes],
                                 runner, report)
        results: list[Outcome] = []
        for first in range(0, len(situations), self.batch_size):
            batch = situations[first:first + self.batch_size]
            report.batches += 1
            fired: list[list[str] | EngineFailure] | None = None
            if engine:
                fired = [found[index] for index in members[first:first + self.batch_size]]
            results += self._batch(batch, fired, report)
        report.seconds = time.perf_counter() - started
        self.last_report = report
        return results

    def _engine(self, facts: list[dict[str, Any]], runner: EngineRunner | None,
                report: EvaluationReport) -> list[list[str] | EngineFailure]:
        """The engine's matches for each fact, or the failure of the batch it was in."""
        report.classes = len(facts)
        batches = [facts[first:first + self.batch_size]
                   for first in range(0, len(facts), self.batch_size)]
        runners = [runner] if runner is not None else [
            self.runner() for _ in range(max(1, min(self.workers, len(batches))))]
        found: list[list[str] | EngineFailure] = []
        try:
            for index in range(min(len(runners), len(batches))):
                runners[index].submit(batches[index])
            for index, batch in enumerate(batches):
                active = runners[index % len(runners)]
                answer = active.collect()
                following = index + len(runners)
                if following < len(batches):
                    active.submit(batches[following])
                found += [answer] * len(batch) if isinstance(answer, EngineFailure) else answer
        finally:
            if runner is None:
                for own in runners:
                    own.close()
        return found

    def _batch(self, batch: list[Situation], found: list[list[str] | EngineFailure] | None,
               report: EvaluationReport) -> list[Outcome]:
        shadow = [self.compiled.shadow(s.fact) for s in batch]
        matched: list[frozenset[str] | None] = list(shadow)
        failed: dict[str, list[str]] = {}
        for index, fired in enumerate(found or ()):
            if isinstance(fired, EngineFailure):
                failed.setdefault(fired.message, []).append(batch[index].facts.customer_code)
            elif frozenset(fired) != shadow[index]:
                matched[index] = None
                report.disagreements.append(
                    f"{batch[index].facts.customer_code}: engine matched "
                    f"{self._names(fired)}, shadow {self._names(shadow[index])}")
        for message, codes in failed.items():
            report.engine_failures.append(f"{message}; accounts {codes[0]}..{codes[-1]} "
                                          f"({len(codes)}) were decided by the shadow "
                                          f"evaluator")
        outcomes = []
        for item, fired_ids in zip(batch, matched, strict=True):
            if fired_ids is None:
                outcomes.append(Outcome(item.facts.customer_code, None, None, [],
                                        notes=["withheld: the engine and its shadow disagree"]))
            else:
                outcomes.append(self.decider.outcome(item, self.compiled.with_always(fired_ids)))
        return outcomes

    def _names(self, ids: Sequence[str] | frozenset[str]) -> list[str]:
        return sorted(self.decider.by_id[i].name for i in ids)

    def evaluate(self, accounts: Sequence[AccountFacts], *,
                 include_paused: bool = False) -> list[Decision]:
        """The decisions for the accounts, in account order. Paused decisions (a dispute,
        a promise, below the minimum balance...) are left out unless asked for."""
        return self.evaluate_with_schedule(accounts, include_paused=include_paused).decisions

    def evaluate_with_schedule(self, accounts: Sequence[AccountFacts], *,
                               include_paused: bool = False) -> Evaluation:
        """The decisions, and per account the next day it must be evaluated again (the
        cycle stores it and selects by it)."""
        decisions: list[Decision] = []
        schedule: dict[str, date | None] = {}
        for outcome in self.outcomes(accounts):
            decisions += [d for d in outcome.decisions
                          if include_paused or d.paused_by is None]
            schedule[outcome.customer_code] = outcome.next_due
        return Evaluation(decisions, schedule)
