"""Evaluation: ladders, progression and catch-up, pauses, minimum balance, keys, fees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import ActionKind
from rules.policy import CompiledPolicy
from tests.unit.rules.conftest import small_file

Build = Callable[..., AccountFacts]
Compile = Callable[[str], CompiledPolicy]


def steps(policy: CompiledPolicy, *accounts: AccountFacts) -> list[str]:
    return [d.rule for d in policy.evaluate(accounts)]


def test_ladder_applies_the_step_whose_day_is_reached(compile_yaml: Compile,
                                                      account: Build) -> None:
    policy = compile_yaml(small_file())
    assert steps(policy, account(days_overdue=2)) == []
    assert steps(policy, account(days_overdue=3)) == ["first"]
    assert steps(policy, account(days_overdue=15, steps_taken=["first"])) == ["second"]


def test_ladder_catches_up_one_step_per_cycle(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file("ladder"))
    late = account(days_overdue=30)  # nothing sent yet, three steps reached
    assert steps(policy, late) == ["first"]
    assert steps(policy, account(days_overdue=31, steps_taken=["first"])) == ["second"]


def test_one_step_per_cycle_even_when_run_twice_a_day(compile_yaml: Compile,
                                                      account: Build) -> None:
    policy = compile_yaml(small_file("ladder"))
    today = account(days_overdue=30, steps_taken=["first"])
    taken_today = today.steps_taken[0].__class__("business", "first", today.today,
                                                 today.steps_taken[0].anchor_due_date)
    again = today.__class__(**{**{f: getattr(today, f) for f in today.__slots__},  # type: ignore[attr-defined]
                               "steps_taken": (taken_today,)})
    assert steps(policy, again) == []


def test_most_severe_goes_straight_to_the_step_reached(compile_yaml: Compile,
                                                       account: Build) -> None:
    policy = compile_yaml(small_file("most_severe"))
    [decision] = policy.evaluate([account(days_overdue=30)])
    assert decision.rule == "call"
    assert decision.facts["skipped_steps"] == ["first", "second"]
    # the skipped steps never come back once the call was taken
    assert steps(policy, account(days_overdue=40, steps_taken=["call"])) == []


def test_a_step_is_never_decided_twice(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file())
    assert steps(policy, account(days_overdue=5, steps_taken=["first"])) == []


def test_keys_are_deterministic_per_account_step_and_day(compile_yaml: Compile,
                                                         account: Build) -> None:
    policy = compile_yaml(small_file())
    first = policy.evaluate([account(days_overdue=3)])
    again = policy.evaluate([account(days_overdue=3)])
    assert [d.key for d in first] == [d.key for d in again]
    assert first[0].key == "C1|business/first|2026-06-10"
    # the same step computed late keeps its key: the day it fell due
    late = policy.evaluate([account(days_overdue=4, today=date(2026, 6, 11))])
    assert late[0].key == first[0].key


def test_decisions_carry_the_rule_its_line_and_the_facts(compile_yaml: Compile,
                                                         account: Build) -> None:
    policy = compile_yaml(small_file())
    [decision] = policy.evaluate([account(days_overdue=3, balance=120)])
    assert decision.source == "collections.yaml line 9"
    assert decision.facts["days_overdue"] == 3
    assert decision.facts["overdue_balance"] == "120.00"
    assert decision.actions[0].kind is ActionKind.SEND
    assert decision.actions[0].params["template"] == "reminder-1"


def test_minimum_balance(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file())
    assert steps(policy, account(days_overdue=3, balance=24.99)) == []
    assert steps(policy, account(days_overdue=3, balance=25)) == ["first"]
    paused = policy.evaluate([account(days_overdue=3, balance=10)], include_paused=True)
    assert paused[0].paused_by == "minimum_balance"


def test_pauses(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file())
    for spec in ({"excluded": True}, {"promise": "open"}, {"plan": "active"},
                 {"enforcement": False}):
        assert steps(policy, account(days_overdue=3, **spec)) == [], spec
    [paused] = policy.evaluate([account(days_overdue=3, promise="open")], include_paused=True)
    assert paused.paused_by == "promise.open"


def test_disputed_or_excluded_invoice_is_left_out_the_others_go_on(
        compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file())
    assert steps(policy, account(days_overdue=20, disputed=True)) == []
    assert steps(policy, account(days_overdue=20, invoice_excluded=True)) == []
    mixed = account(invoices=[{"days_overdue": 20, "balance": 500, "disputed": True},
                              {"days_overdue": 4, "balance": 300}])
    [decision] = policy.evaluate([mixed])
    assert decision.rule == "first"
    assert decision.facts["days_overdue"] == 4  # counted from the undisputed invoice


def test_broken_promise_fires_once_per_promise(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file())
    decisions = policy.evaluate([account(days_overdue=3, promise="broken",
                                         steps_taken=["first"])])
    assert [d.rule for d in decisions] == ["broken promise"]
    # keyed by the promise and the day it broke (due 2026-05-11 + 2 days grace), so the
    # same broken promise gives the same key on every later day
    assert decisions[0].key == "C1|broken promise#1|2026-05-14"
    # the rule as written; the hub picks the person when it applies the decision
    assert decisions[0].actions[0].params["assign"] == "owner"
    assert "assignee" not in decisions[0].actions[0].params


def test_eu_fee_once_per_invoice_and_interest(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file() + "  contract_rate: 10\n")
    spec = {"days_overdue": 45, "balance": 100, "steps_taken": ["call"], "kind": "B2B"}
    [decision] = policy.evaluate([account(**spec)])
    kinds = {a.kind: a.params for a in decision.actions}
    assert kinds[ActionKind.FEE]["amount"] == "40.00"
    assert kinds[ActionKind.FEE]["currency"] == "EUR"
    assert Decimal(kinds[ActionKind.INTEREST]["amount"]) == Decimal("1.23")  # 45 d at 10%
    charged = policy.evaluate([account(**spec, fees_charged=["fixed_compensation"])])
    assert ActionKind.FEE not in {a.kind for a in charged[0].actions}


def test_interest_100_for_15_days_at_10_percent(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml("""\
        segments: [{name: business, when: true}]
        ladders:
          business:
            progression: ladder
            steps:
              - {name: interest, at: 15, fees: interest}
        fees: {default: eu, contract_rate: 10}
        """)
    [decision] = policy.evaluate([account(days_overdue=15, balance=100)])
    interest = next(a for a in decision.actions if a.kind is ActionKind.INTEREST)
    assert interest.params["amount"] == "0.41"
    assert interest.params["days"] == 15


def test_business_days(compile_yaml: Compile, account: Build) -> None:
    policy = compile_yaml(small_file())
    saturday = date(2026, 6, 13)
    assert steps(policy, account(days_overdue=3, today=saturday)) == []
    christmas = date(2026, 12, 25)
    assert steps(policy, account(days_overdue=3, today=christmas, country="DE")) == []
    assert steps(policy, account(days_overdue=3, today=date(2026, 12, 28),
                                 country="DE")) == ["first"]


def test_a_new_anchor_starts_the_ladder_again_unless_its_step_was_just_sent(
        compile_yaml: Compile, account: Build) -> None:
    from hub.domain.decisions import StepTaken

    policy = compile_yaml(small_file())
    base = account(days_overdue=16)
    anchor = base.invoices[0].due_date
    older = date(2026, 4, 1)  # the old anchor, paid since

    def with_steps(*steps: StepTaken) -> AccountFacts:
        return base.__class__(**{**{f: getattr(base, f) for f in base.__slots__},  # type: ignore[attr-defined]
                                 "steps_taken": steps})

    long_ago = StepTaken("business", "first", date(2026, 4, 5), older)
    assert steps(policy, with_steps(long_ago)) == ["first"]  # a new round for the new anchor
    recent = StepTaken("business", "first", anchor.fromordinal(anchor.toordinal() + 3), older)
    assert steps(policy, with_steps(recent)) == ["second"]  # sent while this one was 3 days late
