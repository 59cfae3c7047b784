"""Aging by customer as a ratio to one GROUP BY in the `sqlite3` shell, in the same run.

    python bench/reports.py --size 200000 --rounds 3

Builds a SQLite ledger of `--size` invoices (one customer per 20, `bench/portfolio.py`),
then in each round, in turn (interleaved), as whole processes, measures CPU seconds:
- hub: `python app.py report aging --by customer` (start-up, SQL, the printed table);
- reference: the `sqlite3` shell printing the same sums with one GROUP BY (customer,
  currency, bucket) over the same tables.
Prints min and median of each and hub/reference (issue 16's goal: at most 2x).
With HUB_BENCH_BEFORE=/path/to/an/older/checkout, that checkout's `app.py` runs in the same
rounds too ("hub before"; it must need the same schema revision).
With --top N, `report aging --by customer --top N` runs in the same rounds too ("hub --top").
With --statements, the statements alone too, in this process through `sqlite3`, interleaved:
the reference's GROUP BY, the SQLAlchemy statement as the hub's engine sends it (with the
creditor filter), the same with `+creditor_id`, and the fixed text of the `sqlite3` path.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import DEPARTMENTS
from portfolio import OWNERS
from portfolio import write_portfolio
from rounds import compile_tree
from rounds import interleave
from rounds import load_line
from rounds import ratio_line
from sqlalchemy import event

from hub.bootstrap.readers import import_file
from hub.domain.clock import FixedClock
from hub.domain.model import Role
from hub.domain.model import User
from hub.domain.reports import bucket_cutoffs
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.users import upsert_users
from hub.services.read import aging_sqlite
from hub.services.read.reports import aging_report

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 30)


def build_ledger(folder: Path, size: int) -> Path:
    customers_csv, invoices_csv = write_portfolio(folder, size, TODAY)
    database = folder / "hub.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    clock = FixedClock(datetime.combine(TODAY, datetime.min.time(), UTC).replace(hour=12))
    with engine.begin() as connection:
        upsert_users(connection, [User(email=owner, name=owner.split("@")[0],
                                       role=Role.COLLECTOR, department=DEPARTMENTS[i % 3])
                                  for i, owner in enumerate(OWNERS)], clock.now())
    import_file(engine, customers_csv, "customers", actor="bench", clock=clock)
    import_file(engine, invoices_csv, "invoices", actor="bench", clock=clock)
    engine.dispose()
    return database


def reference_sql() -> str:
    """The aging sums per customer, currency and bucket, as one GROUP BY."""
    cases = " ".join(f"WHEN i.due_date >= '{cutoff.isoformat()}' THEN '{key}'"
                     for key, cutoff in bucket_cutoffs(TODAY))
    return (f"SELECT c.code, i.currency, CASE {cases} ELSE 'over_180' END AS bucket, "
            "SUM(i.open_minor), COUNT(*) FROM invoices i JOIN customers c "
            f"ON c.id = i.customer_id WHERE i.open_minor > 0 AND i.issue_date <= "
            f"'{TODAY.isoformat()}' GROUP BY c.code, i.currency, bucket ORDER BY 2, 1;\n")


def child_cpu(command: list[str], env: dict[str, str], stdin: str | None = None,
              cwd: Path = ROOT) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, env=env, input=stdin, text=True, check=True,
                   stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sqlalchemy_statement(database: Path) -> tuple[str, Any]:
    """The SQL text and parameters the hub's engine sends for the report by customer."""
    engine = make_engine(f"sqlite:///{database}")
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    aging_report(engine, TODAY, "customer")
    engine.dispose()
    return sent[-1]


def statement_rounds(database: Path, rounds: int) -> None:
    old, parameters = sqlalchemy_statement(database)
    assert old.count("AND invoices.creditor_id = ?") == 1, old
    contenders = {
        "reference": (reference_sql(), ()), "SQLAlchemy's": (old, parameters),
        "+creditor_id": (old.replace("AND invoices.creditor_id = ?",
                                     "AND +invoices.creditor_id = ?"), parameters),
        "sqlite3 path's": (aging_sqlite.aging_statement("customer"),
                           aging_sqlite.aging_parameters(TODAY, 1)),
    }
    connection = sqlite3.connect(database)

    def cpu(sql: str, values: Any) -> float:
        started = time.process_time()
        connection.execute(sql, values).fetchall()
        return time.process_time() - started

    print(f"the statements alone, in this process ({load_line()})")
    found = interleave(rounds, {name: (lambda sql=sql, values=values: cpu(sql, values))
                                for name, (sql, values) in contenders.items()})
    connection.close()
    for name in ("SQLAlchemy's", "+creditor_id", "sqlite3 path's"):
        print(ratio_line(f"statement: {name}", found[name], found["reference"], "s", "-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=200_000, help="invoices in the ledger")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=0,
                        help="also time `report aging --by customer --top N`")
    parser.add_argument("--statements", action="store_true",
                        help="also time the statements alone, in this process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as scratch:
        database = build_ledger(Path(scratch), args.size)
        env = {**os.environ, "HUB_DATABASE_URL": f"sqlite:///{database}",
               "HUB_VAR_DIR": str(Path(scratch) / "var")}
        hub = [sys.executable, "app.py", "report", "aging", "--by", "customer",
               "--as-of", TODAY.isoformat()]
        print(f"aging by customer, {args.size:,} invoices, {max(1, args.size // 20):,} "
              f"customers, {args.rounds} interleaved rounds ({load_line()}; "
              f"{compile_tree(ROOT)})")
        contenders = {
            "hub report": lambda: child_cpu(hub, env),
            "sqlite3 GROUP BY": lambda: child_cpu(["sqlite3", str(database)], env,
                                                  reference_sql()),
        }
        if args.top:
            contenders["hub --top"] = lambda: child_cpu([*hub, "--top", str(args.top)], env)
        before = os.environ.get("HUB_BENCH_BEFORE")
        if before:
            compile_tree(before)
            contenders["hub before"] = lambda: child_cpu(hub, env, cwd=Path(before))
        found = interleave(args.rounds, contenders)
        if args.statements:
            statement_rounds(database, args.rounds)
    print(ratio_line("aging by customer CPU", found["hub report"], found["sqlite3 GROUP BY"],
                     "s", "<= 2"))
    if args.top:
        print(ratio_line(f"the same, --top {args.top}", found["hub --top"],
                         found["sqlite3 GROUP BY"], "s", "<= 2"))
    if before:
        print(ratio_line("the same, hub before", found["hub before"],
                         found["sqlite3 GROUP BY"], "s", "<= 2"))


if __name__ == "__main__":
    main()
