"""Sync the shared worklist sheets both ways: read people's edits back into the ledger,
then rewrite each owner's tab from the worklist with the least number of API calls.

One book per department (a workbook, a spreadsheet, a Smartsheet sheet), one tab per
owner. A failure of one book (locked, 401, 403, not found) stops that book only; it is
reported and the next cycle tries again. Edits are taken in, with the sync state, in one
transaction, so an edit is never applied twice and never lost."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.errors import UserError
from hub.domain.sheet_cells import number_text
from hub.domain.sheet_sync import Reading
from hub.domain.sheet_sync import RowState
from hub.domain.sheet_sync import merge_editable
from hub.domain.sheet_sync import read_changes
from hub.domain.sheet_sync import with_hub_values
from hub.domain.sheets import BookPlan
from hub.domain.sheets import SheetBusy
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import SheetTargetError
from hub.domain.sheets import TabPlan
from hub.domain.sheets import tab_title
from hub.domain.worklist import WorklistRow
from hub.ledger import sheet_state
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.observe import metrics
from hub.ports import PortalLinks
from hub.ports import WorksheetBackend
from hub.services.read.worklist import holder
from hub.services.sheets.edits import EditContext
from hub.services.sheets.edits import apply_edit
from hub.services.sheets.rows import book_name
from hub.services.sheets.rows import computed_values
from hub.services.sheets.rows import department_worklist
from hub.services.sheets.rows import departments
from hub.services.sheets.rows import hub_editable_values
from hub.services.sheets.rows import owners
from hub.services.sheets.rows import sheet_row

log = logging.getLogger(__name__)
SHEET_CONFLICT = "sheet.conflict"


@dataclass(slots=True)
class BookReport:
    book: str
    calls: int = 0
    rows: int = 0
    written: int = 0
    edits: int = 0
    actions: int = 0
    conflicts: int = 0
    unkeyed: int = 0
    restored: int = 0
    problems: list[str] = field(default_factory=list)  # edits not taken in (fix the cell)
    notices: list[str] = field(default_factory=list)  # rows people added without a key
    error: str | None = None  # the book was not synced
    busy: bool = False
    untouched: bool = False  # read-back: nobody changed the book since the hub wrote it


@dataclass(slots=True)
class SyncReport:
    backend: str
    books: list[BookReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(book, name)) for book in self.books)

    @property
    def errors(self) -> list[str]:
        return [f"{book.book}: {book.error}" for book in self.books if book.error]


@dataclass(frozen=True)
class SheetSync:
    """The sheet sync use case, wired by hub/bootstrap/sheets.py."""

    engine: Engine
    backend: WorksheetBackend
    layout: SheetLayout
    portal_links: PortalLinks | None = None
    zone_name: str = "UTC"
    max_days_ahead: int | None = None

    def run(self, *, as_of: date, now: datetime, write: bool = True, dry_run: bool = False,
            only: Sequence[str] | None = None) -> SyncReport:
        report = SyncReport(self.backend.name)
        with self.engine.connect() as connection:
            wanted = departments(connection)
        for department in wanted:
            name = book_name(department)
            if only and name not in only:
                continue
            book = BookReport(name)
            report.books.append(book)
            try:
                self._book(department, book, as_of=as_of, now=now, write=write,
                           dry_run=dry_run)
            except SheetTargetError as exc:
                book.error = str(exc)
                book.busy = isinstance(exc, SheetBusy)
                log.warning("sheets: %s", exc)
            metrics.record_sheet_calls(self.backend.name, book.calls)
            if not dry_run:
                with self.engine.begin() as connection:
                    book_id = sheet_state.book_id(connection, self.backend.name, name)
                    sheet_state.record_sync(connection, book_id, at=now, remote=None,
                                            error=book.error, calls=book.calls,
                                            rows=book.rows if write and not book.error
                                            else None)
        return report

    def _book(self, department: str | None, report: BookReport, *, as_of: date,
              now: datetime, write: bool, dry_run: bool) -> None:
        name = report.book
        with self.engine.begin() as connection:
            book_id = sheet_state.book_id(connection, self.backend.name, name)
            remote = sheet_state.remote_id(connection, book_id)
            state = sheet_state.load_rows(connection, book_id)
        snapshot = self.backend.read(name, self.layout, remote_id=remote, for_write=write)
        report.calls += snapshot.calls
        if snapshot.untouched and not write:
            report.untouched = True  # nobody has changed the book since the hub wrote it
            return
        reading = read_changes(snapshot, state, self.layout)
        report.unkeyed = len(reading.unkeyed)
        report.restored = len(reading.deleted) + reading.moved
        for owner in reading.unread_tabs:
            report.notices.append(f"{name} / {owner}: the column headers were changed; edits "
                                  "on this tab are read after the hub has put them back")
        for key in reading.duplicates:
            report.notices.append(f"{name}: the row for {key} appears twice; the first is "
                                  "read, the copy is removed")
        for owner, row in reading.unkeyed:
            report.notices.append(f"{name} / {owner}: row {row.position + 2} has no key "
                                   "(added by hand); left alone")
        if dry_run:
            report.edits = len(reading.edits)
            report.conflicts = len(reading.computed_conflicts)
            return
        original = state
        with self.engine.begin() as connection:
            state = self._take_in(connection, book_id, reading, state, report, now=now,
                                  today=as_of)
            if snapshot.remote_id:
                sheet_state.record_sync(connection, book_id, at=now, remote=snapshot.remote_id,
                                        error=None, calls=0, rows=None)
        if not write:
            return
        with self.engine.begin() as connection:
            plan, after = self._plan(connection, department, name, reading=reading,
                                     original=original, state=state, as_of=as_of, now=now)
            hub_conflicts = self._editable_conflicts(connection, plan, reading, original, now)
        report.conflicts += hub_conflicts
        result = self.backend.write(plan, snapshot, self.layout)
        report.calls += result.calls
        report.written = result.rows_written
        report.rows = len(after)
        with self.engine.begin() as connection:
            sheet_state.save_rows(connection, book_id, state, after, now)
            if result.remote_id:
                sheet_state.record_sync(connection, book_id, at=now, remote=result.remote_id,
                                        error=None, calls=0, rows=None)

    def _take_in(self, connection: Connection, book_id: int, reading: Reading,
                 state: dict[str, RowState], report: BookReport, *, now: datetime,
                 today: date) -> dict[str, RowState]:
        """Apply edits and record computed-column conflicts; the state moves with them."""
        updated = dict(state)
        for edit in reading.edits:
            try:
                ref = account(connection, edit.key)
            except UserError as exc:
                report.problems.append(f"{report.book} / {edit.owner}: {exc}")
                continue
            known = state.get(edit.key)
            before = dict(known.editable) if known else {"status": "open"}
            context = EditContext(where=f"{report.book} / {edit.owner} / {edit.key}",
                                  currency=_currency_of(known) or ref.currency or "EUR",
                                  now=now, today=today, max_days_ahead=self.max_days_ahead,
                                  language=self.layout.language)
            outcome = apply_edit(connection, edit, before, context)
            report.edits += 1
            report.actions += len(outcome.actions)
            report.problems.extend(outcome.problems)
            updated[edit.key] = RowState(known.owner if known else edit.owner, outcome.taken,
                                         known.computed if known else {})
        for conflict in reading.computed_conflicts:
            report.conflicts += 1
            try:
                ref = account(connection, conflict.key)
            except UserError:
                continue
            row_state = updated[conflict.key]  # remember the typed text: one event, even
            updated[conflict.key] = RowState(  # if the write that puts it right fails
                row_state.owner, row_state.editable,
                {**row_state.computed, conflict.field: conflict.typed})
            header = self.layout.columns[self.layout.index(conflict.field)].header
            add_event(connection, customer_id=ref.id, kind=SHEET_CONFLICT,
                      actor=conflict.editor or actor_of_owner(conflict.owner), now=now,
                      summary=f"typed {conflict.typed!r} into the computed column {header} "
                              f"on the sheet; the hub's value {conflict.hub_value!r} is "
                              "put back",
                      data={"field": conflict.field, "typed": conflict.typed,
                            "hub_value": conflict.hub_value, "book": report.book,
                            "source": "sheet"})
        sheet_state.save_rows(connection, book_id, state, updated, now)
        return updated

    def _plan(self, connection: Connection, department: str | None, name: str, *,
              reading: Reading, original: Mapping[str, RowState],
              state: Mapping[str, RowState], as_of: date,
              now: datetime) -> tuple[BookPlan, dict[str, RowState]]:
        """What each tab shows next. Editable columns are decided against the state before
        this cycle's edits (`original`), so a person's edit beats a hub change; `state` is
        what has been taken in."""
        rows = department_worklist(connection, as_of=as_of, department=department)
        codes = [row.customer_code for row in rows]
        links = self.portal_links.portal_urls(codes) if self.portal_links and codes else {}
        hub_values = hub_editable_values(connection, codes)
        by_owner: dict[str, list[WorklistRow]] = {owner: [] for owner in
                                                  owners(connection, department)}
        for row in rows:
            # the tab of whoever holds the account's work: the same list as their worklist,
            # digest and API (hub.services.read.worklist.holder)
            by_owner.setdefault(holder(row), []).append(row)
        checked = now.astimezone(ZoneInfo(self.zone_name)).strftime("%Y-%m-%d %H:%M")
        taken: set[str] = set()
        tabs: list[TabPlan] = []
        summary: list[list[str]] = []
        after: dict[str, RowState] = {}
        for owner in sorted(by_owner):
            sheet_rows = []
            for row in by_owner[owner]:
                code = row.customer_code
                editable, _ = merge_editable(code, reading.sheet_values.get(code),
                                             original.get(code), hub_values.get(code, {}),
                                             self.layout)
                sheet_rows.append(sheet_row(row, editable, links.get(code),
                                            self.layout.language))
                known = state.get(code)
                taken_in = dict(known.editable) if known else dict(editable)
                for field_name, value in hub_values.get(code, {}).items():
                    if editable.get(field_name) == value:  # the hub's value is shown
                        taken_in[field_name] = value
                after[code] = RowState(owner, taken_in, with_hub_values(
                    computed_values(row, links.get(code), self.layout.language),
                    hub_values.get(code, {})))
            title = tab_title(owner, taken)
            tabs.append(TabPlan(owner, title, sheet_rows,
                                None if sheet_rows else self.layout.empty_line(checked)))
            summary.extend(_summary_lines(owner, by_owner[owner], checked))
        return BookPlan(name, tabs, summary), after

    def _editable_conflicts(self, connection: Connection, plan: BookPlan, reading: Reading,
                            state: Mapping[str, RowState], now: datetime) -> int:
        """A column both the person and the hub changed: the person's value stands."""
        count = 0
        codes = [row.key for tab in plan.tabs for row in tab.rows]
        hub_values = hub_editable_values(connection, codes)
        for code in codes:
            sheet = reading.sheet_values.get(code)
            if sheet is None:
                continue
            _, conflicts = merge_editable(code, sheet, state.get(code),
                                          hub_values.get(code, {}), self.layout)
            for conflict in conflicts:
                count += 1
                ref = account(connection, code)
                add_event(connection, customer_id=ref.id, kind=SHEET_CONFLICT,
                          actor="sheets", now=now,
                          summary=f"{conflict.field}: the sheet says {conflict.person_value!r}, "
                                  f"the hub {conflict.hub_value!r}; the sheet's value stands",
                          data={"field": conflict.field, "person": conflict.person_value,
                                "hub": conflict.hub_value, "source": "sheet"})
        return count


def actor_of_owner(owner: str) -> str:
    return owner if "@" in owner else f"sheet:{owner}"


def _currency_of(known: RowState | None) -> str | None:
    """The currency the row showed: its own column, or the end of an older layout's
    balance text ("126,695.44 EUR")."""
    if known is None:
        return None
    if known.computed.get("currency"):
        return known.computed["currency"]
    parts = known.computed.get("balance", "").split()
    return parts[-1] if len(parts) > 1 else None


def _summary_lines(owner: str, rows: Sequence[WorklistRow], checked: str) -> list[list[str]]:
    """The owner's line per currency on the summary tab: the balance a number (written as a
    number cell with a number format, hub.domain.sheet_cells.SUMMARY_KINDS), its currency
    in its own column; an owner with nothing open keeps one line."""
    by_currency: dict[str, list[WorklistRow]] = {}
    for row in rows:
        by_currency.setdefault(row.balance.currency, []).append(row)
    if not by_currency:
        return [[owner, "0", "", "", "0", checked]]
    lines = []
    for currency, mine in sorted(by_currency.items()):
        total = sum((row.balance for row in mine[1:]), mine[0].balance)
        worst = max(row.days_overdue for row in mine)
        lines.append([owner, str(len(mine)), number_text(total.amount), currency, str(worst),
                      checked])
    return lines

