"""Fee and interest actions for a step or rule that says `fees: statutory | interest |
compensation`. The money math lives in hub.domain.fees; this picks the scheme by country,
the rate table and what was already charged (fixed compensation once per invoice; interest
from the last day already charged)."""

from __future__ import annotations

from decimal import Decimal

from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.fees import fixed_compensation
from hub.domain.fees import interest_between
from hub.domain.fees import statutory_margin
from rules.facts import Situation
from rules.model import RuleFile
from rules.rates import rate_table

FIXED = "fixed_compensation"


def fee_actions(rule_file: RuleFile, situation: Situation, choice: str) -> list[Action]:
    facts = situation.facts
    scheme = rule_file.fees.scheme_for(facts.country)
    contract = rule_file.fees.contract_percent
    actions = []
    for invoice in situation.eligible:
        if choice in ("statutory", "compensation") and FIXED not in invoice.fees_charged:
            fee = fixed_compensation(scheme, facts.kind, invoice.amount)
            if fee is not None:
                actions.append(Action(ActionKind.FEE, {
                    "invoice": invoice.number, "fee": FIXED, "amount": str(fee.amount),
                    "currency": fee.currency, "scheme": scheme.value,
                    "reason": f"fixed compensation for late payment ({scheme.value.upper()})"}))
        if choice not in ("statutory", "interest"):
            continue
        margin = statutory_margin(scheme, facts.kind)
        if contract is None and margin is None:
            continue
        after = max(invoice.due_date, invoice.interest_charged_until or invoice.due_date)
        table = None if contract is not None else rate_table(scheme)
        try:
            interest = interest_between(invoice.open_amount, after=after, until=facts.today,
                                        margin=margin or Decimal(0), table=table,
                                        fixed_percent=contract)
        except ValueError as exc:  # no rate for those dates: say so instead of guessing
            actions.append(Action(ActionKind.WARN, {"invoice": invoice.number,
                                                    "reason": str(exc)}))
            continue
        if interest.amount.amount > 0:
            actions.append(Action(ActionKind.INTEREST, {
                "invoice": invoice.number, "amount": str(interest.amount.amount),
                "currency": interest.amount.currency, "scheme": scheme.value,
                "from": interest.segments[0].start.isoformat(),
                "until": interest.segments[-1].end.isoformat(),
                "days": sum(s.days for s in interest.segments),
                "percent": [str(s.percent) for s in interest.segments],
                "principal": str(invoice.open_amount.amount)}))
    return actions
