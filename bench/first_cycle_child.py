"""One first cycle on a copy of bench/cycle.py's SQLite ledger, in a process of its own,
with the code of the checkout it runs in (its working directory): bench/cycle.py runs it
for this checkout and for HUB_BENCH_BEFORE in the same rounds and compares the two.

    cd /path/to/checkout && python /path/to/bench/first_cycle_child.py LEDGER.db

Prints the CPU ms per account (this process and the engine's processes it reaped)."""

from __future__ import annotations

import os
import resource
import sys
from datetime import UTC
from datetime import date
from datetime import datetime

sys.path.insert(0, os.getcwd())  # the checkout measured, not this script's own

from hub.ledger.db import make_engine
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from notifications.templates import known_templates
from rules import DEFAULT_POLICY
from rules import load_policy

TODAY = date(2026, 11, 23)  # bench/cycle.py's


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    policy = load_policy(DEFAULT_POLICY, known_templates=known_templates())
    engine = make_engine(f"sqlite:///{sys.argv[1]}")
    moment = datetime.combine(TODAY, datetime.min.time(), UTC).replace(hour=5)
    runner = Cycle(engine, policy, now=lambda: moment, thresholds=policy.thresholds())
    started = cpu_seconds()
    report = runner.run(CycleOptions(as_of=TODAY, actor="bench"))
    used = cpu_seconds() - started
    engine.dispose()
    print(f"{used / report.counts['accounts_evaluated'] * 1000:.6f}")


if __name__ == "__main__":
    main()
