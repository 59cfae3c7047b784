"""Issue 11 items 1 and 2, end to end with the real rules engine: customers imported
(with an account manager) -> cycles -> tasks, decisions, sheet tab, staff notices and
digests. Who gets the work is decided once and is the same on the decision and the task;
`notify: [everyone]` reaches the owner, the account manager and the department manager."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import messages
from hub.ledger.tables import tasks
from hub.ledger.tables import users
from hub.ports import Policy
from hub.services.notify.digests import DigestSettings
from hub.services.notify.digests import digest_messages
from hub.services.sheets.rows import UNASSIGNED
from sync.sheets.xlsx import XlsxBackend
from tests.integration.cycle.helpers import START
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.helpers import run_day

RULES = """
segments: [{name: business, when: true}]
ladders:
  business:
    steps:
      - {name: reminder, at: 3, send: [email], template: reminder-1, notify: [everyone]}
      - {name: call, at: 10, task: call, assign: round_robin:collectors}
      - {name: review, at: 20, task: review, assign: least_loaded:collectors}
      - {name: lawyer, at: 30, task: lawyer_call, assign: ghosts}
teams:
  collectors: [cara@example.com, carl@example.com, cleo@example.com]
  ghosts: [gone@example.com]
"""
CUSTOMER_HEADER = ["customer_id", "name", "kind", "country", "owner", "account_manager",
                   "department", "currency", "contact_email"]
INVOICE_HEADER = ["invoice_number", "customer_id", "issue_date", "due_date", "currency",
                  "amount"]
ACCOUNTS = 7


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    from notifications.templates import known_templates
    from rules import load_policy

    path = tmp_path / "teams.yaml"
    path.write_text(RULES, encoding="utf-8")
    return load_policy(path, known_templates=known_templates())


def _user(connection: sa.Connection, email: str, role: str = "collector", *,
          active: bool = True, department: str = "sales") -> None:
    stamp = morning(START)
    connection.execute(users.insert().values(
        email=email, name=email.partition("@")[0], role=role, department=department,
        manager_email=None, active=active, created_at=stamp, updated_at=stamp))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(hub: Hub, tmp_path: Path, *, owner: str = "", manager: str = "sam@example.com"
            ) -> None:
    due = START.isoformat()
    issued = (START - timedelta(days=30)).isoformat()
    customer_rows = [[f"C{i}", f"Customer {i}", "B2B", "NL", owner, manager, "sales", "EUR",
                      f"ap@c{i}.example"] for i in range(ACCOUNTS)]
    invoice_rows = [[f"INV-{i}", f"C{i}", issued, due, "EUR", "900.00"]
                    for i in range(ACCOUNTS)]
    for kind, path in (("customers", _write(tmp_path / "c.csv", CUSTOMER_HEADER,
                                            customer_rows)),
                       ("invoices", _write(tmp_path / "i.csv", INVOICE_HEADER, invoice_rows))):
        result = import_file(hub.engine, path, kind, actor="tests", clock=hub.clock)
        assert result.rejected == 0, result


def _staff(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        _user(connection, "cara@example.com")
        _user(connection, "carl@example.com")
        _user(connection, "cleo@example.com", active=False)  # left the company
        _user(connection, "meg@example.com", role="manager")
        _user(connection, "sam@example.com", role="collector", department="field sales")
        _user(connection, "fin@example.com", role="finance", department="finance")


def _tasks(hub: Hub, task_type: str) -> list[sa.Row[tuple[str, str | None, str, str]]]:
    with hub.engine.connect() as connection:
        return list(connection.execute(
            sa.select(customers.c.code, tasks.c.assignee, tasks.c.reason, tasks.c.decision_key)
            .join(customers, customers.c.id == tasks.c.customer_id)
            .where(tasks.c.task_type == task_type).order_by(customers.c.code)))


def _full_cycle(hub: Hub, policy: Policy, day: date) -> None:
    """The daily cycle as `python app.py cycle` runs it: rules, sheets, digests, dispatch."""
    from hub.bootstrap.cycle import build_cycle
    from hub.bootstrap.cycle import cycle_options

    hub.clock.moment = morning(day)  # type: ignore[attr-defined]
    report = build_cycle(hub, policy=policy).run(cycle_options(hub, as_of=day, actor="tests"))
    assert report.status == "done", report.errors
    assert not [hook for hook in report.hooks if hook.errors], report.hooks


def _recorded_assignee(hub: Hub, decision_key: str) -> str | None:
    with hub.engine.connect() as connection:
        actions = connection.execute(sa.select(applied_decisions.c.actions).where(
            applied_decisions.c.decision_key == decision_key)).scalar_one()
    [task] = [action for action in actions if action["kind"] == "task"]
    return task["params"]["assignee"]  # type: ignore[no-any-return]


def test_rule_file_teams_assign_real_people_balanced_and_recorded(
        hub: Hub, policy: Policy, tmp_path: Path) -> None:
    _staff(hub)
    _import(hub, tmp_path)  # no owner: the work must still reach someone
    report = run_day(hub, policy, START + timedelta(days=3))
    assert report.status == "done", report.errors
    _full_cycle(hub, policy, START + timedelta(days=10))  # with the sheets and digests

    calls = _tasks(hub, "call")
    assert len(calls) == ACCOUNTS
    counts = Counter(row.assignee for row in calls)
    # the rule file's team, without the deactivated member, in turn: balanced within one
    assert set(counts) == {"cara@example.com", "carl@example.com"}
    assert max(counts.values()) - min(counts.values()) <= 1
    for row in calls:  # the decision records the person who was given the task
        assert _recorded_assignee(hub, row.decision_key) == row.assignee

    workbook = load_workbook(XlsxBackend(hub.settings.var_dir / "sheets").path("sales"))
    tabs = {str(sheet["A1"].value) for sheet in workbook.worksheets}
    assert {"cara@example.com", "carl@example.com"} <= tabs
    assert UNASSIGNED not in tabs  # no "unassigned" tab: the work is on its people's tabs
    with hub.engine.connect() as connection:
        digests = {row.recipient: row.context for row in connection.execute(
            sa.select(messages.c.recipient, messages.c.context)
            .where(messages.c.template == "digest"))}
    assert digests["cara@example.com"]["count"] == counts["cara@example.com"]
    assert digests["carl@example.com"]["count"] == counts["carl@example.com"]

    run_day(hub, policy, START + timedelta(days=22))  # a Tuesday: business days only
    reviews = Counter(row.assignee for row in _tasks(hub, "review"))
    assert set(reviews) == {"cara@example.com", "carl@example.com"}
    assert max(reviews.values()) - min(reviews.values()) <= 1


def test_work_nobody_can_take_goes_to_the_department_manager_with_the_reason(
        hub: Hub, policy: Policy, tmp_path: Path) -> None:
    _staff(hub)
    with hub.engine.begin() as connection:  # the owner is a user (imports name only users)
        _user(connection, "ann@example.com")
    _import(hub, tmp_path, owner="ann@example.com")
    for days in range(29, 33):  # Tuesday to Friday: the ladder catches up a step a day
        run_day(hub, policy, START + timedelta(days=days))
    lawyer = _tasks(hub, "lawyer_call")
    assert len(lawyer) == ACCOUNTS
    for row in lawyer:
        assert row.assignee == "meg@example.com"
        assert 'team "ghosts" has no active member: assigned to the department manager' \
            in row.reason
        assert _recorded_assignee(hub, row.decision_key) == "meg@example.com"
    with hub.engine.connect() as connection:
        summaries = [s for (s,) in connection.execute(sa.select(events.c.summary).where(
            events.c.kind == "task.created", events.c.summary.like("task lawyer_call%")))]
    assert len(summaries) == ACCOUNTS
    assert all("for meg@example.com" in s and "ghosts" in s for s in summaries)

    # no department manager either: the documented last resort, a finance user
    with hub.engine.begin() as connection:
        connection.execute(users.update().where(users.c.email == "meg@example.com")
                           .values(active=False))
        connection.execute(tasks.delete().where(tasks.c.task_type == "lawyer_call"))
        connection.execute(applied_decisions.delete().where(
            applied_decisions.c.step == "lawyer"))
    run_day(hub, policy, START + timedelta(days=35), full=True)  # the next Monday
    last_resort = _tasks(hub, "lawyer_call")
    assert len(last_resort) == ACCOUNTS
    for row in last_resort:
        assert row.assignee == "fin@example.com"
        assert "no department manager was found" in row.reason


def test_everyone_is_owner_account_manager_and_department_manager_once_each(
        hub: Hub, policy: Policy, tmp_path: Path) -> None:
    _staff(hub)
    _import(hub, tmp_path, owner="cara@example.com")
    with hub.engine.begin() as connection:  # C0's owner is also its account manager
        connection.execute(customers.update().where(customers.c.code == "C0")
                           .values(account_manager="CARA@example.com"))
    day = START + timedelta(days=3)
    report = run_day(hub, policy, day)
    assert report.status == "done", report.errors
    with hub.engine.connect() as connection:
        digests = {m.recipient: m for m in digest_messages(
            connection, as_of=day, settings=DigestSettings())}
        told = dict(_told(connection))
    assert sorted(told["C0"]) == ["cara@example.com", "meg@example.com"]
    for code in (f"C{i}" for i in range(1, ACCOUNTS)):
        assert sorted(told[code]) == ["cara@example.com", "meg@example.com", "sam@example.com"]
    # each told once, in their own digest: the owner, the department manager and the
    # account manager (who owns no account and has no task)
    for person, accounts in (("cara@example.com", ACCOUNTS), ("meg@example.com", ACCOUNTS),
                             ("sam@example.com", ACCOUNTS - 1)):
        started = digests[person].context["started"]
        assert digests[person].context["started_count"] == accounts
        assert {entry["stage"] for entry in started} == {"reminder"}
        assert len({entry["code"] for entry in started}) == accounts
    assert "C0" not in {entry["code"] for entry in digests["sam@example.com"].context["started"]}


def _told(connection: sa.Connection) -> list[tuple[str, list[str]]]:
    found = []
    for code, actions in connection.execute(
            sa.select(customers.c.code, applied_decisions.c.actions)
            .join(customers, customers.c.id == applied_decisions.c.customer_id)):
        for action in actions:
            if action["kind"] == "notify":
                found.append((code, [email.lower() for email in action["params"]["told"]]))
    return found


def test_the_cycle_sends_each_person_one_digest_with_the_accounts_they_were_told_about(
        hub: Hub, policy: Policy, tmp_path: Path) -> None:
    _staff(hub)
    _import(hub, tmp_path, owner="cara@example.com")
    _full_cycle(hub, policy, START + timedelta(days=3))
    with hub.engine.connect() as connection:
        queued = connection.execute(
            sa.select(messages.c.recipient, messages.c.template, messages.c.context)
            .where(messages.c.recipient_kind == "staff")).all()
    assert not [row for row in queued if row.template == "collection-started"]
    digests = {row.recipient: row.context for row in queued if row.template == "digest"}
    for person in ("cara@example.com", "meg@example.com", "sam@example.com"):
        assert digests[person]["started_count"] == ACCOUNTS, person
