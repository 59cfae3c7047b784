"""Read-back: what a person typed into a sheet's editable columns becomes ledger events,
through the same person actions the web, portal and chat use (source "sheet").

Each action runs in a savepoint: one bad cell (a date in the past, an amount that is not
one) is reported with its place and left in the sheet to be fixed, and the rest of the
row and the book still go in. Values not taken in are offered again next cycle."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime

from sqlalchemy import Connection

from hub.domain import parsing
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.sheet_sync import Edit
from hub.domain.sheets import STATUSES
from hub.services.accounts.disputes import open_dispute
from hub.services.accounts.promises import record_promise
from hub.services.accounts.tasks import add_note
from hub.services.accounts.tasks import complete_account
from hub.services.accounts.tasks import mark_contacted
from hub.services.accounts.tasks import snooze

SOURCE = "sheet"


class CellError(UserError):
    pass


def parse_date(text: str, column: str, language: str = "en") -> date:
    """A typed date, read by the one date reader (hub.domain.parsing)."""
    try:
        return parsing.parse_date(text, language)
    except parsing.ParseError as exc:
        raise CellError(f"{column}: {exc.message(language)}") from None


def parse_amount(text: str, currency: str, language: str = "en") -> Money:
    """A typed amount in `currency`, read by the one amount reader (hub.domain.parsing)."""
    try:
        return parsing.parse_money(text, currency, language)
    except parsing.ParseError as exc:
        raise CellError(f"promise amount in {currency}: {exc.message(language)}") from None


Runner = Callable[[str, tuple[str, ...], Callable[[], object] | None], None]


@dataclass(slots=True)
class EditOutcome:
    taken: dict[str, str]  # the editable values the hub has now taken in
    actions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EditContext:
    where: str  # "Sales / ann@example.com / C-1001", for messages
    currency: str
    now: datetime
    today: date
    max_days_ahead: int | None = None
    language: str = "en"  # the sheets' language (HUB_SHEETS_LANGUAGE), for typed values


def actor_of(edit: Edit) -> str:
    if edit.editor:
        return edit.editor
    return edit.owner if "@" in edit.owner else f"sheet:{edit.owner}"


def apply_edit(connection: Connection, edit: Edit, before: Mapping[str, str],
               context: EditContext) -> EditOutcome:
    outcome = EditOutcome(taken=dict(before))
    changed, values = edit.changes, edit.values
    actor = actor_of(edit)
    code = edit.key
    used: set[str] = set()

    def run(label: str, fields: tuple[str, ...], action: Callable[[], object] | None) -> None:
        try:
            with connection.begin_nested():
                if action is not None:
                    action()
        except UserError as exc:
            outcome.problems.append(f"{context.where}: {exc}")
            return
        outcome.actions.append(label)
        for name in fields:
            outcome.taken[name] = values.get(name, "")
            used.add(name)

    status = values.get("status", "").strip().lower()
    note = values.get("note", "").strip()
    result = values.get("outcome", "").strip()
    if "status" in changed:
        if status and status not in STATUSES:
            outcome.problems.append(f"{context.where}: status {values['status']!r} is not one "
                                    f"of {', '.join(STATUSES)}")
        elif status in ("done", "paid"):
            said = result or ("paid (reported in the sheet)" if status == "paid" else None)
            run(status, ("status", "outcome"), lambda: complete_account(
                connection, customer_code=code, actor=actor, source=SOURCE,
                now=context.now, outcome=said))
        elif status == "contacted":
            with_note = note if "note" in changed and note else None
            run("contacted", ("status", "note") if with_note else ("status",),
                lambda: mark_contacted(connection, customer_code=code, actor=actor,
                                       source=SOURCE, now=context.now, note=with_note))
        elif status == "disputed":
            reason = note or result or "disputed (marked in the sheet)"
            run("dispute opened", ("status",), lambda: open_dispute(
                connection, customer_code=code, invoice_numbers=(), reason=reason,
                actor=actor, source=SOURCE, now=context.now))
        else:
            run(f"status {status or 'cleared'}", ("status",), None)
    if "promise_date" in changed or "promise_amount" in changed:
        _promise(connection, outcome, values, context=context, actor=actor, code=code, run=run)
    if "snooze_until" in changed:
        text = values.get("snooze_until", "").strip()
        if not text:
            run("snooze cleared", ("snooze_until",), None)
        else:
            run("snoozed", ("snooze_until",), lambda: snooze(
                connection, customer_code=code,
                until=parse_date(text, "snooze until", context.language),
                actor=actor, source=SOURCE, now=context.now))
    if "note" in changed and "note" not in used:
        run("note", ("note",), (lambda: add_note(connection, customer_code=code, text=note,
                                                 actor=actor, source=SOURCE, now=context.now))
            if note else None)
    if "outcome" in changed and "outcome" not in used:
        run("outcome", ("outcome",), (lambda: add_note(
            connection, customer_code=code, text=f"Outcome: {result}", actor=actor,
            source=SOURCE, now=context.now)) if result else None)
    return outcome


def _promise(connection: Connection, outcome: EditOutcome, values: Mapping[str, str], *,
             context: EditContext, actor: str, code: str, run: Runner) -> None:
    when = values.get("promise_date", "").strip()
    much = values.get("promise_amount", "").strip()
    if not when and not much:
        run("promise cleared", ("promise_date", "promise_amount"), None)
        return
    if not when or not much:
        missing = "promise date" if not when else "promise amount"
        outcome.problems.append(f"{context.where}: a promise needs a date and an amount; "
                                f"the {missing} is empty")
        return
    run("promise recorded", ("promise_date", "promise_amount"), lambda: record_promise(
        connection, customer_code=code,
        amount=parse_amount(much, context.currency, context.language),
        due_date=parse_date(when, "promise date", context.language), actor=actor, source=SOURCE,
        now=context.now, max_days_ahead=context.max_days_ahead, today=context.today))
