"""A simulated portfolio that runs two rule-file experiments for 120 days through the real
cycle, so the experiment report can be checked against effects planted in advance.

- Consumers (B2C): the reminder at 5 days overdue goes by e-mail, by SMS, or not at all
  (a 10% hold-out). Planted: SMS recovers 10 points more of the amount owed than e-mail.
- Businesses (B2B): the reminder at 3 days overdue is worded as the friendly or the firm
  template. Planted: no difference (a null experiment).

Every day the rules engine decides, the cycle applies the decisions (notices go to the
outbox, the variant is recorded at first exposure) and the debtors pay: how much and when
depends only on the variant recorded for them. Payments come in as bank payments naming
the invoice and are matched by the payments service, so a paid account leaves the ladder
as in production. Seeded: the same arguments give the same ledger and the same report.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.bootstrap.rules import known_templates
from hub.config import Settings
from hub.domain.bank import IncomingPayment
from hub.domain.clock import FixedClock
from hub.domain.money import Money
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import experiment_assignments
from hub.ledger.tables import invoices
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.services.payments.incoming import record_incoming
from hub.services.prediction.experiments import ExperimentReport
from hub.services.prediction.experiments import experiment_report

START = date(2026, 3, 2)
STAMP = datetime(2026, 3, 1, tzinfo=UTC)
RULES = """\
name: experiments simulation
segments:
  - {name: consumer, when: customer.kind == "B2C"}
  - {name: business, when: true}
minimum_balance: 10
ladders:
  consumer:
    steps:
      - name: reminder
        at: 5
        send: [email]
        template: reminder-1
        experiment:
          name: first_channel
          control: email
          variants:
            - {name: email, share: 45}
            - {name: sms, share: 45, send: [sms]}
            - {name: control, share: 10, skip: true}
      - {name: final notice, at: 45, send: [letter], template: final-notice}
  business:
    steps:
      - name: reminder
        at: 3
        send: [email]
        template: reminder-1
        experiment:
          name: wording
          variants:
            - {name: friendly, share: 50}
            - {name: firm, share: 50, template: reminder-2}
      - {name: final notice, at: 45, send: [letter], template: final-notice}
pause_when: [invoice.disputed, promise.open, plan.active, plan.in_review]
contact:
  send_window: {from: "00:00", to: "23:59"}
  business_days_only: false
"""
# chance that an exposed account pays within the window, by experiment and variant; a payer
# pays all it owes (4 in 5) or half (1 in 5), so 0.9 of the amount in expectation: the
# planted difference in recovery is 0.9 x the difference in these chances
PAYS = {("first_channel", "email"): 0.45, ("first_channel", "sms"): 0.45 + 0.10 / 0.9,
        ("first_channel", "control"): 0.35,
        ("wording", "friendly"): 0.50, ("wording", "firm"): 0.50}
PLANTED = {"first_channel": ("sms", "email", 0.10), "wording": ("firm", "friendly", 0.0)}
EARLY_PAYERS = 0.15  # pay in full around the due date, before any reminder


@dataclass
class Simulation:
    hub: Hub
    rng: random.Random
    window: int
    due: dict[date, list[IncomingPayment]] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)  # assignment ids already given a behaviour
    made: int = 0

    def pay(self, on: date, code: str, invoice: str, amount: Money) -> None:
        self.made += 1
        self.due.setdefault(on, []).append(IncomingPayment(
            reference=f"SIM-{self.made:07d}", received_on=on, amount=amount,
            structured_reference=invoice, customer_code=code, source="simulation"))

    def behave(self) -> None:
        """The accounts exposed today decide whether and when they pay (by their variant)."""
        with self.hub.engine.connect() as connection:
            rows = connection.execute(
                sa.select(experiment_assignments.c.id, experiment_assignments.c.experiment,
                          experiment_assignments.c.variant, experiment_assignments.c.assigned_on,
                          experiment_assignments.c.owed_minor, experiment_assignments.c.currency,
                          customers.c.code)
                .join(customers, customers.c.id == experiment_assignments.c.customer_id)
                .order_by(experiment_assignments.c.id)).all()
        for row in rows:
            if row.id in self.seen:
                continue
            self.seen.add(row.id)
            owed = Money.from_minor(row.owed_minor, row.currency)
            share = Decimal(1) if self.rng.random() < 0.8 else Decimal("0.5")
            if self.rng.random() < PAYS[(row.experiment, row.variant)]:
                on = row.assigned_on + timedelta(days=self.rng.randint(1, self.window))
            elif self.rng.random() < 0.5:  # pays, but only after the window
                on = row.assigned_on + timedelta(days=self.rng.randint(self.window + 1, 90))
            else:
                continue
            amount = Money((owed.amount * share).quantize(Decimal("0.01")), owed.currency)
            self.pay(on, row.code, f"SIM-{row.code}", amount)

    def payments_on(self, day: date) -> None:
        todays = self.due.pop(day, [])
        if todays:
            with self.hub.engine.begin() as connection:
                record_incoming(connection, todays, source="simulation", actor="simulation",
                                today=day, now=_morning(day))


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(6, 0), UTC)


def _portfolio(sim: Simulation, accounts: int) -> None:
    rng = sim.rng
    with sim.hub.engine.begin() as connection:
        connection.execute(customers.insert(), [
            {"code": f"S{i:05d}", "name": f"Debtor {i}", "kind": "B2C" if i % 3 else "B2B",
             "country": "NL", "timezone": "UTC", "language": "en", "currency": "EUR",
             "excluded": False, "on_hold": False, "created_at": STAMP, "updated_at": STAMP}
            for i in range(accounts)])
        ids = {row.code: row.id for row in connection.execute(
            sa.select(customers.c.code, customers.c.id))}
        connection.execute(contacts.insert(), [
            {"customer_id": ids[code], "name": "Pat", "email": f"{code.lower()}@example.net",
             "phone": "+31612345678", "is_primary": True} for code in ids])
        rows = []
        for code, customer_id in sorted(ids.items()):
            cents = int(rng.lognormvariate(5.3, 0.8) * 100) + 1000  # mostly 50..1,000 EUR
            due = START + timedelta(days=rng.randint(-2, 60))
            rows.append({"number": f"SIM-{code}", "customer_id": customer_id,
                         "issue_date": due - timedelta(days=30), "due_date": due,
                         "currency": "EUR", "amount_minor": cents, "open_minor": cents,
                         "status": "open", "disputed": False, "excluded": False,
                         "created_at": STAMP, "updated_at": STAMP})
            if rng.random() < EARLY_PAYERS:
                sim.pay(max(START, due + timedelta(days=rng.randint(-5, 2))), code,
                        f"SIM-{code}", Money.from_minor(cents, "EUR"))
        connection.execute(invoices.insert(), rows)


def simulate(work_dir: Path, *, accounts: int = 3000, days: int = 120, window: int = 30,
             seed: int = 7, progress: Callable[[int, str], None] | None = None,
             resamples: int = 2000, isolation: str = "inline") -> dict[str, ExperimentReport]:
    """Runs the portfolio for `days` days from START; the report of each experiment as of
    the last day, recovery within `window` days. The rules engine runs in this process
    (`isolation="fork"`: in a child process per cycle, as the hub does)."""
    from rules import compile_text  # noqa: PLC0415 - the composition level picks the rules

    work_dir.mkdir(parents=True, exist_ok=True)
    clock = FixedClock(_morning(START))
    hub = bootstrap(Settings(var_dir=work_dir / "var", progress=False,
                             database_url=f"sqlite:///{work_dir / 'simulation.db'}"),
                    clock=clock, migrate=True)
    policy = compile_text(RULES, "experiments.yaml", known_templates=known_templates(),
                          isolation=isolation)
    sim = Simulation(hub, random.Random(seed), window)  # noqa: S311 - simulated debtors
    _portfolio(sim, accounts)
    thresholds = policy.thresholds()
    last = START
    for offset in range(days):
        last = START + timedelta(days=offset)
        clock.moment = _morning(last)
        sim.payments_on(last)
        report = Cycle(hub.engine, policy, now=partial(_morning, last),
                       thresholds=thresholds).run(CycleOptions(as_of=last, actor="simulation"))
        if report.status != "done":  # e.g. an engine failure: the figures would mislead
            raise RuntimeError(f"the cycle of {last} failed: {report.errors}")
        sim.behave()
        if progress is not None:
            progress(offset, f"{last}: {dict(report.counts)}")
    reports = {}
    with hub.engine.connect() as connection:
        for plan in policy.experiments:
            reports[plan.name] = experiment_report(
                connection, plan.name, days=window, as_of=last, control=plan.control,
                variants=[name for name, _ in plan.variants], resamples=resamples)
    hub.engine.dispose()
    return reports
