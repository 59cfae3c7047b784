"""Who a task, an escalation or a notice goes to. The one place that decides: the cycle
records the person chosen here on the decision and on the task, so the two agree.

Assignment rules (the rule file's `assign:` / `escalate:`): `owner`, `account_manager`,
`department_manager`, a named person (an e-mail address), a team from the rule file's
`teams:` (its least loaded member), `round_robin:<team>` (members in turn, continuing after
whoever on the team was given work last) and `least_loaded:<team>` (fewest open tasks).

Work that cannot go where the rule says (no owner, an empty team, a deactivated or unknown
person) goes to the account's department manager, with the reason; without one, to the
last resort: the first active finance user, else the first active admin. Never to nobody
while the hub has an active finance user or admin."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.decisions import AccountFacts
from hub.domain.decisions import RuleProblem
from hub.domain.model import TaskState
from hub.ledger.tables import tasks
from hub.ledger.tables import users

ROUND_ROBIN = "round_robin:"
LEAST_LOADED = "least_loaded:"
LAST_RESORT_ROLES = ("finance", "admin")


class AccountPeople(Protocol):
    """Who an account belongs to: its facts in the cycle, its reference elsewhere."""

    @property
    def owner(self) -> str | None: ...

    @property
    def department(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Assignment:
    """The person given the work, and why it is not whom the rule names (None: as named)."""

    assignee: str | None
    note: str | None = None


@dataclass
class Directory:
    """Users and open-task counts, loaded once per batch of decisions."""

    people: dict[str, Any]  # lower-case e-mail -> users row (active or not)
    open_tasks: Counter[str] = field(default_factory=Counter)  # lower-case e-mail -> count
    connection: Connection | None = None
    turns: dict[str, int] = field(default_factory=dict)  # team -> next member's position
    _managers: dict[tuple[str | None, str | None], str | None] = field(
        default_factory=dict)  # manager_for, per (person, department): the users are fixed

    @classmethod
    def load(cls, connection: Connection) -> Directory:
        people = {str(row.email).lower(): row for row in connection.execute(sa.select(users))}
        counts: Counter[str] = Counter()
        for email, count in connection.execute(
                sa.select(tasks.c.assignee, sa.func.count()).where(
                    tasks.c.state == TaskState.OPEN, tasks.c.assignee.is_not(None))
                .group_by(tasks.c.assignee)):
            counts[str(email).lower()] += int(count)
        return cls(people, counts, connection)

    # --- who is who ------------------------------------------------------------------

    def _active(self, email: str | None) -> bool:
        row = self.people.get((email or "").lower())
        return row is not None and bool(row.active)

    def _email(self, email: str) -> str:
        row = self.people.get(email.lower())
        return str(row.email) if row is not None else email

    def _why_not(self, email: str | None, what: str) -> str | None:
        """Why `email` cannot be given work (None: it can)."""
        if not email:
            return f"the account has no {what}"
        row = self.people.get(email.lower())
        if row is None:
            return f"{what} {email} is not a user of the hub"
        if not row.active:
            return f"{what} {email} is deactivated"
        return None

    def manager_of(self, facts: AccountPeople) -> str | None:
        return self.manager_for(facts.owner, facts.department)

    def manager_for(self, person: str | None, department: str | None) -> str | None:
        """The person's manager (when an active user, or reached by e-mail), else the first
        active manager of the department (the person's own when none is given)."""
        key = (person, department)
        if key not in self._managers:  # asked for thousands of accounts of a few owners
            self._managers[key] = self._manager_for(person, department)
        return self._managers[key]

    def _manager_for(self, person: str | None, department: str | None) -> str | None:
        row = self.people.get((person or "").lower())
        manager = str(row.manager_email or "") if row is not None else ""
        found = self.people.get(manager.lower())
        if manager and (found is None or found.active):  # a user, or reached by e-mail
            return self._email(manager)
        department = department or (row.department if row is not None else None)
        managers = sorted(str(user.email) for user in self.people.values()
                          if user.active and user.role == "manager"
                          and department and user.department == department)
        return managers[0] if managers else None

    def last_resort(self) -> str | None:
        for role in LAST_RESORT_ROLES:
            found = sorted(str(row.email) for row in self.people.values()
                           if row.active and row.role == role)
            if found:
                return found[0]
        return None

    @staticmethod
    def members(name: str, teams: Mapping[str, Sequence[str]] | None) -> list[str]:
        return list((teams or {}).get(name) or ())

    # --- notices -----------------------------------------------------------------------

    def resolve(self, rule: str | None, facts: AccountFacts,
                teams: Mapping[str, Sequence[str]] | None = None) -> list[str]:
        """Every active person `rule` names, for notices (may be empty). `everyone` is the
        owner, the account manager and the department manager, each once."""
        if not rule or rule == "owner":
            named = [facts.owner]
        elif rule == "account_manager":
            named = [facts.account_manager]
        elif rule == "department_manager":
            named = [self.manager_of(facts)]
        elif rule == "everyone":
            named = [facts.owner, facts.account_manager, self.manager_of(facts)]
        elif "@" in rule:
            named = [rule]
        else:
            named = list(self.members(rule.partition(":")[2] or rule, teams))
        found: dict[str, str] = {}
        for email in filter(None, named):
            row = self.people.get(email.lower())
            if row is None or row.active:  # a deactivated user is not told; others are
                found.setdefault(email.lower(), self._email(email))
        return list(found.values())

    # --- assignment ----------------------------------------------------------------------

    def assign(self, rule: str | None, facts: AccountFacts,
               teams: Mapping[str, Sequence[str]] | None = None) -> Assignment:
        """The one person a task goes to, counted as one more open task for them."""
        chosen, why = self._named(rule or "owner", facts, teams)
        note = None
        if chosen is None:
            chosen = self.manager_of(facts)
            note = f"{why}: assigned to the department manager"
            if chosen is None:
                chosen = self.last_resort()
                note = (f"{why}, and no department manager was found: assigned to "
                        f"{chosen or 'nobody (the hub has no active finance user or admin)'}")
        if chosen is not None:
            self.open_tasks[chosen.lower()] += 1
        return Assignment(chosen, note)

    def _named(self, rule: str, facts: AccountFacts,  # noqa: PLR0911 - one answer per rule
               teams: Mapping[str, Sequence[str]] | None) -> tuple[str | None, str]:
        """(the person the rule names, or None and why not)."""
        if rule in ("owner", "account_manager"):
            email = facts.owner if rule == "owner" else facts.account_manager
            what = rule.replace("_", " ")
            why = self._why_not(email, what)
            if email and (why is None or email.lower() not in self.people):
                # an owner who is not (yet) a user is still reached by e-mail, as digests do
                return self._email(email), ""
            return None, str(why)
        if rule == "department_manager":
            return self.manager_of(facts), "no department manager was found"
        if "@" in rule:
            why = self._why_not(rule, "named person")
            return (self._email(rule), "") if why is None else (None, why)
        kind, _, name = (part.strip() for part in rule.rpartition(":"))
        members = [self._email(m) for m in self.members(name, teams) if self._active(m)]
        if not members:
            listed = self.members(name, teams)
            return None, (f'team "{name}" has no active member' if listed
                          else f'team "{name}" is not declared under "teams:"')
        if f"{kind}:" == ROUND_ROBIN:
            return self._next_in_turn(name, members), ""
        # least_loaded:<team> and a plain team: the member with the fewest open tasks
        return min(members, key=lambda email: (self.open_tasks[email.lower()],
                                               members.index(email))), ""

    def _next_in_turn(self, team: str, members: list[str]) -> str:
        if team not in self.turns:
            self.turns[team] = self._after_last_given(members)
        position = self.turns[team] % len(members)
        self.turns[team] = position + 1
        return members[position]

    def _after_last_given(self, members: list[str]) -> int:
        """The position after the member who was given a task last (0: nobody yet)."""
        if self.connection is None:
            return 0
        lowered = [email.lower() for email in members]
        last = self.connection.execute(
            sa.select(tasks.c.assignee).where(sa.func.lower(tasks.c.assignee).in_(lowered))
            .order_by(tasks.c.id.desc()).limit(1)).scalar()
        return lowered.index(str(last).lower()) + 1 if last is not None else 0


def unknown_people(connection: Connection, named: Sequence[tuple[int | None, str, str]],
                   file: str) -> list[RuleProblem]:
    """Warnings for the persons a rule file names who are not active users of the hub."""
    people = Directory.load(connection).people
    problems = []
    for line, where, email in named:
        row = people.get(email.lower())
        if row is None or not row.active:
            state = "is not a user of the hub" if row is None else "is deactivated"
            problems.append(RuleProblem(
                file, line, where, f"{email} {state}: work for them goes to the department "
                                   "manager instead", severity="warning"))
    return problems


def stand_in(connection: Connection, account: AccountPeople, why: str) -> Assignment:
    """For work created outside the cycle (the portal, the web, a plan review) that names
    nobody: the account's department manager, else the last resort, with the reason."""
    directory = Directory.load(connection)
    chosen = directory.manager_of(account)
    if chosen is not None:
        return Assignment(chosen, f"{why}: assigned to the department manager")
    chosen = directory.last_resort()
    return Assignment(chosen, f"{why}, and no department manager was found: assigned to "
                              f"{chosen or 'nobody (the hub has no active finance user or admin)'}")
