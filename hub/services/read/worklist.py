"""The worklist: accounts that need something from a person today (open tasks due,
not snoozed), in priority order. An empty list means nothing is left to do.

One truth for every surface: the web worklist, the person's sheet tab, their digest (e-mail,
Slack, Teams) and the API all read `worklist_of` / `worklists_by_person`, so the same
accounts appear in the same order everywhere. An account's work is held by one person
(`holder`): whoever its most urgent open task is assigned to, else the account owner."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.model import TaskState
from hub.domain.money import Money
from hub.domain.worklist import WorklistRow
from hub.i18n import N_
from hub.i18n import Text
from hub.i18n import lazy_gettext
from hub.i18n import lazy_join
from hub.ledger.accounts import ids_param
from hub.ledger.accounts import ids_value
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import tasks

OPEN_STATUSES = ("open", "partially_paid")
# task type -> what the person should do, in words: English msgids, which each surface
# shows in its reader's language (the `translated` filter of the web app and messages)
ACTIONS = {
    "call": N_("Call the customer"),
    "follow_up": N_("Follow up: a promise or plan was not kept"),
    "review_plan": N_("Review the proposed payment plan"),
    "legal_handover": N_("Hand the account over to legal"),
    "escalation": N_("Step in: the account is escalated to you"),
    "copy_request": N_("Send the customer a copy of the invoice"),
    "call_back": N_("Call the customer back: they asked for it on a reminder call"),
    "dispute_review": N_("Find out what the customer disputes and resolve it"),
    "limitation_warning": N_("Act before the claim expires"),
}
LIMITATION = "limitation_warning"
CALL_TASKS = ("call", "call_back")  # tasks done on the phone: the row shows the number


def suggested_action(task_type: str, deadlines: Sequence[tuple[str, date]] = ()) -> str:
    """What to do, in words; a legal deadline names each invoice and its last day, even
    when another task comes first. The English text, kept translatable (hub.i18n.Text):
    the web, the digest and the sheets show it in their reader's language."""
    known = ACTIONS.get(task_type)
    label = Text(known) if known else task_type.replace("_", " ").capitalize()
    if not deadlines:
        return label
    claims = lazy_join("; ", [lazy_gettext("invoice %(number)s, last day %(day)s",
                                           number=number, day=day)
                              for number, day in deadlines])
    action = lazy_gettext("Act before the claim expires: %(claims)s", claims=claims)
    if task_type == LIMITATION:
        return action
    return Text("%(action)s. %(deadline)s", action=label, deadline=action)


def deadlines(connection: Connection, decision_keys: Sequence[str]
              ) -> dict[str, tuple[str, date]]:
    """The invoice and last day behind each limitation task, from its decision's facts."""
    found: dict[str, tuple[str, date]] = {}
    if not decision_keys:  # no limitation task in sight: no query
        return found
    for key, stored in connection.execute(_DEADLINES,
                                          {"keys": sorted(set(decision_keys))}):
        facts = json.loads(stored) if isinstance(stored, str) else stored
        if isinstance(facts, dict) and facts.get("invoice") and facts.get("expires_on"):
            last_day = date.fromisoformat(str(facts["expires_on"]))
            found[key] = (str(facts["invoice"]), last_day)
    return found


def priority(days_overdue: int, overdue_minor: int, score: int | None) -> int:
    """Older and larger debts first; a poor payment score adds weight."""
    size = min(500, int((max(overdue_minor, 0) / 100) ** 0.5))
    risk = 0 if score is None else max(0, 50 - score // 2)
    return min(days_overdue, 365) + size + risk


UNASSIGNED = "unassigned"


def holder(row: WorklistRow) -> str:
    """Who the account's work is for: the assignee of its most urgent open task (the one
    its suggested action names), else the account owner, else UNASSIGNED."""
    return row.assignee or row.owner or UNASSIGNED


def worklist_of(connection: Connection, *, as_of: date, person: str) -> list[WorklistRow]:
    """What needs `person` today: the accounts they hold (`holder`), in priority order.
    The same list on the web, their sheet tab, their digest and the API."""
    candidates = {row.customer_id for row in _open_tasks(connection, as_of, person, None)}
    if not candidates:
        return []
    rows = worklist(connection, as_of=as_of, customer_ids=sorted(candidates))
    return [row for row in rows if holder(row) == person]


def worklist_page(connection: Connection, *, as_of: date, person: str, limit: int,
                  after: tuple[int, str] | None = None) -> tuple[list[WorklistRow], int]:
    """The first `limit` rows of `worklist_of(person)` (after the row whose (priority,
    customer code) is `after`: keyset paging), and how many rows the whole list has.

    Ranking needs only the open tasks, the owners, scores and overdue sums; the contacts,
    steps, last contacts and claims are read for the rows on the page only (issue 16: a
    page built every row of the list, and showed fifty)."""
    ranked = ranked_worklist(connection, as_of=as_of, person=person)
    keys = ranked.keys
    if after is not None:
        keys = [entry for entry in keys if entry[:2] > (-after[0], after[1])]
    rows = ranked.rows(connection, [customer_id for _, _, customer_id in keys[:limit]])
    rows.sort(key=lambda row: (-row.priority, row.customer_code))
    return rows, len(ranked.keys)


class RankedWorklist:
    """`worklist_of(person)` as light keys in priority order: (-priority, customer code,
    customer id) per account held; `rows` reads the full rows of the accounts on a page."""

    def __init__(self, as_of: date, keys: list[tuple[int, str, int]],
                 task_rows: dict[int, list[Any]], totals: dict[int, Any]) -> None:
        self.as_of = as_of
        self.keys = keys
        self.task_rows = task_rows
        self.totals = totals

    def rows(self, connection: Connection, page: Sequence[int]) -> list[WorklistRow]:
        """The rows of the accounts `page` (customer ids), in no particular order."""
        if not page:
            return []
        shown = {customer_id: self.task_rows[customer_id] for customer_id in page}
        claims = deadlines(connection, [row.decision_key for rows in shown.values()
                                        for row in rows
                                        if row.task_type == LIMITATION and row.decision_key])
        return [_row(customer, shown[customer.id], self.as_of, extra, claims)
                for customer, extra in _details(connection, list(page), self.as_of,
                                                self.totals)]


def ranked_worklist(connection: Connection, *, as_of: date, person: str) -> RankedWorklist:
    """The accounts `person` holds ranked by priority, without reading their rows."""
    task_rows: dict[int, list[Any]] = defaultdict(list)
    # every open task due of each account with a task `person` holds, each row with its
    # account's code, owner and score: one statement (issue 16)
    found = connection.execute(_held_accounts_query(connection.dialect.name),
                               {"as_of": as_of, "owner": person}).all()
    for row in sorted(found, key=lambda row: (row.due_date, row.id)):
        task_rows[row.customer_id].append(row)
    held = {customer_id: rows[0] for customer_id, rows in task_rows.items()
            if (rows[0].assignee or rows[0].owner or UNASSIGNED) == person}
    totals = _totals(connection, list(held), as_of)
    ranked: list[tuple[int, str, int]] = []
    for customer_id, row in held.items():
        best = totals.get(customer_id)
        oldest = best.oldest if best is not None else None
        if isinstance(oldest, str):
            oldest = date.fromisoformat(oldest)
        days = max(0, (as_of - oldest).days) if oldest is not None else 0
        overdue = int(best.overdue_minor) if best is not None else 0
        ranked.append((-priority(days, overdue, row.score), row.code, customer_id))
    ranked.sort()
    return RankedWorklist(as_of, ranked, task_rows, totals)


def worklists_by_person(connection: Connection, *, as_of: date,
                        department: str | None = None) -> dict[str, list[WorklistRow]]:
    """Every holder's worklist (`worklist_of` for all at once), each in priority order."""
    found: dict[str, list[WorklistRow]] = defaultdict(list)
    for row in worklist(connection, as_of=as_of, department=department):
        found[holder(row)].append(row)
    return dict(found)


def worklist(connection: Connection, *, as_of: date, owner: str | None = None,
             department: str | None = None,
             customer_ids: Sequence[int] | None = None) -> list[WorklistRow]:
    """Accounts with open tasks due, each built from all its open tasks. `owner`: only the
    tasks assigned to them or unassigned on their accounts (use `worklist_of` for what a
    person sees)."""
    task_rows: dict[int, list[Any]] = defaultdict(list)
    for row in _open_tasks(connection, as_of, owner, department, customer_ids):
        task_rows[row.customer_id].append(row)
    if not task_rows:
        return []
    ids = list(task_rows)
    claims = deadlines(connection, [row.decision_key for rows in task_rows.values()
                                    for row in rows
                                    if row.task_type == LIMITATION and row.decision_key])
    rows = [_row(customer, task_rows[customer.id], as_of, extra, claims)
            for customer, extra in _details(connection, ids, as_of)]
    rows.sort(key=lambda row: (-row.priority, row.customer_code))
    return rows


# The statements are built once per database dialect, with bind parameters (as_of, owner,
# department, ids), so SQLAlchemy compiles each once, creditor filter included
# (hub/ledger/tenancy.py; issue 16: building and scoping ten statements was a third of a
# worklist page's time).
_DEADLINES = (sa.select(applied_decisions.c.decision_key, applied_decisions.c.facts)
              .where(applied_decisions.c.decision_key.in_(
                  sa.bindparam("keys", expanding=True))))


def _open_due(table: sa.FromClause, as_of: sa.BindParameter[date]
              ) -> sa.ColumnElement[bool]:
    """Open, due by `as_of` and not snoozed past it."""
    return sa.and_(table.c.state == TaskState.OPEN, table.c.due_date <= as_of,
                   sa.or_(table.c.snoozed_until.is_(None), table.c.snoozed_until <= as_of))


@cache
def _open_task_query(dialect: str, *, by_owner: bool, by_department: bool, by_ids: bool,
                     ranking: bool) -> sa.Select[Any]:
    columns: tuple[sa.ColumnElement[Any], ...] = (
        tasks.c.id, tasks.c.customer_id, tasks.c.task_type, tasks.c.due_date,
        tasks.c.snoozed_until, tasks.c.assignee, tasks.c.decision_key)
    if ranking:
        columns += (customers.c.code, customers.c.owner, customers.c.score)
    query = (sa.select(*columns).join(customers, customers.c.id == tasks.c.customer_id)
             .where(_open_due(tasks, sa.bindparam("as_of"))))
    if by_department:
        query = query.where(customers.c.department == sa.bindparam("department"))
    if by_ids:
        query = query.where(ids_param(dialect, tasks.c.customer_id))
    if by_owner:
        query = query.where(tasks.c.holder == sa.bindparam("owner"))
    return query


@cache
def _held_accounts_query(dialect: str) -> sa.Select[Any]:
    """`_open_tasks(ranking=True)` of the accounts with an open task due that the person
    `owner` holds, found through the (holder, state, due_date) index."""
    ranking = _open_task_query(dialect, by_owner=False, by_department=False, by_ids=False,
                               ranking=True)
    held = tasks.alias("held")
    accounts = sa.select(held.c.customer_id).where(
        held.c.holder == sa.bindparam("owner"), _open_due(held, sa.bindparam("as_of")))
    return ranking.where(tasks.c.customer_id.in_(accounts.scalar_subquery()))


def _open_tasks(connection: Connection, as_of: date, owner: str | None,
                department: str | None, customer_ids: Sequence[int] | None = None, *,
                ranking: bool = False) -> list[Any]:
    """Open tasks due by `as_of`, not snoozed, in due order; with `ranking`, each with its
    account's code, owner and score (what `worklist_page` ranks by; no query of its own).

    For one person, the tasks they hold (assigned to them, or unassigned on the accounts
    they own: `tasks.holder`, hub.services.accounts.tasks keeps it) through the index on
    (holder, state, due_date). Reading the assigned tasks and the owned accounts' unassigned
    ones instead read every open task due in the company and each unassigned task's account
    for every page view (issue 16: 3,000 tasks at 100k customers)."""
    dialect = connection.dialect.name
    query = _open_task_query(dialect, by_owner=owner is not None,
                             by_department=department is not None,
                             by_ids=customer_ids is not None, ranking=ranking)
    values: dict[str, Any] = {"as_of": as_of}
    if owner is not None:
        values["owner"] = owner
    if department is not None:
        values["department"] = department
    if customer_ids is not None:
        values["ids"] = ids_value(dialect, customer_ids)
    return sorted(connection.execute(query, values).all(),
                  key=lambda row: (row.due_date, row.id))


@cache
def _totals_query(dialect: str) -> sa.Select[Any]:
    as_of: sa.BindParameter[date] = sa.bindparam("as_of")
    return (
        sa.select(invoices.c.customer_id, invoices.c.currency,
                  sa.func.sum(invoices.c.open_minor).label("open_minor"),
                  sa.func.sum(sa.case((invoices.c.due_date < as_of, invoices.c.open_minor),
                                      else_=0)).label("overdue_minor"),
                  sa.func.min(invoices.c.due_date).label("oldest"))
        .where(ids_param(dialect, invoices.c.customer_id),
               invoices.c.status.in_(OPEN_STATUSES), invoices.c.open_minor > 0)
        .group_by(invoices.c.customer_id, invoices.c.currency))


def _totals(connection: Connection, ids: list[int], as_of: date) -> dict[int, Any]:
    """Per account, the open and overdue sums of its main currency (the largest open)."""
    found: dict[int, Any] = {}
    if not ids:
        return found
    dialect = connection.dialect.name
    totals = connection.execute(_totals_query(dialect),
                                {"as_of": as_of, "ids": ids_value(dialect, ids)})
    for row in totals.all():
        best = found.get(row.customer_id)
        if best is None or row.open_minor > best.open_minor:
            found[row.customer_id] = row
    return found


@cache
def _detail_queries(dialect: str) -> tuple[sa.Select[Any], ...]:
    """The accounts, their contacts (primary first), their steps and last contacts."""
    return tuple(query for query in (
        sa.select(customers).where(ids_param(dialect, customers.c.id)),
        sa.select(contacts.c.customer_id, contacts.c.name, contacts.c.email,
                  contacts.c.phone)
        .where(ids_param(dialect, contacts.c.customer_id))
        .order_by(contacts.c.customer_id, contacts.c.is_primary.desc(), contacts.c.id),
        sa.select(applied_decisions.c.customer_id, applied_decisions.c.step)
        .where(ids_param(dialect, applied_decisions.c.customer_id),
               applied_decisions.c.step.is_not(None),
               applied_decisions.c.paused_by.is_(None))
        .order_by(applied_decisions.c.applied_on, applied_decisions.c.id),
        sa.select(events.c.customer_id, sa.func.max(events.c.occurred_at))
        .where(ids_param(dialect, events.c.customer_id),
               events.c.kind == kinds.ACCOUNT_CONTACTED)
        .group_by(events.c.customer_id)))


def _details(connection: Connection, ids: list[int], as_of: date,
             totals: Mapping[int, Any] | None = None) -> list[tuple[Any, dict[str, Any]]]:
    dialect = connection.dialect.name
    of_customers, of_contacts, of_steps, last_contacts = _detail_queries(dialect)
    values = {"ids": ids_value(dialect, ids)}
    customer_rows = connection.execute(of_customers, values).all()
    extra: dict[int, dict[str, Any]] = defaultdict(dict)
    if totals is None:
        totals = _totals(connection, ids, as_of)
    for customer_id in ids:
        if customer_id in totals:
            extra[customer_id]["totals"] = totals[customer_id]
    for contact in connection.execute(of_contacts, values).all():
        extra[contact.customer_id].setdefault("contact", contact)
        if contact.phone:  # primary first: the primary contact's number, else the next one
            extra[contact.customer_id].setdefault("phone", contact.phone)
    for step in connection.execute(of_steps, values).all():
        extra[step.customer_id]["step"] = step.step
    for customer_id, last in connection.execute(last_contacts, values).all():
        extra[customer_id]["last_contact"] = last
    return [(row, extra[row.id]) for row in customer_rows]


def _contact(row: Any) -> str | None:
    if row is None:
        return None
    reach = row.email or row.phone
    return f"{row.name} <{reach}>" if reach else row.name


def _row(customer: Any, open_tasks: list[Any], as_of: date, extra: dict[str, Any],
         claims: Mapping[str, tuple[str, date]]) -> WorklistRow:
    totals = extra.get("totals")
    currency = totals.currency if totals is not None else (customer.currency or "EUR")
    open_minor = int(totals.open_minor) if totals is not None else 0
    overdue_minor = int(totals.overdue_minor) if totals is not None else 0
    oldest = totals.oldest if totals is not None else None
    if isinstance(oldest, str):  # SQLite returns MIN() of a date column as text
        oldest = date.fromisoformat(oldest)
    days = max(0, (as_of - oldest).days) if oldest is not None else 0
    owed = tuple(sorted({claims[task.decision_key] for task in open_tasks
                         if task.decision_key in claims}, key=lambda claim: claim[::-1]))
    last_contact = extra.get("last_contact")
    if isinstance(last_contact, str):
        last_contact = date.fromisoformat(last_contact[:10])
    elif last_contact is not None:
        last_contact = last_contact.date()
    return WorklistRow(
        customer_code=customer.code, customer_name=customer.name, owner=customer.owner,
        department=customer.department, main_contact=_contact(extra.get("contact")),
        balance=Money.from_minor(open_minor, currency),
        overdue=Money.from_minor(overdue_minor, currency), oldest_due_date=oldest,
        days_overdue=days, current_step=extra.get("step"),
        suggested_action=suggested_action(open_tasks[0].task_type, owed),
        deadlines=owed,
        open_task_ids=tuple(task.id for task in open_tasks), last_contact=last_contact,
        score=customer.score,
        priority=priority(days, overdue_minor, customer.score),
        assignee=open_tasks[0].assignee, account_manager=customer.account_manager,
        phone=extra.get("phone"),
        calls=any(task.task_type in CALL_TASKS for task in open_tasks))
