"""What the rules see of one account (AccountFacts) and what they decide (Decision).

This is the contract between the rules engine (rules/, which turns finance's YAML into
decisions) and the cycle (hub/services, which loads facts from the ledger and applies
decisions). Plain data, standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from hub.domain.money import Money
from hub.domain.plans import PlanLimits
from hub.domain.prediction import AccountPrediction


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    number: str
    currency: str
    amount: Money
    open_amount: Money
    issue_date: date
    due_date: date
    days_overdue: int  # on AccountFacts.today; 0 when not yet due
    disputed: bool = False
    excluded: bool = False
    fees_charged: tuple[str, ...] = ()  # fee kinds already charged on it, e.g. ("eu_fixed",)
    interest_charged_until: date | None = None  # last day already covered by interest lines


@dataclass(frozen=True, slots=True)
class PromiseFacts:
    id: int
    promised_on: date
    due_date: date
    amount: Money
    paid_since: Money  # received from the customer since the promise was made
    state: PromiseState


@dataclass(frozen=True, slots=True)
class PlanFacts:
    id: int
    state: PlanState
    next_due_date: date | None
    missed_instalments: int  # instalments past due plus grace and not covered


@dataclass(frozen=True, slots=True)
class StepTaken:
    """A ladder step already applied to the account (never applied twice)."""

    ladder: str
    step: str
    taken_on: date
    anchor_due_date: date  # the oldest unpaid due date the step was computed from
    first_contact: bool = False  # the debt's first contact started at this step


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """Everything the rules may look at for one customer on one local date."""

    customer_code: str
    kind: str  # B2B | B2C
    country: str | None
    language: str
    timezone: str
    currency: str  # account currency (the open invoices' currency when single)
    owner: str | None
    department: str | None
    segment: str | None  # set by the ERP; rule-file segments are computed from facts
    lifetime_value: Money | None
    credit_limit: Money | None
    score: int | None
    excluded: bool
    on_hold: bool
    legal: bool  # handed over to legal: soft collection stops
    today: date  # in the customer's time zone
    invoices: tuple[InvoiceFacts, ...]
    promises: tuple[PromiseFacts, ...] = ()
    plans: tuple[PlanFacts, ...] = ()
    open_disputes: int = 0
    steps_taken: tuple[StepTaken, ...] = ()
    # channels the customer can receive (email, sms, call, letter); None: not known, so a
    # step's channels are all kept for the dispatcher to decide at send time
    channels: frozenset[str] | None = None
    enforcement: bool = True  # False: company-wide switch; decisions are recorded, not sent
    account_manager: str | None = None  # the salesperson who owns the relationship
    hold_since: date | None = None  # the day the active sales hold was placed
    # (experiment, variant) recorded when the account first reached an experiment's step:
    # the account keeps that variant even if the rule file's shares change later
    variants: tuple[tuple[str, str], ...] = ()
    # loaded only for a rule file that tests prediction.* fields (docs/prediction.md)
    prediction: AccountPrediction | None = None
    # the campaign the customer is in (its slug; None: none, or it was stopped), the days
    # since joining it (paused days left out) and whether it is paused (docs/campaigns.md)
    campaign: str | None = None
    campaign_days: int = 0
    campaign_paused: bool = False
    # handed over to hard collection (docs/handover.md): the hub's own dunning stops
    handed_over: bool = False

    @property
    def open_invoices(self) -> tuple[InvoiceFacts, ...]:
        # Money is whole minor units (Money.__post_init__): amount > 0 is to_minor() > 0
        return tuple(i for i in self.invoices if i.open_amount.amount > 0)

    @property
    def overdue_invoices(self) -> tuple[InvoiceFacts, ...]:
        return tuple(i for i in self.open_invoices if i.days_overdue > 0)


class ActionKind(StrEnum):
    SEND = "send"  # a debtor notice: channels in order, template
    TASK = "task"  # a task for a person: task type, assignee rule, due in days
    ESCALATE = "escalate"  # tell a target (department_manager, ...) via chat channels
    NOTIFY = "notify"  # tell everyone involved (owner, account manager, department manager)
    HOLD_SALES = "hold_sales"
    RELEASE_HOLD = "release_hold"
    LEGAL_HANDOVER = "legal_handover"
    HANDOVER = "handover"  # to hard collection (the collection company running the hub)
    FEE = "fee"  # a fixed compensation line on an invoice
    INTEREST = "interest"  # a late-payment interest line on an invoice
    RESUME = "resume"  # resume dunning (after a broken promise or plan)
    WARN = "warn"  # e.g. a limitation period about to expire


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    # kind-specific, JSON-serialisable: channels, template, task_type, assign, due_in_days,
    # target, via, invoice, amount (str Decimal), currency, rate, days, reason, ...
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    """One thing the rules decided for one account today, with its provenance.

    `key` is deterministic (account, ladder step or rule, local date) so applying the same
    decision twice creates nothing the second time."""

    key: str
    customer_code: str
    rule: str  # the rule or ladder step that fired, as named in the rule file
    source: str  # "collections.yaml line 14"
    ladder: str | None
    step: str | None
    actions: tuple[Action, ...]
    facts: dict[str, Any]  # the facts the rule saw, JSON-serialisable, for the timeline
    paused_by: str | None = None  # set when a pause suppressed the actions (kept for explain)


def decision_key(customer_code: str, rule_or_step: str, on: date) -> str:
    return f"{customer_code}|{rule_or_step}|{on.isoformat()}"


@dataclass(frozen=True, slots=True)
class ChannelCap:
    """At most `max_count` messages on `channel` to one customer in any `per_days` days."""

    channel: str  # email | sms | letter | call
    max_count: int
    per_days: int


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """The non-rule parts of a rule file that other parts of the hub read: the minimum
    balance, the contact policy (send window, business days, frequency caps) and the portal
    limits. Exposed as `policy.settings`."""

    minimum_balance: Decimal = Decimal(0)  # in the account's currency, unless overridden
    minimum_balance_by_currency: tuple[tuple[str, Decimal], ...] = ()
    send_window: tuple[time, time] = (time(8, 0), time(20, 0))  # debtor local time
    business_days_only: bool = True  # debtor notices only on the country's business days
    caps: tuple[ChannelCap, ...] = ()  # B2B (and B2C unless consumer_caps names the channel)
    consumer_caps: tuple[ChannelCap, ...] = (ChannelCap("call", 7, 7),)
    promise_max_days_ahead: int = 14
    promise_grace_days: int = 2
    # None: no plan is approved automatically, every one waits for a person (review task)
    plan_auto_approve: PlanLimits | None = field(default_factory=PlanLimits)
    plan_review_days: int = 2  # a plan still in review after this many days: its manager
    instalment_reminder_days: int = 3  # remind the debtor this many days before an instalment

    @classmethod
    def without_rules(cls) -> PolicySettings:
        """What every part of the hub runs on when no rule file can be read (a new ledger
        whose file fails its checks: there is no earlier version to keep in force).

        The same everywhere, so the portal, the API, Slack, the phone line and staff pages
        behave alike: the documented contact defaults (send window 08:00-20:00, business
        days only, the consumer call cap), which are the careful ones, and no automatic plan
        approval, since finance has not said which plans may pass without a person."""
        return cls(plan_auto_approve=None)

    def minimum_balance_for(self, currency: str) -> Decimal:
        return dict(self.minimum_balance_by_currency).get(currency, self.minimum_balance)

    def cap_for(self, channel: str, kind: str) -> ChannelCap | None:
        """The frequency cap for a channel and customer kind (B2B | B2C), if any."""
        if kind == "B2C":
            for cap in self.consumer_caps:
                if cap.channel == channel:
                    return cap
        for cap in self.caps:
            if cap.channel == channel:
                return cap
        return None


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One thing wrong (error) or worth a look (warning) in a rule file."""

    file: str
    line: int | None
    rule: str | None  # the step, segment or rule named in the file, when there is one
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        if self.rule:
            where += f", {self.rule}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


def describe_action(action: Action) -> str:  # noqa: PLR0911 - one wording per kind
    """One action in a few words, for tables and timelines."""
    p = action.params
    if action.kind is ActionKind.SEND:
        return f"send {p.get('template')} by {'/'.join(p.get('channels', ()))}"
    if action.kind is ActionKind.TASK:
        who = p.get("assignee") or p.get("assign")
        return f"task {p.get('task_type')} for {who}"
    if action.kind is ActionKind.ESCALATE:
        return f"escalate to {p.get('target')} via {'/'.join(p.get('via', ()))}"
    if action.kind is ActionKind.NOTIFY:
        return f"notify {', '.join(p.get('who', ()))}"
    if action.kind in (ActionKind.FEE, ActionKind.INTEREST):
        return f"{action.kind.value} {p.get('amount')} {p.get('currency')} on {p.get('invoice')}"
    if action.kind is ActionKind.WARN:
        return f"warn: {p.get('reason')}"
    if action.kind is ActionKind.HANDOVER:
        return (f"hand over to {p.get('to') or 'collection'}"
                + (" once the creditor approves" if p.get("approval") == "creditor" else ""))
    return action.kind.value.replace("_", " ")


def describe_decision(decision: Decision) -> str:
    actions = "; ".join(describe_action(a) for a in decision.actions) or "no action"
    paused = f" (paused by {decision.paused_by})" if decision.paused_by else ""
    return f"{decision.rule}: {actions}{paused}"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A policy's decisions for a batch, and per account the next day on which it must be
    evaluated again (its next ladder step, a step waiting for a business day, a claim
    nearing limitation); None: nothing is due until something happens to the account."""

    decisions: list[Decision]
    next_evaluation: dict[str, date | None]
