"""Rule-file experiments: a step's accounts split at random between variants, stable per
account, understood by the compiler, the engine, the shadow, `explain` and the file's tests;
mistakes refused with the file and the line."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pytest

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import ActionKind
from rules import check_text
from rules.examples import account_from_spec
from rules.experiments import deal
from rules.explain import explain
from rules.policy import CompiledPolicy
from tests.builders import channel_split

FILE = """\
segments:
  - {name: consumer, when: customer.kind == "B2C"}
  - {name: business, when: true}
ladders:
  consumer:
    steps:
""" + channel_split(at=5, email=45, sms=45, hold_out=10) + """\
      - {name: final notice, at: 30, send: [letter], template: final-notice}
  business:
    steps:
      - {name: reminder, at: 3, send: [email], template: reminder-1}
      - name: call
        at: 10
        task: call
        assign: owner
        experiment:
          name: call_day
          variants:
            - {name: early, share: 50}
            - {name: late, share: 50, at: 20}
      - {name: firm reminder, at: 14, send: [email, letter], template: reminder-2}
pause_when: [promise.open, plan.in_review]
tests:
  - name: an account dealt sms gets the sms reminder
    account: {kind: B2C, days_overdue: 6, balance: 300, variants: {first_channel: sms}}
    expect: [reminder (sms)]
  - name: a late-call business is not called at 12 days
    account: {kind: B2B, days_overdue: 12, balance: 300, variants: {call_day: late},
              steps_taken: [reminder]}
    expect: []
"""
TEMPLATES = frozenset({"reminder-1", "reminder-2", "final-notice"})


@pytest.fixture
def policy(compile_yaml: Callable[[str], CompiledPolicy]) -> CompiledPolicy:
    return compile_yaml(FILE)


def consumer(code: str, days: int = 6, **spec: object) -> AccountFacts:
    return account_from_spec({"kind": "B2C", "days_overdue": days, "balance": 300, **spec},
                             code)


def problems(text: str) -> list[str]:
    return [str(p) for p in check_text(textwrap.dedent(text), "collections.yaml",
                                       known_templates=TEMPLATES, isolation="inline")
            if p.severity == "error"]


def test_each_account_gets_its_variants_step_in_about_the_written_shares(
        policy: CompiledPolicy) -> None:
    accounts = [consumer(f"C{i:05d}") for i in range(4000)]
    decisions = policy.evaluate(accounts)
    assert policy.last_report.ok  # the engine and the shadow agreed on every account
    by_code = {d.customer_code: d for d in decisions}
    assert len(by_code) == len(accounts)  # one reminder decision each, whatever the variant
    shares = Counter(d.facts["experiment"]["variant"] for d in decisions)
    assert abs(shares["email"] / 4000 - 0.45) < 0.03
    assert abs(shares["sms"] / 4000 - 0.45) < 0.03
    assert abs(shares["control"] / 4000 - 0.10) < 0.02
    for decision in decisions:
        variant = decision.facts["experiment"]["variant"]
        assert decision.step == f"reminder ({variant})"
        sends = [a for a in decision.actions if a.kind is ActionKind.SEND]
        if variant == "control":
            assert sends == []  # the hold-out gets no reminder at this step
        else:
            assert [a.params["channels"] for a in sends] == [[variant]]


def test_the_variant_is_stable_per_account_and_independent_between_experiments(
        policy: CompiledPolicy, compile_yaml: Callable[[str], CompiledPolicy]) -> None:
    codes = [f"C{i:05d}" for i in range(400)]
    first = {d.customer_code: d.step for d in policy.evaluate([consumer(c) for c in codes])}
    # another day, another process' compilation of the same file: the same variants
    again = compile_yaml(FILE)
    later = {d.customer_code: d.step
             for d in again.evaluate([consumer(c, days=7) for c in codes])}
    assert first == later
    channel, call = (next(e for e in policy.rule_file.experiments if e.name == name)
                     for name in ("first_channel", "call_day"))
    pairs = Counter((deal(channel, code), deal(call, code))
                    for code in (f"K{i}" for i in range(6000)))
    # the deal of one experiment says nothing about the other's: sms accounts are early
    # as often as email accounts are
    sms_early = pairs["sms", "early"] / (pairs["sms", "early"] + pairs["sms", "late"])
    email_early = pairs["email", "early"] / (pairs["email", "early"] + pairs["email", "late"])
    assert abs(sms_early - email_early) < 0.05


def test_a_recorded_variant_wins_over_the_deal(policy: CompiledPolicy) -> None:
    code = next(f"C{i}" for i in range(100)
                if deal(policy.rule_file.experiments[0], f"C{i}") == "sms")
    dealt = policy.evaluate([consumer(code)])
    kept = policy.evaluate([replace(consumer(code), variants=(("first_channel", "email"),))])
    assert [d.step for d in dealt] == ["reminder (sms)"]
    assert [d.step for d in kept] == ["reminder (email)"]
    # a recorded variant the file no longer has falls back to the deal
    gone = policy.evaluate([replace(consumer(code), variants=(("first_channel", "fax"),))])
    assert [d.step for d in gone] == ["reminder (sms)"]


def test_a_variant_can_move_the_step_to_another_day(policy: CompiledPolicy) -> None:
    def steps(variant: str, days: int, taken: list[str]) -> list[str]:
        facts = account_from_spec({"kind": "B2B", "days_overdue": days, "balance": 500,
                                   "steps_taken": taken, "variants": {"call_day": variant}},
                                  "B1", {"reminder": "business"})
        return [d.step or d.rule for d in policy.evaluate([facts])]

    assert steps("early", 10, ["reminder"]) == ["call (early)"]
    assert steps("late", 10, ["reminder"]) == []
    assert steps("late", 14, ["reminder"]) == ["firm reminder"]
    assert steps("late", 20, ["business/reminder", "business/firm reminder"]) == \
        ["call (late)"]
    assert steps("early", 20, ["business/reminder", "business/call (early)",
                               "business/firm reminder"]) == []


def test_explain_shows_the_variant_and_the_condition_it_adds(policy: CompiledPolicy) -> None:
    facts = consumer("C1", variants={"first_channel": "sms"})
    result = explain(policy, facts)
    assert result.facts["experiment.first_channel"] == "sms"
    checks = {c.name: c for c in result.checks if c.kind == "step"}
    assert checks["reminder (sms)"].matched
    assert 'experiment.first_channel == "sms"' in checks["reminder (sms)"].condition
    assert not checks["reminder (email)"].matched
    assert [d.step for d in result.decisions] == ["reminder (sms)"]


def test_the_files_own_tests_can_pick_a_variant() -> None:
    broken = FILE.replace("expect: [reminder (sms)]", "expect: [reminder (email)]")
    found = problems(broken)
    assert len(found) == 1
    assert 'expected "reminder (email)", got "reminder (sms)"' in found[0]
    assert found[0].startswith("collections.yaml line ")


STEP = """\
segments: [{name: consumer, when: true}]
ladders:
  consumer:
    steps:
      - name: reminder
        at: 5
        send: [email]
        template: reminder-1
        experiment:
%s
      - {name: final notice, at: 30, send: [letter], template: final-notice}
pause_when: [plan.in_review]
"""


def _step(experiment: str) -> str:
    return STEP % textwrap.indent(textwrap.dedent(experiment).strip("\n"), " " * 10)


@pytest.mark.parametrize(("experiment", "expected"), [
    ("""
     name: first_channel
     variants:
       - {name: email, share: 50}
       - {name: sms, share: 40, send: [sms]}
     """, "collections.yaml line 11, step \"reminder\": the variants' shares add up to 90%, "
          "not 100%"),
    ("""
     name: first_channel
     variants:
       - {name: email, share: 50}
       - {name: sms, share: 50, sned: [sms]}
     """, 'collections.yaml line 13, step "reminder": "sned" is not a setting here '
          '(did you mean "send"?)'),
    ("""
     name: first channel
     variants:
       - {name: email, share: 50}
       - {name: sms, share: 50, send: [sms]}
     """, 'collections.yaml line 10, step "reminder": experiment "first channel": the name '
          "must start with a letter"),
    ("""
     name: first_channel
     variants:
       - {name: email, share: 50}
       - {name: email, share: 50, send: [sms]}
     """, 'collections.yaml line 13, step "reminder": variant "email" is already on line 12'),
    ("""
     name: first_channel
     variants:
       - {name: email, share: 50}
       - {name: none, share: 50, skip: true, send: [sms]}
     """, 'collections.yaml line 13, step "reminder": variant "none" says "skip: true"'),
    ("""
     name: first_channel
     control: letter
     variants:
       - {name: email, share: 50}
       - {name: sms, share: 50, send: [sms]}
     """, 'collections.yaml line 11, step "reminder": "control: letter" is not one of the '
          "variants (email, sms)"),
    ("""
     name: first_channel
     variants:
       - {name: email, share: 100}
     """, 'collections.yaml line 11, step "reminder": an experiment needs "variants:", a '
          "list of at least two"),
    ("""
     name: first_channel
     variants:
       - {name: email, share: 50}
       - {name: later, share: 50, at: 30}
     """, 'collections.yaml line 13, step "reminder" variant "later": overlaps step "final '
          'notice" (line 14): both at 30 days'),
    ("""
     name: first_channel
     variants:
       - {name: email, share: 50}
       - {name: sms, share: 50, send: [pigeon]}
     """, 'collections.yaml line 13, step "reminder" variant "sms": "pigeon" is not a known '
          "channel"),
    ("""
     name: first_channel
     variants:
       - {name: email, share: 50}
       - {name: sms, share: fifty, send: [sms]}
     """, 'collections.yaml line 13, step "reminder": "share" must be a percent such as 45'),
])
def test_a_mistake_in_an_experiment_names_the_file_and_line(experiment: str,
                                                            expected: str) -> None:
    found = problems(_step(experiment))
    assert any(message.startswith(expected) for message in found), found


def test_two_steps_cannot_share_an_experiment_name() -> None:
    text = FILE.replace("name: call_day", "name: first_channel")
    found = problems(text)
    assert any('experiment "first_channel" is already on line 12' in m and "line 26" in m
               for m in found), found


def test_the_shipped_style_file_without_experiments_is_unchanged(
        compile_yaml: Callable[[str], CompiledPolicy]) -> None:
    from tests.unit.rules.conftest import small_file

    policy = compile_yaml(small_file())
    assert policy.rule_file.experiments == ()
    assert policy.experiments == ()


def test_the_examples_in_the_experiments_guide_compile() -> None:
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[3] / "docs" / "experiments.md").read_text(
        encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", guide, flags=re.DOTALL)
    assert examples
    for example in examples:
        assert problems(example) == []


def test_starting_or_ending_an_experiment_never_repeats_a_step(
        policy: CompiledPolicy, compile_yaml: Callable[[str], CompiledPolicy]) -> None:
    # taken as "reminder" before the step was split: no variant of it is sent again
    before = account_from_spec({"kind": "B2C", "days_overdue": 8, "balance": 300,
                                "steps_taken": ["consumer/reminder"]}, "C7")
    assert policy.evaluate([before]) == []
    # taken as "reminder (sms)", and the experiment is over: the plain reminder is not sent
    plain = FILE.replace("""        experiment:
          name: first_channel
          variants:
            - {name: email, share: 45}
            - {name: sms, share: 45, send: [sms]}
            - {name: control, share: 10, skip: true}
""", "")
    ended = compile_yaml(plain.replace("""  - name: an account dealt sms gets the sms reminder
    account: {kind: B2C, days_overdue: 6, balance: 300, variants: {first_channel: sms}}
    expect: [reminder (sms)]
""", ""))
    after = account_from_spec({"kind": "B2C", "days_overdue": 8, "balance": 300,
                               "steps_taken": ["consumer/reminder (sms)"]}, "C7")
    assert ended.evaluate([after]) == []
    fresh = account_from_spec({"kind": "B2C", "days_overdue": 8, "balance": 300}, "C7")
    assert [d.step for d in ended.evaluate([fresh])] == ["reminder"]
