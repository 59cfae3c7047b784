"""What the rules see of one account (AccountFacts) and what they decide (Decision).

This is the contract between the rules engine (rules/, which turns finance's YAML into
decisions) and the cycle (hub/services, which loads facts from the ledger and applies
decisions). Plain data, standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from enum import StrEnum
from typing import Any

from hub.domain.money import Money


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


@dataclass(frozen=True, slots=True)
class PromiseFacts:
    id: int
    promised_on: date
    due_date: date
    amount: Money
    paid_since: Money  # received from the customer since the promise was made
    state: str  # open | kept | broken | cancelled


@dataclass(frozen=True, slots=True)
class PlanFacts:
    id: int
    state: str  # proposed | active | completed | broken | rejected
    next_due_date: date | None
    missed_instalments: int  # instalments past due plus grace and not covered


@dataclass(frozen=True, slots=True)
class StepTaken:
    """A ladder step already applied to the account (never applied twice)."""

    ladder: str
    step: str
    taken_on: date
    anchor_due_date: date  # the oldest unpaid due date the step was computed from


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
    channels: frozenset[str] = frozenset()  # channels the customer can receive: email, sms, ...
    enforcement: bool = True  # False: company-wide switch; decisions are recorded, not sent

    @property
    def open_invoices(self) -> tuple[InvoiceFacts, ...]:
        return tuple(i for i in self.invoices if i.open_amount.to_minor() > 0)

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
