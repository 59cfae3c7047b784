"""`handover: collection` on a ladder step (docs/handover.md): what the compiler accepts,
what it refuses and says why, and what `rules explain` and the decisions show."""

from __future__ import annotations

from dataclasses import replace

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import ActionKind
from hub.domain.decisions import describe_action
from rules import check_text
from rules import compile_text
from rules.examples import account_from_spec
from rules.explain import explain

TEMPLATES = frozenset({"reminder-1", "reminder-2", "final-notice", "pre-legal"})
FILE = """\
segments: [{name: business, when: true}]
ladders:
  business:
    steps:
      - {name: reminder, at: 3, send: [email], template: reminder-1}
      - {name: hand over, at: 60, %s}
      - {name: late, at: 90, send: [email], template: reminder-2}
"""


def errors(step: str) -> list[str]:
    return [str(p) for p in check_text(FILE % step, "collections.yaml",
                                       known_templates=TEMPLATES, isolation="inline")
            if p.severity == "error"]


def test_a_step_hands_over_with_or_without_the_creditors_approval() -> None:
    assert errors("handover: collection") == []
    assert errors("handover: collection, approval: creditor") == []
    assert errors("handover: collection, approval: none, hold_sales: true") == []


def test_bad_values_are_refused_with_the_line_and_what_to_write() -> None:
    assert errors("handover: lawyer") == [
        'collections.yaml line 6, step "hand over": "handover" must be collection (the '
        'collection company that runs the hub takes the case over), got "lawyer"']
    assert errors("handover: collection, approval: finance") == [
        'collections.yaml line 6, step "hand over": "approval" must be creditor (the '
        'creditor approves each hand-over first) or none, got "finance"']
    assert errors("handover: true") == [
        'collections.yaml line 6, step "hand over": "handover" must be collection (the '
        'collection company that runs the hub takes the case over), got true (put the value '
        'in quotes if you meant the text)']
    assert errors("approval: creditor") == [
        'collections.yaml line 6, step "hand over": "approval" says who approves a '
        'hand-over: add "handover: collection"']
    assert errors("handover: collection, send: [letter], template: pre-legal") == [
        'collections.yaml line 6, step "hand over": a step that hands over sends nothing '
        "itself (the hub's messages stop at the hand-over): put the notice on a step before it"]
    assert any('"handovr" is not a setting here (did you mean "handover"?)' in e
               for e in errors("handovr: collection"))


def _account(days: int, *, handed_over: bool = False) -> AccountFacts:
    ladder = {"reminder": "business", "hand over": "business"}
    taken = ["reminder"] if days < 90 else ["reminder", "hand over"]
    account = account_from_spec({"days_overdue": days, "balance": 900, "steps_taken": taken,
                                 }, ladder_of=ladder)
    return replace(account, handed_over=handed_over)


def test_explain_shows_the_handover_and_the_pause_after_it() -> None:
    policy = compile_text(FILE % "handover: collection, approval: creditor",
                          "collections.yaml", known_templates=TEMPLATES, isolation="inline")
    [decision] = explain(policy, _account(61)).decisions
    [action] = decision.actions
    assert action.kind is ActionKind.HANDOVER
    assert action.params == {"to": "collection", "approval": "creditor"}
    assert describe_action(action) == "hand over to collection once the creditor approves"
    # handed over: every step is paused, whatever the file pauses on, and explain says so
    handed = explain(policy, _account(95, handed_over=True))
    assert handed.pause == "handed over to collection"
    assert [(d.rule, d.paused_by) for d in handed.decisions] == [
        ("late", "handed over to collection")]
    assert any("handed over to hard collection" in note for note in handed.notes)
    assert policy.evaluate([_account(95, handed_over=True)]) == []
    assert [d.rule for d in policy.evaluate([_account(95)])] == ["late"]
