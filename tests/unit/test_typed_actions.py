"""Actions read into one class per kind (hub/domain/actions.py): what the rules write is
what the cycle carries out, with the documented defaults, and every kind has a handler."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hub.domain.actions import Deadline
from hub.domain.actions import Escalate
from hub.domain.actions import Fee
from hub.domain.actions import Interest
from hub.domain.actions import LegalHandover
from hub.domain.actions import Send
from hub.domain.actions import Task
from hub.domain.actions import Warn
from hub.domain.actions import deadline_of
from hub.domain.actions import typed
from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.money import Money
from hub.services.cycle.apply_decisions import HANDLERS
from rules import DEFAULT_POLICY
from rules import load_policy


def test_every_kind_reads_and_has_a_handler() -> None:
    for kind in ActionKind:
        params = {"invoice": "A-1", "amount": "1.00", "currency": "EUR"}
        assert type(typed(Action(kind, params))) in HANDLERS, kind


def test_a_notice_keeps_only_the_skipped_channels_it_does_not_use() -> None:
    send = typed(Action(ActionKind.SEND, {
        "channels": ["letter"], "template": "reminder-2",
        "skipped_channels": [{"channel": "email", "reason": "no e-mail address"},
                             {"channel": "letter", "reason": "stale"}]}))
    assert send == Send(("letter",), "reminder-2",
                        ({"channel": "email", "reason": "no e-mail address"},))
    assert typed(Action(ActionKind.SEND, {})) == Send(("email",), "reminder-1", ())


def test_defaults_of_tasks_escalations_and_legal() -> None:
    assert typed(Action(ActionKind.TASK, {})) == Task("call", None, 0, None, {})
    escalate = typed(Action(ActionKind.ESCALATE, {"target": "department_manager"}))
    assert escalate == Escalate("department_manager", ("slack", "teams", "email"),
                                "escalation", {})
    assert typed(Action(ActionKind.LEGAL_HANDOVER, {})) == LegalHandover("legal", {})


def test_fee_and_interest_as_rules_fees_writes_them() -> None:
    fee = typed(Action(ActionKind.FEE, {
        "invoice": "A-1", "fee": "eu_fixed", "amount": "40.00", "currency": "eur",
        "scheme": "eu", "basis": "eu", "reason": "fixed compensation"}))
    assert fee == Fee("A-1", Money(Decimal("40.00"), "EUR"), "eu_fixed", "eu", None)
    interest = typed(Action(ActionKind.INTEREST, {
        "invoice": "A-1", "amount": "8.59", "currency": "EUR", "scheme": "de",
        "basis": "contract", "from": "2026-10-02", "until": "2026-11-23", "days": 53,
        "percent": ["6.27", "7.5"], "principal": "1000.00"}))
    assert interest == Interest("A-1", Money(Decimal("8.59"), "EUR"), "contract", "6.27/7.5",
                                date(2026, 10, 2), date(2026, 11, 23))


def test_a_limitation_warning_carries_its_deadline() -> None:
    params = {"reason": "claim A-1 is time-barred after 2026-12-31", "invoice": "A-1",
              "expires_on": "2026-12-31"}
    assert typed(Action(ActionKind.WARN, params)) == Warn(params["reason"])
    deadline = deadline_of(params)
    assert deadline == Deadline("A-1", date(2026, 12, 31))
    assert deadline.describe() == ("invoice A-1: last day 2026-12-31 (the claim is "
                                   "time-barred after it)")
    assert deadline_of({"reason": "no rate for those dates", "invoice": "A-1"}) is None


@pytest.mark.parametrize("path", [DEFAULT_POLICY])
def test_every_action_of_the_shipped_rules_reads(path: Path) -> None:
    """Every action the shipped rule file can produce has a class (no KeyError at apply)."""
    policy = load_policy(path)
    for ladder in policy.rule_file.ladders.values():
        for step in ladder.steps:
            for spec in step.actions:
                assert type(typed(Action(spec.kind, dict(spec.params)))) in HANDLERS
