"""The experiment report's statistics: recovery, the difference's intervals, sample size."""

from __future__ import annotations

import math

from hub.domain.experiments import Outcome
from hub.domain.experiments import compare
from hub.domain.experiments import sample_size
from hub.domain.experiments import summarise
from hub.domain.experiments import verdict


def _binary(paid: int, total: int) -> list[Outcome]:
    """Accounts owing 1 each: `paid` of them paid in full (a yes/no proportion)."""
    return [Outcome(1.0, 1.0 if i < paid else 0.0) for i in range(total)]


def test_recovery_is_weighted_by_the_amount_owed() -> None:
    result = summarise("sms", [Outcome(900.0, 900.0), Outcome(100.0, 0.0)], running=3)
    assert result.rate == 0.9  # not 0.5: the large balance was paid
    assert (result.accounts, result.running) == (2, 3)


def test_with_yes_no_outcomes_the_normal_interval_is_walds() -> None:
    found = compare("a", _binary(300, 500), "b", _binary(250, 500), resamples=500)
    assert found is not None
    assert math.isclose(found.difference, 0.10)
    # Wald: 0.1 +- 1.96 sqrt(.6 x .4 / 500 + .5 x .5 / 500), with n - 1 in the variances
    wald = 1.959964 * math.sqrt(0.24 / 499 + 0.25 / 499)
    assert math.isclose(found.delta_high - found.difference, wald, rel_tol=1e-4)
    # the bootstrap's percentile interval is close to it at this size
    assert abs(found.low - found.delta_low) < 0.015
    assert abs(found.high - found.delta_high) < 0.015
    assert found.clear
    assert found.still_needed(500, 500) == 0


def test_identical_variants_give_an_interval_around_zero_and_say_how_many_more() -> None:
    found = compare("a", _binary(100, 200), "b", _binary(100, 200), resamples=500)
    assert found is not None
    assert found.difference == 0
    assert found.low < 0 < found.high
    assert not found.clear
    # two proportions of 0.5, five points apart: about 1,565 accounts per variant
    assert 1540 <= (found.needed_per_variant or 0) <= 1580
    assert found.still_needed(200, 200) == 2 * ((found.needed_per_variant or 0) - 200)
    assert "includes zero" in verdict(found, 200, 200)


def test_the_sample_size_is_the_textbook_one() -> None:
    # p = 0.5 in both variants, 10 points apart, 5% two-sided, 80% power: 392.4 -> 393
    assert sample_size(0.25, 0.25, 0.10) == 393
    assert sample_size(0.25, 0.25, 0.0) is None


def test_the_same_ledger_gives_the_same_interval() -> None:
    first = compare("a", _binary(30, 80), "b", _binary(20, 80), resamples=300)
    again = compare("a", _binary(30, 80), "b", _binary(20, 80), resamples=300)
    assert first == again


def test_no_interval_from_a_single_account() -> None:
    assert compare("a", _binary(1, 1), "b", _binary(5, 10)) is None
