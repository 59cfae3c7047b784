"""Must show (issue 15): the processes compose.yaml names, started here as an operator
would (no image registry on these machines, so no `docker compose up`): the web app
under gunicorn with two workers, two queue workers, the scheduler, with RabbitMQ, Redis
and PostgreSQL on 127.0.0.1. A full day: the portfolio imported, the scheduler's cycle
spread over both workers, dispatch as queue tasks, the sheets written by a worker. The
result equals the one-process cycle on the same portfolio, decision for decision and
message for message; the same when one worker is killed with SIGKILL mid-partition.
`/metrics` is scraped while the day runs. Skipped when a service is missing."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from hub.bootstrap import bootstrap
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.config import Settings
from hub.domain.clock import SystemClock
from hub.domain.outbox import MESSAGE_SENT
from hub.ledger.db import make_engine
from hub.ledger.tables import cycle_partitions
from hub.ledger.tables import cycle_runs
from hub.ledger.tables import events
from hub.ledger.tables import messages
from tests.integration.queue.support import RABBITMQ
from tests.integration.queue.support import ROOT
from tests.integration.queue.support import always_open
from tests.integration.queue.support import day_result
from tests.integration.queue.support import drop_schema
from tests.integration.queue.support import import_portfolio
from tests.integration.queue.support import postgres_base
from tests.integration.queue.support import reachable
from tests.integration.queue.support import schema_url

CUSTOMERS = 200
PART = 20  # accounts per partition: 10 parts over the two workers
REDIS = "redis://127.0.0.1:6379/0"
_runs = itertools.count()
UTC = ZoneInfo("UTC")

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(420),
              pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs fork")]


@pytest.fixture(scope="module")
def services() -> str:
    base = postgres_base()
    if base is None:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    if not reachable("127.0.0.1", 5672):
        pytest.skip("RabbitMQ is not running on 127.0.0.1:5672")
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return base


def _schema(tag: str) -> str:
    return f"hub_queue_{tag}_{os.getpid()}_{next(_runs)}"


@pytest.fixture(scope="module")
def today() -> date:
    return SystemClock(UTC).today()  # the processes run on the wall clock, in UTC


@pytest.fixture(scope="module")
def reference(services: str, today: date, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The embedded way: the same portfolio, the whole cycle in this one process (no
    broker), sending and writing the sheets itself."""
    folder = tmp_path_factory.mktemp("one-process")
    schema = _schema("ref")
    settings = Settings(var_dir=folder / "var", database_url=schema_url(services, schema),
                        progress=False, rules_file=always_open(folder),
                        cycle_partition_accounts=PART)
    one = bootstrap(settings, migrate=False)
    import_portfolio(one.engine, folder / "files", today, CUSTOMERS, one.clock)
    report = build_cycle(one).run(cycle_options(one, as_of=today, actor="tests"))
    assert report.status == "done", report.errors
    assert "partitions" not in report.counts
    yield day_result(one.engine)
    one.engine.dispose()
    drop_schema(services, schema)


@dataclass
class Day:
    """One installation: its ledger schema, shared var/ folder and processes."""

    base: str
    folder: Path
    today: date
    schema: str = field(default_factory=lambda: _schema("day"))
    url: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    engine: sa.Engine = field(init=False)

    def prepare(self) -> None:
        self.url = schema_url(self.base, self.schema)
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("HUB_", "PROMETHEUS_"))}
        self.env.update(
            HUB_DATABASE_URL=self.url, HUB_VAR_DIR=str(self.folder / "var"),
            HUB_RULES_FILE=str(always_open(self.folder)), HUB_BROKER_URL=RABBITMQ,
            HUB_QUEUE_NAME=f"hub-test-{self.schema}", HUB_CYCLE_PARTITION_ACCOUNTS=str(PART),
            HUB_TIMEZONE="UTC", HUB_CYCLE_TIME="00:00",  # the scheduler catches up at once
            # the cycle's own dispatch round is what this day checks; the interval round
            # would first come after the day
            HUB_SCHEDULER_DISPATCH_SECONDS="600", HUB_PROGRESS="0", HUB_LOG_FORMAT="text",
            HUB_RATELIMIT_STORAGE=REDIS, HUB_TRUSTED_PROXIES="1",
            HUB_PORTAL_RATE_LIMIT="3",
            PROMETHEUS_MULTIPROC_DIR=str(self.folder / "metrics"),
            NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        (self.folder / "metrics").mkdir()
        release = subprocess.run([sys.executable, "app.py", "db", "upgrade"], cwd=ROOT,
                                 env=self.env, capture_output=True, text=True, check=False)
        assert release.returncode == 0, release.stderr
        self.engine = make_engine(self.url)
        import_portfolio(self.engine, self.folder / "files", self.today, CUSTOMERS,
                         SystemClock(UTC))

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("wb") as out:
            process = subprocess.Popen([sys.executable, "app.py", *args], cwd=ROOT,
                                       env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-4000:]}" for name in self.processes)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.engine.dispose()
        drop_schema(self.base, self.schema)

    def query(self, statement: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(statement).all())

    def until(self, what: Callable[[], Any], seconds: float, why: str) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = what()
            if value:
                return value
            for name, process in self.processes.items():
                assert process.poll() is None or name.startswith("killed"), \
                    f"{name} ended:\n{self.logs()}"
            time.sleep(0.2)
        raise AssertionError(f"{why} within {seconds:.0f} s\n{self.logs()}")

    def finished_run(self) -> Any:
        rows = self.query(sa.select(cycle_runs).where(
            cycle_runs.c.status.in_(("done", "errors", "failed", "interrupted"))))
        return rows[0] if rows else None

    def start_queue(self) -> None:
        """Two queue workers, one task at a time each; returns when both take tasks."""
        for name in ("worker-1", "worker-2"):
            self.start(name, "worker", "--concurrency", "1")
        self.until(lambda: all(" ready." in self.log(name) for name in ("worker-1", "worker-2")),
                   120, "both queue workers are connected")

    def parts(self) -> list[Any]:
        return self.query(sa.select(cycle_partitions).order_by(cycle_partitions.c.part))


@pytest.fixture
def day(services: str, today: date, tmp_path: Path) -> Iterator[Day]:
    installation = Day(services, tmp_path, today)
    installation.prepare()
    yield installation
    installation.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _assert_same_day(day: Day, reference: dict[str, list[tuple[Any, ...]]]) -> None:
    result = day_result(day.engine)
    for table in ("decisions", "tasks", "holds", "charges", "messages"):
        assert result[table] == reference[table], table
    assert len(reference["decisions"]) > 50
    assert {row[-1] for row in result["messages"]} == {"sent"}
    sends = Counter(row.data["message"] for row in day.query(
        sa.select(events.c.data).where(events.c.kind == MESSAGE_SENT)))
    debtors = [row for row in result["messages"] if row[2] == "debtor"]
    assert len(sends) == len(debtors) > 0  # each debtor notice's send is on its timeline
    assert set(sends.values()) == {1}  # and none was sent twice
    attempts = {row.attempts for row in day.query(sa.select(messages.c.attempts))}
    assert attempts == {1}


def test_a_full_day_on_the_compose_processes_equals_the_one_process_day(
        day: Day, reference: dict[str, list[tuple[Any, ...]]]) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    day.start("web", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
              "--threads", "1")
    day.start_queue()
    day.until(lambda: _up(base), 60, "the web app answers")
    day.start("scheduler", "scheduler")
    scrapes: list[str] = []

    def running() -> Any:
        scrapes.append(_get(f"{base}/metrics")[1])
        return day.finished_run()

    run = day.until(running, 240, "the scheduler's cycle finished")
    scrapes.append(_get(f"{base}/metrics")[1])
    assert run.status == "done", (run.errors, day.logs())
    assert run.as_of == day.today
    assert run.counts["partitions"] == CUSTOMERS // PART
    parts = day.parts()
    assert {part.state for part in parts} == {"done"}
    workers = {part.worker for part in parts}
    assert len(workers) == 2, workers  # spread over both queue workers
    hooks = {hook["name"]: hook for hook in run.hooks}
    assert hooks["sheets write-out"]["done"]
    assert hooks["sheets write-out"]["counts"]["written"] > 0
    assert list((day.folder / "var" / "sheets").rglob("*.xlsx"))
    assert hooks["notify"]["counts"]["sent"] > 0
    for name in ("worker-1", "worker-2"):
        assert "hub.dispatch" in day.log(name)  # the dispatch round ran on both
    _assert_same_day(day, reference)
    metrics = scrapes[-1]
    for series in ("hub_cycle_phase_seconds_bucket", "hub_cycle_last_accounts_evaluated",
                   "hub_outbox_messages", "hub_dispatch_messages_total",
                   "hub_http_request_duration_seconds_bucket"):
        assert series in metrics, series
    assert re.search(r'hub_cycle_runs_total\{status="done"\} 1\.0', metrics)
    assert len(scrapes) > 2  # scraped while the day ran
    _shared_limits_behind_the_proxy(day, base)


def _up(base: str) -> bool:
    try:
        return _get(f"{base}/healthz")[0] == 200
    except OSError:
        return False


def _worker_pids(log: str, path: str) -> set[int]:
    return {int(pid) for pid in re.findall(rf'"GET {re.escape(path)}\S* HTTP/1\.1" \d+ .* '
                                           r"pid=<(\d+)>", log)}


def _shared_limits_behind_the_proxy(day: Day, base: str) -> None:
    """Two gunicorn workers, one proxy in front (HUB_TRUSTED_PROXIES=1): each debtor's
    address is counted across both workers in Redis; another address has its own count."""
    def entra(address: str) -> int:
        return _get(f"{base}/signin/entra", {"X-Forwarded-For": address})[0]

    with ThreadPoolExecutor(4) as pool:  # concurrent, so both workers take some
        statuses = list(pool.map(entra, ["203.0.113.7"] * 10))
    assert statuses == [404] * 10  # Microsoft sign-in is not configured; still counted
    assert entra("203.0.113.7") == 429
    assert entra("203.0.113.8") == 404
    with ThreadPoolExecutor(4) as pool:
        portal = list(pool.map(lambda n: _get(f"{base}/portal/guess-{n}",
                                              {"X-Forwarded-For": "198.51.100.9"})[0],
                               range(3)))
    assert portal == [404] * 3
    assert _get(f"{base}/portal/guess-9", {"X-Forwarded-For": "198.51.100.9"})[0] == 429
    assert _get(f"{base}/portal/guess-9", {"X-Forwarded-For": "198.51.100.10"})[0] == 404
    log = day.log("web")
    assert len(_worker_pids(log, "/signin/entra") | _worker_pids(log, "/portal/")) == 2, log


def test_a_worker_killed_mid_partition_changes_nothing(
        day: Day, reference: dict[str, list[tuple[Any, ...]]]) -> None:
    day.start_queue()
    blocker = day.engine.connect()
    # every part's apply waits here, with its part taken and its facts evaluated
    blocker.execute(sa.text("LOCK TABLE applied_decisions IN SHARE MODE"))
    try:
        day.start("scheduler", "scheduler")
        day.until(lambda: _waiting_inserts(day) >= 2, 180,
                  "both workers are mid-partition (their decisions waiting to be written)")
        victim = next(part for part in day.parts() if part.state == "running")
        pid = int(victim.worker.rsplit(":", 1)[1])
        os.kill(pid, signal.SIGKILL)
    finally:
        blocker.rollback()
        blocker.close()
    run = day.until(day.finished_run, 240, "the cycle finished after the kill")
    assert run.status == "done", (run.errors, day.logs())
    parts = {part.part: part for part in day.parts()}
    assert {part.state for part in parts.values()} == {"done"}
    assert parts[victim.part].attempts >= 2  # the killed try, then the one that applied
    assert run.counts["partition_retries"] >= 1
    assert "SIGKILL" in day.log("worker-1") + day.log("worker-2")
    _assert_same_day(day, reference)


def _waiting_inserts(day: Day) -> int:
    return len(day.query(sa.text(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND (query ILIKE 'INSERT INTO applied_decisions%' "
        "OR query ILIKE 'COPY applied_decisions%')")))
