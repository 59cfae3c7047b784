"""The calendar of the cycle, end to end through the commands a person runs: import ->
`cycle --as-of` over several dated days -> tasks, outbox, `export holds`. With the
shipped rule file (rules/policies/default.yaml) and the real rules engine.

- sales holds are released when the account is paid, and carry the cycle's date;
- an account whose next step waits for a business day is evaluated on that day, not at
  the next weekly full evaluation;
- weekends come from the debtor's country (Israel rests on Friday and Saturday)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result
from openpyxl import load_workbook

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import messages
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from tests.integration.cycle.helpers import morning

CUSTOMERS = ["customer_id", "name", "kind", "country", "timezone", "language", "owner",
             "department", "contact_name", "contact_email", "contact_phone"]
INVOICES = ["invoice_number", "customer_id", "customer_name", "issue_date", "due_date",
            "currency", "amount"]
PAYMENTS = ["reference", "received_on", "amount", "currency", "payer_name", "customer_id",
            "remittance"]
MONDAY = date(2026, 3, 2)  # the runs below are far from the wall clock's day


def run(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _csv(folder: Path, name: str, header: Sequence[str], rows: Sequence[Sequence[object]]
         ) -> str:
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[str(cell) for cell in row] for row in rows])
    return str(path)


def _customer(code: str, country: str, zone: str) -> list[str]:
    return [code, f"{code} Ltd", "B2B", country, zone, "en", "ann@example.com", "sales",
            "Pat", f"pat@{code.lower()}.example", ""]


def _import(hub: Hub, tmp_path: Path, people: Sequence[Sequence[str]],
            items: Sequence[Sequence[object]]) -> None:
    with hub.engine.begin() as connection:  # the owner is a user (imports name only users)
        upsert_users(connection, [User(email="ann@example.com", name="Ann",
                                       role=Role("collector"), department="sales")],
                     morning(MONDAY))
    run(hub, "import", "customers", _csv(tmp_path, "customers.csv", CUSTOMERS, people))
    run(hub, "import", "invoices", _csv(tmp_path, "invoices.csv", INVOICES, items))


def _cycles(hub: Hub, first: date, days: int) -> None:
    for offset in range(days):
        run(hub, "cycle", "--as-of", (first + timedelta(days=offset)).isoformat())


def _steps(hub: Hub, code: str) -> list[tuple[date, str]]:
    with hub.engine.connect() as connection:
        return [(row.applied_on, row.step) for row in connection.execute(
            sa.select(applied_decisions.c.applied_on, applied_decisions.c.step)
            .join(customers, customers.c.id == applied_decisions.c.customer_id)
            .where(customers.c.code == code, applied_decisions.c.step.is_not(None))
            .order_by(applied_decisions.c.applied_on, applied_decisions.c.id))]


def _holds(hub: Hub) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run(hub, "export", "holds").output)))


def test_a_paid_account_leaves_the_holds_export_and_every_date_is_the_cycles(
        hub: Hub, tmp_path: Path) -> None:
    # reminded when 3 days late, then no cycle until Tuesday (52 days late): one step a
    # day (ladder catch-up), the final notice (hold) on Friday
    due = MONDAY - timedelta(days=51)
    reminded = due + timedelta(days=3)
    _import(hub, tmp_path, [_customer("PAID", "NL", "Europe/Amsterdam"),
                            _customer("OWES", "NL", "Europe/Amsterdam"),
                            _customer("MINE", "NL", "Europe/Amsterdam")],
            [[f"{code}-1", code, f"{code} Ltd", due - timedelta(days=30), due, "EUR", "900.00"]
             for code in ("PAID", "OWES", "MINE")])
    friday = MONDAY + timedelta(days=4)
    _cycles(hub, reminded, 1)
    _cycles(hub, MONDAY + timedelta(days=1), 4)
    assert [step for _, step in _steps(hub, "PAID")] == [
        "friendly reminder", "firm reminder", "call", "escalate", "final notice"]
    held = _holds(hub)
    assert [(row["customer_code"], row["on_hold_since"], row["open_balance"])
            for row in held] == [("MINE", friday.isoformat(), "900.00"),
                                 ("OWES", friday.isoformat(), "900.00"),
                                 ("PAID", friday.isoformat(), "900.00")]
    with hub.engine.begin() as connection:
        # a person's own hold on MINE (placed before the rules' one was released)
        connection.execute(sa.text("UPDATE sales_holds SET placed_by = 'bob@example.com' "
                                   "WHERE customer_id = (SELECT id FROM customers "
                                   "WHERE code = 'MINE')"))
    saturday = friday + timedelta(days=1)
    run(hub, "import", "payments", _csv(tmp_path, "payments.csv", PAYMENTS, [
        ["PAY-1", saturday, "900.00", "EUR", "PAID Ltd", "PAID", "PAID-1"],
        ["PAY-2", saturday, "890.00", "EUR", "MINE Ltd", "MINE", "MINE-1"]]))
    monday = MONDAY + timedelta(days=7)
    run(hub, "cycle", "--as-of", monday.isoformat())

    assert [(row["customer_code"], row["open_balance"]) for row in _holds(hub)] == [
        ("MINE", "10.00"), ("OWES", "900.00")]  # MINE's hold is a person's to lift
    with hub.engine.connect() as connection:
        released = connection.execute(
            sa.select(events.c.occurred_at, events.c.summary)
            .where(events.c.kind == "sales_hold.released")).all()
        review = connection.execute(
            sa.select(tasks.c.reason, tasks.c.assignee, tasks.c.due_date)
            .where(tasks.c.task_type == "release_hold")).all()
        stamped = {row[0].date() if hasattr(row[0], "date") else date.fromisoformat(row[0][:10])
                   for row in connection.execute(
                       sa.select(events.c.occurred_at).where(events.c.actor == "rules"))}
    assert [(moment.date() if hasattr(moment, "date") else date.fromisoformat(moment[:10]),
             summary) for moment, summary in released] == [
        (monday, "sales hold released: the account is paid")]
    assert len(review) == 1
    assert review[0].reason.startswith("overdue balance 10.00 EUR is below the hold threshold; "
                                       "the hold was placed by bob@example.com")
    assert (review[0].assignee, review[0].due_date) == ("ann@example.com", monday)
    # everything the rules wrote carries a cycle's date, never the day the test ran
    assert stamped <= {reminded} | {MONDAY + timedelta(days=offset) for offset in range(8)}
    summary = load_workbook(hub.settings.var_dir / "sheets" / "sales.xlsx")["Summary"]
    [owner] = [row for row in summary.iter_rows(values_only=True)
               if "ann@example.com" in row]
    assert str(owner[-1]).startswith(monday.isoformat())  # the sheet's "last check"


def test_a_step_that_waits_for_the_weekend_is_taken_on_monday(
        hub: Hub, tmp_path: Path) -> None:
    thursday = MONDAY + timedelta(days=3)
    friday = thursday + timedelta(days=1)
    # reminded when 3 days late (a ladder that started before: no go-live spacing), then
    # 41 days late on Thursday: no step's day falls between Saturday and Monday
    due = thursday - timedelta(days=41)
    _import(hub, tmp_path, [_customer("LATE", "NL", "Europe/Amsterdam")],
            [["LATE-1", "LATE", "LATE Ltd", due - timedelta(days=30), due, "EUR", "1200.00"]])
    _cycles(hub, due + timedelta(days=3), 1)
    _cycles(hub, thursday, 5)  # Thursday to Monday (incremental)
    monday = thursday + timedelta(days=4)
    assert _steps(hub, "LATE") == [(due + timedelta(days=3), "friendly reminder"),
                                   (thursday, "firm reminder"), (friday, "call"),
                                   (monday, "escalate")]
    with hub.engine.connect() as connection:
        stored = connection.execute(sa.select(customers.c.next_evaluation_on)).scalar_one()
        call = connection.execute(sa.select(tasks.c.due_date)
                                  .where(tasks.c.task_type == "call")).scalar_one()
    assert call == friday + timedelta(days=2)
    assert stored == monday + timedelta(days=1)  # the final notice is next, one step per cycle


def test_weekends_are_the_debtors_countrys(hub: Hub, tmp_path: Path) -> None:
    thursday = MONDAY + timedelta(days=3)
    friday, sunday = thursday + timedelta(days=1), thursday + timedelta(days=3)
    due = friday - timedelta(days=3)  # the friendly reminder falls due on Friday
    _import(hub, tmp_path, [_customer("TLV", "IL", "Asia/Jerusalem"),
                            _customer("AMS", "NL", "Europe/Amsterdam")],
            [[f"{code}-1", code, f"{code} Ltd", due - timedelta(days=30), due, "EUR", "800.00"]
             for code in ("TLV", "AMS")])
    _cycles(hub, thursday, 4)  # Thursday to Sunday
    # Israel rests on Friday and Saturday and works on Sunday; the Netherlands the other way
    assert _steps(hub, "TLV") == [(sunday, "friendly reminder")]
    assert _steps(hub, "AMS") == [(friday, "friendly reminder")]
    with hub.engine.connect() as connection:
        queued = connection.execute(
            sa.select(messages.c.customer_code, messages.c.batch)
            .where(messages.c.recipient_kind == "debtor")
            .order_by(messages.c.customer_code)).all()
    assert [tuple(row) for row in queued] == [("AMS", friday.isoformat()),
                                              ("TLV", sunday.isoformat())]
