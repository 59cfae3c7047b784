"""`demo` replays weeks of history through the product, so a first start looks lived in:
worklists with work for every collector, promises kept and broken, payment plans,
disputes, messages sent over weeks and recovery figures week after week."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.ledger.tables import customers
from hub.ledger.tables import cycle_runs
from hub.ledger.tables import disputes
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import payment_plans
from hub.ledger.tables import payments
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.ledger.tables import users
from hub.services.read.collection_stats import promise_kept_rate
from hub.services.read.collection_stats import recovery_by_step


@pytest.mark.timeout(1200)  # sixty days of cycles: a minute alone, several on a busy machine
def test_the_demo_leaves_a_history_people_can_work_from(hub: Hub) -> None:
    if hub.engine.dialect.name != "sqlite":
        # The replay on PostgreSQL is the test below's (eight days, twice); sixty days
        # there add two minutes of a busy CI run and no code path of their own.
        pytest.skip("the sixty-day history runs on the embedded ledger only")
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    result = CliRunner().invoke(cli, ["demo", "--customers", "120", "--no-serve"], env=env)
    assert result.exit_code == 0, result.output
    replayed = re.search(r"history    (\d+) daily cycles from (\S+) to (\S+) in", result.output)
    assert replayed is not None, result.output
    assert int(replayed[1]) == 59
    # the replayed days' bank statements: most lines name their invoice
    paid = re.search(r"history    \d+ invoices issued; (\d+) payments: (\d+) matched by "
                     r"reference", result.output)
    assert paid is not None, result.output
    assert int(paid[1]) >= int(paid[2]) > int(paid[1]) // 2
    first, last = date.fromisoformat(replayed[2]), date.fromisoformat(replayed[3])
    with hub.engine.connect() as connection:
        runs = connection.execute(sa.select(cycle_runs.c.as_of, cycle_runs.c.status)).all()
        collectors = set(connection.execute(sa.select(users.c.email)
                                            .where(users.c.role == "collector")).scalars())
        open_tasks = Counter(connection.execute(
            sa.select(tasks.c.assignee).where(tasks.c.state == "open")).scalars())
        done_by = Counter(connection.execute(
            sa.select(tasks.c.closed_by).where(tasks.c.state == "done")).scalars())
        promise_states = Counter(connection.execute(sa.select(promises.c.state)).scalars())
        plan_states = Counter(connection.execute(sa.select(payment_plans.c.state)).scalars())
        dispute_states = Counter(connection.execute(sa.select(disputes.c.state)).scalars())
        sent_days = {moment.date() for moment in connection.execute(
            sa.select(messages.c.sent_at).where(messages.c.sent_at.is_not(None))).scalars()}
        kept_by_month = promise_kept_rate(connection, start=first, end=last)
        weeks = [recovery_by_step(connection, start=monday, end=monday + timedelta(days=6))
                 for monday in (first + timedelta(days=7 * week) for week in range(6))]
        timeline = connection.execute(
            sa.select(customers.c.code, sa.func.count())
            .join(events, events.c.customer_id == customers.c.id)
            .group_by(customers.c.code).order_by(sa.func.count().desc()).limit(1)).one()
    # a cycle for every replayed day and today's, all finished, each dated its own day
    assert {run.as_of for run in runs} == {first + timedelta(days=n)
                                           for n in range((last - first).days + 2)}
    assert {run.status for run in runs} <= {"done"}, runs
    # work waits on the lists, spread over the collectors, and people did work meanwhile
    assert sum(open_tasks.values()) >= 12, open_tasks
    assert len(collectors & set(open_tasks)) >= 4, open_tasks
    assert len(collectors & set(done_by)) >= 5, done_by
    assert promise_states["kept"] >= 5, promise_states
    assert promise_states["broken"] >= 3, promise_states
    assert promise_states["open"] > 0, promise_states
    assert sum(plan_states.values()) >= 3, plan_states
    assert len(plan_states) >= 2, plan_states  # e.g. active and completed or broken
    assert dispute_states["open"] > 0, dispute_states
    assert dispute_states["resolved"] > 0, dispute_states
    assert any(month.kept and month.broken for month in kept_by_month), kept_by_month
    # reminders went out over the weeks, not in one day
    assert len(sent_days) >= 30, sorted(sent_days)
    # money came in after the ladder's steps, week after week
    recovered_weeks = [week for week in weeks if any(step.paid for step in week)]
    assert len(recovered_weeks) >= 5, weeks
    assert timeline[1] >= 10, f"{timeline[0]} has a timeline of {timeline[1]} entries"


def test_running_the_demo_again_changes_nothing_and_adds_no_second_history(hub: Hub) -> None:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    args = ["demo", "--customers", "40", "--days", "8", "--no-serve"]
    assert CliRunner().invoke(cli, args, env=env).exit_code == 0

    def counts() -> tuple[int, ...]:
        with hub.engine.connect() as connection:
            return tuple(connection.execute(sa.select(sa.func.count()).select_from(table)
                                            ).scalar_one()
                         for table in (cycle_runs, promises, payment_plans, disputes,
                                       invoices, payments))

    before = counts()
    again = CliRunner().invoke(cli, args, env=env)
    assert again.exit_code == 0, again.output
    assert "no history replayed" in again.output
    assert re.search(r"invoices   created\s+0  updated\s+0", again.output), again.output
    assert "credits 0," in again.output
    assert counts()[1:] == before[1:]
    assert counts()[0] == before[0] + 1  # today's cycle once more, nothing else
