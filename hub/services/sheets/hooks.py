"""The sheet phases of the daily cycle (hub.ports.CycleHook): read-back before the rules
decide, write-out after. The scheduler also runs the read-back every few minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.domain.clock import Clock
from hub.domain.clock import moment_on
from hub.ports import HookReport
from hub.services.sheets.sync import SheetSync
from hub.services.sheets.sync import SyncReport

COUNTS = ("edits", "actions", "conflicts", "unkeyed", "restored", "written", "calls")


def hook_report(name: str, report: SyncReport) -> HookReport:
    counts = {key: report.total(key) for key in COUNTS}
    counts["books"] = len(report.books)
    problems = tuple(problem for book in report.books for problem in book.problems)
    busy = [book.book for book in report.books if book.busy]
    message = (f"{report.backend}: {len(report.books)} book(s), {counts['edits']} edit(s) "
               f"taken in, {counts['written']} row(s) written, {counts['calls']} call(s)")
    if busy:
        message += f"; open or locked, retried next cycle: {', '.join(busy)}"
    if counts["unkeyed"]:
        message += f"; {counts['unkeyed']} row(s) without a key left alone"
    return HookReport(name=name, done=True, counts=counts,
                      errors=tuple(report.errors) + problems, message=message)


@dataclass
class SheetReadBackHook:
    sync: SheetSync
    clock: Clock
    name: str = "sheets read-back"

    def run(self, as_of: date, *, dry_run: bool) -> HookReport:
        report = self.sync.run(as_of=as_of, now=moment_on(as_of, self.clock.now()),
                               write=False, dry_run=dry_run)
        return hook_report(self.name, report)


@dataclass
class SheetWriteOutHook:
    sync: SheetSync
    clock: Clock
    name: str = "sheets write-out"

    def run(self, as_of: date, *, dry_run: bool) -> HookReport:
        if dry_run:  # a dry run keeps nothing, so the sheets are not touched either
            return HookReport(name=self.name, done=False, message="dry run: sheets untouched")
        report = self.sync.run(as_of=as_of, now=moment_on(as_of, self.clock.now()), write=True)
        return hook_report(self.name, report)


@dataclass
class SheetSettingsProblem:
    """Stands in for both sheet hooks when the sheet settings cannot be used, so the cycle
    runs and its report says what to fix."""

    problem: str
    name: str = "sheets"

    def run(self, as_of: date, *, dry_run: bool) -> HookReport:  # noqa: ARG002
        return HookReport(name=self.name, done=False, errors=(self.problem,),
                          message="sheets not synced: fix the setting")
