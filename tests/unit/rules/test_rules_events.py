"""Event rules of the default policy: missed instalment, large balance, credit limit,
limitation warnings; and what a decision tells about the facts it saw."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import ActionKind
from rules import DEFAULT_POLICY
from rules import load_policy
from rules.policy import CompiledPolicy

Build = Callable[..., AccountFacts]


@pytest.fixture(scope="module")
def policy() -> CompiledPolicy:
    return load_policy(DEFAULT_POLICY, isolation="inline")


def rules_of(policy: CompiledPolicy, account: AccountFacts) -> list[str]:
    return [d.rule for d in policy.evaluate([account])]


def test_missed_instalment_gives_a_task_and_an_active_plan_pauses(
        policy: CompiledPolicy, account: Build) -> None:
    assert rules_of(policy, account(days_overdue=20, balance=500, plan="active")) == []
    assert rules_of(policy, account(days_overdue=20, balance=500, plan="missed",
                                    ladder_of={})) == ["firm reminder",
                                                       "missed instalment"]


def test_large_balance_is_escalated_early_once_per_anchor(policy: CompiledPolicy,
                                                          account: Build) -> None:
    decisions = policy.evaluate([account(days_overdue=1, balance=60000)])
    [large] = [d for d in decisions if d.rule == "large balance"]
    assert large.actions[0].kind is ActionKind.ESCALATE
    assert large.facts["seen"] == {"account.overdue_balance": 60000.0}
    later = policy.evaluate([account(days_overdue=2, balance=60000,
                                     today=date(2026, 6, 11))])
    assert [d.key for d in later if d.rule == "large balance"] == [large.key]


def test_credit_limit_exceeded_holds_sales(policy: CompiledPolicy, account: Build) -> None:
    decisions = policy.evaluate([account(days_overdue=0, balance=900, credit_limit=500)])
    [over] = decisions
    assert over.rule == "credit limit exceeded"
    assert {a.kind for a in over.actions} == {ActionKind.HOLD_SALES, ActionKind.NOTIFY}
    assert rules_of(policy, account(days_overdue=0, balance=400, credit_limit=500)) == []


def test_limitation_warning_before_a_german_claim_expires(policy: CompiledPolicy,
                                                          account: Build) -> None:
    # due 2023-06-15 in Germany: time-barred after 2026-12-31; warned from 90 days before
    due = date(2023, 6, 15)

    def on(today: date) -> AccountFacts:
        return account(country="DE", today=today, invoices=[
            {"days_overdue": (today - due).days, "balance": 700, "disputed": True}])

    assert rules_of(policy, on(date(2026, 10, 1))) == []  # 91 days left
    decisions = policy.evaluate([on(date(2026, 10, 2))])  # 90 days left
    [warning] = [d for d in decisions if d.rule == "limitation warning"]
    assert warning.actions[0].kind is ActionKind.WARN
    assert warning.actions[0].params["expires_on"] == "2026-12-31"
    assert warning.paused_by is None  # a disputed claim still expires
    assert warning.key == "C1|limitation warning#T-1|2026-12-31"


def test_uk_claims_expire_after_six_years(policy: CompiledPolicy, account: Build) -> None:
    spec = {"country": "GB", "currency": "GBP",
            "invoices": [{"days_overdue": 2150, "balance": 700}]}
    decisions = policy.evaluate([account(**spec, steps_taken=["legal handover"])])
    assert "limitation warning" in [d.rule for d in decisions]


def test_excluded_customer_gets_nothing(policy: CompiledPolicy, account: Build) -> None:
    assert rules_of(policy, account(days_overdue=50, balance=60000, excluded=True)) == []
    paused = policy.evaluate([account(days_overdue=50, balance=60000, excluded=True)],
                             include_paused=True)
    assert {d.paused_by for d in paused} == {"customer.excluded"}


def test_german_consumer_interest_is_base_rate_plus_5_and_no_fixed_sum(
        policy: CompiledPolicy, account: Build) -> None:
    [final] = policy.evaluate([account(kind="B2C", country="DE", days_overdue=50,
                                       balance=1000, ladder_of={"friendly reminder": "consumer"},
                                       steps_taken=["friendly reminder"])])
    assert final.rule == "final notice"
    kinds = {a.kind: a.params for a in final.actions}
    assert ActionKind.FEE not in kinds
    # rules/data/de_basiszins.csv: 1.27 since 2025-07-01, + 5 points, 50 days
    assert kinds[ActionKind.INTEREST]["percent"] == ["6.27"]
    assert kinds[ActionKind.INTEREST]["amount"] == "8.59"


def test_uk_business_fixed_sum_by_size_and_base_rate_plus_8(policy: CompiledPolicy,
                                                            account: Build) -> None:
    [final] = policy.evaluate([account(
        country="GB", currency="GBP", days_overdue=46, balance=2500,
        ladder_of={"escalate": "business"}, steps_taken=["escalate"])])
    assert final.rule == "final notice"
    kinds = {a.kind: a.params for a in final.actions}
    assert (kinds[ActionKind.FEE]["amount"], kinds[ActionKind.FEE]["currency"]) == ("70.00",
                                                                                   "GBP")
    assert kinds[ActionKind.INTEREST]["percent"] == ["11.75"]  # 3.75 (from 2026) + 8
