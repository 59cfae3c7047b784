"""Payment plans: the limits inside which a plan is approved without a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hub.domain.money import Money


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """The rule file's `portal.plan_auto_approve` (finance sets them)."""

    max_instalments: int = 3
    max_total: Decimal = Decimal("5000")  # in the plan's currency
    max_months: int = 3  # from today to the last instalment
    min_first_payment_percent: Decimal = Decimal("20")


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    plan_id: int
    approved: bool  # False: a review task was created (task_id), the debtor is told
    reasons: tuple[str, ...]  # why it needs review; empty when approved
    task_id: int | None = None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def review_reasons(instalments: Sequence[tuple[date, Money]], *, today: date,
                   open_balance: Money, limits: PlanLimits) -> tuple[str, ...]:
    """Why a plan falls outside the limits, in words; empty when it is inside them."""
    reasons = []
    total = sum((amount for _, amount in instalments), Money.zero(open_balance.currency))
    if len(instalments) > limits.max_instalments:
        reasons.append(f"{len(instalments)} instalments, at most {limits.max_instalments} "
                       f"are approved automatically")
    if total.amount > limits.max_total:
        reasons.append(f"total {total} is above {Money.of(limits.max_total, total.currency)}")
    last = max(day for day, _ in instalments)
    if last > _add_months(today, limits.max_months):
        reasons.append(f"last instalment on {last} is more than {limits.max_months} "
                       f"months ahead")
    first = min(instalments, key=lambda instalment: instalment[0])[1]
    if total.amount and first.amount * 100 < limits.min_first_payment_percent * total.amount:
        reasons.append(f"first payment {first} is below {limits.min_first_payment_percent}% "
                       f"of the total")
    if total < open_balance:
        reasons.append(f"the plan covers {total} of the {open_balance} open")
    return tuple(reasons)
