"""A campaign's form becomes a rule fragment; mistakes are named with their field; the
fragment on top of finance's file goes through the rule compiler, its checks and gate, and
its steps decide for the campaign's members only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hub.domain.campaigns import BUILTIN_TEMPLATES
from hub.domain.campaigns import CampaignFormError
from hub.domain.campaigns import CampaignSettings
from hub.domain.campaigns import CampaignStep
from hub.domain.campaigns import field_of_problem
from hub.domain.campaigns import fragment
from hub.domain.campaigns import settings_from_form
from hub.domain.campaigns import slug_of
from hub.domain.campaigns import with_channel_first
from rules import DEFAULT_POLICY
from rules import check_text
from rules import compile_text
from rules.campaigns import merge
from rules.examples import account_from_spec


def _form(**changes: object) -> CampaignSettings:
    values: dict[str, object] = {"channels": ["sms", "email", "call"], "days": ["0", "5", "12"],
                                 "tone": "firm", "fees": True, "stop_when": ["plan", "promise"],
                                 "stop_below": "50"}
    values.update(changes)
    return settings_from_form(values["channels"], values["days"],  # type: ignore[arg-type]
                              tone=values["tone"], fees=values["fees"],  # type: ignore[arg-type]
                              stop_when=values["stop_when"],  # type: ignore[arg-type]
                              stop_below=values["stop_below"])  # type: ignore[arg-type]


def test_the_form_becomes_a_fragment_in_the_rule_files_language() -> None:
    built = fragment("spring", _form())
    assert built.segment == {"name": "campaign spring", "when": 'campaign.name == "spring"'}
    assert built.ladder["steps"] == [
        {"name": "1. sms", "at": 1, "when": "campaign.days >= 0", "send": ["sms"],
         "template": "reminder-2"},
        {"name": "2. email", "at": 2, "when": "campaign.days >= 5", "send": ["email"],
         "template": "final-notice"},
        {"name": "3. call", "at": 3, "when": "campaign.days >= 12", "task": "call",
         "assign": "owner", "fees": "statutory"}]
    assert built.pauses == (
        'campaign.name == "spring" and campaign.paused',
        'campaign.name == "spring" and (promise.open)',
        'campaign.name == "spring" and (plan.active or plan.in_review)',
        'campaign.name == "spring" and account.overdue_balance < 50')


def test_sms_moved_first_keeps_the_days_in_place() -> None:
    standard = BUILTIN_TEMPLATES[1].settings
    moved = with_channel_first(standard, "sms")
    assert [(s.channel, s.day) for s in moved.steps] == \
        [("sms", 0), ("email", 5), ("letter", 14), ("call", 21)]
    assert moved.tone == standard.tone
    assert moved.stop_when == standard.stop_when
    assert slug_of("  Spring push: DE & AT!! ") == "spring-push-de-at"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"days": ["0", "ten", "12"]}, "step-2-day",
     'step 2: the day must be a whole number, got "ten"'),
    ({"days": ["0", "5", "5"]}, "step-3-day", "step 3: day 5 must come after step 2's day 5"),
    ({"days": ["0", "5", "400"]}, "step-3-day", "step 3: the day must be from 0 to 365, got 400"),
    ({"channels": ["sms", "pigeon", "call"]}, "step-2-channel",
     'step 2: "pigeon" is not a channel; use email, sms, letter, whatsapp, voice, call, '
     'handover'),
    ({"channels": ["", "", ""], "days": ["", "", ""]}, "steps",
     "a campaign needs at least one step (a channel and a day)"),
    ({"tone": "angry"}, "tone", '"angry" is not a tone; use friendly, standard, firm'),
    ({"stop_when": ["moon"]}, "stop_when",
     '"moon" is not a stop condition; use promise, plan, dispute'),
    ({"stop_below": "lots"}, "stop_below", 'the amount must be a number such as 25.00, got '
                                           '"lots"'),
    ({"stop_below": "-3"}, "stop_below", "the amount must be above 0, got -3"),
])
def test_each_mistake_is_named_with_its_field(changes: dict[str, object], field: str,
                                              message: str) -> None:
    with pytest.raises(CampaignFormError) as refused:
        _form(**changes)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_empty_rows_are_left_out() -> None:
    settings = _form(channels=["sms", "", "email", ""], days=["0", "", "3", ""])
    assert settings.steps == (CampaignStep("sms", 0), CampaignStep("email", 3))


def test_on_top_of_finances_file_the_campaign_decides_for_its_members_only() -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    merged = merge(text, [fragment("spring", _form(stop_below=""))])
    assert [p for p in check_text(merged, "default.yaml") if p.severity == "error"] == []
    policy = compile_text(merged, "default.yaml", isolation="inline")
    member = account_from_spec({"kind": "B2C", "days_overdue": 40, "balance": 900})
    joined = replace(member, campaign="spring", campaign_days=5)
    decided = policy.outcomes([joined])[0]
    assert decided.segment == "campaign spring"
    assert [d.rule for d in decided.decisions] == ["1. sms"]  # one step per cycle
    outside = policy.outcomes([member])[0]
    assert outside.segment == "consumer"  # finance's segment: the campaign is not theirs
    paused = policy.outcomes([replace(joined, campaign_paused=True)])[0]
    assert paused.pause == 'campaign.name == "spring" and campaign.paused'
    assert merge(text, []) == text  # no campaign: finance's file as it is


def test_a_compiler_problem_lands_on_the_field_it_concerns() -> None:
    settings = _form(stop_below="1E+400")
    text = Path(DEFAULT_POLICY).read_text(encoding="utf-8")
    problems = [p for p in check_text(merge(text, [fragment("x", settings)]), "rules.yaml")
                if p.severity == "error"]
    assert problems
    assert {field_of_problem(p.rule, p.message, settings, "x") for p in problems} == \
        {"stop_below"}
    assert field_of_problem('step "2. email"', "needs a template", settings, "x") == \
        "step-2-channel"
    assert field_of_problem(None, "the file uses 61 different tests", settings, "x") == "form"


def test_a_campaign_can_end_with_a_handover_the_creditor_approves() -> None:
    settings = _form(channels=["email", "letter", "handover"], days=["0", "10", "30"])
    built = fragment("last-call", settings)
    assert built.ladder["steps"][-1] == {
        "name": "3. handover", "at": 3, "when": "campaign.days >= 30",
        "handover": "collection", "approval": "creditor", "fees": "statutory"}
    merged = merge(DEFAULT_POLICY.read_text(encoding="utf-8"), [built])
    assert [str(p) for p in check_text(merged, "default.yaml", isolation="inline")
            if p.severity == "error"] == []
    with pytest.raises(CampaignFormError) as refused:
        _form(channels=["handover", "email"], days=["0", "10"])
    assert refused.value.field == "step-2-channel"
    assert refused.value.message == ("step 2: the hand-over to collection must be the last "
                                     "step (after it the hub sends nothing)")
    moved = with_channel_first(settings, "handover")  # --first handover: refused when read
    with pytest.raises(CampaignFormError, match="must be the last step"):
        settings_from_form([s.channel for s in moved.steps], [str(s.day) for s in moved.steps],
                           tone="firm", fees=False, stop_when=[])
