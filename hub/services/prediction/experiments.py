"""Campaign experiment reports from the ledger: who was dealt which variant and when
(experiment_assignments), and what each paid within N days of that day (payments)."""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.experiments import MINIMUM_EFFECT
from hub.domain.experiments import RESAMPLES
from hub.domain.experiments import Comparison
from hub.domain.experiments import Outcome
from hub.domain.experiments import VariantResult
from hub.domain.experiments import compare
from hub.domain.experiments import summarise
from hub.domain.experiments import verdict
from hub.domain.model import PaymentStatus
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger.accounts import ids_in
from hub.ledger.tables import experiment_assignments as assignments
from hub.ledger.tables import payments

NOT_PAID = (PaymentStatus.REVERSED.value, PaymentStatus.RETURNED.value)


@dataclass(frozen=True, slots=True)
class ExperimentSummary:
    name: str
    accounts: int
    first_assigned: date
    last_assigned: date
    variants: dict[str, int]


@dataclass(frozen=True, slots=True)
class ExperimentReport:
    name: str
    days: int
    as_of: date
    currency: str
    control: str  # the variant the others are compared with
    variants: tuple[VariantResult, ...]
    comparisons: tuple[Comparison, ...]
    other_currencies: int  # accounts owing in another currency, not counted
    first_assigned: date | None
    last_assigned: date | None
    effect: float

    def result(self, variant: str) -> VariantResult | None:
        return next((v for v in self.variants if v.variant == variant), None)


def experiments(connection: Connection) -> list[ExperimentSummary]:
    """Every experiment with recorded accounts, by name."""
    rows = connection.execute(
        sa.select(assignments.c.experiment, assignments.c.variant, sa.func.count(),
                  sa.func.min(assignments.c.assigned_on), sa.func.max(assignments.c.assigned_on))
        .group_by(assignments.c.experiment, assignments.c.variant)
        .order_by(assignments.c.experiment, assignments.c.variant)).all()
    found: dict[str, ExperimentSummary] = {}
    for name, variant, count, first, last in rows:
        seen = found.get(name)
        if seen is None:
            found[name] = ExperimentSummary(name, count, first, last, {variant: count})
        else:
            seen.variants[variant] = count
            found[name] = ExperimentSummary(name, seen.accounts + count,
                                            min(seen.first_assigned, first),
                                            max(seen.last_assigned, last), seen.variants)
    return list(found.values())


def _outcomes(connection: Connection, name: str, days: int, as_of: date, currency: str | None
              ) -> tuple[dict[str, list[Outcome]], Counter[str], int, str, list[date]]:
    rows = connection.execute(
        sa.select(assignments.c.customer_id, assignments.c.variant,
                  assignments.c.assigned_on, assignments.c.currency,
                  assignments.c.owed_minor)
        .where(assignments.c.experiment == name)).all()
    if not rows:
        raise NotFound(lazy_gettext('no account has been dealt a variant of experiment "%(name)s"'
                                    ' yet (see `python app.py experiments list`)', name=name))
    currencies = Counter(row.currency for row in rows)
    currency = currency or currencies.most_common(1)[0][0]
    paid: dict[int, list[tuple[date, int]]] = defaultdict(list)
    ids = sorted({row.customer_id for row in rows})
    for customer_id, received_on, amount in connection.execute(
            sa.select(payments.c.customer_id, payments.c.received_on, payments.c.amount_minor)
            .where(ids_in(connection, payments.c.customer_id, ids),
                   payments.c.currency == currency, payments.c.status.not_in(NOT_PAID))):
        paid[customer_id].append((received_on, amount))
    outcomes: dict[str, list[Outcome]] = defaultdict(list)
    running: Counter[str] = Counter()
    dates = []
    for row in rows:
        if row.currency != currency or row.owed_minor <= 0:
            continue
        dates.append(row.assigned_on)
        outcomes.setdefault(row.variant, [])
        end = row.assigned_on + timedelta(days=days)
        if end >= as_of:  # the N days are not over: the outcome is not known yet
            running[row.variant] += 1
            continue
        within = sum(amount for on, amount in paid.get(row.customer_id, ())
                     if row.assigned_on <= on <= end)
        owed = Money.from_minor(row.owed_minor, currency).amount
        recovered = Money.from_minor(min(within, row.owed_minor), currency).amount
        outcomes[row.variant].append(Outcome(float(owed), float(recovered)))
    others = sum(count for code, count in currencies.items() if code != currency)
    return outcomes, running, others, currency, dates


def experiment_report(connection: Connection, name: str, *, days: int, as_of: date,
                      control: str | None = None, variants: Sequence[str] = (),
                      currency: str | None = None, effect: float = MINIMUM_EFFECT,
                      resamples: int = RESAMPLES) -> ExperimentReport:
    """Recovery within `days` of each account's exposure, per variant, and each variant
    against `control` (the rule file's control variant; else one named "control", else the
    first). `variants` orders the variants as the rule file does."""
    if days < 1:
        raise UserError(lazy_gettext("--days must be at least 1, got %(days)s", days=days))
    outcomes, running, others, currency, dates = _outcomes(connection, name, days, as_of,
                                                           currency)
    if not outcomes:
        raise UserError(lazy_gettext('no account of experiment "%(name)s" owed an amount in '
                                     '%(currency)s when it was exposed (--currency picks the '
                                     'currency)', name=name, currency=currency))
    order = [v for v in variants if v in outcomes] + sorted(v for v in outcomes
                                                            if v not in variants)
    if control is None or control not in outcomes:
        control = "control" if "control" in outcomes else order[0]
    results = tuple(summarise(v, outcomes[v], running[v]) for v in order)
    comparisons = []
    for variant in order:
        if variant == control:
            continue
        found = compare(variant, outcomes[variant], control, outcomes[control], effect=effect,
                        resamples=resamples)
        if found is not None:
            comparisons.append(found)
    return ExperimentReport(name, days, as_of, currency, control, results, tuple(comparisons),
                            others, min(dates, default=None), max(dates, default=None), effect)


def report_data(report: ExperimentReport) -> dict[str, Any]:
    """The report as data (`experiments report --format json` and the API)."""
    accounts = {v.variant: v.accounts for v in report.variants}
    return {
        "experiment": report.name, "days": report.days, "as_of": report.as_of.isoformat(),
        "currency": report.currency, "control": report.control,
        "interval": "95% percentile bootstrap over accounts",
        "first_exposed": report.first_assigned and report.first_assigned.isoformat(),
        "last_exposed": report.last_assigned and report.last_assigned.isoformat(),
        "other_currencies": report.other_currencies,
        "variants": [{"variant": v.variant, "accounts": v.accounts, "running": v.running,
                      "owed": round(v.owed, 2), "recovered": round(v.recovered, 2),
                      "recovery": None if v.rate is None else round(v.rate, 4)}
                     for v in report.variants],
        "comparisons": [{"variant": c.variant, "against": c.against,
                         "difference": round(c.difference, 4), "low": round(c.low, 4),
                         "high": round(c.high, 4), "clear": c.clear,
                         "normal_low": round(c.delta_low, 4),
                         "normal_high": round(c.delta_high, 4),
                         "effect": c.effect, "needed_per_variant": c.needed_per_variant,
                         "needed_per_variant_for_observed": c.needed_observed,
                         "still_needed": c.still_needed(accounts[c.variant],
                                                        accounts[c.against]),
                         "verdict": verdict(c, accounts[c.variant], accounts[c.against])}
                        for c in report.comparisons]}
