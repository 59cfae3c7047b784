"""Local XLSX workbooks (openpyxl): the embedded default. One workbook per department under
var/sheets/ with a tab per owner and a summary tab, or (HUB_SHEETS_XLSX_WORKBOOKS=owner)
a folder per department with one workbook per owner and a summary workbook.

Writes are atomic (a temporary file beside the workbook, then rename), so a reader never
sees half a workbook. A workbook that someone has open (Excel's `~$name.xlsx`, LibreOffice's
`.~lock.name.xlsx#`) or that another hub process is writing is left alone and retried next
cycle: writing it then would be undone, or undo their work, when they save.

Only workbooks whose content changes are written. What the hub wrote is remembered beside
each workbook (sync/sheets/xlsx_files.py), so a workbook nobody has saved since is neither
parsed to be read nor to be rewritten: with one workbook per owner, a cycle that changes a
few owners' rows writes only their workbooks.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

from hub.domain.sheet_cells import TEXT
from hub.domain.sheets import SUMMARY_KEY
from hub.domain.sheets import BookPlan
from hub.domain.sheets import BookSnapshot
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import SheetTargetError
from hub.domain.sheets import WriteResult
from hub.domain.sheets import grid_changes
from hub.domain.sheets import tab_title
from sync.sheets.grid import as_written
from sync.sheets.grid import column_letter
from sync.sheets.grid import position_kinds
from sync.sheets.grid import summary_grid
from sync.sheets.grid import tab_snapshot
from sync.sheets.grid import text_grid
from sync.sheets.grid import wanted_grid
from sync.sheets.xlsx_files import Grid
from sync.sheets.xlsx_files import Signature
from sync.sheets.xlsx_files import Written
from sync.sheets.xlsx_files import book_filename
from sync.sheets.xlsx_files import exclusive
from sync.sheets.xlsx_files import recall
from sync.sheets.xlsx_files import refuse_if_open
from sync.sheets.xlsx_files import remember
from sync.sheets.xlsx_files import save
from sync.sheets.xlsx_files import signature
from sync.sheets.xlsx_files import trimmed
from sync.sheets.xlsx_patch import patch_sheet
from sync.sheets.xlsx_patch import read_member
from sync.sheets.xlsx_patch import register_looks
from sync.sheets.xlsx_patch import render_row
from sync.sheets.xlsx_patch import rewrite
from sync.sheets.xlsx_tabs import apply
from sync.sheets.xlsx_tabs import format_summary
from sync.sheets.xlsx_tabs import format_tab
from sync.sheets.xlsx_tabs import summary_kinds

WORKBOOKS = ("department", "owner")
SUMMARY_FILE = "Summary.xlsx"  # one workbook per owner: the summary's own workbook


@dataclass(frozen=True, slots=True)
class _Tab:
    owner: str  # the key header (A1): the owner, or the summary's key
    title: str
    grid: Grid  # what the hub wants the tab to show
    editable: bool  # an owner's tab (the summary is not)


def _owner_of(grid: Grid) -> str:
    return grid[0][0].strip() if grid and grid[0] else ""


def _changed_rows(old: Grid, new: Grid, width: int) -> int:
    """Data rows (below the header) that differ between two grids."""
    return sum(len(rows) - (1 if first == 0 else 0)
               for first, rows in grid_changes(old, new, max(width, *map(len, old or [[]]),
                                                             *map(len, new or [[]]))))


class XlsxBackend:
    name = "xlsx"

    def __init__(self, directory: Path, *, workbooks: str = "department") -> None:
        if workbooks not in WORKBOOKS:
            raise ValueError(f"workbooks must be one of {', '.join(WORKBOOKS)}")
        self.directory = directory
        self.per_owner = workbooks == "owner"
        # The workbooks parsed by read(), reused by the write() that follows when the file
        # has not changed in between: parsing is most of a touched workbook's cost.
        self._parsed: dict[Path, tuple[Signature, Workbook]] = {}
        self._owner_files: dict[str, dict[str, Path]] = {}  # book -> owner -> workbook

    # -- where the workbooks are ----------------------------------------------------------
    def path(self, book: str) -> Path:
        """The department's workbook, or (one workbook per owner) its folder."""
        if self.per_owner:
            return self.directory / book_filename(book).removesuffix(".xlsx")
        return self.directory / book_filename(book)

    def files(self, book: str) -> list[Path]:
        """The book's workbooks that exist now."""
        where = self.path(book)
        if not self.per_owner:
            return [where] if where.exists() else []
        if not where.is_dir():
            return []
        return sorted(path for path in where.glob("*.xlsx")
                      if not path.name.startswith(("~$", ".")))

    def _lock(self, book: str) -> Path:
        where = self.path(book)
        return where / ".hublock" if self.per_owner else \
            where.with_name(f".{where.name}.hublock")

    # -- read -----------------------------------------------------------------------------
    def read(self, book: str, layout: SheetLayout, *,
             remote_id: str | None,  # noqa: ARG002 (the path is the id)
             for_write: bool = True) -> BookSnapshot:  # noqa: ARG002 (same either way)
        snapshot = BookSnapshot(book=book, remote_id=str(self.path(book)))
        files = self.files(book)
        for path in files:
            refuse_if_open(path)
        owners: dict[str, Path] = {}
        untouched = bool(files)
        for path in files:
            written = recall(path)
            if written is not None:  # saved by the hub and not since: no need to parse
                tabs: list[tuple[str, list[list[object]]]] = [
                    (title, [list(row) for row in grid]) for title, grid in written.tabs]
            else:
                untouched = False
                current = signature(path)
                workbook = self._load(path)
                self._parsed[path] = (current, workbook)
                tabs = [(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)])
                        for sheet in workbook.worksheets]
            for title, grid in tabs:
                tab = tab_snapshot(title, grid, layout)
                if tab is not None:
                    snapshot.add(tab)
                    owners[tab.owner] = path
        # Nobody has saved any of the workbooks since the hub wrote them: no edits to read
        # (the scheduler's read-back between cycles then costs nothing).
        snapshot.untouched = untouched
        self._owner_files[book] = owners
        return snapshot

    # -- write ----------------------------------------------------------------------------
    def write(self, plan: BookPlan, snapshot: BookSnapshot, layout: SheetLayout) -> WriteResult:
        result = WriteResult()
        targets = self._targets(plan, snapshot, layout)
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.per_owner:
            self.path(plan.book).mkdir(exist_ok=True)
        with exclusive(self._lock(plan.book), self.path(plan.book)):
            for path in targets:
                refuse_if_open(path)
            for path, tabs in targets.items():
                if self._write_workbook(path, tabs, layout, result):
                    result.calls += 1  # one save per workbook written
        return result

    def _targets(self, plan: BookPlan, snapshot: BookSnapshot,
                 layout: SheetLayout) -> dict[Path, list[_Tab]]:
        """Which tabs go into which workbook."""
        summary = _Tab(SUMMARY_KEY, layout.summary_title, summary_grid(plan, layout), False)
        tabs = [_Tab(tab.owner, tab.title, wanted_grid(tab, layout, snapshot.tabs.get(tab.owner)),
                     True) for tab in plan.tabs]
        if not self.per_owner:
            return {self.path(plan.book): [summary, *tabs]}
        folder = self.path(plan.book)
        known = self._owner_files.get(plan.book, {})
        taken = {path.name.lower() for path in known.values()} | {SUMMARY_FILE.lower()}
        targets: dict[Path, list[_Tab]] = {folder / SUMMARY_FILE: [summary]}
        for tab in tabs:
            path = known.get(tab.owner)
            if path is None:  # a new owner: a workbook named like the tab
                name = tab_title(tab.title, {name.removesuffix(".xlsx") for name in taken})
                path = folder / book_filename(name)
                taken.add(path.name.lower())
            targets.setdefault(path, []).append(tab)
        return targets

    def _write_workbook(self, path: Path, tabs: list[_Tab], layout: SheetLayout,
                        result: WriteResult) -> bool:
        """Write one workbook if its content changes; True when it was saved."""
        kinds = position_kinds(layout)
        text = {tab.owner: trimmed(as_written(tab.grid, kinds if tab.editable
                                              else [TEXT] * len(kinds))) for tab in tabs}
        known = recall(path) if path.exists() else None
        before = {_owner_of(grid): (title, grid) for title, grid in known.tabs} if known \
            else {}
        if known is not None and all(before.get(owner, ("", None))[1] == grid
                                     for owner, grid in text.items()):
            return False  # the workbook already shows all of it: not written
        if known is not None and self._patchable(known, before, text):
            self._patch(path, known, tabs, text, layout=layout, result=result)
            return True
        parsed = self._parsed.pop(path, None)
        fresh = False
        if parsed is not None and path.exists() and parsed[0] == signature(path):
            workbook = parsed[1]
        elif path.exists() and (known is None or not known.pure):
            workbook = self._load(path)
        else:  # new, or exactly what the hub wrote: written afresh from what it knows
            workbook, fresh = Workbook(), True
            workbook.remove(workbook.active)
        counted = None if fresh and known is not None else result
        if counted is None:  # count the rows that change, not every row written afresh
            for tab in tabs:
                result.rows_written += _changed_rows(before.get(tab.owner, ("", []))[1],
                                                     text[tab.owner], len(kinds))
        sheets = {str(sheet["A1"].value or "").strip(): sheet for sheet in workbook.worksheets}
        for tab in tabs:
            sheet = sheets.get(tab.owner)
            if sheet is None:
                title = before.get(tab.owner, (tab.title, None))[0]
                sheet = workbook.create_sheet(title, 0 if not tab.editable else None)
                (format_tab if tab.editable else format_summary)(sheet, layout)
                sheets[tab.owner] = sheet
            apply(sheet, tab.grid, layout, counted, editable=tab.editable)
        if fresh and known is not None:  # tabs of owners no longer planned stay as they were
            for owner, (title, grid) in before.items():
                if owner not in sheets:
                    sheet = workbook.create_sheet(title)
                    format_tab(sheet, layout)
                    apply(sheet, grid, layout, None, editable=True)
                    text[owner] = grid
        written = self._written(workbook, text, kinds, layout)
        looks = register_looks(workbook)  # every look a cell can have: rows patched later
        save(workbook, path, Written(written.tabs, written.pure, looks, tuple(
            f"xl/worksheets/sheet{number}.xml"  # openpyxl's names, in workbook order
            for number in range(1, len(workbook.worksheets) + 1))))
        return True

    @staticmethod
    def _patchable(known: Written, before: dict[str, tuple[str, Grid]],
                   text: dict[str, Grid]) -> bool:
        """Only rows below the headers change, on tabs the workbook has: patch the rows."""
        return bool(known.pure and known.looks and len(known.members) == len(known.tabs)
                    and all(owner in before and before[owner][1][:1] == grid[:1]
                            and not any(ILLEGAL_CHARACTERS_RE.search("".join(row))
                                        for row in grid)
                            for owner, grid in text.items()))  # openpyxl refuses those

    @staticmethod
    def _patch(path: Path, known: Written, tabs: list[_Tab], text: dict[str, Grid], *,
               layout: SheetLayout, result: WriteResult) -> None:
        """Write the changed rows straight into the tabs' XML (sync/sheets/xlsx_patch.py)."""
        kinds = position_kinds(layout)
        unlocked = frozenset(layout.index(name) for name in layout.editable_fields)
        days = layout.index("days_overdue") if "days_overdue" in layout.fields else None
        wanted = {tab.owner: tab for tab in tabs}
        members: dict[str, str] = {}
        after: list[tuple[str, Grid]] = []
        for (title, old), member in zip(known.tabs, known.members, strict=True):
            owner = _owner_of(old)
            new = text.get(owner, old)
            after.append((title, new))
            if new == old:
                continue
            tab = wanted[owner]
            changed = [number for number in range(1, max(len(old), len(new)))
                       if (old[number] if number < len(old) else [])
                       != (new[number] if number < len(new) else [])]
            result.rows_written += len(changed)
            rows = {number + 1: render_row(
                number + 1, tab.grid[number], kinds if tab.editable else summary_kinds(len(kinds)),
                editable=tab.editable, unlocked=unlocked if tab.editable else frozenset(),
                days_column=days if tab.editable else None, looks=known.looks or {})
                for number in changed if number < len(tab.grid)}
            filtered = f"A1:{column_letter(len(layout.fields) - 1)}{max(len(tab.grid), 2)}" \
                if tab.editable else None
            members[member] = patch_sheet(read_member(path, member), rows, len(tab.grid),
                                          filtered)
        rewrite(path, members)
        remember(path, Written(tuple(after), known.pure, known.looks, known.members))

    @staticmethod
    def _written(workbook: Workbook, text: dict[str, Grid], kinds: list[str],
                 layout: SheetLayout) -> Written:
        """Every tab of the saved workbook as reading it back gives it."""
        tabs: list[tuple[str, Grid]] = []
        pure = True
        for sheet in workbook.worksheets:
            owner = str(sheet["A1"].value or "").strip()
            if owner in text:
                tabs.append((sheet.title, text[owner]))
                continue
            grid = trimmed(text_grid(list(sheet.iter_rows(values_only=True)), kinds))
            tabs.append((sheet.title, grid))
            header = grid[0] if grid else []
            pure = pure and bool(owner) and layout.headers[1] in header  # a hub tab
        return Written(tuple(tabs), pure)

    @staticmethod
    def _load(path: Path) -> Workbook:
        try:
            return load_workbook(path)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SheetTargetError(
                str(path), f"cannot read the workbook ({exc}); it is left as it is: "
                "move it away to let the hub write a fresh one") from None
