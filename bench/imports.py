"""Import speed as a ratio to what a user could do instead, measured in the same run.

    python bench/imports.py --size 200000 --rounds 3
    HUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \
        python bench/imports.py --size 200000 --rounds 3

Writes a synthetic portfolio (`bench/portfolio.py`), imports its customers once into a
template ledger, then in each round, in turn (interleaved):
- hub: `python app.py import invoices FILE` as a whole process, into a fresh copy of the
  template (start-up, reading, checks, writing, indexes, commit);
- the `sqlite3` shell's `.import` into a typed table of the file's columns, then the same
  three indexes (unique number, customer, due date);
- pandas `read_csv` + `to_sql` into the same typed table, then the same indexes;
- with HUB_BENCH_POSTGRES_URL: the hub into a fresh schema, and `psql \\copy` into a typed
  table of its own schema, then the same indexes.
- with HUB_BENCH_BEFORE=/path/to/an/older/checkout: that checkout's `app.py` too, as
  "hub before" (and "hub PostgreSQL before"), so a change is judged in the same rounds.
  The checkout must need the same schema revision (the ledgers are migrated by this one;
  on PostgreSQL a command refuses a database at another revision).
Prints rows a second, min and median, and hub/reference ratios (issue 16's goals); then
the same ratios in rows per CPU second (user + system time of the process and its
children: the hub's reader process, the shell, pandas), which a busy machine moves far
less than the wall clock. PostgreSQL's server work is not a child, so the CPU lines are
for SQLite only.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from portfolio import DEPARTMENTS
from portfolio import OWNERS
from portfolio import write_portfolio
from rounds import interleave
from rounds import load_line
from rounds import ratio_line

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 30)
TYPED = ("CREATE TABLE ref_invoices (invoice_number TEXT NOT NULL, customer_id TEXT NOT NULL, "
         "issue_date DATE NOT NULL, due_date DATE NOT NULL, currency TEXT NOT NULL, "
         "amount NUMERIC NOT NULL, open_amount NUMERIC)")
INDEXES = ("CREATE UNIQUE INDEX ref_number ON ref_invoices (invoice_number)",
           "CREATE INDEX ref_customer ON ref_invoices (customer_id)",
           "CREATE INDEX ref_due ON ref_invoices (due_date)")


def run_app(env: dict[str, str], *args: str, root: Path = ROOT) -> None:
    subprocess.run([sys.executable, "app.py", *args], cwd=root, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def users_code() -> str:
    """The owners the customer file names, as staff (owners must exist as users)."""
    return (
        "import sys\nfrom datetime import UTC, datetime\n"
        "from hub.ledger.db import make_engine\nfrom hub.ledger.users import upsert_users\n"
        "from hub.domain.model import Role, User\n"
        "engine = make_engine(sys.argv[1])\n"
        "with engine.begin() as c:\n"
        f"    upsert_users(c, [User(email=o, name=o.split('@')[0], role=Role.COLLECTOR, "
        f"department={DEPARTMENTS!r}[i % 3]) for i, o in enumerate({OWNERS!r})], "
        "datetime.now(UTC))\n")


def prepare_ledger(url: str, env: dict[str, str], customers: Path) -> None:
    run_app({**env, "HUB_DATABASE_URL": url}, "db", "upgrade")
    subprocess.run([sys.executable, "-c", users_code(), url], cwd=ROOT, env=env,
                   check=True)
    run_app({**env, "HUB_DATABASE_URL": url}, "import", "customers", str(customers))


def timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=200_000, help="invoices in the file")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = args.size
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as scratch:
        folder = Path(scratch)
        customers, invoices = write_portfolio(folder, rows, TODAY)
        env = {**os.environ, "HUB_VAR_DIR": str(folder / "var"), "HUB_LOG_LEVEL": "WARNING"}
        template = folder / "template.db"
        prepare_ledger(f"sqlite:///{template}", env, customers)
        copy = folder / "round.db"

        def hub_sqlite(root: Path = ROOT) -> float:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copy(template, copy)
            seconds = timed(lambda: run_app({**env, "HUB_DATABASE_URL": f"sqlite:///{copy}"},
                                            "import", "invoices", str(invoices), root=root))
            return rows / seconds

        def shell_import() -> float:
            target = folder / "shell.db"
            target.unlink(missing_ok=True)
            script = (f"{TYPED};\n.import --csv --skip 1 {invoices} ref_invoices\n"
                      + ";\n".join(INDEXES) + ";\n")
            seconds = timed(lambda: subprocess.run(["sqlite3", str(target)], input=script,
                                                   text=True, check=True))
            return rows / seconds

        def pandas_to_sql() -> float:
            target = folder / "pandas.db"
            target.unlink(missing_ok=True)
            code = ("import sqlite3, sys, pandas\n"
                    "frame = pandas.read_csv(sys.argv[1], dtype={'invoice_number': str, "
                    "'customer_id': str, 'currency': str})\n"
                    "db = sqlite3.connect(sys.argv[2])\n"
                    f"db.execute({TYPED!r})\n"
                    "frame.to_sql('ref_invoices', db, if_exists='append', index=False)\n"
                    + "".join(f"db.execute({sql!r})\n" for sql in INDEXES)
                    + "db.commit()\n")
            seconds = timed(lambda: subprocess.run(
                [sys.executable, "-c", code, str(invoices), str(target)], check=True))
            return rows / seconds

        contenders = {"hub SQLite": hub_sqlite, "sqlite3 .import": shell_import,
                      "pandas to_sql": pandas_to_sql}
        before = os.environ.get("HUB_BENCH_BEFORE")
        if before:
            contenders["hub before"] = lambda: hub_sqlite(Path(before))
        pg_url = os.environ.get("HUB_BENCH_POSTGRES_URL")
        if pg_url:
            contenders.update(postgres_contenders(pg_url, env, customers, invoices, rows,
                                                  before=Path(before) if before else None))
        cpu: dict[str, list[float]] = {name: [] for name in contenders}
        print(f"import {rows:,} invoices, {args.rounds} interleaved rounds ({load_line()})")
        found = interleave(args.rounds, {name: counted(cpu[name], measure, rows)
                                         for name, measure in contenders.items()})
    print(ratio_line("SQLite vs sqlite3 .import", found["hub SQLite"],
                     found["sqlite3 .import"], "rows/s", ">= 0.6"))
    print(ratio_line("SQLite vs pandas to_sql", found["hub SQLite"], found["pandas to_sql"],
                     "rows/s", ">= 1.5"))
    if before:
        print(ratio_line("SQLite vs the checkout before", found["hub SQLite"],
                         found["hub before"], "rows/s", "> 1"))
    print_cpu(cpu)
    if pg_url:
        print(ratio_line("PostgreSQL vs psql \\copy", found["hub PostgreSQL"],
                         found["psql \\copy"], "rows/s", ">= 0.5"))
        if before:
            print(ratio_line("PostgreSQL vs the checkout before", found["hub PostgreSQL"],
                             found["hub PostgreSQL before"], "rows/s", "> 1"))


def counted(cpu: list[float], measure: Any, rows: int) -> Any:
    """`measure`, also appending rows per CPU second of the children it ran to `cpu`."""
    def run() -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        value = measure()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(rows / (after.ru_utime + after.ru_stime - before.ru_utime
                           - before.ru_stime))
        return float(value)
    return run


def print_cpu(cpu: dict[str, list[float]]) -> None:
    """The SQLite ratios in rows per CPU second of the process and its children."""
    print(ratio_line("SQLite vs sqlite3 .import, CPU", cpu["hub SQLite"],
                     cpu["sqlite3 .import"], "rows/CPU s", ">= 0.6"))
    print(ratio_line("SQLite vs pandas to_sql, CPU", cpu["hub SQLite"], cpu["pandas to_sql"],
                     "rows/CPU s", ">= 1.5"))
    if "hub before" in cpu:
        print(ratio_line("SQLite vs the checkout before, CPU", cpu["hub SQLite"],
                         cpu["hub before"], "rows/CPU s", "> 1"))


def postgres_contenders(url: str, env: dict[str, str], customers: Path, invoices: Path,
                        rows: int, *, before: Path | None = None) -> dict[str, object]:
    """The hub into a fresh schema each round (the template's customers imported first,
    outside the timing), and psql \\copy into a typed table of another schema."""
    import sqlalchemy as sa

    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    schema = f"hub_bench_import_{os.getpid()}"
    counter = [0]

    def fresh_schema(name: str) -> str:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {name}"))
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}options=-csearch_path%3D{name}"

    def hub_postgres(root: Path = ROOT) -> float:
        counter[0] += 1
        schema_url = fresh_schema(f"{schema}_{counter[0]}")
        prepare_ledger(schema_url, env, customers)
        seconds = timed(lambda: run_app({**env, "HUB_DATABASE_URL": schema_url},
                                        "import", "invoices", str(invoices), root=root))
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema}_{counter[0]} CASCADE"))
        return rows / seconds

    def psql_copy() -> float:
        fresh_schema(f"{schema}_ref")
        script = (f"SET search_path TO {schema}_ref;\n{TYPED};\n"
                  f"\\copy ref_invoices FROM '{invoices}' WITH (FORMAT csv, HEADER true)\n"
                  + ";\n".join(INDEXES) + ";\n")
        seconds = timed(lambda: subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url],
                                               input=script, text=True, check=True))
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema}_ref CASCADE"))
        return rows / seconds

    found: dict[str, object] = {"hub PostgreSQL": hub_postgres, "psql \\copy": psql_copy}
    if before is not None:
        found["hub PostgreSQL before"] = lambda: hub_postgres(before)
    return found


if __name__ == "__main__":
    main()
