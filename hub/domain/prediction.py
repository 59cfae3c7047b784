"""Payment prediction, the pure parts: the feature catalogue with its plain-word reasons,
the outcome classes, the customer-history baseline and what a prediction means for one
account (rule fields, expected recovery).

The features themselves are computed from the ledger in hub.services.prediction_features;
the models live in hub.services.prediction_models. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.i18n import N_

# the late classes, as Microsoft Dynamics 365 Finance reports them
ON_TIME, LATE_1_30, LATE_OVER_30 = N_("on time"), N_("1-30 days late"), N_("over 30 days late")
LATE_CLASSES: tuple[str, ...] = (ON_TIME, LATE_1_30, LATE_OVER_30)
# the same classes as rule files write them: prediction.late_class == "over-30"
CLASS_CODES: tuple[str, ...] = ("on-time", "1-30", "over-30")
CONTACT_WINDOW_DAYS = 90  # "the contact so far": what happened in the last 90 days
RECENT_INVOICES = 3  # the trend compares the last 3 paid invoices with all of them
DEFAULT_LATE_SHARE = 0.3  # a fresh install: no paid invoice yet to learn the share from


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    group: str  # history | invoice | contact
    meaning: str


FEATURES: tuple[Feature, ...] = (
    Feature("hist_invoices", "history", "invoices the customer paid before the day"),
    Feature("hist_late_share", "history", "share of those paid after their due date"),
    Feature("hist_mean_days_late", "history", "mean days late (negative: early)"),
    Feature("hist_trend_days_late", "history",
            "mean days late of the last 3 paid invoices minus the mean of all"),
    Feature("hist_over_30_share", "history", "share paid more than 30 days late"),
    Feature("last_paid_late", "history", "1 if the last paid invoice was paid late"),
    Feature("last_days_late", "history", "days late of the last paid invoice"),
    Feature("hist_disputed_share", "history", "share of paid invoices that were disputed"),
    Feature("open_overdue", "history", "other invoices open and overdue on the day"),
    Feature("oldest_overdue_days", "history", "days overdue of the oldest of them"),
    Feature("promises_kept", "history", "promises to pay kept before the day"),
    Feature("promises_broken", "history", "promises to pay broken before the day"),
    Feature("disputes_opened", "history", "disputes the customer opened before the day"),
    Feature("days_since_payment", "history", "days since the customer's last payment"),
    Feature("amount_ratio", "invoice", "amount over the customer's mean invoice amount"),
    Feature("terms_days", "invoice", "payment terms: days from issue to due date"),
    Feature("issue_month", "invoice", "month of the issue date, 1-12"),
    Feature("paperless", "invoice", "1 for an electronic bill, 0 for paper, empty unknown"),
    Feature("disputed_now", "invoice", "1 if a dispute on the invoice was known"),
    Feature("consumer", "invoice", "1 for a consumer (B2C) customer"),
    Feature("messages_90d", "contact", "messages sent to the customer in 90 days"),
    Feature("channels_90d", "contact", "different channels used in 90 days"),
    Feature("steps_90d", "contact", "collection steps taken in 90 days"),
    Feature("responses_90d", "contact", "promises and disputes from the customer in 90 days"),
    Feature("days_since_contact", "contact", "days since the last message sent"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}


def late_class(days_late: int) -> int:
    """0 on time (paid on or before the due date), 1: 1-30 days late, 2: over 30."""
    return 0 if days_late <= 0 else 1 if days_late <= 30 else 2


def baseline_late(history: int, late_share: float | None, prior: float) -> float:
    """The customer's own past late share, shrunk towards the portfolio's share by one
    invoice's weight, so a customer with one paid invoice is not called 0% or 100%."""
    if not history or late_share is None or math.isnan(late_share):
        return prior
    return (late_share * history + prior) / (history + 1)


def condition_on_overdue(probabilities: Sequence[float], days_overdue: int) -> list[float]:
    """The class probabilities of an invoice still open `days_overdue` days after its due
    date: the classes it can no longer end in are dropped and the rest renormalised (an
    invoice 40 days overdue is over 30 days late, whatever the model thought at issue)."""
    possible = [p if (k >= 1 or days_overdue <= 0) and (k == 2 or days_overdue <= 30) else 0.0
                for k, p in enumerate(probabilities)]
    total = sum(possible)
    if total <= 0:  # the model gave no weight to what is now certain
        return [0.0, 0.0, 1.0] if days_overdue > 30 else [0.0, 1.0, 0.0]
    return [p / total for p in possible]


@dataclass(frozen=True, slots=True)
class InvoicePrediction:
    invoice_number: str
    open_amount: float  # in the invoice currency
    days_overdue: int
    p_late: float  # the risk score: an invoice like this one is paid after its due date
    classes: tuple[float, float, float]  # on time, 1-30, over 30 days late
    expected_days_to_pay: float  # from the issue date

    @property
    def late_class(self) -> int:
        """0 on time, 1: 1-30 days late, 2: over 30 (the most likely)."""
        return max(range(3), key=lambda k: self.classes[k])


@dataclass(frozen=True, slots=True)
class AccountPrediction:
    """What the rules, the worklist and the account page see of one account."""

    p_late: float  # the risk score of the account's first open invoice (oldest due)
    late_class: int  # of that invoice: 0 on time, 1: 1-30 days late, 2: over 30 (CLASS_CODES)
    expected_days_to_pay: float  # days from today until the open balance is paid
    p_over_30: float  # amount-weighted chance of ending over 30 days late
    expected_recovery: float  # open amount x chance a contact changes the outcome
    source: str  # "model v3" or "baseline (customer history)"
    reasons: tuple[str, ...] = ()

    @property
    def late_class_code(self) -> str:
        return CLASS_CODES[self.late_class]

    @property
    def late_class_text(self) -> str:
        return LATE_CLASSES[self.late_class]


def account_prediction(invoices: Sequence[InvoicePrediction], *,
                       issue_dates: Mapping[str, date], today: date, source: str,
                       reasons: tuple[str, ...] = (),
                       contact_effect: float = 1.0) -> AccountPrediction | None:
    """One account from its open invoices' predictions.

    - p_late and late_class: of the invoice that falls due first (the one a collector acts
      on next);
    - expected_days_to_pay: until the last open invoice is expected to be paid;
    - expected_recovery: sum over open invoices of open amount x P(over 30 days late) x
      `contact_effect`. The hub cannot know from observational data how much a contact
      changes the outcome (item 5's experiments measure that); until then it assumes the
      change is proportional to the risk of serious lateness, so the order is by money at
      risk of slipping beyond 30 days. `contact_effect` scales the figure, not the order.
    """
    if not invoices:
        return None
    first = min(invoices, key=lambda p: (-p.days_overdue, p.invoice_number))
    total = sum(p.open_amount for p in invoices)
    over_30 = sum(p.open_amount * p.classes[2] for p in invoices) / total if total else 0.0
    remaining = max(max(0.0, p.expected_days_to_pay - (today - issue_dates[p.invoice_number]).days)
                    for p in invoices)
    recovery = sum(p.open_amount * p.classes[2] for p in invoices) * contact_effect
    return AccountPrediction(p_late=round(first.p_late, 4), late_class=first.late_class,
                             expected_days_to_pay=round(remaining, 1),
                             p_over_30=round(over_30, 4),
                             expected_recovery=round(recovery, 2), source=source,
                             reasons=reasons)


def _count(value: float, one: str, many: str) -> str:
    n = round(value)
    return f"{n} {one if n == 1 else many}"


def _days_late(value: float) -> str:
    if value >= 1:
        return f"usually pays {round(value)} days late"
    if value <= -1:
        return f"usually pays {round(-value)} days early"
    return "usually pays on the due date"


def _trend(value: float) -> str | None:
    if abs(value) < 1:
        return None
    return f"recent payments {round(abs(value))} days {'later' if value > 0 else 'earlier'} " \
           "than usual"


_REASONS: dict[str, Callable[[float], str | None]] = {
    "hist_invoices": lambda v: f"{_count(v, 'paid invoice', 'paid invoices')} of history",
    "hist_late_share": lambda v: f"paid {round(v * 100)}% of past invoices late",
    "hist_mean_days_late": _days_late,
    "hist_trend_days_late": _trend,
    "last_paid_late": lambda v: "paid the last invoice late" if v else
    "paid the last invoice on time",
    "hist_over_30_share": lambda v: f"paid {round(v * 100)}% of past invoices over 30 days late",
    "last_days_late": lambda v: f"paid the last invoice {round(v)} days late" if v >= 1 else
    None,
    "hist_disputed_share": lambda v: f"disputed {round(v * 100)}% of past invoices",
    "open_overdue": lambda v: f"has {_count(v, 'other overdue invoice', 'other overdue invoices')}"
                              " open",
    "oldest_overdue_days": lambda v: f"oldest overdue invoice {round(v)} days past due",
    "promises_kept": lambda v: f"kept {_count(v, 'promise', 'promises')} to pay",
    "promises_broken": lambda v: f"broke {_count(v, 'promise', 'promises')} to pay",
    "disputes_opened": lambda v: f"opened {_count(v, 'dispute', 'disputes')}",
    "days_since_payment": lambda v: f"last payment {round(v)} days ago",
    "amount_ratio": lambda v: f"invoice {v:.1f} times the customer's usual amount",
    "terms_days": lambda v: f"{round(v)} days payment terms",
    "issue_month": lambda v: f"issued in month {round(v)}",
    "paperless": lambda v: "electronic bill" if v else "paper bill",
    "disputed_now": lambda v: "the invoice is in dispute" if v else "the invoice is not disputed",
    "consumer": lambda v: "a consumer" if v else "a business",
    "messages_90d": lambda v: f"{_count(v, 'message', 'messages')} in 90 days",
    "channels_90d": lambda v: f"{_count(v, 'channel', 'channels')} used in 90 days",
    "steps_90d": lambda v: f"{_count(v, 'reminder step', 'reminder steps')} in 90 days",
    "responses_90d": lambda v: f"{_count(v, 'reply', 'replies')} (promise or dispute) in 90 days",
    "days_since_contact": lambda v: f"last contacted {round(v)} days ago",
}


def reason_text(name: str, value: float) -> str | None:
    """A feature's value in words a collector understands; None when it says nothing."""
    if value is None or math.isnan(value) or name not in _REASONS:
        return None
    return _REASONS[name](value)
