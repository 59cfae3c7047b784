"""Readiness: may this process take traffic? Each check says what it found and, when it
fails, why, so the JSON answer of `/readyz` tells the operator where to look.

Liveness is not here: a process that answers at all is alive, and restarting it
because the database is down would not bring the database back."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import Engine

from hub.config import ObserveSettings
from hub.ledger.cycle_runs import latest_run
from hub.ledger.db import current_revision
from hub.ledger.db import head_revision as code_head

BROKER_PORTS = {"redis": 6379, "rediss": 6380, "amqp": 5672, "amqps": 5671,
                "pyamqp": 5672}
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@cache
def head_revision() -> str | None:
    """The newest migration this code ships (the files do not change while it runs)."""
    return code_head()


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return Check("database", False, f"the database does not answer: {_first_line(exc)}")
    return Check("database", True, f"{engine.dialect.name} answers")


def check_migrations(engine: Engine) -> Check:
    try:
        current = current_revision(engine)
    except sa.exc.SQLAlchemyError as exc:
        return Check("migrations", False, f"cannot read the schema revision: "
                                          f"{_first_line(exc)}")
    head = head_revision()
    if current != head:
        return Check("migrations", False, f"the schema is at {current or 'nothing'}, this "
                                          f"code needs {head}: run `python app.py db upgrade`")
    return Check("migrations", True, f"at head ({head})")


def check_broker(url: str) -> Check:
    """A TCP connection to the broker's host and port (no credentials are sent)."""
    if not url:
        return Check("broker", True, "none configured (everything runs in one process)")
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    try:
        port = parts.port or BROKER_PORTS.get(parts.scheme, 0)
    except ValueError:
        return Check("broker", False, f"HUB_BROKER_URL has a bad port: {parts.netloc}")
    where = f"{parts.scheme}://{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS):
            pass
    except OSError as exc:
        return Check("broker", False, f"cannot connect to {where}: {exc.strerror or exc}")
    return Check("broker", True, f"{where} accepts connections")


def check_last_cycle(engine: Engine, max_hours: int, now: datetime) -> Check:
    if max_hours <= 0:
        return Check("last_cycle", True, "not checked (HUB_READY_CYCLE_MAX_HOURS is 0)")
    try:
        with engine.connect() as connection:
            run = latest_run(connection)
    except sa.exc.SQLAlchemyError as exc:
        return Check("last_cycle", False, f"cannot read the cycle runs: {_first_line(exc)}")
    if run is None or run.finished_at is None:
        return Check("last_cycle", False, "no cycle has finished yet: is the scheduler "
                                          "running?")
    finished = run.finished_at if run.finished_at.tzinfo else \
        run.finished_at.replace(tzinfo=UTC)
    age = now - finished
    if age > timedelta(hours=max_hours):
        return Check("last_cycle", False,
                     f"the latest cycle (run {run.id}, {run.as_of}) finished "
                     f"{age.total_seconds() / 3600:.1f} hours ago, more than "
                     f"HUB_READY_CYCLE_MAX_HOURS={max_hours}: is the scheduler running?")
    return Check("last_cycle", True, f"run {run.id} for {run.as_of} finished "
                                     f"{age.total_seconds() / 3600:.1f} hours ago")


def readiness(engine: Engine, settings: ObserveSettings,
              now: Callable[[], datetime]) -> list[Check]:
    database = check_database(engine)
    checks = [database]
    if database.ok:
        checks.append(check_migrations(engine))
        checks.append(check_last_cycle(engine, settings.ready_cycle_max_hours, now()))
    else:
        checks.append(Check("migrations", False, "not checked: the database does not answer"))
        checks.append(Check("last_cycle", False, "not checked: the database does not answer"))
    checks.append(check_broker(settings.broker_url))
    return checks


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
