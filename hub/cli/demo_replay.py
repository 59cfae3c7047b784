"""The demo's history: weeks of working days replayed through the real product.

A ledger that starts today shows a first cycle: a few tasks, no promise yet, empty
recovery charts. So the demo imports the portfolio as it stood `days` ago and replays
each day since on a stepped clock, the way a customer's hub would have lived them:

- 07:00 the ERP's new invoices (a CSV through the importer) and the bank's statement
  (a camt.053 through the statement reader, then payment matching);
- 08:00 the daily cycle (decisions, tasks, reminders, escalations, digests; the shared
  sheets are left to today's cycle);
- 11:00 the people work their lists (hub.demo.activity: promises, plans,
  disputes, notes), and the debtors decide whether they keep their word;
- 16:00 the dispatcher again, for debtors whose send window opens later (New York).

Today itself is left to the demo's own cycle, on the real clock. Seeded: the same seed
and the same date give the same history.
"""

from __future__ import annotations

import time
from collections import Counter
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time as clock_time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.bootstrap.readers import read_statement
from hub.demo.activity import DemoStaff
from hub.demo.portfolio import DemoPortfolio
from hub.demo.statement import camt053
from hub.domain.cells import SafeCsvWriter
from hub.domain.clock import SteppedClock
from hub.domain.decisions import PolicySettings
from hub.domain.money import Money
from hub.ledger.tables import cycle_runs
from hub.ledger.tables import invoices
from hub.ledger.tables import payment_plans
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.services.cycle.daily import Cycle
from hub.services.payments import incoming as payment_service

ACTOR = "demo"
DAYS = 60


def has_history(hub: Hub) -> bool:
    """A ledger that ran a cycle before is not given a second, invented, past."""
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(cycle_runs.c.id).limit(1)).first() is not None


def stepped_clock(hub: Hub) -> SteppedClock:
    """Put a stepped clock into the hub before anything that keeps the clock is built."""
    clock = SteppedClock(hub.settings.zone, hub.clock)
    hub.clock = clock
    return clock


@dataclass
class Replay:
    """Replays the days from `today - days` to yesterday; `received` collects every
    bank line the debtors sent, for the files the demo leaves behind."""

    hub: Hub
    portfolio: DemoPortfolio
    clock: SteppedClock
    seed: int
    days: int
    folder: Path
    received: list[dict[str, str]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    _sequence: int = 0
    _names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._names = {row["customer_id"]: row["name"] for row in self.portfolio.customers}

    def run(self, today: date) -> list[str]:
        started = time.perf_counter()
        start = today - timedelta(days=self.days)
        by_issue: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self.portfolio.invoices:
            by_issue[row["issue_date"]].append(row)
        by_receipt: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in [*self.portfolio.payments, *self.portfolio.statement]:
            by_receipt[row["received_on"]].append(row)
        self._at(start, 7)
        lines = self._start(start, by_issue, by_receipt)
        from hub.bootstrap.cycle import build_cycle  # noqa: PLC0415
        from hub.bootstrap.cycle import load_policy  # noqa: PLC0415

        policy = load_policy(self.hub)  # activates the rule file, as a first cycle does
        cycle = build_cycle(self.hub, policy)
        # Nobody edits the past days' sheets, and only today's are looked at: the shared
        # sheets are read and written by today's cycle alone (a fifth of the replay's time).
        cycle.hooks["read_back"] = []
        cycle.hooks["write_out"] = []
        settings = getattr(policy, "settings", None)
        staff = DemoStaff(self.seed, self.portfolio.behaviour,
                          settings.plan_auto_approve if isinstance(settings, PolicySettings)
                          else None)
        try:
            for offset in range(1, self.days):
                self._day(start + timedelta(days=offset), by_issue, by_receipt, staff, cycle)
        finally:
            self.clock.moment = None  # today is the real day, whatever happened
        self.received.extend(self.due_lines(today, by_receipt, staff))
        self.counts.update(staff.activity.counts)
        return [*lines, *self._summary(start, today, time.perf_counter() - started)]

    def _day(self, day: date, by_issue: dict[str, list[dict[str, str]]],
             by_receipt: dict[str, list[dict[str, str]]], staff: DemoStaff,
             cycle: Cycle) -> None:
        """One replayed day: the morning's files, the cycle, the people, the afternoon."""
        from hub.bootstrap.cycle import cycle_options  # noqa: PLC0415

        self._at(day, 7)
        self._invoices(day, by_issue.get(day.isoformat(), []))
        self._statement(day, self.due_lines(day, by_receipt, staff))
        self._at(day, 8)
        cycle.run(cycle_options(self.hub, as_of=day, actor=ACTOR))
        self.counts["cycles"] += 1
        self._at(day, 11)
        with self.hub.engine.begin() as connection:
            staff.work(connection, today=day, now=self.clock.now())
        self._at(day, 16)
        self.hub.dispatcher().run()

    def _at(self, day: date, hour: int) -> None:
        self.clock.moment = datetime.combine(day, clock_time(hour), self.hub.settings.zone)

    def _start(self, start: date, by_issue: dict[str, list[dict[str, str]]],
               by_receipt: dict[str, list[dict[str, str]]]) -> list[str]:
        """The ledger as it stood on the first day: every customer, the invoices issued
        and the payments received by then."""
        first = start.isoformat()
        folder = self.folder / "history" / first
        folder.mkdir(parents=True, exist_ok=True)
        issued = [row for day, rows in sorted(by_issue.items()) if day <= first for row in rows]
        paid = [row for day, rows in sorted(by_receipt.items()) if day <= first for row in rows]
        self.received.extend(paid)
        lines = [f"  history    the ledger as of {start}, then {self.days - 1} days replayed"]
        for kind, rows in (("customers", self.portfolio.customers), ("invoices", issued),
                           ("payments", paid)):
            if not rows:
                continue
            result = import_file(self.hub.engine, write_csv(folder / f"{kind}.csv", rows),
                                 kind, preset="generic", actor=ACTOR, clock=self.clock)
            lines.append(f"  {kind:<10} created {result.created:>6}  (as of {start})")
        return lines

    def _invoices(self, day: date, rows: list[dict[str, str]]) -> None:
        if not rows:
            return
        path = write_csv(self._day_folder(day) / "invoices.csv", rows)
        result = import_file(self.hub.engine, path, "invoices", preset="generic", actor=ACTOR,
                             clock=self.clock)
        self.counts["invoices issued"] += result.created

    def _statement(self, day: date, rows: list[dict[str, str]]) -> None:
        if not rows:
            return
        self.received.extend(rows)
        path = self._day_folder(day) / "statement.camt053.xml"
        path.write_bytes(camt053(rows, f"DEMO-{day:%Y%m%d}", day))
        parsed = read_statement(path)
        result = payment_service.import_statement(
            self.hub.engine, parsed.payments, source=parsed.source, sha256=parsed.sha256,
            actor=ACTOR, clock=self.clock, rejected=len(parsed.rejected))
        self.counts["payments"] += result.created
        self.counts["matched by reference"] += result.matched_by_reference
        self.counts["matched by amount"] += result.matched_by_amount
        self.counts["unmatched"] += result.unmatched

    def _day_folder(self, day: date) -> Path:
        folder = self.folder / "history" / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def due_lines(self, day: date, by_receipt: dict[str, list[dict[str, str]]],
                  staff: DemoStaff) -> list[dict[str, str]]:
        """The bank lines of `day`: the generator's payments of invoices still open (a
        debtor does not pay twice what a promise already paid, nor an invoice it
        disputes), and the payments the debtors promised to make that day."""
        lines: list[dict[str, str]] = []
        with self.hub.engine.connect() as connection:
            for row in by_receipt.get(day.isoformat(), []):
                still = _still_open(connection, [self.portfolio.pays.get(row["reference"], "")])
                if still > 0:
                    lines.append({**row, "amount": str(min(Decimal(row["amount"]), still))})
            promised = [p for p in staff.activity.payments if p.on <= day]
            staff.activity.payments[:] = [p for p in staff.activity.payments if p.on > day]
            for payment in promised:
                still = _still_open(connection, payment.invoices)
                amount = min(payment.amount.amount, still)
                if amount <= 0:
                    continue
                self._sequence += 1
                shown = " ".join(payment.invoices[:3])
                lines.append({
                    "reference": f"DEMO-R{day:%y%m%d}{self._sequence:05d}",
                    "received_on": day.isoformat(), "amount": str(amount),
                    "currency": payment.amount.currency,
                    "payer_name": self._names[payment.customer],
                    "payer_account": self.portfolio.payers[payment.customer],
                    "remittance": f"Payment {shown}", "customer_id": ""})
        return lines

    def _summary(self, start: date, today: date, seconds: float) -> list[str]:
        counts = self.counts
        with self.hub.engine.connect() as connection:
            promise_states = _by(connection, promises.c.state)
            plan_states = _by(connection, payment_plans.c.state)
            open_tasks = connection.execute(sa.select(sa.func.count()).select_from(tasks)
                                            .where(tasks.c.state == "open")).scalar_one()
        return [
            f"  history    {counts['cycles']} daily cycles from {start + timedelta(days=1)} "
            f"to {today - timedelta(days=1)} in {seconds:.1f} s",
            f"  history    {counts['invoices issued']} invoices issued; {counts['payments']} "
            f"payments: {counts['matched by reference']} matched by reference, "
            f"{counts['matched by amount']} by amount, {counts['unmatched']} unmatched",
            f"  history    {counts['tasks done']} tasks done, {open_tasks} open; "
            f"{counts['promises']} promises ({_states(promise_states)}); "
            f"{counts['plans']} plans ({_states(plan_states)}); {counts['disputes']} disputes "
            f"({counts['disputes resolved']} resolved)"]


def _by(connection: sa.Connection, column: sa.Column[str]) -> dict[str, int]:
    return {str(k): int(v) for k, v in connection.execute(
        sa.select(column, sa.func.count()).group_by(column))}


def _states(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {state}" for state, count in sorted(counts.items())) or "none"


def _still_open(connection: sa.Connection, numbers: Sequence[str]) -> Decimal:
    """What is still open and undisputed on these invoices, in major units."""
    rows = connection.execute(sa.select(invoices.c.open_minor, invoices.c.currency)
                              .where(invoices.c.number.in_(list(numbers)),
                                     ~invoices.c.disputed)).all()
    return sum((Money.from_minor(row.open_minor, row.currency).amount for row in rows),
               Decimal(0))


def write_csv(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """Rows as a formula-safe CSV, the way the demo's ERP exports them."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow(rows[0])
        writer.writerows(row.values() for row in rows)
    return path
