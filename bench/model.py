"""Model benchmark: training the payment models on a synthetic ledger of a million invoices.

Builds the ledger by bulk insert (SQLite in a temporary folder: customers with a late-
payment habit, invoices over two years, each paid invoice with its payment and
allocation), then measures, each phase once:
- reading the ledger (the set-based queries) and computing every invoice's features as
  of its issue date;
and, interleaved for --rounds rounds (min and median printed):
- the hub's training (PaymentModel: P(late) and the late class, each calibrated on the
  later fifth, and the days-to-pay regressor);
- the reference: one plain scikit-learn HistGradientBoostingClassifier().fit on the
  same feature matrix and labels, in the same process, on as many threads as the hub's
  training (prediction_models.THREADS).
Time is wall-clock and CPU; memory is the peak traced by tracemalloc during each step
(numpy and scikit-learn report their buffers to it) and the process's peak RSS.

    .venv/bin/python bench/model.py --invoices 1000000
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.services.prediction.features import LedgerHistory
from hub.services.prediction.features import issue_day_points
from hub.services.prediction.models import THREADS
from hub.services.prediction.models import PaymentModel
from hub.services.prediction.models import labelled_before
from tests.integration.prediction.synthetic import build

TODAY = date(2026, 11, 23)
PER_CUSTOMER = 10


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measured(step: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """(result, wall seconds, CPU seconds, traced peak MB) of one call."""
    gc.collect()
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, wall, cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ledger", type=Path,
                        help="a SQLite ledger this script built before (kept with --keep)")
    parser.add_argument("--keep", type=Path, help="build the ledger in this file and keep it")
    args = parser.parse_args()
    customers = max(1, args.invoices // PER_CUSTOMER)
    threadpool_limits(THREADS)  # the reference fit runs on as many threads as the hub's
    with tempfile.TemporaryDirectory() as folder:
        path = args.ledger or args.keep or Path(folder) / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        if args.ledger is None:
            upgrade(engine)
            started = time.perf_counter()
            written = build(engine, customers_count=customers,
                            invoices_per_customer=PER_CUSTOMER, today=TODAY,
                            invoice_effect=True)
            print(f"ledger: {customers:,} customers, {written:,} invoices written in "
                  f"{time.perf_counter() - started:.0f} s (SQLite)", flush=True)

        def features() -> Any:
            with engine.connect() as connection:
                history = LedgerHistory(connection)
            return history.features(issue_day_points(history))

        # not traced: tracemalloc slows a million small Python objects several times over
        rss, wall, cpu = _rss_mb(), time.perf_counter(), time.process_time()
        table = features()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"read + features: {len(table):,} invoices x {table.x.shape[1]} features in "
              f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} -> {_rss_mb():.0f} MB",
              flush=True)
        train = table.subset(labelled_before(table, TODAY))
        x = train.x
        # features the synthetic ledger never fills (no messages, promises) hold no value
        # and cannot be binned: 0, as PaymentModel holds them
        x[:, np.all(np.isnan(x), axis=0)] = 0.0
        y = (train.days_late > 0).astype(int)
        del table
        ours: list[tuple[float, float, float]] = []
        plain: list[tuple[float, float, float]] = []
        for round_ in range(args.rounds):
            _, *figures = measured(lambda: PaymentModel(train))
            ours.append((figures[0], figures[1], figures[2]))
            _, *figures = measured(
                lambda: HistGradientBoostingClassifier(random_state=0).fit(x, y))
            plain.append((figures[0], figures[1], figures[2]))
            print(f"  round {round_ + 1}: hub {ours[-1][0]:.1f} s wall {ours[-1][1]:.1f} s CPU"
                  f" {ours[-1][2]:.0f} MB; plain {plain[-1][0]:.1f} s wall {plain[-1][1]:.1f} s"
                  f" CPU {plain[-1][2]:.0f} MB", flush=True)
        engine.dispose()
    print(f"training on {len(x):,} paid invoices, {args.rounds} rounds interleaved:")
    for name, rows in (("hub (3 models + calibration)", ours),
                       ("plain HistGradientBoosting fit", plain)):
        walls = [r[0] for r in rows]
        print(f"  {name:32} wall min {min(walls):6.1f} s  median {statistics.median(walls):6.1f}"
              f" s  CPU median {statistics.median(r[1] for r in rows):6.1f} s  traced peak "
              f"{max(r[2] for r in rows):6.0f} MB")
    ratio_min = min(r[0] for r in ours) / min(r[0] for r in plain)
    ratio_median = (statistics.median(r[0] for r in ours)
                    / statistics.median(r[0] for r in plain))
    memory = max(r[2] for r in ours) / max(r[2] for r in plain)
    print(f"ratio hub / plain fit: time min {ratio_min:.2f}x, median {ratio_median:.2f}x; "
          f"traced peak memory {memory:.2f}x; feature matrix {x.nbytes / 2**20:.0f} MB; "
          f"process peak RSS {_rss_mb():.0f} MB")
    assert np.isfinite(ratio_min)


if __name__ == "__main__":
    main()
