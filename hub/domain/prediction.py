"""Payment prediction, the pure parts: the feature catalogue with its plain-word reasons,
the outcome classes, the customer-history baseline and what a prediction means for one
account (rule fields, expected recovery).

The features themselves are computed from the ledger in hub.services.prediction.features;
the models live in hub.services.prediction.models. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.i18n import N_
from hub.i18n import Text
from hub.i18n import lazy_gettext
from hub.i18n import lazy_ngettext

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


def _n(value: float) -> int:
    return round(value)


def _days_late(value: float) -> Text:
    if value >= 1:
        return lazy_ngettext("usually pays %(num)s day late", "usually pays %(num)s days late",
                             round(value))
    if value <= -1:
        return lazy_ngettext("usually pays %(num)s day early",
                             "usually pays %(num)s days early", round(-value))
    return lazy_gettext("usually pays on the due date")


def _trend(value: float) -> Text | None:
    if abs(value) < 1:
        return None
    if value > 0:
        return lazy_ngettext("recent payments %(num)s day later than usual",
                             "recent payments %(num)s days later than usual", round(value))
    return lazy_ngettext("recent payments %(num)s day earlier than usual",
                         "recent payments %(num)s days earlier than usual", round(-value))


# Each feature's value in words, kept untranslated (hub.i18n.Text: English until shown)
_REASONS: dict[str, Callable[[float], Text | None]] = {
    "hist_invoices": lambda v: lazy_ngettext("%(num)s paid invoice of history",
                                             "%(num)s paid invoices of history", _n(v)),
    "hist_late_share": lambda v: lazy_gettext("paid %(share)s%% of past invoices late",
                                              share=round(v * 100)),
    "hist_mean_days_late": _days_late,
    "hist_trend_days_late": _trend,
    "last_paid_late": lambda v: lazy_gettext("paid the last invoice late") if v else
    lazy_gettext("paid the last invoice on time"),
    "hist_over_30_share": lambda v: lazy_gettext(
        "paid %(share)s%% of past invoices over 30 days late", share=round(v * 100)),
    "last_days_late": lambda v: lazy_ngettext(
        "paid the last invoice %(num)s day late", "paid the last invoice %(num)s days late",
        _n(v)) if v >= 1 else None,
    "hist_disputed_share": lambda v: lazy_gettext("disputed %(share)s%% of past invoices",
                                                  share=round(v * 100)),
    "open_overdue": lambda v: lazy_ngettext("has %(num)s other overdue invoice open",
                                            "has %(num)s other overdue invoices open", _n(v)),
    "oldest_overdue_days": lambda v: lazy_ngettext(
        "oldest overdue invoice %(num)s day past due",
        "oldest overdue invoice %(num)s days past due", _n(v)),
    "promises_kept": lambda v: lazy_ngettext("kept %(num)s promise to pay",
                                             "kept %(num)s promises to pay", _n(v)),
    "promises_broken": lambda v: lazy_ngettext("broke %(num)s promise to pay",
                                               "broke %(num)s promises to pay", _n(v)),
    "disputes_opened": lambda v: lazy_ngettext("opened %(num)s dispute",
                                               "opened %(num)s disputes", _n(v)),
    "days_since_payment": lambda v: lazy_ngettext("last payment %(num)s day ago",
                                                  "last payment %(num)s days ago", _n(v)),
    "amount_ratio": lambda v: lazy_gettext("invoice %(ratio)s times the customer's usual "
                                           "amount", ratio=f"{v:.1f}"),
    "terms_days": lambda v: lazy_ngettext("%(num)s day payment terms",
                                          "%(num)s days payment terms", _n(v)),
    "issue_month": lambda v: lazy_gettext("issued in month %(month)s", month=round(v)),
    "paperless": lambda v: lazy_gettext("electronic bill") if v else
    lazy_gettext("paper bill"),
    "disputed_now": lambda v: lazy_gettext("the invoice is in dispute") if v else
    lazy_gettext("the invoice is not disputed"),
    "consumer": lambda v: lazy_gettext("a consumer") if v else lazy_gettext("a business"),
    "messages_90d": lambda v: lazy_ngettext("%(num)s message in 90 days",
                                            "%(num)s messages in 90 days", _n(v)),
    "channels_90d": lambda v: lazy_ngettext("%(num)s channel used in 90 days",
                                            "%(num)s channels used in 90 days", _n(v)),
    "steps_90d": lambda v: lazy_ngettext("%(num)s reminder step in 90 days",
                                         "%(num)s reminder steps in 90 days", _n(v)),
    "responses_90d": lambda v: lazy_ngettext(
        "%(num)s reply (promise or dispute) in 90 days",
        "%(num)s replies (promise or dispute) in 90 days", _n(v)),
    "days_since_contact": lambda v: lazy_ngettext("last contacted %(num)s day ago",
                                                  "last contacted %(num)s days ago", _n(v)),
}


def reason_text(name: str, value: float) -> Text | None:
    """A feature's value in words a collector understands; None when it says nothing."""
    if value is None or math.isnan(value) or name not in _REASONS:
        return None
    return _REASONS[name](value)
