"""A small realistic portfolio (the demo generator's files, through the real importers),
the rule file open around the clock, and what a day left in the ledger, for comparing a
cycle spread over queue workers with the one-process cycle decision for decision."""

from __future__ import annotations

import json
import os
import socket
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from hub.bootstrap.readers import import_file
from hub.cli.demo import write_files
from hub.demo.portfolio import generate
from hub.domain.clock import Clock
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import charges
from hub.ledger.tables import customers
from hub.ledger.tables import messages
from hub.ledger.tables import sales_holds
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from rules import DEFAULT_POLICY

ROOT = Path(__file__).resolve().parents[3]
SEED = 15
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def always_open(folder: Path) -> Path:
    """The shipped rules with the send window open all day, every day (the processes run
    on the wall clock; the test must not depend on the hour or weekday)."""
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    opened = text.replace('send_window: {from: "08:00", to: "20:00"}',
                          'send_window: {from: "00:00", to: "23:59"}')
    opened = opened.replace("business_days_only: true", "business_days_only: false")
    assert "23:59" in opened
    assert "business_days_only: false" in opened
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "always-open.yaml"
    path.write_text(opened, encoding="utf-8")
    return path


def portfolio_files(folder: Path, today: date, count: int) -> tuple[Any, Any]:
    portfolio = generate(SEED, today, count)
    return portfolio, write_files(portfolio, folder, f"Q-{today:%Y%m%d}")


def import_portfolio(engine: Engine, folder: Path, today: date, count: int,
                     clock: Clock) -> dict[str, int]:
    """The owners as users, then customers, invoices and payments through the importers."""
    portfolio, files = portfolio_files(folder, today, count)
    people = [User(email=row["email"], name=row["name"], role=Role(row["role"]),
                   department=row["department"], manager_email=row["manager_email"] or None)
              for row in portfolio.users]
    with engine.begin() as connection:
        upsert_users(connection, people, clock.now())
    created = {}
    for kind, path in (("customers", files.customers), ("invoices", files.invoices),
                       ("payments", files.payments)):
        result = import_file(engine, path, kind, preset="generic", actor="tests", clock=clock)
        assert result.rejected == 0, (kind, result)
        created[kind] = result.created
    return created


def schema_url(base: str, schema: str) -> str:
    """A fresh, migrated PostgreSQL schema of its own."""
    engine = make_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_schema(base: str, schema: str) -> None:
    engine = make_engine(base)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def postgres_base() -> str | None:
    url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not url:
        return None
    try:
        engine = make_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError:
        return None
    return url


def _plain(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return value.isoformat() if hasattr(value, "isoformat") else value


def day_result(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the cycle decided and did, without ids and clock times: decisions with
    their actions, tasks, holds, charges, and the outbox (keys, templates, recipients,
    what was sent on which channel)."""
    with engine.connect() as connection:
        codes = dict(connection.execute(sa.select(customers.c.id, customers.c.code)).all())

        def rows(query: Any) -> list[tuple[Any, ...]]:
            return sorted(tuple(_plain(v) for v in row) for row in connection.execute(query))

        return {
            "decisions": [(codes[row[0]], *row[1:]) for row in rows(sa.select(
                applied_decisions.c.customer_id, applied_decisions.c.decision_key,
                applied_decisions.c.rule, applied_decisions.c.source, applied_decisions.c.step,
                applied_decisions.c.paused_by, applied_decisions.c.applied_on,
                applied_decisions.c.actions))],
            "tasks": [(codes[row[0]], *row[1:]) for row in rows(sa.select(
                tasks.c.customer_id, tasks.c.key, tasks.c.task_type, tasks.c.assignee,
                tasks.c.due_date, tasks.c.state))],
            "holds": [(codes[row[0]], *row[1:]) for row in rows(sa.select(
                sales_holds.c.customer_id, sales_holds.c.decision_key, sales_holds.c.reason))],
            "charges": [(codes[row[0]], *row[1:]) for row in rows(sa.select(
                charges.c.customer_id, charges.c.unique_key, charges.c.amount_minor))],
            "messages": rows(sa.select(
                messages.c.idempotency_key, messages.c.template, messages.c.recipient_kind,
                messages.c.recipient, messages.c.channel, messages.c.state)),
        }
