"""Tasks for people and the actions people take on an account: contacted, done,
snoozed, a note. Every action is an event on the account's timeline.

The one place tasks are created: `create_task` (one at a time, for services and the web)
and `TaskBatch` (the cycle's bulk path, one statement for many) share the row
(`task_row`) and the rule `one_open_per_type`: the rules never open a second task of a
type on an account that has one open.

Each task also names its holder (whose worklist it is on: the assignee, else the account's
owner), set here when a task is made and by `move_unassigned_tasks` when an account's
owner changes; the worklist finds a person's tasks by it (hub.services.read.worklist)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.model import TaskState
from hub.i18n import lazy_gettext
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.accounts import check_source
from hub.ledger.accounts import ids_in
from hub.ledger.bulk import insert_rows
from hub.ledger.lookups import ids_by_key
from hub.ledger.table_stats import analyze_after
from hub.ledger.tables import customers
from hub.ledger.tables import tasks
from hub.services.cycle.assignees import stand_in

_BY_KEY = sa.select(tasks.c.id).where(tasks.c.key == sa.bindparam("key"))
_OPEN_OF_TYPE = sa.select(tasks.c.id).where(tasks.c.customer_id == sa.bindparam("customer"),
                                            tasks.c.task_type == sa.bindparam("task_type"),
                                            tasks.c.state == TaskState.OPEN)
_INSERT = tasks.insert().returning(tasks.c.id)
# The statistics refreshed after a large write of tasks (hub.ledger.table_stats): with
# them an account's own tasks are found through the customer_id index, not among every
# open task of the creditor
ANALYZED_COLUMNS = (tasks.c.customer_id, tasks.c.state, tasks.c.task_type)
RULES = "rules"


def one_open_per_type(source: str, *, per_claim: bool = False) -> bool:
    """Whether a new task must wait for the account's open task of its type: for tasks the
    rules create (never two call tasks for one account), except a task about one claim's
    legal deadline, which is one per claim (its decision runs once per claim). A person
    may open what they like."""
    return source == RULES and not per_claim


def create_task(connection: Connection, *, customer_code: str, task_type: str,
                assignee: str | None, due_date: date, reason: str, actor: str,
                now: datetime, key: str | None, source: str = "rules",
                decision_key: str | None = None) -> int | None:
    """Create a task; None when one with `key` exists already or, for tasks the rules
    create, when the account already has an open task of the same type (never two
    call tasks for one account). A task for nobody goes to the account's owner; without
    one, to the department manager, else the last resort, with the reason."""
    check_source(source)
    ref = account(connection, customer_code)
    if key is not None and connection.execute(_BY_KEY, {"key": key}).first() is not None:
        return None
    if one_open_per_type(source) and connection.execute(
            _OPEN_OF_TYPE, {"customer": ref.id, "task_type": task_type}).first() is not None:
        return None
    if assignee is None:
        assignee = ref.owner
    if assignee is None:  # never to nobody: the department manager, with the reason
        stand_in_for = stand_in(connection, ref, "the account has no owner")
        assignee = stand_in_for.assignee
        reason = f"{reason}; {stand_in_for.note}"
    task_id = insert_task(connection, customer_id=ref.id, task_type=task_type,
                          assignee=assignee, due_date=due_date, reason=reason, actor=actor,
                          now=now, key=key, source=source, decision_key=decision_key,
                          owner=ref.owner)
    add_event(connection, **task_event(ref.id, task_id, task_type=task_type, assignee=assignee,
                                       due_date=due_date, reason=reason, actor=actor, now=now,
                                       source=source))
    return task_id


def insert_task(connection: Connection, *, customer_id: int, task_type: str,
                assignee: str | None, due_date: date, reason: str, actor: str, now: datetime,
                key: str | None, source: str, decision_key: str | None,
                owner: str | None) -> int:
    """The row only (no checks, no event): for callers that checked in bulk. `owner`:
    the account's owner, who holds the task when it names no assignee."""
    return int(connection.execute(_INSERT, task_row(
        customer_id=customer_id, task_type=task_type, assignee=assignee, due_date=due_date,
        reason=reason, actor=actor, now=now, key=key, source=source,
        decision_key=decision_key, owner=owner)).scalar_one())


def task_row(*, customer_id: int, task_type: str, assignee: str | None, due_date: date,
             reason: str, actor: str, now: datetime, key: str | None, source: str,
             decision_key: str | None, owner: str | None) -> dict[str, Any]:
    """A new open task, as the tasks table stores it; its holder is the assignee, else
    the account's `owner`."""
    return {"customer_id": customer_id, "task_type": task_type, "assignee": assignee,
            "due_date": due_date, "state": TaskState.OPEN, "snoozed_until": None, "key": key,
            "reason": reason, "decision_key": decision_key, "outcome": None,
            "created_by": actor, "source": source, "closed_at": None, "closed_by": None,
            "created_at": now, "updated_at": now, "holder": assignee or owner}


def move_unassigned_tasks(connection: Connection, customer_ids: Iterable[int]) -> None:
    """These accounts' owners changed: their open tasks that name no assignee move to the
    new owner's worklist (each task's holder becomes the owner now on file). Every writer
    of customers.owner calls this in the same transaction."""
    ids = set(customer_ids)
    if not ids:
        return
    # ids_in sends the ids as one parameter, however many: no batches needed
    connection.execute(tasks.update().where(
        ids_in(connection, tasks.c.customer_id, ids),
        tasks.c.assignee.is_(None), tasks.c.state == TaskState.OPEN).values(
        holder=sa.select(customers.c.owner)
        .where(customers.c.id == tasks.c.customer_id).scalar_subquery()))


class TaskBatch:
    """The bulk path (the cycle applies thousands of decisions): the accounts' open tasks
    are read once, new rows are collected, then written in one statement with their
    timeline events. The same rule as `create_task`."""

    def __init__(self, connection: Connection, customer_ids: Iterable[int]) -> None:
        """`customer_ids`: the accounts that may get a task; their open tasks are read at
        once (another account's are read when it first asks, one statement each)."""
        self.connection = connection
        self.looked_up: set[int] = set()
        self.open: set[tuple[int, str]] = set()
        self.rows: list[dict[str, Any]] = []
        self._look_up(list(customer_ids))

    def _look_up(self, ids: list[int]) -> None:
        if not ids:
            return
        # one statement whatever the statistics say: PostgreSQL hashes the ids
        # (hub.ledger.accounts.ids_in)
        self.open.update((row.customer_id, row.task_type) for row in self.connection.execute(
            sa.select(tasks.c.customer_id, tasks.c.task_type).where(
                tasks.c.state == TaskState.OPEN,
                ids_in(self.connection, tasks.c.customer_id, ids))))
        self.looked_up.update(ids)

    def waits(self, customer_id: int, task_type: str, *, source: str = RULES,
              per_claim: bool = False) -> bool:
        """True when the account already has an open task of this type that a new one
        must not duplicate (`one_open_per_type`)."""
        if not one_open_per_type(source, per_claim=per_claim):
            return False
        if customer_id not in self.looked_up:
            self._look_up([customer_id])
        return (customer_id, task_type) in self.open

    def add(self, **row: Any) -> None:
        """A task (the keyword arguments of `task_row`; `owner` may be left out: `flush`
        reads the owners of the accounts whose tasks name no assignee), written by
        `flush`."""
        row.setdefault("owner", None)
        self.rows.append(task_row(**row))
        self.open.add((row["customer_id"], row["task_type"]))

    def flush(self) -> list[dict[str, Any]]:
        """Write the rows (one executemany); returns their events, as `task_event` gives
        them, for the caller's own batch of events."""
        if not self.rows:
            return []
        self._hold_unassigned()
        insert_rows(self.connection, tasks, self.rows)
        # a large part of the table: the rest of the cycle plans from the new rows
        analyze_after(self.connection, tasks, len(self.rows), columns=ANALYZED_COLUMNS)
        ids = ids_by_key(self.connection, tasks, "key", [row["key"] for row in self.rows])
        made = [task_event(row["customer_id"], ids[row["key"]], task_type=row["task_type"],
                           assignee=row["assignee"], due_date=row["due_date"],
                           reason=row["reason"], actor=row["created_by"],
                           now=row["created_at"], source=row["source"])
                for row in self.rows]
        self.rows = []
        return made

    def _hold_unassigned(self) -> None:
        """A task for nobody is held by its account's owner: read at the write, in its
        transaction, so that an owner changed since the cycle read its facts counts."""
        unheld = {row["customer_id"] for row in self.rows if row["holder"] is None}
        if not unheld:
            return
        owners = dict(self.connection.execute(
            sa.select(customers.c.id, customers.c.owner).where(
                ids_in(self.connection, customers.c.id, unheld))).all())
        for row in self.rows:
            if row["holder"] is None:
                row["holder"] = owners.get(row["customer_id"])


def task_event(customer_id: int, task_id: int, *, task_type: str, assignee: str | None,
               due_date: date, reason: str, actor: str, now: datetime,
               source: str) -> dict[str, Any]:
    """The timeline event of a new task, as keyword arguments of add_event."""
    return {"customer_id": customer_id, "kind": kinds.TASK_CREATED, "actor": actor, "now": now,
            "summary": f"task {task_type} for {assignee or 'nobody yet'}, due {due_date}: "
                       f"{reason}",
            "data": {"task_id": task_id, "task_type": task_type, "assignee": assignee,
                     "due_date": due_date.isoformat(), "source": source}}


def _close_open_tasks(connection: Connection, customer_id: int, *, actor: str, now: datetime,
                      outcome: str | None) -> list[int]:
    ids = [row.id for row in connection.execute(
        sa.select(tasks.c.id).where(tasks.c.customer_id == customer_id,
                                    tasks.c.state == TaskState.OPEN))]
    if ids:
        connection.execute(tasks.update().where(tasks.c.id.in_(ids)).values(
            state=TaskState.DONE, outcome=outcome, closed_at=now, closed_by=actor, updated_at=now))
    return ids


def mark_contacted(connection: Connection, *, customer_code: str, actor: str, source: str,
                   now: datetime, note: str | None = None) -> None:
    """The debtor was reached (call, mail, chat); shown as the account's last contact."""
    check_source(source)
    ref = account(connection, customer_code)
    add_event(connection, customer_id=ref.id, kind=kinds.ACCOUNT_CONTACTED, actor=actor,
              now=now, summary="contacted" + (f": {note}" if note else ""),
              data={"source": source, "note": note})


def complete_account(connection: Connection, *, customer_code: str, actor: str, source: str,
                     now: datetime, outcome: str | None = None) -> list[int]:
    """Done for now: every open task of the account is closed. Returns their ids."""
    check_source(source)
    ref = account(connection, customer_code)
    closed = _close_open_tasks(connection, ref.id, actor=actor, now=now, outcome=outcome)
    add_event(connection, customer_id=ref.id, kind=kinds.ACCOUNT_COMPLETED, actor=actor,
              now=now, summary=f"marked done ({len(closed)} task(s) closed)"
              + (f": {outcome}" if outcome else ""),
              data={"source": source, "outcome": outcome, "task_ids": closed})
    return closed


def complete_task(connection: Connection, *, task_id: int, actor: str, source: str,
                  now: datetime, outcome: str | None = None) -> None:
    check_source(source)
    row = connection.execute(sa.select(tasks.c.customer_id, tasks.c.state, tasks.c.task_type)
                             .where(tasks.c.id == task_id)).first()
    if row is None:
        raise NotFound(lazy_gettext("task %(task_id)s does not exist", task_id=task_id))
    if row.state != TaskState.OPEN:
        raise UserError(lazy_gettext("task %(task_id)s is already %(state)s",
                                     task_id=task_id, state=row.state))
    connection.execute(tasks.update().where(tasks.c.id == task_id).values(
        state=TaskState.DONE, outcome=outcome, closed_at=now, closed_by=actor, updated_at=now))
    add_event(connection, customer_id=row.customer_id, kind=kinds.TASK_DONE, actor=actor,
              now=now, summary=f"task {row.task_type} done" + (f": {outcome}" if outcome else ""),
              data={"task_id": task_id, "source": source, "outcome": outcome})


def close_open_of_type(connection: Connection, *, customer_code: str,
                       task_types: tuple[str, ...], actor: str, source: str, now: datetime,
                       outcome: str) -> list[int]:
    """Close the account's open tasks of these types (a call answered by a promise), each
    with `outcome` and a line on the timeline. Returns their ids."""
    check_source(source)
    ref = account(connection, customer_code)
    ids = [int(row.id) for row in connection.execute(
        sa.select(tasks.c.id).where(tasks.c.customer_id == ref.id, tasks.c.state == TaskState.OPEN,
                                    tasks.c.task_type.in_(task_types))
        .order_by(tasks.c.id))]
    for task_id in ids:
        complete_task(connection, task_id=task_id, actor=actor, source=source, now=now,
                      outcome=outcome)
    return ids


def snooze(connection: Connection, *, customer_code: str, until: date, actor: str,
           source: str, now: datetime) -> int:
    """Hide the account's open tasks from worklists until `until`. Returns how many."""
    check_source(source)
    ref = account(connection, customer_code)
    if until <= now.date():
        raise UserError(lazy_gettext("snooze until %(until)s: the date must be in the future",
                                     until=until))
    count = connection.execute(tasks.update().where(
        tasks.c.customer_id == ref.id, tasks.c.state == TaskState.OPEN).values(
        snoozed_until=until, updated_at=now)).rowcount
    add_event(connection, customer_id=ref.id, kind=kinds.ACCOUNT_SNOOZED, actor=actor, now=now,
              summary=f"snoozed until {until}",
              data={"until": until.isoformat(), "source": source, "tasks": count})
    return int(count)


def add_note(connection: Connection, *, customer_code: str, text: str, actor: str,
             source: str, now: datetime) -> None:
    check_source(source)
    text = text.strip()
    if not text:
        raise UserError(lazy_gettext("a note needs some text"))
    ref = account(connection, customer_code)
    add_event(connection, customer_id=ref.id, kind=kinds.NOTE_ADDED, actor=actor, now=now,
              summary=text, data={"source": source})
