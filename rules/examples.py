"""Accounts described in a few words (a rule file's `tests:` section) -> AccountFacts.

    account: {kind: B2B, country: DE, days_overdue: 15, balance: 1200,
              promise: open, steps_taken: [friendly reminder]}
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import InvoiceFacts
from hub.domain.decisions import PlanFacts
from hub.domain.decisions import PromiseFacts
from hub.domain.decisions import StepTaken
from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from hub.domain.money import Money

DEFAULT_TODAY = date(2026, 6, 10)  # a Wednesday and no public holiday in the EU or UK
ACCOUNT_KEYS = ("kind", "country", "currency", "language", "today", "days_overdue", "balance",
                "invoices", "lifetime_value", "credit_limit", "score", "segment", "owner",
                "department", "excluded", "on_hold", "legal", "enforcement", "disputed",
                "invoice_excluded", "promise", "plan", "steps_taken", "channels",
                "fees_charged", "variants")


class ExampleError(ValueError):
    """The account description cannot be read; the message says which key."""


def _amount(value: Any, currency: str, key: str) -> Money:
    try:
        return Money.of(Decimal(str(value)), currency)
    except (ArithmeticError, ValueError):
        raise ExampleError(f'"{key}" must be an amount, got "{value}"') from None


def _invoice(spec: dict[str, Any], index: int, today: date, currency: str,
             defaults: dict[str, Any]) -> InvoiceFacts:
    days = spec.get("days_overdue", 0)
    if isinstance(days, bool) or not isinstance(days, int):
        raise ExampleError(f'"days_overdue" must be a number of days, got "{days}"')
    amount = _amount(spec.get("balance", 1000), currency, "balance")
    due = today - timedelta(days=days)
    return InvoiceFacts(
        number=str(spec.get("number", f"T-{index + 1}")), currency=currency, amount=amount,
        open_amount=amount, issue_date=due - timedelta(days=30), due_date=due,
        days_overdue=max(days, 0), disputed=bool(spec.get("disputed", defaults["disputed"])),
        excluded=bool(spec.get("excluded", defaults["excluded"])),
        fees_charged=tuple(spec.get("fees_charged", defaults["fees_charged"])))


def account_from_spec(spec: dict[str, Any], code: str = "TEST",
                      ladder_of: dict[str, str] | None = None) -> AccountFacts:
    """The account described; `ladder_of` names the ladder of each step in steps_taken
    (a step may also be written "ladder/step")."""
    unknown = sorted(set(spec) - set(ACCOUNT_KEYS))
    if unknown:
        raise ExampleError(f'"{unknown[0]}" is not an account key; known: '
                           f'{", ".join(ACCOUNT_KEYS)}')
    today = spec.get("today", DEFAULT_TODAY)
    if not isinstance(today, date):
        raise ExampleError(f'"today" must be a date such as 2026-06-10, got "{today}"')
    currency = str(spec.get("currency", "EUR"))
    defaults = {"disputed": spec.get("disputed", False),
                "excluded": spec.get("invoice_excluded", False),
                "fees_charged": spec.get("fees_charged", ())}
    invoice_specs = spec.get("invoices") or [
        {"days_overdue": spec.get("days_overdue", 0), "balance": spec.get("balance", 1000)}]
    invoices = tuple(_invoice(item, index, today, currency, defaults)
                     for index, item in enumerate(invoice_specs))
    total = sum((i.open_amount for i in invoices), Money.zero(currency))
    promises: tuple[PromiseFacts, ...] = ()
    if spec.get("promise") in ("open", "broken"):
        due = today + timedelta(days=3) if spec["promise"] == "open" else today - timedelta(
            days=30)
        promises = (PromiseFacts(1, due - timedelta(days=7), due, total, Money.zero(currency),
                                 PromiseState.OPEN),)
    plans: tuple[PlanFacts, ...] = ()
    if spec.get("plan") in ("active", "missed"):
        plans = (PlanFacts(1, PlanState.ACTIVE, today + timedelta(days=10),
                           1 if spec["plan"] == "missed" else 0),)
    anchor = min(invoices, key=lambda i: i.due_date).due_date
    steps = []
    for item in spec.get("steps_taken", ()):
        ladder, _, step = str(item).rpartition("/")
        ladder = ladder or (ladder_of or {}).get(step, "")
        steps.append(StepTaken(ladder, step, today - timedelta(days=7), anchor))

    def money(key: str) -> Money | None:
        return None if spec.get(key) is None else _amount(spec[key], currency, key)

    return AccountFacts(
        customer_code=code, kind=str(spec.get("kind", "B2B")), country=spec.get("country", "NL"),
        language=str(spec.get("language", "en")), timezone="UTC", currency=currency,
        owner=spec.get("owner", "owner@example.com"), department=spec.get("department"),
        segment=spec.get("segment"), lifetime_value=money("lifetime_value"),
        credit_limit=money("credit_limit"), score=spec.get("score"),
        excluded=bool(spec.get("excluded", False)), on_hold=bool(spec.get("on_hold", False)),
        legal=bool(spec.get("legal", False)), today=today, invoices=invoices,
        promises=promises, plans=plans,
        open_disputes=sum(1 for i in invoices if i.disputed), steps_taken=tuple(steps),
        channels=frozenset(spec.get("channels", ("email", "sms", "letter"))),
        enforcement=bool(spec.get("enforcement", True)), variants=_variants(spec))


def _variants(spec: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """`variants: {first_channel: sms}`: the account is in that variant of the experiment
    (instead of the one its code is dealt)."""
    given = spec.get("variants") or {}
    if not isinstance(given, dict):
        raise ExampleError('"variants" must name an experiment and a variant, e.g. '
                           "{first_channel: sms}")
    return tuple((str(name), str(variant)) for name, variant in given.items())
