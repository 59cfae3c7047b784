"""The daily cycle with an in-memory policy: 90 days of cycles, pauses, idempotency,
progression, exclusions, the lock and back-dated runs (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.ledger import cycle_runs
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import charges
from hub.ledger.tables import customers
from hub.ledger.tables import cycle_runs as runs_table
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import sales_holds
from hub.ledger.tables import tasks
from hub.ledger.tables import users
from hub.ports import HookReport
from hub.services.accounts import disputes
from hub.services.accounts import promises
from hub.services.cycle.account_facts import load_account_facts
from hub.services.cycle.apply_decisions import ApplyContext
from hub.services.cycle.apply_decisions import apply_decisions
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleBusy
from hub.services.cycle.daily import CycleOptions
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment
from tests.integration.cycle.helpers import START
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.helpers import run_day
from tests.integration.cycle.helpers import run_days
from tests.integration.cycle.helpers import steps_taken
from tests.service.fake_policy import FakePolicy

LADDER = [(3, "friendly reminder"), (14, "firm reminder"), (21, "call"), (30, "escalate"),
          (45, "pre-legal notice"), (60, "legal handover")]


def _ledger(hub: Hub, *codes: str, due: date = START, amount: str = "500.00") -> dict[str, int]:
    ids = {}
    with hub.engine.begin() as connection:
        for code in codes:
            ids[code] = add_customer(connection, code, owner="ann@example.com",
                                     department="sales")
            add_invoice(connection, f"{code}-1", ids[code], issued=due - timedelta(days=30),
                        due=due, amount=amount)
    return ids


def add_user(connection: sa.Connection, email: str, *, manager: str | None = None,
             department: str = "sales", role: str = "collector") -> None:
    stamp = morning(START)
    connection.execute(users.insert().values(
        email=email, name=email.partition("@")[0], role=role, department=department,
        manager_email=manager, active=True, created_at=stamp, updated_at=stamp))


def _count(hub: Hub, table: sa.Table) -> int:
    with hub.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table))
                   .scalar_one())


def test_ninety_days_of_cycles_take_every_step_once_on_its_day(hub: Hub) -> None:
    _ledger(hub, "ACME")
    with hub.engine.begin() as connection:
        add_user(connection, "ann@example.com", manager="meg@example.com")
    reports = run_days(hub, FakePolicy(), START, 90)
    assert steps_taken(hub, "ACME") == LADDER
    assert {r.status for r in reports} == {"done"}
    assert [r.incremental for r in reports[:2]] == [False, True]
    with hub.engine.connect() as connection:
        sent = connection.execute(sa.select(messages.c.template, messages.c.recipient)
                                  .order_by(messages.c.id)).all()
        work = connection.execute(sa.select(tasks.c.task_type, tasks.c.assignee,
                                            tasks.c.due_date).order_by(tasks.c.id)).all()
        hold = connection.execute(sa.select(customers.c.on_hold)).scalar_one()
        alerted = [action["params"]["alerted"] for actions in connection.execute(
            sa.select(applied_decisions.c.actions)).scalars()
            for action in actions if "alerted" in action["params"]]
    # the escalation is no message of its own: meg finds it in her digest of that day
    assert sent == [("reminder-1", None), ("reminder-2", None), ("pre-legal", None)]
    assert alerted == [["meg@example.com"]]
    assert work == [("call", "ann@example.com", START + timedelta(days=21)),
                    ("escalation", "meg@example.com", START + timedelta(days=30)),
                    ("legal_handover", "ann@example.com", START + timedelta(days=60))]
    assert hold is True


def test_re_running_a_day_creates_nothing(hub: Hub) -> None:
    _ledger(hub, "ACME", due=START - timedelta(days=30))
    first = run_day(hub, FakePolicy(), START)
    counted = {table.name: _count(hub, table) for table in (applied_decisions, messages, tasks)}
    again = run_day(hub, FakePolicy(), START)
    assert first.counts["applied"] == 1
    assert again.counts["applied"] == 0
    assert {table.name: _count(hub, table)
            for table in (applied_decisions, messages, tasks)} == counted


def test_applying_the_same_decisions_again_creates_nothing(hub: Hub) -> None:
    _ledger(hub, "ACME", due=START - timedelta(days=50))
    with hub.engine.begin() as connection:
        facts = {f.customer_code: f for f in load_account_facts(connection, as_of=START)}
    decisions = FakePolicy(fee_at="pre-legal notice",
                           progression="most_severe").evaluate(list(facts.values()))
    context = ApplyContext(as_of=START, now=morning(START))
    with hub.engine.begin() as connection:
        first = apply_decisions(connection, decisions, facts, context)
    with hub.engine.begin() as connection:
        again = apply_decisions(connection, decisions, facts, context)
    assert (first["applied"], first["messages"], first["holds_placed"], first["fees"]) == (
        1, 1, 1, 1)
    assert again == {"already_applied": 1}


def test_a_payment_stops_the_ladder_and_releases_the_hold(hub: Hub) -> None:
    ids = _ledger(hub, "ACME", due=START - timedelta(days=50))
    policy = FakePolicy(progression="most_severe")
    run_day(hub, policy, START)
    with hub.engine.begin() as connection:
        invoice = connection.execute(sa.select(invoices.c.id)).scalar_one()
        add_payment(connection, "PAY-1", received_on=START + timedelta(days=1), amount="500.00",
                    customer_id=ids["ACME"], allocate={invoice: "500.00"})
    run_days(hub, policy, START + timedelta(days=1), 30)
    assert steps_taken(hub, "ACME") == [(0, "pre-legal notice")]
    with hub.engine.connect() as connection:
        hold = connection.execute(sa.select(sales_holds.c.released_at)).scalar_one()
    assert hold is not None


def test_a_dispute_pauses_the_ladder_until_resolved(hub: Hub) -> None:
    _ledger(hub, "ACME")
    policy = FakePolicy()

    def before(day: date) -> None:
        with hub.engine.begin() as connection:
            if day == START + timedelta(days=10):
                disputes.open_dispute(connection, customer_code="ACME", invoice_numbers=[],
                                      reason="never delivered", actor="pat", source="portal",
                                      now=morning(day))
            if day == START + timedelta(days=25):
                disputes.resolve_dispute(connection, dispute_id=1, resolution="delivered",
                                         actor="ann", source="web", now=morning(day))

    run_days(hub, policy, START, 35, before=before)
    assert steps_taken(hub, "ACME") == [(3, "friendly reminder"), (25, "firm reminder"),
                                        (26, "call"), (30, "escalate")]


def test_a_promise_pauses_and_a_broken_one_gives_a_task_on_due_date_plus_grace(
        hub: Hub) -> None:
    _ledger(hub, "ACME")
    promised = START + timedelta(days=16)

    def before(day: date) -> None:
        if day == START + timedelta(days=10):
            with hub.engine.begin() as connection:
                promises.record_promise(connection, customer_code="ACME",
                                        amount=Money(Decimal("500.00"), "EUR"),
                                        due_date=promised, actor="pat", source="portal",
                                        now=morning(day))

    run_days(hub, FakePolicy(), START, 25, before=before)
    broken_on = promised + timedelta(days=2)  # grace: 2 days
    assert steps_taken(hub, "ACME") == [(3, "friendly reminder"),
                                        ((broken_on - START).days, "firm reminder"),
                                        (21, "call")]
    with hub.engine.connect() as connection:
        follow_up = connection.execute(sa.select(tasks.c.task_type, tasks.c.due_date)
                                       .where(tasks.c.task_type == "follow_up")).all()
    assert follow_up == [("follow_up", broken_on)]


def test_a_kept_promise_ends_collection(hub: Hub) -> None:
    ids = _ledger(hub, "ACME")

    def before(day: date) -> None:
        with hub.engine.begin() as connection:
            if day == START + timedelta(days=5):
                promises.record_promise(connection, customer_code="ACME",
                                        amount=Money(Decimal("500.00"), "EUR"),
                                        due_date=START + timedelta(days=12), actor="pat",
                                        source="portal", now=morning(day))
            if day == START + timedelta(days=11):
                invoice = connection.execute(sa.select(invoices.c.id)).scalar_one()
                add_payment(connection, "PAY-1", received_on=day, amount="500.00",
                            customer_id=ids["ACME"], allocate={invoice: "500.00"})

    reports = run_days(hub, FakePolicy(), START, 30, before=before)
    assert steps_taken(hub, "ACME") == [(3, "friendly reminder")]
    assert sum(r.counts["promises_kept"] for r in reports) == 1


@pytest.mark.parametrize(("progression", "expected"), [
    ("most_severe", [(0, "escalate"), (15, "pre-legal notice")]),
    ("ladder", [(0, "friendly reminder"), (1, "firm reminder"), (2, "call"),
                (3, "escalate"), (15, "pre-legal notice")])])
def test_a_late_first_cycle_catches_up_by_the_progression_rule(
        hub: Hub, progression: str, expected: list[tuple[int, str]]) -> None:
    _ledger(hub, "ACME", due=START - timedelta(days=30))
    run_days(hub, FakePolicy(progression=progression), START, 16)
    assert steps_taken(hub, "ACME") == expected


def test_minimum_balance_exclusions_and_enforcement_off(hub: Hub) -> None:
    ids = _ledger(hub, "SMALL", amount="20.00")
    ids |= _ledger(hub, "EXCL", "INVX", "OFF", due=START - timedelta(days=5))
    with hub.engine.begin() as connection:
        connection.execute(customers.update().where(customers.c.code == "EXCL")
                           .values(excluded=True))
        connection.execute(invoices.update().where(invoices.c.number == "INVX-1")
                           .values(excluded=True))
    report = run_day(hub, FakePolicy(), START + timedelta(days=5))
    assert steps_taken(hub, "SMALL") == []
    assert steps_taken(hub, "EXCL") == []
    assert steps_taken(hub, "INVX") == []
    assert steps_taken(hub, "OFF") == [(5, "friendly reminder")]
    assert report.counts["applied"] == 1
    with hub.engine.begin() as connection:
        connection.execute(messages.delete())
    off = run_day(hub, FakePolicy(), START + timedelta(days=30), enforcement=False, full=True)
    assert off.counts["enforcement_off"] == 1
    assert _count(hub, messages) == 0
    assert steps_taken(hub, "OFF") == [(5, "friendly reminder")]  # recorded, not a step


def test_the_eu_fixed_compensation_is_charged_once_per_invoice(hub: Hub) -> None:
    _ledger(hub, "ACME", due=START - timedelta(days=13))
    run_days(hub, FakePolicy(fee_at="firm reminder"), START, 5)
    with hub.engine.connect() as connection:
        lines = connection.execute(sa.select(charges.c.kind, charges.c.amount_minor)).all()
    assert lines == [("eu_fixed", 4000)]


def test_incremental_cycles_evaluate_only_accounts_that_can_change(hub: Hub) -> None:
    _ledger(hub, "A", "B", "C", due=START)
    policy = FakePolicy()
    run_day(hub, policy, START)
    assert sorted(policy.evaluated) == ["A", "B", "C"]
    policy.evaluated.clear()
    run_day(hub, policy, START + timedelta(days=1))
    assert policy.evaluated == []
    with hub.engine.begin() as connection:
        promises.record_promise(connection, customer_code="B", amount=Money.of("1", "EUR"),
                                due_date=START + timedelta(days=9), actor="x", source="web",
                                now=morning(START))
    run_day(hub, policy, START + timedelta(days=2))
    assert policy.evaluated == ["B"]
    policy.evaluated.clear()
    run_day(hub, policy, START + timedelta(days=3))  # the first threshold
    assert sorted(policy.evaluated) == ["A", "B", "C"]
    policy.evaluated.clear()
    run_day(hub, policy, START + timedelta(days=3))  # the same day again: nothing can change
    assert policy.evaluated == []
    run_day(hub, policy, START + timedelta(days=4))  # still near the threshold
    policy.evaluated.clear()
    run_day(hub, policy, START + timedelta(days=6))  # nothing happened, no threshold
    assert policy.evaluated == []
    run_day(hub, policy, START + timedelta(days=7))  # a week since the first run: everyone
    assert sorted(policy.evaluated) == ["A", "B", "C"]


def test_a_run_dated_before_the_latest_run_is_refused(hub: Hub) -> None:
    _ledger(hub, "ACME")
    run_day(hub, FakePolicy(), START + timedelta(days=5))
    with pytest.raises(UserError, match="already run"):
        run_day(hub, FakePolicy(), START + timedelta(days=4))


def test_a_dry_run_changes_nothing_but_says_what_would_happen(hub: Hub) -> None:
    _ledger(hub, "ACME", due=START - timedelta(days=3))
    dry = run_day(hub, FakePolicy(), START, dry_run=True)
    assert dry.counts["applied"] == 1
    assert dry.counts["messages"] == 1
    assert _count(hub, applied_decisions) == 0
    assert _count(hub, messages) == 0
    with hub.engine.connect() as connection:
        stored = connection.execute(sa.select(runs_table.c.dry_run, runs_table.c.status)).all()
    assert stored == [(True, "done")]
    assert run_day(hub, FakePolicy(), START).counts["applied"] == 1


def test_a_second_cycle_is_refused_while_one_runs(hub: Hub) -> None:
    _ledger(hub, "ACME")
    held = cycle_runs.try_lock(hub.engine, holder="other scheduler", now=morning(START),
                               ttl=timedelta(hours=2))
    assert held is None
    with pytest.raises(CycleBusy, match="other scheduler"):
        run_day(hub, FakePolicy(), START)
    cycle_runs.release_lock(hub.engine, holder="other scheduler")
    assert run_day(hub, FakePolicy(), START).status == "done"


def test_a_lock_left_by_a_crashed_cycle_expires(hub: Hub) -> None:
    _ledger(hub, "ACME")
    cycle_runs.try_lock(hub.engine, holder="crashed", now=morning(START) - timedelta(hours=3),
                        ttl=timedelta(hours=2))
    assert run_day(hub, FakePolicy(), START).status == "done"


def test_concurrent_cycles_never_duplicate(hub: Hub) -> None:
    _ledger(hub, *(f"C{n:03}" for n in range(60)), due=START - timedelta(days=3))
    outcomes: list[str] = []

    def one() -> None:
        try:
            outcomes.append(run_day(hub, FakePolicy(), START, wait_seconds=30).status)
        except CycleBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["done", "done", "done"]
    assert _count(hub, applied_decisions) == 60
    assert _count(hub, messages) == 60


class _Hook:
    def __init__(self, name: str, calls: list[str], fail: bool = False) -> None:
        self.name = name
        self.calls = calls
        self.fail = fail

    def run(self, as_of: date, *, dry_run: bool) -> HookReport:
        self.calls.append(f"{self.name} {as_of} dry={dry_run}")
        if self.fail:
            raise RuntimeError("sheet service unreachable")
        return HookReport(self.name, True, {"rows": 3})


def test_hooks_run_in_order_and_a_failing_hook_does_not_stop_the_cycle(hub: Hub) -> None:
    _ledger(hub, "ACME", due=START - timedelta(days=3))
    calls: list[str] = []
    hooks = {phase: [_Hook(phase, calls, fail=phase == "write_out")]
             for phase in ("ingest", "read_back", "write_out", "notify")}
    cycle = Cycle(hub.engine, FakePolicy(), now=lambda: morning(START), hooks=hooks)
    report = cycle.run(CycleOptions(as_of=START))
    assert calls == [f"{phase} {START} dry=False"
                     for phase in ("ingest", "read_back", "write_out", "notify")]
    assert report.status == "errors"
    assert report.errors == ["write_out: RuntimeError: sheet service unreachable"]
    assert report.counts["applied"] == 1
    with hub.engine.connect() as connection:
        stored = connection.execute(sa.select(runs_table.c.status, runs_table.c.errors,
                                              runs_table.c.hooks)).one()
    assert stored.status == "errors"
    assert stored.errors == report.errors
    assert [hook["name"] for hook in stored.hooks] == ["ingest", "read_back", "write_out",
                                                       "notify"]
