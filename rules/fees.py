"""Fee and interest actions for a step or rule that says `fees: statutory | interest |
compensation`. The money math lives in hub.domain.fees; this picks the scheme by country,
the fixed sum (the rule file's per currency, else the statute's), the rate table (shipped,
merged with finance's rates folder) and what was already charged (fixed compensation once
per invoice; interest from the last day already charged)."""

from __future__ import annotations

from decimal import Decimal

from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.fees import Scheme
from hub.domain.fees import fixed_compensation
from hub.domain.fees import interest_between
from hub.domain.fees import statutory_margin
from hub.domain.money import Money
from rules.facts import Situation
from rules.model import FeePolicy
from rules.model import RuleFile
from rules.rates import rate_table

FIXED = "fixed_compensation"


def fixed_fee(policy: FeePolicy, scheme: Scheme, kind: str, debt: Money
              ) -> tuple[Money, str] | None:
    """The fixed sum for one late invoice and its basis: the rule file's amount for the
    invoice's currency when it sets one (businesses only, like the statute), else the
    statute's (EUR 40; GBP 40 / 70 / 100)."""
    statutory = fixed_compensation(scheme, kind, debt)
    configured = policy.fixed_by_currency.get(debt.currency)
    if configured is None or kind != "B2B":
        return None if statutory is None else (statutory, scheme.value)
    if configured == 0:
        return None
    return Money(configured, debt.currency), scheme.value if statutory is not None \
        else "contract"


def fee_actions(rule_file: RuleFile, situation: Situation, choice: str) -> list[Action]:
    facts = situation.facts
    scheme = rule_file.fees.scheme_for(facts.country)
    contract = rule_file.fees.contract_percent
    actions = []
    for invoice in situation.eligible:
        if choice in ("statutory", "compensation") and FIXED not in invoice.fees_charged:
            found = fixed_fee(rule_file.fees, scheme, facts.kind, invoice.amount)
            if found is not None:
                fee, basis = found
                actions.append(Action(ActionKind.FEE, {
                    "invoice": invoice.number, "fee": FIXED, "amount": str(fee.amount),
                    "currency": fee.currency, "scheme": scheme.value, "basis": basis,
                    "reason": f"fixed compensation for late payment ({basis.upper()})"}))
        if choice not in ("statutory", "interest"):
            continue
        margin = statutory_margin(scheme, facts.kind)
        if contract is None and margin is None:
            continue
        after = max(invoice.due_date, invoice.interest_charged_until or invoice.due_date)
        try:
            table = None if contract is not None else \
                rate_table(scheme, rule_file.fees.rates_folder)
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
                "basis": "contract" if contract is not None else scheme.value,
                "from": interest.segments[0].start.isoformat(),
                "until": interest.segments[-1].end.isoformat(),
                "days": sum(s.days for s in interest.segments),
                "percent": [str(s.percent) for s in interest.segments],
                "principal": str(invoice.open_amount.amount)}))
    return actions
