"""Rules benchmark: the default rule file over N synthetic accounts.

    python bench/rules.py --accounts 20000

Prints: loading and the activation gate, evaluation through durable_rules (child
processes, every account cross-checked by the shadow), the same decisions by the plain
Python shadow alone, the ratio, and peak memory. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rules import DEFAULT_POLICY
from rules import load_policy
from rules.examples import account_from_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    chooser = random.Random(1)  # a fixed portfolio: runs compare
    accounts = [account_from_spec({
        "kind": chooser.choice(["B2B", "B2C"]), "country": chooser.choice(["NL", "DE", "GB"]),
        "invoices": [{"days_overdue": chooser.randint(-30, 120),
                      "balance": chooser.randint(5, 5000)}
                     for _ in range(chooser.randint(1, 10))]}, f"C{i:06d}")
        for i in range(args.accounts)]
    invoices = sum(len(a.invoices) for a in accounts)
    started = time.perf_counter()
    policy = load_policy(DEFAULT_POLICY)
    policy.workers = args.workers
    print(f"load, checks and activation gate  {time.perf_counter() - started:8.2f} s")
    started = time.perf_counter()
    decisions = policy.evaluate(accounts)
    engine = time.perf_counter() - started
    report = policy.last_report
    print(f"engine + shadow check             {engine:8.2f} s  {len(accounts):,} accounts, "
          f"{invoices:,} invoices, {len(decisions):,} decisions, "
          f"{len(accounts) / engine:,.0f} accounts/s, ok={report.ok}")
    started = time.perf_counter()
    shadow = [d for outcome in policy.outcomes(accounts, engine=False)
              for d in outcome.decisions if d.paused_by is None]
    alone = time.perf_counter() - started
    print(f"plain Python (shadow) alone       {alone:8.2f} s  same decisions: "
          f"{shadow == decisions}")
    print(f"engine / plain Python             {engine / alone:8.1f} x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process)        {peak:8.0f} MB")


if __name__ == "__main__":
    main()
