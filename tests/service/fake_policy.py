"""An in-memory Policy (hub.ports.Policy) with a dunning ladder, for the cycle's tests
before and besides the real rules engine. It follows the design's semantics: pauses
(disputed or excluded invoices are not chased; an open promise, an active plan, an
excluded customer, legal stop everything), a minimum balance, the anchor recomputed on
each evaluation, never the same step twice, and `ladder` or `most_severe` progression."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.decisions import Decision
from hub.domain.decisions import Evaluation
from hub.domain.decisions import PolicySettings
from hub.domain.decisions import decision_key
from hub.domain.experiments import ExperimentPlan


@dataclass(frozen=True)
class Step:
    name: str
    at: int
    actions: tuple[Action, ...]


def send(template: str, *channels: str) -> Action:
    return Action(ActionKind.SEND, {"channels": list(channels or ("email",)),
                                    "template": template})


def task(task_type: str, assign: str = "owner") -> Action:
    return Action(ActionKind.TASK, {"task_type": task_type, "assign": assign})


DEFAULT_STEPS = (
    Step("friendly reminder", 3, (send("reminder-1", "email", "sms"),)),
    Step("firm reminder", 14, (send("reminder-2", "email", "letter"),)),
    Step("call", 21, (task("call"),)),
    Step("escalate", 30, (Action(ActionKind.ESCALATE, {"target": "department_manager",
                                                       "via": ["slack"]}),)),
    Step("pre-legal notice", 45, (send("pre-legal", "letter"),
                                  Action(ActionKind.HOLD_SALES, {}))),
    Step("legal handover", 60, (Action(ActionKind.LEGAL_HANDOVER, {"assign": "owner"}),)),
)


@dataclass
class FakePolicy:
    steps: Sequence[Step] = DEFAULT_STEPS
    progression: str = "ladder"  # or most_severe
    minimum_balance: Decimal = Decimal("25.00")
    fee_at: str | None = None  # a step that charges the EUR 40 once per invoice
    version: str = "fake-1"
    evaluated: list[str] = field(default_factory=list)  # customer codes, in order

    settings: PolicySettings = field(default_factory=PolicySettings)
    experiments: tuple[ExperimentPlan, ...] = ()
    uses_predictions: bool = False

    def thresholds(self) -> frozenset[int]:
        return frozenset(step.at for step in self.steps)

    def evaluate_with_schedule(self, accounts: Sequence[AccountFacts]) -> Evaluation:
        """The decisions; no account is scheduled (the selection by threshold and by event
        finds every change this ladder can make)."""
        return Evaluation(self.evaluate(accounts),
                          dict.fromkeys((a.customer_code for a in accounts), None))

    def evaluate(self, accounts: Sequence[AccountFacts]) -> list[Decision]:
        decisions = []
        for account in accounts:
            self.evaluated.append(account.customer_code)
            decision = self._decide(account)
            if decision is not None:
                decisions.append(decision)
        return decisions

    def _decide(self, account: AccountFacts) -> Decision | None:
        chased = [i for i in account.overdue_invoices if not i.disputed and not i.excluded]
        balance = sum((i.open_amount.amount for i in chased), Decimal(0))
        if not chased or balance < self.minimum_balance:
            if account.on_hold and not account.overdue_invoices:
                return self._decision(account, "paid: release hold", None,
                                      (Action(ActionKind.RELEASE_HOLD, {}),), {})
            return None
        if account.excluded or account.legal:
            return None
        anchor = min(i.due_date for i in chased)
        days = (account.today - anchor).days
        facts: dict[str, Any] = {"anchor": anchor.isoformat(), "days_overdue": days,
                                 "balance": str(balance)}
        taken = {s.step for s in account.steps_taken if s.taken_on >= anchor}
        if any(s.taken_on == account.today for s in account.steps_taken):
            return None  # one step per day, however often the cycle runs
        reached = [step for step in self.steps if step.at <= days]
        if self.progression == "most_severe":
            candidates = reached[-1:] if reached and reached[-1].name not in taken else []
        else:
            candidates = [step for step in reached if step.name not in taken][:1]
        if not candidates:
            return None
        step = candidates[0]
        paused = None
        if any(p.state == "open" for p in account.promises):
            paused = "promise.open"
        elif any(p.state == "active" for p in account.plans):
            paused = "plan.active"
        actions = step.actions
        if step.name == self.fee_at:
            actions += tuple(Action(ActionKind.FEE, {"invoice": i.number, "amount": "40.00",
                                                     "currency": "EUR", "fee": "eu_fixed"})
                             for i in chased if "eu_fixed" not in i.fees_charged)
        return self._decision(account, step.name, step.name, actions, facts, paused=paused)

    @staticmethod
    def _decision(account: AccountFacts, rule: str, step: str | None,
                  actions: tuple[Action, ...], facts: dict[str, Any], *,
                  paused: str | None = None) -> Decision:
        return Decision(key=decision_key(account.customer_code, rule, account.today),
                        customer_code=account.customer_code, rule=rule,
                        source="fake.yaml", ladder="business" if step else None, step=step,
                        actions=actions, facts=facts, paused_by=paused)
