"""Web benchmark: requests a second and latency percentiles for the worklist, the
account page, the debtor portal page and the aging API at 100k customers, under
concurrent load on loopback; the worklist and the aging API as ratios of their p95 to the
account page's, measured in the same run, interleaved over `--rounds` rounds (issue 16).

    python bench/web.py                      # 100k customers on SQLite
    python bench/web.py --customers 20000 --seconds 10 --clients 8 --rounds 3
    HUB_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test python bench/web.py

Builds a synthetic ledger with Core bulk inserts (customers with contacts, two
invoices each, a timeline of events, and call tasks due today for 3% of accounts,
spread over 20 collectors in 3 departments), serves the real app (`create_app`) on a
free 127.0.0.1 port in a child process (threaded WSGI server; the app built and frozen
as each gunicorn worker does, `hub.web.server.worker_app`, unless `--no-freeze`), and
drives it with
`--clients` threads, each signed in as a collector through the sign-in form (the
aging API with a finance bearer token). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))  # last: bench/rules.py is no `rules`

from rounds import load_line
from rounds import ratio_line

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.services.portal.links import issue_link
from hub.services.staff.api_tokens import create_token
from hub.services.staff.auth import set_password

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PASSWORD = "bench password 1"
COLLECTORS = [f"collector{i}@bench.example" for i in range(1, 21)]
DEPARTMENTS = ["Sales", "Finance", "Operations"]
BATCH = 20_000


def _chunks(rows: list[dict[str, object]], engine: sa.Engine, table: sa.Table) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(table.insert(), rows[start:start + BATCH])


def portal_tokens(hub: Hub, count: int, links: int = 500) -> list[str]:
    """Portal links for a random sample of debtors (the portal page's load)."""
    rng = random.Random(11)
    with hub.engine.begin() as connection:
        return [issue_link(connection, customer_code=f"C{i:07d}",
                           secret=hub.settings.signing_key(), public_url="http://127.0.0.1",
                           days=30, actor="bench", now=NOW).token
                for i in rng.sample(range(count), min(count, links))]


def build(hub: Hub, count: int) -> tuple[dict[str, list[str]], str]:
    """The ledger; returns each collector's customer codes and a finance API token."""
    rng = random.Random(7)
    engine = hub.engine
    owned: dict[str, list[str]] = {c: [] for c in COLLECTORS}
    rows = []
    for i in range(count):
        owner = COLLECTORS[i % len(COLLECTORS)]
        code = f"C{i:07d}"
        owned[owner].append(code)
        rows.append({"id": i + 1, "code": code, "name": f"Customer {i}", "kind": "B2B",
                     "country": "NL", "timezone": "Europe/Amsterdam", "language": "en",
                     "owner": owner, "department": DEPARTMENTS[COLLECTORS.index(owner) % 3],
                     "currency": "EUR", "excluded": False, "on_hold": False,
                     "score": rng.randrange(100), "created_at": NOW, "updated_at": NOW})
    _chunks(rows, engine, customers)
    _chunks([{"customer_id": i + 1, "name": f"Contact {i}", "email": f"ap{i}@debtor.example",
              "is_primary": True} for i in range(count)], engine, contacts)
    invoice_rows, event_rows = [], []
    for i in range(count):
        for n in range(2):
            due = TODAY - timedelta(days=rng.randrange(-20, 200))
            minor = rng.randrange(5_000, 5_000_000)
            invoice_rows.append({
                "number": f"I{i:07d}-{n}", "customer_id": i + 1,
                "issue_date": due - timedelta(days=30), "due_date": due, "currency": "EUR",
                "amount_minor": minor, "open_minor": minor, "status": "open",
                "disputed": False, "excluded": False, "created_at": NOW, "updated_at": NOW})
        for n in range(3):
            event_rows.append({"occurred_at": NOW - timedelta(days=n * 7), "actor": "import",
                               "kind": "invoices.imported", "summary": f"import {n}",
                               "customer_id": i + 1, "data": {"run": n}})
    _chunks(invoice_rows, engine, invoices)
    _chunks(event_rows, engine, events)
    task_rows = [{"customer_id": i + 1, "task_type": "call", "assignee": None,
                  "holder": COLLECTORS[i % len(COLLECTORS)],  # the owner's (no assignee)
                  "due_date": TODAY - timedelta(days=rng.randrange(3)), "state": "open",
                  "key": f"bench-{i}", "reason": "no answer to reminder-2",
                  "created_by": "rules", "source": "rules", "created_at": NOW,
                  "updated_at": NOW}
                 for i in rng.sample(range(count), max(1, count * 3 // 100))]
    _chunks(task_rows, engine, tasks)
    with engine.begin() as connection:
        upsert_users(connection, [User(email=c, name=c.split("@")[0], role=Role.COLLECTOR,
                                       department=DEPARTMENTS[i % 3])
                                  for i, c in enumerate(COLLECTORS)], NOW)
        for collector in COLLECTORS:
            set_password(connection, collector, PASSWORD, actor="bench", now=NOW)
        token = create_token(connection, name="bench", role="finance", actor="bench", now=NOW)
    with engine.begin() as connection:  # planner statistics, as a live database has them
        connection.execute(sa.text("ANALYZE"))
    return owned, token


def serve(database_url: str, var_dir: str, port_out: multiprocessing.Queue,  # type: ignore[type-arg]
          freeze: bool = True) -> None:
    import logging

    from werkzeug.serving import make_server

    from hub.web import create_app
    from hub.web.server import worker_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    settings = Settings(var_dir=Path(var_dir), database_url=database_url, progress=False,
                        log_level="WARNING")
    def factory() -> Flask:
        return create_app(bootstrap(settings, clock=FixedClock(NOW), migrate=False),
                          {"HUB_RATE_LIMITS_DISABLED": True})

    app = worker_app(factory) if freeze else factory()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # SIGTERM ends the process normally, so its own children (the rules engine) end too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port_out.put(server.server_port)
    server.serve_forever()


def signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only, never a proxy
    page = session.get(f"{base}/signin", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    answer = session.post(f"{base}/signin", data={"email": email, "password": PASSWORD,
                                                  "csrf_token": token.group(1)},
                          allow_redirects=False, timeout=30)
    if answer.status_code != 302:
        raise SystemExit(f"sign-in as {email} failed: {answer.status_code}")
    return session


def load(label: str, clients: int, seconds: float,
         make: Callable[[int], Callable[[], requests.Response]]) -> float:
    """Prints the figures of one endpoint; returns its p95 in milliseconds."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(number: int) -> None:
        nonlocal errors
        call = make(number)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = call()
            mine.append(time.perf_counter() - started)
            bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    print(f"  {label:<14} {len(ordered) / elapsed:8.1f} req/s   p50 {pct(0.5):7.1f} ms   "
          f"p95 {pct(0.95):7.1f} ms   p99 {pct(0.99):7.1f} ms   "
          f"mean {statistics.fmean(ordered) * 1000:7.1f} ms   errors {errors}")
    return pct(0.95)


def run(label: str, database_url: str, args: argparse.Namespace, var_dir: Path) -> None:
    settings = Settings(var_dir=var_dir, database_url=database_url, progress=False,
                        log_level="WARNING")
    hub = bootstrap(settings, clock=FixedClock(NOW))
    started = time.perf_counter()
    owned, api_token = build(hub, args.customers)
    debtors = portal_tokens(hub, args.customers)
    built = time.perf_counter() - started
    print(f"{label}: {args.customers:,} customers, {args.customers * 2:,} invoices, "
          f"{args.customers * 3 // 100:,} tasks due, built in {built:.1f} s")
    hub.engine.dispose()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    # Not a daemon: the rules engine (for the portal's limits) runs in a child process.
    server = multiprocessing.Process(target=serve, args=(database_url, str(var_dir), ports,
                                                         args.freeze))
    server.start()
    base = f"http://127.0.0.1:{ports.get(timeout=120)}"
    try:
        sessions = {c: signed_in(base, c) for c in COLLECTORS[:args.clients]}
        people = list(sessions)
        first = sessions[people[0]].get(f"{base}/worklist", timeout=30).text
        found = re.search(r"(\d+) accounts? needs? you today", first)
        rows = found.group(1) if found else "no"
        shown = len(re.findall("data-customer=", first))
        # The first account page of the process loads what every later one reuses (it took
        # 27 s under load): warmed here, as the worklist is above, so that no round's
        # reference carries it.
        sessions[people[0]].get(f"{base}/accounts/{owned[people[0]][0]}", timeout=300)
        print(f"  (a collector has {rows} accounts due, the page shows {shown}; "
              f"{args.clients} concurrent clients, {args.seconds:.0f} s each; app "
              f"{'frozen after load, as a gunicorn worker' if args.freeze else 'not frozen'})")

        def worklist(n: int) -> Callable[[], requests.Response]:
            session = sessions[people[n % len(people)]]
            return lambda: session.get(f"{base}/worklist", timeout=60)

        def account(n: int) -> Callable[[], requests.Response]:
            who = people[n % len(people)]
            session, codes, rng = sessions[who], owned[who], random.Random(n)
            return lambda: session.get(f"{base}/accounts/{rng.choice(codes)}", timeout=60)

        def portal(n: int) -> Callable[[], requests.Response]:
            session, rng = requests.Session(), random.Random(n)
            session.trust_env = False
            return lambda: session.get(f"{base}/portal/{rng.choice(debtors)}", timeout=60)

        def aging(_: int) -> Callable[[], requests.Response]:
            session = requests.Session()
            session.trust_env = False
            session.headers["Authorization"] = f"Bearer {api_token}"
            return lambda: session.get(f"{base}/api/v1/reports/aging", timeout=60)

        found: dict[str, list[float]] = {"account page": [], "worklist": [], "aging API": []}
        for number in range(args.rounds):  # interleaved: each round runs every page once
            print(f"  round {number + 1}/{args.rounds} ({load_line()})")
            found["account page"].append(load("account page", args.clients, args.seconds,
                                              account))
            found["worklist"].append(load("worklist", args.clients, args.seconds, worklist))
            found["aging API"].append(load("aging API", args.clients, args.seconds, aging))
        load("portal page", args.clients, args.seconds, portal)
        for name in ("worklist", "aging API"):
            print(ratio_line(f"{label} {name} p95 vs account page p95", found[name],
                             found["account page"], "ms", "<= 1.5"))
    finally:
        server.terminate()
        server.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", "--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (<= 20)")
    parser.add_argument("--seconds", type=float, default=15.0, help="per endpoint")
    parser.add_argument("--no-freeze", dest="freeze", action="store_false",
                        help="serve the app without gc.freeze() (as before the workers did)")
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, len(COLLECTORS)))
    with tempfile.TemporaryDirectory(prefix="hub-bench-web-") as folder:
        run("SQLite", f"sqlite:///{folder}/hub.db", args, Path(folder) / "var")
        postgres = os.environ.get("HUB_BENCH_POSTGRES_URL")
        if postgres:
            schema = f"bench_web_{os.getpid()}"
            engine = sa.create_engine(postgres)
            with engine.begin() as connection:
                connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
            separator = "&" if "?" in postgres else "?"
            try:
                run("PostgreSQL", f"{postgres}{separator}options=-csearch_path%3D{schema}",
                    args, Path(folder) / "var-pg")
            finally:
                with engine.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
                engine.dispose()


if __name__ == "__main__":
    main()
