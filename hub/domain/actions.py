"""One small class per kind of action a decision carries, read from `Action.params`.

`Action.params` stays the wire and storage format (rules/ writes it; applied_decisions keeps
it as JSON, unchanged). This module is the one place that reads it, so the code that carries
actions out works with named, typed fields and no longer guesses at keys where it uses them.
Standard library only."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.money import Money

Teams = Mapping[str, list[str]]  # the members of the teams an action names (from the rules)
STAFF_VIA = ("slack", "teams", "email")


@dataclass(frozen=True, slots=True)
class Deadline:
    """A claim nearing limitation: the invoice and the last day it can be enforced. Any
    action of a `limitation` event rule carries it (rules/decide.py adds the event's facts
    to every action's parameters)."""

    invoice: str
    expires_on: date

    def describe(self) -> str:
        return (f"invoice {self.invoice}: last day {self.expires_on.isoformat()} "
                f"(the claim is time-barred after it)")


@dataclass(frozen=True, slots=True)
class Send:
    channels: tuple[str, ...]  # in order of preference
    template: str
    skipped: tuple[dict[str, str], ...]  # {channel, reason}: channels the debtor lacks


@dataclass(frozen=True, slots=True)
class Task:
    task_type: str
    assign: str | None  # owner, a team, round_robin:<team>, an e-mail address...
    due_in_days: int
    reason: str | None
    teams: Teams


@dataclass(frozen=True, slots=True)
class Escalate:
    target: str | None
    via: tuple[str, ...]
    template: str
    teams: Teams


@dataclass(frozen=True, slots=True)
class Notify:
    who: tuple[str, ...]
    teams: Teams


@dataclass(frozen=True, slots=True)
class HoldSales:
    reason: str | None


@dataclass(frozen=True, slots=True)
class ReleaseHold:
    reason: str | None


@dataclass(frozen=True, slots=True)
class LegalHandover:
    assign: str
    teams: Teams


@dataclass(frozen=True, slots=True)
class Handover:
    """Hand the account over to hard collection; with `approval`, only once the creditor
    approves (docs/handover.md)."""

    to: str  # collection: the collection company that operates the hub
    approval: bool


@dataclass(frozen=True, slots=True)
class Fee:
    """A fixed compensation line, charged once per invoice and fee kind."""

    invoice: str
    amount: Money
    fee: str  # eu_fixed, uk_fixed, ... (rules/fees.py)
    basis: str | None  # the statute's scheme, the contract or the rule file
    period_from: date | None


@dataclass(frozen=True, slots=True)
class Interest:
    """A late-payment interest line for the days from `period_from` to `until`."""

    invoice: str
    amount: Money
    basis: str | None
    rate: str | None  # the yearly percent(s) it was computed at, as written on the line
    period_from: date | None
    until: date | None


@dataclass(frozen=True, slots=True)
class Resume:
    what: str


@dataclass(frozen=True, slots=True)
class Warn:
    reason: str


TypedAction = (Send | Task | Escalate | Notify | HoldSales | ReleaseHold | LegalHandover
               | Handover | Fee | Interest | Resume | Warn)


def deadline_of(params: Mapping[str, Any]) -> Deadline | None:
    expires = _day(params.get("expires_on"))
    if expires is None or not params.get("invoice"):
        return None
    return Deadline(str(params["invoice"]), expires)


def typed(action: Action) -> TypedAction:
    """The action as its own class (defaults as the rule file's documentation gives them)."""
    return _READERS[action.kind](action.params)


def _send(p: Mapping[str, Any]) -> Send:
    channels = tuple(p.get("channels") or ("email",))
    return Send(channels, str(p.get("template") or "reminder-1"),
                tuple(s for s in p.get("skipped_channels") or () if s["channel"] not in channels))


def _task(p: Mapping[str, Any]) -> Task:
    reason = p.get("reason")
    return Task(str(p.get("task_type") or "call"), p.get("assign"), int(p.get("due_in_days") or 0),
                None if reason is None else str(reason), _teams(p))


def _escalate(p: Mapping[str, Any]) -> Escalate:
    return Escalate(p.get("target"), tuple(p.get("via") or STAFF_VIA),
                    str(p.get("template") or "escalation"), _teams(p))


def _fee(p: Mapping[str, Any]) -> Fee:
    return Fee(str(p["invoice"]), _money(p), str(p.get("fee") or "fixed"), _basis(p),
               _day(p.get("from")))


def _interest(p: Mapping[str, Any]) -> Interest:
    percent = p.get("percent")
    rate = None if percent is None else (
        "/".join(str(part) for part in percent) if isinstance(percent, list) else str(percent))
    return Interest(str(p["invoice"]), _money(p), _basis(p),
                    None if rate is None else rate[:20], _day(p.get("from")),
                    _day(p.get("until")))


_READERS: dict[ActionKind, Callable[[Mapping[str, Any]], TypedAction]] = {
    ActionKind.SEND: _send,
    ActionKind.TASK: _task,
    ActionKind.ESCALATE: _escalate,
    ActionKind.NOTIFY: lambda p: Notify(tuple(p.get("who") or ("owner",)), _teams(p)),
    ActionKind.HOLD_SALES: lambda p: HoldSales(_text(p, "reason")),
    ActionKind.RELEASE_HOLD: lambda p: ReleaseHold(_text(p, "reason")),
    ActionKind.LEGAL_HANDOVER: lambda p: LegalHandover(str(p.get("assign") or "legal"),
                                                       _teams(p)),
    ActionKind.HANDOVER: lambda p: Handover(str(p.get("to") or "collection"),
                                            p.get("approval") == "creditor"),
    ActionKind.FEE: _fee,
    ActionKind.INTEREST: _interest,
    ActionKind.RESUME: lambda p: Resume(str(p.get("what") or "dunning")),
    ActionKind.WARN: lambda p: Warn(str(p.get("reason") or "")),
}


def _teams(p: Mapping[str, Any]) -> Teams:
    return dict(p.get("teams") or {})


def _text(p: Mapping[str, Any], key: str) -> str | None:
    value = p.get(key)
    return None if value is None or value == "" else str(value)


def _basis(p: Mapping[str, Any]) -> str | None:
    basis = _text(p, "basis")
    return None if basis is None else basis[:20]  # as long as the charges column allows


def _money(p: Mapping[str, Any]) -> Money:
    return Money(Decimal(str(p["amount"])), str(p["currency"]))


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
