"""One row of a person's worklist: an account that needs something from them today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.domain.money import Money


@dataclass(frozen=True, slots=True)
class WorklistRow:
    customer_code: str
    customer_name: str
    owner: str | None
    department: str | None
    main_contact: str | None  # "Name <email>" or a phone number
    balance: Money  # open amount, in the account's main currency
    overdue: Money  # of which past due
    oldest_due_date: date | None
    days_overdue: int
    current_step: str | None  # the last ladder step applied
    suggested_action: str  # what to do next, in words
    open_task_ids: tuple[int, ...]
    last_contact: date | None
    score: int | None
    priority: int  # higher first
    snoozed_until: date | None = None
    assignee: str | None = None  # who the first open task is assigned to
    account_manager: str | None = None  # the salesperson who owns the relationship
    # claims nearing limitation: (invoice number, last day before it is time-barred)
    deadlines: tuple[tuple[str, date], ...] = ()
    phone: str | None = None  # the number to call: the primary contact's, else the first one's
    calls: bool = False  # an open task asks for a phone call (call, call back)
    # open amount x chance a contact changes the outcome (docs/prediction.md); set only
    # when the list is ordered by it
    expected_recovery: float | None = None
