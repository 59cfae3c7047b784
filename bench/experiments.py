"""Campaign experiments: the must-show of issue 14 and how often the report's interval is
right.

1. A simulated portfolio (default 3,000 accounts) runs 120 days through the real cycle with
   the rules engine (hub/experiment_simulation.py). Planted: SMS recovers 10 points more of
   the amount owed than e-mail for consumers; two wordings of the business reminder recover
   the same. It prints both experiment reports as `experiments report` does.
2. Coverage: the same debtor behaviour drawn directly (no ledger) for many seeds; how often
   the 95% bootstrap interval, and the normal (delta-method) interval, hold the planted
   difference (should be about 95%), and how often the planted 10 points are told apart
   from zero (the power at that size).

    .venv/bin/python bench/experiments.py --accounts 3000 --seeds 200
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.cli.experiments import report_text
from hub.domain.experiments import Outcome
from hub.domain.experiments import compare
from hub.experiment_simulation import PAYS
from hub.experiment_simulation import PLANTED
from hub.experiment_simulation import simulate


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _arm(rng: random.Random, chance: float, count: int) -> list[Outcome]:
    """Owed as in the simulated portfolio; pays all (4 in 5) or half within the window."""
    found = []
    for _ in range(count):
        owed = round(rng.lognormvariate(5.3, 0.8) + 10, 2)
        paid = 0.0
        if rng.random() < chance:
            paid = owed if rng.random() < 0.8 else round(owed / 2, 2)
        found.append(Outcome(owed, paid))
    return found


def coverage(seeds: int, per_variant: int, resamples: int) -> None:
    variant, against, planted = PLANTED["first_channel"]
    covered = normal = clear = 0
    started = _cpu()
    for seed in range(seeds):
        rng = random.Random(seed)
        first = _arm(rng, PAYS["first_channel", variant], per_variant)
        second = _arm(rng, PAYS["first_channel", against], per_variant)
        found = compare(variant, first, against, second, resamples=resamples, seed=seed)
        assert found is not None
        covered += found.low <= planted <= found.high
        normal += found.delta_low <= planted <= found.delta_high
        clear += found.clear
    print(f"\ncoverage over {seeds} seeds, {per_variant} accounts per variant, planted "
          f"{planted * 100:.0f} points, {resamples} resamples:")
    print(f"  bootstrap interval holds it: {covered / seeds:.1%}")
    print(f"  normal (delta-method) interval holds it: {normal / seeds:.1%}")
    print(f"  told apart from zero (power): {clear / seeds:.1%}")
    print(f"  CPU {_cpu() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--window", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", type=int, default=200, help="coverage runs (0: none)")
    parser.add_argument("--per-variant", type=int, default=750)
    parser.add_argument("--resamples", type=int, default=1000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started, cpu = time.perf_counter(), _cpu()
        reports = simulate(Path(folder), accounts=options.accounts, days=options.days,
                           window=options.window, seed=options.seed)
        print(f"{options.accounts} accounts, {options.days} days through the cycle: "
              f"{time.perf_counter() - started:.1f} s wall, {_cpu() - cpu:.1f} s CPU, peak "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB\n")
        for name, report in reports.items():
            variant, against, planted = PLANTED[name]
            print(f"planted: {variant} - {against} = {planted * 100:.0f} points")
            print(report_text(report))
            print()
    if options.seeds:
        coverage(options.seeds, options.per_variant, options.resamples)


if __name__ == "__main__":
    main()
