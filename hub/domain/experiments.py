"""What a campaign experiment shows: recovery within N days per variant, the difference
against the control variant with its confidence interval, and how many more accounts a
clear answer needs.

Recovery of a variant is amount-weighted: what its accounts paid within N days of being
exposed (capped at what each owed then) over what they owed, so "10 points more" means ten
more cents recovered per euro owed. Per account the outcome is a share between 0 and 1,
often neither (part payments), and a few large balances weigh most; so the outcome is not
a yes/no proportion and Newcombe's or Wald's interval for proportions does not apply.

The interval is a **percentile bootstrap** (accounts resampled with replacement within each
variant, 2,000 times, seeded so the same ledger gives the same report): it needs no normal
approximation and no assumption about the shape of the shares, and it respects the weight
of large balances. The number of accounts still needed comes from the usual normal-theory
sample size for two means, with each variant's variance of the ratio estimator taken by
linearisation (the delta method): n = (z(1-a/2) + z(power))^2 (s1^2 + s2^2) / effect^2,
at a two-sided 5% level and 80% power. With thousands of accounts the delta-method interval
and the bootstrap agree closely; the tests check both against a planted effect.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from hub.i18n import Text
from hub.i18n import lazy_gettext
from hub.i18n import lazy_ngettext

RESAMPLES = 2000
LEVEL = 0.95
POWER = 0.80
MINIMUM_EFFECT = 0.05  # five points: the smallest difference finance asks to tell apart


@dataclass(frozen=True, slots=True)
class ExperimentPlan:
    """An experiment as the rule file in force writes it (what the report compares)."""

    name: str
    ladder: str
    step: str
    variants: tuple[tuple[str, float], ...]  # (variant, share in percent), in file order
    control: str
    skipped: tuple[str, ...] = ()  # variants that leave the step out (hold-outs)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One exposed account whose N days are over: what it owed then and paid within them."""

    owed: float
    recovered: float  # capped at owed


@dataclass(frozen=True, slots=True)
class VariantResult:
    variant: str
    accounts: int  # with their N days over
    running: int  # exposed fewer than N days ago: not counted yet
    owed: float
    recovered: float

    @property
    def rate(self) -> float | None:
        return self.recovered / self.owed if self.owed > 0 else None


@dataclass(frozen=True, slots=True)
class Comparison:
    variant: str
    against: str
    difference: float  # rate(variant) - rate(against), as a share (0.10 = 10 points)
    low: float  # bootstrap percentile interval at LEVEL
    high: float
    delta_low: float  # the delta-method (normal) interval, for comparison
    delta_high: float
    needed_per_variant: int | None  # accounts per variant to tell `effect` from none
    effect: float  # the difference the sample size is computed for
    needed_observed: int | None  # ... and for the difference observed

    @property
    def clear(self) -> bool:
        """The interval leaves out zero: the sign of the difference is known."""
        return self.low > 0 or self.high < 0

    def still_needed(self, accounts: int, against: int) -> int | None:
        """More accounts (both variants together) before the minimum effect could be told
        apart; 0 when the answer is clear already; None when nothing can be computed."""
        if self.clear:
            return 0
        if self.needed_per_variant is None:
            return None
        return max(0, self.needed_per_variant - accounts) + \
            max(0, self.needed_per_variant - against)


def summarise(variant: str, outcomes: Sequence[Outcome], running: int) -> VariantResult:
    return VariantResult(variant, len(outcomes), running,
                         sum(o.owed for o in outcomes), sum(o.recovered for o in outcomes))


def _ratio_variance(outcomes: Sequence[Outcome]) -> float | None:
    """Per-account variance of the ratio estimator (linearised): Var(R) = this / n."""
    n = len(outcomes)
    owed = sum(o.owed for o in outcomes)
    if n < 2 or owed <= 0:
        return None
    rate = sum(o.recovered for o in outcomes) / owed
    mean_owed = owed / n
    residuals = [o.recovered - rate * o.owed for o in outcomes]
    return sum(r * r for r in residuals) / (n - 1) / (mean_owed * mean_owed)


def _bootstrap(first: Sequence[Outcome], second: Sequence[Outcome], *, resamples: int,
               seed: int) -> list[float]:
    chooser = random.Random(seed)  # noqa: S311 - a reproducible resample, not a secret
    a_owed, a_paid = [o.owed for o in first], [o.recovered for o in first]
    b_owed, b_paid = [o.owed for o in second], [o.recovered for o in second]
    a_index, b_index = range(len(first)), range(len(second))
    differences = []
    for _ in range(resamples):
        picked = chooser.choices(a_index, k=len(first))
        owed = sum([a_owed[i] for i in picked])
        rate_a = sum([a_paid[i] for i in picked]) / owed if owed else 0.0
        picked = chooser.choices(b_index, k=len(second))
        owed = sum([b_owed[i] for i in picked])
        rate_b = sum([b_paid[i] for i in picked]) / owed if owed else 0.0
        differences.append(rate_a - rate_b)
    differences.sort()
    return differences


def sample_size(variance_a: float, variance_b: float, effect: float, *,
                level: float = LEVEL, power: float = POWER) -> int | None:
    """Accounts per variant to detect `effect` (a share) at a two-sided `level` with `power`."""
    if effect <= 0:
        return None
    normal = NormalDist()
    z = normal.inv_cdf(1 - (1 - level) / 2) + normal.inv_cdf(power)
    return math.ceil(z * z * (variance_a + variance_b) / (effect * effect))


def compare(variant: str, outcomes: Sequence[Outcome], against: str,
            reference: Sequence[Outcome], *, effect: float = MINIMUM_EFFECT,
            resamples: int = RESAMPLES, seed: int = 1) -> Comparison | None:
    """The variant against the reference variant; None while either has fewer than two
    accounts with their N days over (no interval can be had)."""
    var_a, var_b = _ratio_variance(outcomes), _ratio_variance(reference)
    if var_a is None or var_b is None:
        return None
    rate_a = sum(o.recovered for o in outcomes) / sum(o.owed for o in outcomes)
    rate_b = sum(o.recovered for o in reference) / sum(o.owed for o in reference)
    difference = rate_a - rate_b
    spread = _bootstrap(outcomes, reference, resamples=resamples, seed=seed)
    tail = (1 - LEVEL) / 2
    low = spread[math.floor(tail * (resamples - 1))]
    high = spread[math.ceil((1 - tail) * (resamples - 1))]
    z = NormalDist().inv_cdf(1 - tail)
    error = math.sqrt(var_a / len(outcomes) + var_b / len(reference))
    observed = abs(difference)
    return Comparison(variant, against, difference, low, high, difference - z * error,
                      difference + z * error, sample_size(var_a, var_b, effect), effect,
                      sample_size(var_a, var_b, observed) if observed >= 0.005 else None)


def points(share: float | None) -> str:
    """0.1034 -> "10.3" (percentage points, or a percent of a rate)."""
    return "-" if share is None else f"{share * 100:.1f}"


def verdict(comparison: Comparison, accounts: int, against: int) -> Text:
    """The comparison in one sentence for finance (English until shown: hub.i18n.Text)."""
    words = {"name": comparison.variant, "other": comparison.against,
             "low": points(comparison.low), "high": points(comparison.high)}
    if comparison.clear:
        by = points(abs(comparison.difference))
        if comparison.difference > 0:
            return lazy_gettext("%(name)s recovers %(by)s points more than %(other)s (95%% "
                                "interval %(low)s to %(high)s points): a clear answer",
                                by=by, **words)
        return lazy_gettext("%(name)s recovers %(by)s points less than %(other)s (95%% "
                            "interval %(low)s to %(high)s points): a clear answer",
                            by=by, **words)
    needed = comparison.still_needed(accounts, against)
    difference = points(comparison.difference)
    if needed is None:
        return lazy_gettext("%(name)s against %(other)s: %(difference)s points, 95%% interval "
                            "%(low)s to %(high)s points, which includes zero: no clear answer "
                            "yet", difference=difference, **words)
    return lazy_ngettext(
        "%(name)s against %(other)s: %(difference)s points, 95%% interval %(low)s to "
        "%(high)s points, which includes zero: no clear answer yet; about %(count)s more "
        "account (both variants) to tell a %(effect)s-point difference from none",
        "%(name)s against %(other)s: %(difference)s points, 95%% interval %(low)s to "
        "%(high)s points, which includes zero: no clear answer yet; about %(count)s more "
        "accounts (both variants) to tell a %(effect)s-point difference from none",
        needed, count=f"{needed:,}", effect=points(comparison.effect),
        difference=difference, **words)
