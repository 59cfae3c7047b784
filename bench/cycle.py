"""Cycle benchmark: the daily collections cycle on a synthetic ledger.

For each size (customers, about ten invoices each, a third of them open) it builds the
ledger by bulk insert, then runs, with the default rule file and the real rules engine:

- the first full cycle (every account), `--rounds` times from the same ledger (reset
  between rounds), interleaved with PostgreSQL's when HUB_BENCH_POSTGRES_URL is set: the
  CPU per account (this process and the engine's processes; goal <= 0.25 ms), min and
  median, and PostgreSQL's time per phase against SQLite's (issue 16);
- the catch-up days after it (the `ladder` progression takes one step per cycle, so
  accounts far overdue at go-live take a step a day), a typical next day (1% of customers
  paid, 0.2% promised: only accounts that can change are evaluated), and the same day
  again (nothing to evaluate): time, CPU, accounts, decisions and what they created;
- the evaluation of a sample of accounts through durable_rules (with the shadow check it
  always does) and through the plain-Python shadow alone, interleaved: the CPU ratio
  (goal <= 1.5), and whether both decided the same in every round; then peak memory.

    .venv/bin/python bench/cycle.py --customers 10000 100000

With HUB_BENCH_BEFORE=/path/to/an/older/checkout, each round of the first cycle also runs
it on a copy of the SQLite ledger in a process of its own (bench/first_cycle_child.py),
once with that checkout's code and once with this one's, and prints this/before (the CPU
per account moves with the machine's load; the ratio of the same round does not).

`--workers 1 2` instead measures the cycle spread over queue workers (PostgreSQL and a
broker: HUB_BENCH_POSTGRES_URL, HUB_BENCH_BROKER_URL, default RabbitMQ on 127.0.0.1): two
`python app.py worker --concurrency 1` processes, one listening on both bench queues and
one on the second only, so a round sent to the first queue has one worker and a round
sent to the second has two. Rounds alternate (1, 2, 1, 2, ...), each a full cycle of every
account on the same ledger, reset between rounds; it prints each round, the min and median
per worker count, the speed-up ratio of the medians, and the cost per account and invoice
of each phase (worker seconds, summed over the partitions).

    .venv/bin/python bench/cycle.py --workers 1 2 --customers 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rounds import interleave
from rounds import load_line
from rounds import ratio_line
from scratch_schema import scratch_schema

from hub.domain import events as kinds
from hub.ledger.bulk import BulkInsert
from hub.ledger.bulk import bulk_session
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import metadata
from hub.ledger.tables import payments
from hub.ledger.tables import promises
from hub.ledger.tables import users
from hub.services.cycle.account_facts import load_account_facts
from hub.services.cycle.collector import collector_paused
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.services.cycle.daily import CycleReport

TODAY = date(2026, 11, 23)  # a Monday
STAMP = datetime(2026, 11, 1, tzinfo=UTC)
MORNING = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
COUNTRIES = ["NL", "NL", "DE", "GB", "PL", "BE", "FR"]
CURRENCY = {"GB": "GBP", "PL": "PLN"}
OWNERS = [f"collector{i}@example.com" for i in range(1, 21)]
DEPARTMENTS = ["Sales", "Finance", "Operations"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the rules engine runs in a
    child process): a figure that does not grow when other work shares the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def build_ledger(engine: sa.Engine, count: int, seed: int = 7) -> int:
    """`count` customers with one contact each and 1-19 invoices; returns invoices made."""
    rng = random.Random(seed)
    made = 0
    with engine.begin() as connection, bulk_session(connection):
        people = [{"email": email, "name": email.split("@", 1)[0], "role": "collector",
                   "department": DEPARTMENTS[i % 3], "manager_email": "manager@example.com",
                   "active": True, "created_at": STAMP, "updated_at": STAMP}
                  for i, email in enumerate(OWNERS)]
        people += [{"email": "manager@example.com", "name": "manager", "role": "manager",
                    "department": "Sales", "manager_email": None, "active": True,
                    "created_at": STAMP, "updated_at": STAMP}]
        connection.execute(users.insert(), people)
        add_customers = BulkInsert(connection, customers, [
            "id", "code", "name", "kind", "country", "timezone", "language", "owner",
            "department", "currency"], {"excluded": False, "on_hold": False,
                                        "created_at": STAMP, "updated_at": STAMP})
        add_contacts = BulkInsert(connection, contacts, [
            "customer_id", "name", "email", "phone"], {"is_primary": True})
        add_invoices = BulkInsert(connection, invoices, [
            "number", "customer_id", "issue_date", "due_date", "currency", "amount_minor",
            "open_minor", "status"], {"disputed": False, "excluded": False,
                                      "created_at": STAMP, "updated_at": STAMP})
        first_issue = TODAY - timedelta(days=365)
        for start in range(0, count, 10_000):
            people_rows, contact_rows, invoice_rows = [], [], []
            for index in range(start, min(count, start + 10_000)):
                country = rng.choice(COUNTRIES)
                currency = CURRENCY.get(country, "EUR")
                people_rows.append((index + 1, f"C{index:07d}", f"Customer {index}",
                                    "B2C" if index % 4 == 0 else "B2B", country,
                                    "Europe/Amsterdam", "en", OWNERS[index % 20],
                                    DEPARTMENTS[index % 3], currency))
                contact_rows.append((index + 1, f"Contact {index}",
                                     f"ap{index}@example.net" if index % 10 else None,
                                     "+31612345678" if index % 2 else None))
                for _ in range(rng.randrange(1, 20)):
                    issue = first_issue + timedelta(days=rng.randrange(365))
                    cents = rng.randrange(2_000, 2_000_000)
                    still_open = cents if rng.random() < 0.33 else 0
                    invoice_rows.append((f"N{made:08d}", index + 1, issue,
                                         issue + timedelta(days=30), currency, cents,
                                         still_open, "open" if still_open else "paid"))
                    made += 1
            add_customers(people_rows)
            add_contacts(contact_rows)
            add_invoices(invoice_rows)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT setval(pg_get_serial_sequence('customers', "
                                       "'id'), (SELECT max(id) FROM customers))"))
            # this schema's tables only: a database-wide ANALYZE meets other schemas' DDL
            connection.execute(sa.text("ANALYZE customers, contacts, invoices, users"))
            connection.commit()
    return made


def a_day_passes(engine: sa.Engine, count: int, day: date, seed: int) -> tuple[int, int]:
    """1% of customers pay their open invoices in full, 0.2% promise to pay."""
    rng = random.Random(seed)
    moment = datetime.combine(day, datetime.min.time(), UTC)
    payers = rng.sample(range(1, count + 1), max(1, count // 100))
    promisers = rng.sample(range(1, count + 1), max(1, count // 500))
    with engine.begin() as connection:
        open_rows = connection.execute(
            sa.select(invoices.c.id, invoices.c.customer_id, invoices.c.currency,
                      invoices.c.open_minor)
            .where(invoices.c.customer_id.in_(payers), invoices.c.open_minor > 0)).all()
        connection.execute(invoices.update().where(invoices.c.id.in_([r.id for r in open_rows]))
                           .values(open_minor=0, status="paid", updated_at=moment))
        connection.execute(payments.insert(), [
            {"reference": f"PAY-{day}-{row.id}", "customer_id": row.customer_id,
             "received_on": day, "currency": row.currency, "amount_minor": row.open_minor,
             "unallocated_minor": 0, "status": "allocated", "created_at": moment,
             "updated_at": moment} for row in open_rows] or [])
        connection.execute(events.insert(), [
            {"occurred_at": moment, "actor": "bank", "kind": kinds.PAYMENT_RECEIVED,
             "summary": "paid", "customer_id": customer, "invoice_id": None, "data": {}}
            for customer in sorted({row.customer_id for row in open_rows})] or [])
        connection.execute(promises.insert(), [
            {"customer_id": customer, "currency": "EUR", "amount_minor": 10_000,
             "promised_on": day, "due_date": day + timedelta(days=7), "state": "open",
             "actor": "bench", "source": "portal", "created_at": moment, "updated_at": moment}
            for customer in promisers])
        connection.execute(events.insert(), [
            {"occurred_at": moment, "actor": "bench", "kind": kinds.PROMISE_RECORDED,
             "summary": "promised", "customer_id": customer, "invoice_id": None, "data": {}}
            for customer in promisers])
    return len(payers), len(promisers)


def show(label: str, report: CycleReport, seconds: float, cpu: float) -> None:
    counts = report.counts
    print(f"  {label:<18} {seconds:6.1f} s (cpu {cpu:5.1f} s)  "
          f"evaluated {counts['accounts_evaluated']:>7,}"
          f"  decisions {counts['decisions']:>6,}  applied {counts['applied']:>6,}"
          f"  ({'every account' if not report.incremental else 'incremental'})")
    phases = {k: v for k, v in report.timings.items() if v >= 0.005}
    print("      phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    made = {k: v for k, v in counts.items()
            if k in ("tasks", "messages", "holds_placed", "escalations", "fees", "interest",
                     "legal_handovers", "promises_broken", "already_applied") and v}
    if made:
        print("      created: " + ", ".join(f"{k} {v:,}" for k, v in made.items()))
    for error in report.errors[:3]:
        print(f"      error: {error}")


def engine_cpu(policy: Any, accounts: list[Any], *, engine: bool) -> tuple[float, list[Any]]:
    """CPU seconds (this process and the reaped engine processes) of one evaluation, with
    the garbage collector paused as the cycle pauses it for a batch (otherwise its full
    collections over this process's other objects land on whichever side runs then)."""
    with collector_paused():
        cpu = cpu_seconds()
        outcomes = policy.outcomes(accounts, engine=engine)
        used = cpu_seconds() - cpu
    return used, outcomes


def shadow_ratio(engine: sa.Engine, policy: Any, sample: int, day: date, rounds: int) -> None:
    """Issue 16's row: the rules engine (with the shadow check it always does) against the
    plain-Python shadow alone, CPU, interleaved rounds."""
    with engine.connect() as connection:
        accounts = []
        for facts in load_account_facts(connection, as_of=day):
            accounts.append(facts)
            if len(accounts) >= sample:
                break
    same: list[bool] = []
    classes: list[int] = []
    shadow_decisions: list[Any] = []

    def with_engine() -> float:
        seconds, outcomes = engine_cpu(policy, accounts, engine=True)
        same.append([o.decisions for o in outcomes] == shadow_decisions
                    and policy.last_report.ok)
        classes.append(policy.last_report.classes)
        return seconds

    def shadow_alone() -> float:
        seconds, outcomes = engine_cpu(policy, accounts, engine=False)
        shadow_decisions[:] = [o.decisions for o in outcomes]
        return seconds

    print(f"  rules engine vs plain-Python shadow on {len(accounts):,} accounts "
          f"(CPU s; {load_line()}):")
    found = interleave(rounds, {"shadow": shadow_alone, "engine": with_engine})
    print("  " + ratio_line("cycle evaluation, engine/shadow", found["engine"],
                            found["shadow"], "s CPU", "<= 1.5"))
    print(f"      the engine evaluated {max(classes):,} classes of accounts; same decisions "
          f"as the shadow in every round: {all(same)}")


def emptied(engine: sa.Engine) -> list[str]:
    """The tables the cycle fills (empty after the build), so each round of the first
    cycle starts from the same ledger (reset()). The timeline is append-only and stays:
    the first cycle adds to it and does not read it."""
    with engine.connect() as connection:
        return [table.name for table in metadata.sorted_tables
                if table.name not in ("alembic_version", "events")
                and connection.execute(sa.select(sa.func.count()).select_from(table)
                                       ).scalar_one() == 0]


def reset(engine: sa.Engine, empty: list[str]) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(empty)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(empty):
                connection.execute(sa.text(f"DELETE FROM {name}"))
        connection.execute(customers.update().values(on_hold=False, next_evaluation_on=None))
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("ANALYZE"))
            connection.commit()


class Ledger:
    """A built ledger whose first cycle can be run again from the same state."""

    def __init__(self, label: str, engine: sa.Engine, count: int, policy: Any) -> None:
        self.label, self.engine, self.count, self.policy = label, engine, count, policy
        upgrade(engine)
        made, seconds = timed(lambda: build_ledger(engine, count))
        print(f"\n{label}: {count:,} customers, {made:,} invoices (built in {seconds:.1f} s)")
        self.empty = emptied(engine)
        self.thresholds = policy.thresholds()
        self.phases: list[dict[str, float]] = []
        self.rounds = 0

    def cycle(self, day: date, label: str, *, quiet: bool = False) -> tuple[CycleReport, float]:
        moment = datetime.combine(day, datetime.min.time(), UTC).replace(hour=5)
        runner = Cycle(self.engine, self.policy, now=lambda: moment, thresholds=self.thresholds)
        cpu = cpu_seconds()
        report, seconds = timed(lambda: runner.run(CycleOptions(as_of=day, actor="bench")))
        used = cpu_seconds() - cpu
        if not quiet:
            show(f"{label} {day}", report, seconds, used)
        return report, used

    def first_cycle(self) -> float:
        """CPU ms per account of the first cycle, from the freshly built ledger."""
        if self.rounds:
            reset(self.engine, self.empty)
        self.rounds += 1
        report, used = self.cycle(TODAY, "first cycle", quiet=self.rounds > 1)
        self.phases.append(report.timings)
        return used / report.counts["accounts_evaluated"] * 1000


def run_rest(ledger: Ledger, catch_up_days: int, rounds: int) -> None:
    """The catch-up days, a typical next day and the same day again, then the engine."""
    engine, count, day = ledger.engine, ledger.count, TODAY
    # `ladder` progression takes one step per cycle: accounts far past several steps at
    # go-live catch up over the next days. Then a typical day.
    for _ in range(catch_up_days):
        day += timedelta(days=1)
        applied = ledger.cycle(day, "catch-up")[0].counts["applied"]
        if applied < count // 50 and day.weekday() < 4:  # a quiet working day, not Friday
            break
    day += timedelta(days=1)
    paid, promised = a_day_passes(engine, count, day, seed=count)
    print(f"  typical day: {paid:,} customers paid, {promised:,} promised")
    ledger.cycle(day, "next day")
    ledger.cycle(day, "same day again")
    shadow_ratio(engine, ledger.policy, min(count, 20_000), day, rounds)
    print(f"  peak memory {peak_rss_mb():,.0f} MB")


def first_cycles(ledgers: list[Ledger], rounds: int) -> None:
    """Issue 16's row: the first cycle's CPU per account (goal <= 0.25 ms), min and median
    over interleaved rounds; with PostgreSQL, its per-phase ratio to SQLite."""
    print(f"\nfirst cycle, CPU ms per account (this process and the engine's; {load_line()}):")
    contenders: dict[str, Callable[[], float]] = {
        ledger.label: ledger.first_cycle for ledger in ledgers}
    before = os.environ.get("HUB_BENCH_BEFORE")
    if before:
        contenders.update(child_cycles(ledgers[0], Path(before)))
    found = interleave(rounds, contenders)
    for label, values in found.items():
        print(f"  first cycle CPU per account, {label}: min {min(values):.3f} ms, median "
              f"{statistics.median(values):.3f} ms (goal <= 0.25 ms)")
    if before:
        print("  " + ratio_line("first cycle CPU per account, SQLite, this checkout/before "
                                "(own processes)", found["SQLite this (child)"],
                                found["SQLite before (child)"], "ms", "< 1"))
    if len(ledgers) == 2:
        lite, pg = ledgers
        for phase in ("load_facts", "evaluate", "apply"):
            ours = [timings.get(phase, 0.0) for timings in pg.phases]
            theirs = [timings.get(phase, 0.0) for timings in lite.phases]
            print("  " + ratio_line(f"first cycle {phase}, PostgreSQL/SQLite (wall)", ours,
                                    theirs, "s", "<= 1.5"))


def child_cycles(lite: Ledger, before: Path) -> dict[str, Callable[[], float]]:
    """The first cycle on a copy of the SQLite ledger as built, in a process of its own
    with this checkout's code and with `before`'s (HUB_BENCH_BEFORE)."""
    database = Path(str(lite.engine.url.database))
    pristine = database.with_name("pristine.db")
    with sqlite3.connect(database) as source, sqlite3.connect(pristine) as target:
        source.backup(target)  # before any round has run a cycle on it
    script = Path(__file__).resolve().with_name("first_cycle_child.py")

    def child(checkout: Path) -> Callable[[], float]:
        def run() -> float:
            copy = database.with_name("child.db")
            for leftover in ("-wal", "-shm"):  # of the round before, if it left any
                copy.with_name(copy.name + leftover).unlink(missing_ok=True)
            shutil.copyfile(pristine, copy)
            printed = subprocess.run([sys.executable, str(script), str(copy)], cwd=checkout,
                                     capture_output=True, text=True, check=True).stdout
            return float(printed.split()[-1])
        return run
    return {"SQLite this (child)": child(Path(__file__).resolve().parents[1]),
            "SQLite before (child)": child(before)}


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds of these processes and all their descendants, living or reaped (the
    queue workers' pool processes): a figure a loaded machine does not inflate."""
    parents: dict[int, int] = {}
    ticks: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = sum(int(value) for value in fields[11:15])
    total, todo = 0.0, list(roots)
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total / os.sysconf("SC_CLK_TCK")


def reset_day(engine: sa.Engine) -> None:
    """Forget what the cycle decided and did, so the next round does the same work (the
    timeline is append-only and stays: the cycle only adds to it)."""
    with engine.begin() as connection:
        connection.execute(sa.text(
            "TRUNCATE applied_decisions, messages, tasks, sales_holds, charges, "
            "cycle_partitions, cycle_runs, cycle_lock RESTART IDENTITY CASCADE"))
        connection.execute(sa.text("UPDATE customers SET on_hold = false, "
                                   "next_evaluation_on = NULL"))


def summary(walls: dict[int, list[float]], cpus: dict[int, list[float]],
            costs: dict[int, dict[str, float]], *, count: int, made: int, rounds: int) -> None:
    """Min and median per worker count, cost per account and invoice, the speed-up."""
    import statistics

    workers = list(walls)
    for n in workers:
        print(f"  {n} worker(s): min {min(walls[n]):.1f} s, median "
              f"{statistics.median(walls[n]):.1f} s, "
              f"{statistics.median(walls[n]) / count * 1000:.2f} ms wall per account; "
            f"workers' CPU median {statistics.median(cpus[n]):.1f} s = "
            f"{statistics.median(cpus[n]) / count * 1000:.2f} ms per account, "
            f"{statistics.median(cpus[n]) / made * 1000:.3f} ms per invoice")
        per = {phase: total / rounds for phase, total in costs[n].items()}
        print("      worker seconds per account: " + ", ".join(
            f"{phase} {seconds / count * 1000:.3f} ms" for phase, seconds in per.items())
            + "; per invoice: " + ", ".join(
            f"{phase} {seconds / made * 1000:.4f} ms" for phase, seconds in per.items()))
    if 1 in walls and 2 in walls:
        print(f"  speed-up, 2 workers over 1 (medians): "
              f"{statistics.median(walls[1]) / statistics.median(walls[2]):.2f}x "
              f"(min over min {min(walls[1]) / min(walls[2]):.2f}x); machine load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def spread_rounds(count: int, workers: list[int], rounds: int, partition: int) -> None:
    """The cycle over 1 and 2 queue workers, interleaved (see the module's docstring)."""
    import subprocess

    from hub.bootstrap import bootstrap
    from hub.config import Settings
    from hub.queue import CeleryQueue
    from rules import DEFAULT_POLICY

    url = os.environ.get("HUB_BENCH_POSTGRES_URL")
    if not url:
        sys.exit("--workers needs HUB_BENCH_POSTGRES_URL (the spread cycle needs PostgreSQL)")
    broker = os.environ.get("HUB_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    root = Path(__file__).resolve().parents[1]
    queues = {n: f"hub-bench-{os.getpid()}-{n}" for n in (1, 2)}
    with scratch_schema(url, "hub_spread_bench") as engine, \
            tempfile.TemporaryDirectory(prefix="hub-spread-bench-") as scratch:
        schema_url = engine.url.render_as_string(hide_password=False)
        upgrade(engine)
        made, seconds = timed(lambda: build_ledger(engine, count))
        print(f"PostgreSQL: {count:,} customers, {made:,} invoices (built in {seconds:.1f} s)"
              f"; partitions of {partition:,} accounts")
        settings = Settings(var_dir=Path(scratch) / "var", database_url=schema_url,
                            progress=False, rules_file=DEFAULT_POLICY)
        hub = bootstrap(settings, migrate=False)
        policy = hub.reload_rules().policy  # recorded: the workers evaluate this version
        env = {**os.environ, "HUB_DATABASE_URL": schema_url, "HUB_BROKER_URL": broker,
               "HUB_VAR_DIR": str(Path(scratch) / "var"), "HUB_PROGRESS": "0",
               "HUB_RULES_FILE": str(DEFAULT_POLICY), "HUB_LOG_LEVEL": "WARNING"}
        listen = [[queues[1], queues[2]], [queues[2]]]
        processes = [subprocess.Popen(
            [sys.executable, "app.py", "worker", "--concurrency", "1",
             *[arg for queue in queue_names for arg in ("--queue", queue)]],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for queue_names in listen]
        senders = {n: CeleryQueue(broker, queues[n]) for n in (1, 2)}
        walls: dict[int, list[float]] = {n: [] for n in workers}
        cpus: dict[int, list[float]] = {n: [] for n in workers}
        pids = [process.pid for process in processes]
        costs: dict[int, dict[str, float]] = {n: {} for n in workers}
        try:
            time.sleep(15)  # the workers connect
            for round_number in range(rounds):
                for n in workers:
                    reset_day(engine)
                    runner = Cycle(engine, policy, now=lambda: MORNING,
                                   queue=senders[n])
                    options = CycleOptions(as_of=TODAY, actor="bench", full=True,
                                           batch_size=partition)
                    before = tree_cpu(pids)
                    report, wall = timed(partial(runner.run, options))
                    cpu = tree_cpu(pids) - before
                    cpus[n].append(cpu)
                    decide = report.timings["partitions"]
                    walls[n].append(decide)
                    for phase in ("load_facts", "evaluate", "apply"):
                        costs[n][phase] = costs[n].get(phase, 0.0) + report.timings[phase]
                    print(f"  round {round_number + 1}, {n} worker(s): evaluate + apply "
                          f"{decide:6.1f} s wall (whole cycle {wall:.1f} s), "
                          f"{report.counts['accounts_evaluated']:,} accounts, "
                          f"{report.counts['applied']:,} decisions applied, "
                          f"{report.counts['partitions']} partitions, workers' CPU {cpu:.1f} s, "
                          f"status {report.status}")
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=120)
            for sender in senders.values():
                sender.close()
            hub.engine.dispose()
        summary(walls, cpus, costs, count=count, made=made, rounds=rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", "--size", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--catch-up-days", type=int, default=8,
                        help="at most this many catch-up days after the first cycle")
    parser.add_argument("--workers", type=int, nargs="+", choices=(1, 2),
                        help="measure the cycle spread over this many queue workers")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each interleaved measure (>= 3 for min and median)")
    parser.add_argument("--partition", type=int, default=5000,
                        help="with --workers: accounts per partition")
    args = parser.parse_args()
    if args.workers:
        for count in args.customers:
            spread_rounds(count, args.workers, args.rounds, args.partition)
        return
    from notifications.templates import known_templates
    from rules import DEFAULT_POLICY
    from rules import load_policy

    policy = load_policy(DEFAULT_POLICY, known_templates=known_templates())
    url = os.environ.get("HUB_BENCH_POSTGRES_URL")
    for count in args.customers:
        with ExitStack() as stack:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-cycle-bench-"))
            lite = make_engine(f"sqlite:///{Path(scratch) / 'bench.db'}")
            stack.callback(lite.dispose)
            ledgers = [Ledger("SQLite", lite, count, policy)]
            if url:
                ledgers.append(Ledger("PostgreSQL", stack.enter_context(
                    scratch_schema(url, "hub_cycle_bench")), count, policy))
            else:
                print("PostgreSQL: skipped (set HUB_BENCH_POSTGRES_URL to include it)")
            first_cycles(ledgers, args.rounds)
            for ledger in ledgers:
                print(f"\n{ledger.label}, after the first cycle:")
                run_rest(ledger, args.catch_up_days, args.rounds)


if __name__ == "__main__":
    main()
