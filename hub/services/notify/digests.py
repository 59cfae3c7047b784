"""Staff messages made once per cycle: one digest per collector or manager (count, total,
top accounts, links to their sheet tab and worklist), with an alerts section: the
escalations the rules raised for them today and the tasks of their people overdue by the
configured days. Alerts never go out one by one (one message per person per channel per
day). Plus the notify phase of the cycle (NotifyHook)."""

from __future__ import annotations

import logging
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.clock import Clock
from hub.domain.clock import moment_on
from hub.domain.model import TaskState
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import RecipientKind
from hub.domain.outbox import message_key
from hub.domain.worklist import WorklistRow
from hub.ledger.outbox import enqueue_many
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import tasks
from hub.ledger.tables import users
from hub.ports import HookReport
from hub.ports import ManagerDirectory
from hub.services.notify.dispatch import DispatchReport
from hub.services.read.worklist import UNASSIGNED
from hub.services.read.worklist import worklist
from hub.services.read.worklist import worklists_by_person

STAFF_ROLES = ("collector", "manager")
STARTED_SHOWN = 25  # accounts listed under "collection started or moved on"
ALERTS_SHOWN = 50  # alerts listed in a digest; the count says how many there are
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestSettings:
    staff_channels: tuple[str, ...] = ("slack", "teams", "email")
    all_clear: bool = False  # people with nothing to do: one "all clear", or nothing
    top_accounts: int = 5
    escalate_after_days: int = 3
    hub_url: str = "http://localhost:5000"
    sheet_links: Mapping[str, str] = field(default_factory=dict)  # e-mail -> sheet tab URL
    department_channels: Mapping[str, str] = field(default_factory=dict)  # -> Slack channel
    language: str = "en"  # the staff language (HUB_STAFF_LANGUAGE) of digests and escalations


def _account(row: WorklistRow) -> dict[str, Any]:
    return {"code": row.customer_code, "name": row.customer_name,
            "balance": str(row.overdue.amount), "currency": row.overdue.currency,
            "days_overdue": row.days_overdue, "next_action": row.suggested_action}


def _totals(rows: list[WorklistRow]) -> tuple[str, str | None]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        sums[row.overdue.currency] += row.overdue.amount
    if len(sums) == 1:
        currency, amount = next(iter(sums.items()))
        return str(amount), currency
    return " + ".join(f"{amount} {currency}" for currency, amount in sorted(sums.items())), None


def digest_messages(connection: Connection, *, as_of: date, settings: DigestSettings,
                    alerts: Mapping[str, list[dict[str, Any]]] | None = None
                    ) -> list[OutboxMessage]:
    """One digest per active collector or manager (and per person who holds work, whom a
    `notify:` told today or who has an alert): their worklist (`worklist_of`: the same
    accounts in the same order as the web, their sheet tab and the API), the accounts
    whose collection started or moved on today with them told, and their `alerts`
    (`alerts_for`). A department's channel gets its accounts."""
    rows = worklist(connection, as_of=as_of)
    held = worklists_by_person(connection, as_of=as_of)
    held.pop(UNASSIGNED, None)  # work nobody holds has no one to write to
    people = {row.email: row for row in connection.execute(
        sa.select(users.c.email, users.c.role, users.c.department, users.c.name)
        .where(users.c.active.is_(True), users.c.role.in_(STAFF_ROLES)))}
    told = stages_told(connection, as_of)
    alerts = alerts or {}
    result = []
    for email in sorted(set(people) | set(held) | set(told) | set(alerts)):
        mine = held.get(email, [])  # the same accounts, in the same order, as their worklist
        started = told.get(email, [])
        raised = alerts.get(email, [])
        if mine or started or raised or settings.all_clear:  # no noise, unless asked
            result.append(_digest(email, email, mine, settings.staff_channels, as_of,
                                  settings=settings, sheet_link=settings.sheet_links.get(email, ""),
                                  worklist_link=f"{settings.hub_url}/worklist", started=started,
                                  alerts=raised))
    for department, channel in sorted(settings.department_channels.items()):
        mine = [row for row in rows if row.department == department]
        if mine or settings.all_clear:  # the department's channel post
            result.append(_digest(f"department:{department}", channel, mine, ("slack",),
                                  as_of, settings=settings, sheet_link="",
                                  worklist_link=f"{settings.hub_url}/team"))
    return result


def alerts_for(connection: Connection, *, as_of: date, settings: DigestSettings,
               directory: ManagerDirectory | None = None) -> dict[str, list[dict[str, Any]]]:
    """Person -> today's alerts for their digest: the rules' escalations of `as_of` that
    named them (an `escalate:` step or rule: large balance, credit limit, ...), then the
    tasks overdue by `escalate_after_days`, for the assignee's manager. An overdue task
    stays in the manager's digest every day until it is done or snoozed."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _applied_on(connection, as_of):
        for action in row.actions or ():
            params = action.get("params", {})
            for email in params.get("alerted") or ():
                found[str(email)].append({
                    "code": row.code, "name": row.name, "kind": "escalated",
                    "stage": str(row.step or row.rule)})
    for manager, alert in _overdue_tasks(connection, as_of=as_of, settings=settings,
                                         directory=directory):
        found[manager].append(alert)
    return dict(found)


def _applied_on(connection: Connection, as_of: date) -> sa.CursorResult[Any]:
    """The decisions applied (not paused) on `as_of`, with their account, in order."""
    return connection.execute(
        sa.select(applied_decisions.c.actions, applied_decisions.c.step,
                  applied_decisions.c.rule, customers.c.code, customers.c.name)
        .join(customers, customers.c.id == applied_decisions.c.customer_id)
        .where(applied_decisions.c.applied_on == as_of,
               applied_decisions.c.paused_by.is_(None))
        .order_by(applied_decisions.c.id))


def stages_told(connection: Connection, as_of: date) -> dict[str, list[dict[str, str]]]:
    """Person -> the accounts whose ladder started or reached a step on `as_of` with a
    `notify:` that told them (each account and step once, in the order applied)."""
    found: dict[str, dict[tuple[str, str], dict[str, str]]] = defaultdict(dict)
    for row in _applied_on(connection, as_of):
        stage = str(row.step or row.rule)
        for action in row.actions or ():
            if action.get("kind") != "notify":
                continue
            for email in action.get("params", {}).get("told") or ():
                found[str(email)].setdefault((row.code, stage), {
                    "code": row.code, "name": row.name, "stage": stage})
    return {email: list(accounts.values()) for email, accounts in found.items()}


def _digest(who: str, recipient: str, rows: list[WorklistRow], channels: tuple[str, ...],
            as_of: date, *, settings: DigestSettings, sheet_link: str,
            worklist_link: str, started: list[dict[str, str]] | None = None,
            alerts: list[dict[str, Any]] | None = None) -> OutboxMessage:
    total, currency = _totals(rows)
    started = started or []
    alerts = alerts or []
    context = {"day": as_of.isoformat(), "count": len(rows), "total": total,
               "currency": currency, "all_clear": not rows and not started and not alerts,
               "started": started[:STARTED_SHOWN], "started_count": len(started),
               "alerts": alerts[:ALERTS_SHOWN], "alert_count": len(alerts),
               "accounts": [_account(row) for row in rows[:settings.top_accounts]],
               "sheet_link": sheet_link, "worklist_link": worklist_link}
    return OutboxMessage(idempotency_key=message_key("digest", who, as_of.isoformat()),
                         template="digest", recipient_kind=RecipientKind.STAFF,
                         recipient=recipient, channels=channels, context=context,
                         batch=as_of.isoformat(), language=settings.language)


def _overdue_tasks(connection: Connection, *, as_of: date, settings: DigestSettings,
                   directory: ManagerDirectory | None = None
                   ) -> list[tuple[str, dict[str, Any]]]:
    """(manager, alert) for each task overdue by the configured days: the directory
    (Graph) first, else the assignee's manager_email, else a manager of the account's
    department."""
    limit = as_of - timedelta(days=settings.escalate_after_days)
    overdue = connection.execute(
        sa.select(tasks.c.id, tasks.c.task_type, tasks.c.assignee, tasks.c.due_date,
                  customers.c.code, customers.c.name, customers.c.department,
                  customers.c.owner)
        .join(customers, customers.c.id == tasks.c.customer_id)
        .where(tasks.c.state == TaskState.OPEN, tasks.c.due_date <= limit,
               sa.or_(tasks.c.snoozed_until.is_(None), tasks.c.snoozed_until <= as_of))
        .order_by(tasks.c.due_date, tasks.c.id)).all()
    managers_by_email = {row.email: row.manager_email for row in connection.execute(
        sa.select(users.c.email, users.c.manager_email))}
    department_manager = {row.department: row.email for row in connection.execute(
        sa.select(users.c.email, users.c.department)
        .where(users.c.role == "manager", users.c.active.is_(True)).order_by(users.c.email))}
    result = []
    for task in overdue:
        person = task.assignee or task.owner
        manager = _directory_manager(directory, person)
        manager = manager or managers_by_email.get(person) or \
            department_manager.get(task.department)
        if not manager or manager == person:
            continue  # a manager's own overdue task is on their worklist already
        result.append((manager, {
            "code": task.code, "name": task.name, "kind": "task_overdue",
            "task_type": task.task_type, "assignee": person or "nobody",
            "overdue_days": (as_of - task.due_date).days}))
    return result


def _directory_manager(directory: ManagerDirectory | None, person: str | None) -> str | None:
    """The directory's answer; when it cannot answer, the configured fallbacks apply."""
    if directory is None or not person:
        return None
    try:
        return directory.manager_of(person)
    except Exception as exc:  # Graph down or misconfigured: never block the cycle
        log.warning("manager lookup for %s failed (%s); using the configuration", person, exc)
        return None


class SendsOutbox(Protocol):
    """hub.services.notify.dispatch.Dispatcher, or a round of dispatchers on the task queue."""

    def run(self) -> DispatchReport: ...


@dataclass
class NotifyHook:
    """The notify phase of the cycle: queue the digests (with their alerts), send the
    outbox, bind the day's letters into one print batch."""

    engine: Engine
    dispatcher: Callable[[], SendsOutbox]
    clock: Clock
    settings: DigestSettings
    directory: ManagerDirectory | None = None
    close_letters: Callable[[str], object] | None = None
    name: str = "notify"

    def run(self, as_of: date, *, dry_run: bool) -> HookReport:
        counts: Counter[str] = Counter()
        with self.engine.begin() as connection:
            alerts = alerts_for(connection, as_of=as_of, settings=self.settings,
                                directory=self.directory)
            staff = digest_messages(connection, as_of=as_of, settings=self.settings,
                                    alerts=alerts)
            if dry_run:
                return HookReport(self.name, True, {"digests": len(staff)},
                                  message="dry run: nothing queued or sent")
            counts["staff_queued"] = enqueue_many(connection, staff,
                                                   now=moment_on(as_of, self.clock.now()))
        report = self.dispatcher().run()
        counts.update(report.counts)
        if self.close_letters is not None:
            self.close_letters(as_of.isoformat())
        return HookReport(self.name, True, dict(counts), errors=tuple(report.errors[:50]))
