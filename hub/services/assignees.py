"""Who a task or escalation goes to: the owner, the owner's (or department's) manager,
a named person, a team, or round robin within a team (fewest open tasks first)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.decisions import AccountFacts
from hub.ledger.tables import tasks
from hub.ledger.tables import users


@dataclass
class Directory:
    """Users and open-task counts, loaded once per batch of decisions."""

    people: dict[str, Any]  # e-mail -> users row (active only)
    open_tasks: Counter[str] = field(default_factory=Counter)

    @classmethod
    def load(cls, connection: Connection) -> Directory:
        people = {row.email: row for row in connection.execute(
            sa.select(users).where(users.c.active.is_(True)))}
        counts = Counter({email: int(count) for email, count in connection.execute(
            sa.select(tasks.c.assignee, sa.func.count()).where(
                tasks.c.state == "open", tasks.c.assignee.is_not(None))
            .group_by(tasks.c.assignee))})
        return cls(people, counts)

    def manager_of(self, facts: AccountFacts) -> str | None:
        return self.manager_for(facts.owner, facts.department)

    def manager_for(self, person: str | None, department: str | None) -> str | None:
        """The person's manager, else a manager of the department (theirs if none given)."""
        owner = self.people.get(person or "")
        if owner is not None and owner.manager_email:
            return str(owner.manager_email)
        department = department or (owner.department if owner is not None else None)
        managers = sorted(email for email, row in self.people.items()
                          if row.role == "manager" and row.department == department)
        return managers[0] if managers else None

    def team(self, name: str, members: Sequence[str] | None) -> list[str]:
        """Members named in the rule file, else the active users of that department."""
        if members:
            return list(members)
        return sorted(email for email, row in self.people.items() if row.department == name)

    def resolve(self, rule: str | None, facts: AccountFacts,
                members: Sequence[str] | None = None) -> list[str]:
        """Every person `rule` names, for notices (may be empty)."""
        if not rule or rule == "owner":
            return [facts.owner] if facts.owner else []
        if rule == "department_manager":
            manager = self.manager_of(facts)
            return [manager] if manager else []
        if rule == "everyone":
            return list(dict.fromkeys(filter(None, [facts.owner, self.manager_of(facts)])))
        if "@" in rule:
            return [rule]
        return self.team(rule.removeprefix("round_robin:"), members)

    def assignee(self, rule: str | None, facts: AccountFacts,
                 members: Sequence[str] | None = None) -> str | None:
        """The one person a task goes to; round robin picks the least loaded member."""
        people = self.resolve(rule, facts, members)
        if not people:
            return None
        if rule and rule.startswith("round_robin:"):
            chosen = min(people, key=lambda email: (self.open_tasks[email], email))
        else:
            chosen = people[0]
        self.open_tasks[chosen] += 1
        return chosen
