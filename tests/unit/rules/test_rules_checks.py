"""Rule-file checks: every message names the file, the line and the rule, in plain words."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from hub.domain.errors import RuleFileError
from rules import check_text
from rules.policy import CompiledPolicy
from tests.unit.rules.conftest import small_file

TEMPLATES = frozenset({"reminder-1", "reminder-2", "final-notice"})


def problems(text: str, templates: frozenset[str] | None = TEMPLATES) -> list[str]:
    return [str(p) for p in check_text(textwrap.dedent(text), "collections.yaml",
                                       known_templates=templates, isolation="inline")
            if p.severity == "error"]


BASE = """\
segments: [{name: business, when: true}]
ladders:
  business:
    progression: ladder
    steps:
"""


def test_the_small_file_has_no_problems() -> None:
    assert problems(small_file()) == []


def test_at_must_be_a_number_of_days() -> None:
    found = problems(BASE + '      - {name: friendly reminder, at: 3, send: [email], '
                            'template: reminder-1}\n'
                            '      - {name: firm reminder, at: fourteen, send: [email], '
                            'template: reminder-2}\n')
    assert found == ['collections.yaml line 7, step "firm reminder": "at" must be a number '
                     'of days, got "fourteen"']


def test_unknown_template_and_channel_with_a_suggestion() -> None:
    found = problems(BASE + "      - {name: one, at: 3, send: [emial], template: reminder1}\n")
    assert 'collections.yaml line 6, step "one": "emial" is not a known channel; use ' \
           'email, sms, letter, whatsapp, voice' in found
    assert any('there is no message template "reminder1" (did you mean "reminder-1"?)' in p
               for p in found)


def test_overlapping_and_out_of_order_steps() -> None:
    found = problems(BASE + "      - {name: one, at: 10, send: [email], template: reminder-1}\n"
                            "      - {name: two, at: 10, send: [email], template: reminder-2}\n"
                            "      - {name: three, at: 5, send: [email], template: reminder-2}\n")
    assert any('step "two": overlaps step "one" (line 6): both at 10 days' in p for p in found)
    assert any('step "three": is at 5 days but comes after step "one"' in p for p in found)


def test_unreachable_step_and_segment() -> None:
    found = problems("""\
        segments:
          - {name: business, when: true}
          - {name: consumer, when: customer.kind == "B2C"}
        ladders:
          business:
            steps:
              - {name: never, at: 3, when: account.balance > 10 and account.balance < 5,
                 send: [email], template: reminder-1}
          consumer:
            steps: [{name: one, at: 3, send: [email], template: reminder-1}]
        """)
    assert any('line 3, segment "consumer": can never apply: segment "business" above it'
               in p for p in found)
    assert any('step "never": can never be reached' in p for p in found)


def test_task_without_assignee_and_segment_without_ladder() -> None:
    found = problems("""\
        segments:
          - {name: consumer, when: customer.kind == "B2C"}
          - {name: business, when: true}
        ladders:
          business:
            steps: [{name: call, at: 3, task: call}]
        """)
    assert any('step "call": task "call" has no assignee' in p for p in found)
    assert any('line 2, segment "consumer": has no ladder' in p for p in found)


def test_unknown_field_and_typo_in_key() -> None:
    found = problems("""\
        segments:
          - {name: business, when: customer.kinds == "B2B"}
        ladders:
          business:
            steps: [{name: one, at: 3, sned: [email], template: reminder-1}]
        """)
    assert any('"customer.kinds" is not a field the rules know (did you mean '
               '"customer.kind"?)' in p for p in found)
    assert any('"sned" is not a setting here (did you mean "send"?)' in p for p in found)


def test_duplicate_keys_and_broken_yaml() -> None:
    assert any("appears twice" in p for p in problems(
        "segments: []\nsegments: []\n"))
    [broken] = problems("segments:\n  - {name: a, when: true\nladders: {}\n")
    assert broken.startswith("collections.yaml line 3: this is not valid YAML")


def test_consumers_get_at_most_7_calls_in_7_days() -> None:
    found = problems(small_file() + "contact:\n  consumer_caps:\n    call: {max: 9, "
                                    "per_days: 7}\n")
    assert any("consumers may get at most 7 calls in 7 days" in p for p in found)


def test_too_many_distinct_tests_for_the_engine() -> None:
    steps = "".join(f"      - {{name: s{i}, at: {i}, send: [email], template: reminder-1}}\n"
                    for i in range(1, 70))
    found = problems(BASE + steps)
    assert any("the engine fails past 64 true at once" in p for p in found)


def test_failing_file_test_refuses_activation(compile_yaml: Callable[[str], CompiledPolicy]
                                              ) -> None:
    text = small_file() + """\
tests:
  - name: fifteen days gets the second reminder
    account: {kind: B2B, days_overdue: 15, balance: 100}
    expect: [second]
"""
    with pytest.raises(RuleFileError) as refused:
        compile_yaml(text)
    assert ('collections.yaml line 26, test "fifteen days gets the second reminder": '
            'expected "second", got "first"') in str(refused.value)


def test_the_default_policy_passes_its_own_checks() -> None:
    from rules import DEFAULT_POLICY

    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    assert problems(text, TEMPLATES | {"pre-legal", "promise-confirmation"}) == []


def test_assignees_a_person_least_loaded_and_account_manager() -> None:
    good = BASE + textwrap.indent(textwrap.dedent("""\
        - {name: call, at: 3, task: call, assign: ana@example.com}
        - {name: review, at: 10, task: review, assign: least_loaded:collectors}
        - {name: sales, at: 20, task: sales_call, assign: account_manager}
        - {name: boss, at: 30, escalate: round_robin:collectors}
        """), "      ") + "teams:\n  collectors: [ana@example.com, ben@example.com]\n"
    assert problems(good) == []
    bad = BASE + textwrap.indent(textwrap.dedent("""\
        - {name: call, at: 3, task: call, assign: least_loaded:nobody}
        - {name: review, at: 10, task: review, assign: the boss}
        """), "      ")
    found = problems(bad)
    assert any('step "call": least loaded needs a team defined under "teams:", "nobody" '
               "is not one" in p for p in found), found
    assert any("\"assign: the boss\" is not someone the hub can find; use owner, "
               "account_manager, department_manager, a person's e-mail address" in p
               for p in found), found


def test_a_ladder_notify_tells_at_every_step() -> None:
    from hub.domain.decisions import ActionKind
    from rules.parser import parse_rule_text

    text = textwrap.dedent("""\
        segments: [{name: business, when: true}]
        ladders:
          business:
            steps:
              - {name: reminder, at: 3, send: [email], template: reminder-1}
              - {name: call, at: 10, task: call, assign: owner, notify: [owner, collectors]}
            notify: [everyone]
        teams:
          collectors: [ana@example.com]
        """)
    rule_file, found = parse_rule_text(text, "collections.yaml")
    assert rule_file is not None, found
    told = [[spec.params["who"] for spec in step.actions if spec.kind is ActionKind.NOTIFY]
            for step in rule_file.ladders["business"].steps]
    assert told == [[["everyone"]], [["everyone", "owner", "collectors"]]]
    wrong = text.replace("notify: [everyone]", "notify: [the whole floor]")
    assert any('"the whole floor" is not a known person to notify' in p
               for p in problems(wrong)), problems(wrong)


def test_whatsapp_and_voice_are_channels_with_caps() -> None:
    assert problems(BASE + "      - {name: one, at: 3, send: [whatsapp, email], "
                           "template: reminder-1}\n"
                           "      - {name: two, at: 10, send: [voice, sms], "
                           "template: reminder-2}\n"
                           "contact:\n  caps:\n    whatsapp: {max: 1, per_days: 7}\n"
                           "    voice: {max: 2, per_days: 7}\n") == []
    found = problems(small_file() + "contact:\n  consumer_caps:\n    voice: {max: 8, "
                                    "per_days: 7}\n")
    assert any("consumers may get at most 7 calls in 7 days; 8 in 7 days" in p for p in found)
