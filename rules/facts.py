"""One account's facts, flattened to what the rules see (the engine fact), with the details
decide.py needs (the anchor invoice, broken promises, claims nearing limitation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import InvoiceFacts
from hub.domain.decisions import PlanFacts
from hub.domain.decisions import PromiseFacts
from hub.domain.fees import limitation_expiry
from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from rules.conditions import ALWAYS
from rules.experiments import field_of
from rules.experiments import variant_of
from rules.model import RuleFile


@dataclass(frozen=True, slots=True)
class Situation:
    facts: AccountFacts
    open_count: int
    eligible: tuple[InvoiceFacts, ...]  # overdue, open, not disputed, not paused
    anchor: InvoiceFacts | None  # the oldest of them: the ladder counts days from it
    overdue_balance: Decimal
    broken_promises: tuple[PromiseFacts, ...]
    missed_plans: tuple[PlanFacts, ...]
    expiring: tuple[tuple[InvoiceFacts, date], ...]  # open claims and their last day
    fact: dict[str, Any]  # what the engine and the shadow see

    @property
    def days_overdue(self) -> int:
        return self.anchor.days_overdue if self.anchor else 0


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _prediction(facts: AccountFacts) -> dict[str, Any]:
    """The prediction fields (docs/prediction.md): absent when nothing is open or the
    rule file tests none of them (then they are not loaded)."""
    found = facts.prediction
    if found is None:
        return {}
    return {"prediction_p_late": found.p_late, "prediction_late_class": found.late_class_code,
            "prediction_expected_days_to_pay": found.expected_days_to_pay}


def _campaign(facts: AccountFacts) -> dict[str, Any]:
    """The campaign fields: absent for a customer in no campaign (docs/campaigns.md)."""
    if facts.campaign is None:
        return {}
    return {"campaign_name": facts.campaign, "campaign_days": float(facts.campaign_days),
            "campaign_paused": facts.campaign_paused}


def _by_due_date(invoice: InvoiceFacts) -> tuple[date, str]:
    return invoice.due_date, invoice.number


def situation(rule_file: RuleFile, facts: AccountFacts) -> Situation:
    pause_excluded = any(pause.name == "invoice.excluded" for pause in rule_file.pauses)
    grace = timedelta(days=rule_file.settings.promise_grace_days)
    today = facts.today
    # one pass over the open invoices (once per account per cycle)
    open_list: list[InvoiceFacts] = []
    chased: list[InvoiceFacts] = []
    balance = Decimal(0)
    disputed = 0
    any_excluded = False
    for invoice in facts.invoices:
        amount = invoice.open_amount.amount
        if not amount > 0:
            continue
        open_list.append(invoice)
        balance += amount
        if invoice.excluded:
            any_excluded = True
        # a disputed invoice is never chased (nor charged fees or interest), whether or
        # not the file lists invoice.disputed under pause_when
        if invoice.disputed:
            disputed += 1
        elif invoice.days_overdue > 0 and not (invoice.excluded and pause_excluded):
            chased.append(invoice)
    open_invoices = tuple(open_list)
    chased.sort(key=_by_due_date)
    eligible = tuple(chased)
    anchor = chased[0] if chased else None
    overdue = sum((i.open_amount.amount for i in eligible), Decimal(0))
    running = [p for p in facts.promises if p.state == PromiseState.OPEN]
    broken = tuple(p for p in running if today > p.due_date + grace
                   and p.paid_since.amount < p.amount.amount)
    promise_open = any(today <= p.due_date + grace for p in running)
    active = [p for p in facts.plans if p.state == PlanState.ACTIVE]
    missed = tuple(p for p in active if p.missed_instalments > 0)
    scheme = rule_file.limitation.by_country.get(facts.country or "")
    expiring: list[tuple[InvoiceFacts, date]] = []
    if scheme is not None:
        for invoice in open_invoices:
            last_day = limitation_expiry(scheme, invoice.due_date)
            if last_day is not None and last_day >= today:
                expiring.append((invoice, last_day))
    expiring.sort(key=lambda pair: (pair[1], pair[0].number))
    credit = facts.credit_limit.amount if facts.credit_limit else None
    fact: dict[str, Any] = {
        ALWAYS: 1,
        "customer_kind": facts.kind,
        "customer_country": facts.country,
        "customer_segment": facts.segment,
        "customer_language": facts.language,
        "customer_owner": facts.owner,
        "customer_department": facts.department,
        "customer_lifetime_value": _number(facts.lifetime_value.amount
                                           if facts.lifetime_value else None),
        "customer_credit_limit": _number(credit),
        "customer_score": None if facts.score is None else float(facts.score),
        "customer_excluded": facts.excluded,
        "customer_on_hold": facts.on_hold,
        "customer_legal": facts.legal,
        "account_currency": facts.currency,
        "account_balance": float(balance),
        "account_overdue_balance": float(overdue),
        "account_days_overdue": float(anchor.days_overdue if anchor else 0),
        "account_open_invoices": float(len(open_invoices)),
        "account_overdue_invoices": float(len(eligible)),
        "account_disputed_invoices": float(disputed),
        "account_over_credit_limit": credit is not None and balance > credit,
        "promise_open": promise_open,
        "promise_broken": bool(broken),
        "plan_active": any(p.missed_instalments == 0 for p in active),
        "plan_in_review": any(p.state == PlanState.PROPOSED for p in facts.plans),
        "plan_missed_instalments": float(max((p.missed_instalments for p in active),
                                             default=0)),
        "invoice_disputed": disputed > 0,
        "invoice_excluded": any_excluded,
        "enforcement_off": not facts.enforcement,
        "limitation_days_left": float((expiring[0][1] - today).days) if expiring else None,
        **_prediction(facts),
        **_campaign(facts),
    }
    recorded = dict(facts.variants)
    for experiment in rule_file.experiments:  # the account's variant in each experiment
        fact[field_of(experiment).engine_name] = variant_of(experiment, facts.customer_code,
                                                            recorded)
    return Situation(facts, len(open_invoices), eligible, anchor, overdue, broken, missed,
                     tuple(expiring),
                     {key: value for key, value in fact.items() if value is not None})
