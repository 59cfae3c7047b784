"""Local XLSX workbooks (openpyxl): the embedded default. One workbook per department under
var/sheets/, a tab per owner and a summary tab.

Writes are atomic (a temporary file beside the workbook, then rename), so a reader never
sees half a workbook. A workbook that someone has open (Excel's `~$name.xlsx`, LibreOffice's
`.~lock.name.xlsx#`) or that another hub process is writing is left alone and retried next
cycle: writing it then would be undone, or undo their work, when they save.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.styles import PatternFill
from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from hub.domain.cells import set_cell
from hub.domain.sheet_cells import AMOUNT
from hub.domain.sheet_cells import DATE
from hub.domain.sheet_cells import INTEGER
from hub.domain.sheet_cells import TEXT
from hub.domain.sheet_cells import kind_of
from hub.domain.sheet_cells import typed
from hub.domain.sheets import STATUSES
from hub.domain.sheets import SUMMARY_KEY
from hub.domain.sheets import BookPlan
from hub.domain.sheets import BookSnapshot
from hub.domain.sheets import SheetBusy
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import SheetTargetError
from hub.domain.sheets import WriteResult
from hub.domain.sheets import grid_changes
from hub.domain.sheets import severity
from sync.sheets.grid import column_letter
from sync.sheets.grid import position_kinds
from sync.sheets.grid import summary_grid
from sync.sheets.grid import tab_snapshot
from sync.sheets.grid import text_grid
from sync.sheets.grid import wanted_grid

FILLS = {"severe": "F4C7C3", "late": "FCE8B2", "due": "FFF8E1"}
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
# Number formats by column kind: finance sums and filters these cells. Text columns people
# type into are "@" (Text), so a note that looks like a date stays the note it is.
NUMBER_FORMATS = {AMOUNT: "#,##0.00", INTEGER: "0", DATE: "yyyy-mm-dd"}
TEXT_FORMAT = "@"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _signature(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


def _signature_file(path: Path) -> Path:
    return path.with_name(f".{path.name}.hubsaved")


def _remember_signature(path: Path) -> None:
    _signature_file(path).write_text(" ".join(map(str, _signature(path))), encoding="utf-8")


def _saved_signature(path: Path) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in _signature_file(path).read_text().split())
    except (OSError, ValueError):
        return None


def book_filename(book: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", book).strip("-.") or "sheets"
    return f"{slug}.xlsx"


class XlsxBackend:
    name = "xlsx"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        # The workbook parsed by read(), reused by the write() that follows when the file
        # has not changed in between: parsing is most of a cycle's time.
        self._parsed: dict[str, tuple[tuple[int, int, int], Workbook]] = {}

    def path(self, book: str) -> Path:
        return self.directory / book_filename(book)

    def read(self, book: str, layout: SheetLayout, *,
             remote_id: str | None,  # noqa: ARG002 (the path is the id)
             for_write: bool = True) -> BookSnapshot:
        path = self.path(book)
        snapshot = BookSnapshot(book=book, remote_id=str(path))
        if not path.exists():
            return snapshot
        self._refuse_if_open(path)
        signature = _signature(path)
        if not for_write and _saved_signature(path) == signature:
            # Saved by the hub and not since: no edits to read (a 10,000-row workbook
            # takes seconds to parse, and the scheduler reads back every few minutes).
            snapshot.untouched = True
            return snapshot
        workbook = self._load(path, read_only=False)
        for sheet in workbook.worksheets:
            grid = [list(row) for row in sheet.iter_rows(values_only=True)]
            tab = tab_snapshot(sheet.title, grid, layout)
            if tab is not None:
                snapshot.add(tab)
        self._parsed[book] = (signature, workbook)
        return snapshot

    def write(self, plan: BookPlan, snapshot: BookSnapshot, layout: SheetLayout) -> WriteResult:
        path = self.path(plan.book)
        result = WriteResult()
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._exclusive(path):
            self._refuse_if_open(path)
            parsed = self._parsed.pop(plan.book, None)
            if parsed is not None and path.exists() and parsed[0] == _signature(path):
                workbook = parsed[1]
            elif path.exists():
                workbook = self._load(path, read_only=False)
            else:
                workbook = Workbook()
                workbook.remove(workbook.active)
            by_owner = {str(ws["A1"].value or "").strip(): ws for ws in workbook.worksheets}
            changed = False
            for tab in plan.tabs:
                sheet = by_owner.get(tab.owner)
                if sheet is None:
                    sheet = workbook.create_sheet(tab.title)
                    self._format_tab(sheet, layout)
                    changed = True
                current = snapshot.tabs.get(tab.owner)
                wanted = wanted_grid(tab, layout, current)
                changed |= self._apply(sheet, wanted, layout, result, editable=True)
            summary = by_owner.get(SUMMARY_KEY)
            if summary is None:
                summary = workbook.create_sheet(layout.summary_title, 0)
                summary.column_dimensions["A"].hidden = True
                for index in range(2, len(layout.summary_headers) + 2):
                    summary.column_dimensions[column_letter(index - 1)].width = 24
                    summary.cell(row=1, column=index).font = Font(bold=True)
                changed = True
            changed |= self._apply(summary, summary_grid(plan, layout), layout, result,
                                   editable=False)
            if changed:
                self._save(workbook, path)
                result.calls = 1
        return result

    def _apply(self, sheet: Worksheet, wanted: list[list[str]], layout: SheetLayout,
               result: WriteResult, *, editable: bool) -> bool:
        width = max(len(layout.fields), *(len(row) for row in wanted))
        kinds = position_kinds(layout) if editable else [TEXT] * width
        current_text = text_grid(list(sheet.iter_rows(
            min_row=1, max_row=max(sheet.max_row, 1), max_col=width, values_only=True)), kinds)
        blocks = grid_changes(current_text, wanted, width)
        if editable and blocks and blocks[0][0] == 0 and current_text \
                and any(current_text[0][1:]):  # the headers changed: an older layout
            self._format_tab(sheet, layout)
        editable_columns = {layout.index(name) for name in layout.editable_fields}
        days_column = layout.fields.index("days_overdue") if "days_overdue" in layout.fields \
            else None
        for first, rows in blocks:
            for offset, cells in enumerate(rows):
                row_number = first + offset + 1
                for column, text in enumerate(cells):
                    kind = kinds[column] if column < len(kinds) and row_number > 1 else TEXT
                    self._set(sheet.cell(row=row_number, column=column + 1), text, kind,
                              editable=editable and row_number > 1,
                              unlocked=column in editable_columns)
                if editable and row_number > 1 and days_column is not None:
                    self._colour(sheet, row_number, cells, days_column, width)
                if row_number > 1:
                    result.rows_written += 1
        if editable:
            filtered = f"A1:{column_letter(len(layout.fields) - 1)}{max(len(wanted), 2)}"
            if sheet.auto_filter.ref != filtered:  # the header row's filter buttons
                sheet.auto_filter.ref = filtered
                return True
        return bool(blocks)

    @staticmethod
    def _set(cell: Cell, text: str, kind: str, *, editable: bool, unlocked: bool) -> None:
        # Numbers and dates are number and date cells with a number format, so finance can
        # sum and filter them; text is always a literal string cell (never a formula), and
        # formula-like text gets Excel's quote prefix so editing it in Excel keeps it text.
        value = typed(text, kind)
        set_cell(cell, value)
        if kind != TEXT:
            wanted = NUMBER_FORMATS[kind] if not isinstance(value, str) else "General"
        else:
            wanted = TEXT_FORMAT if editable and unlocked else "General"
        if cell.number_format != wanted:
            cell.number_format = wanted
        if editable:
            locked = not unlocked
            if cell.protection.locked != locked:
                cell.protection = Protection(locked=locked)

    @staticmethod
    def _colour(sheet: Worksheet, row: int, cells: list[str], days_column: int,
                width: int) -> None:
        days = cells[days_column] if days_column < len(cells) else ""
        band = severity(int(days)) if days.isdigit() else None
        fill = PatternFill("solid", fgColor=FILLS[band]) if band else PatternFill(None)
        for column in range(2, width + 1):
            sheet.cell(row=row, column=column).fill = fill

    @staticmethod
    def _format_tab(sheet: Worksheet, layout: SheetLayout) -> None:
        """Widths, header style, the status dropdown, date validation and column number
        formats for the layout's columns (again when a tab has an older layout's columns)."""
        sheet.freeze_panes = "B2"
        for index, column in enumerate(layout.columns):
            dimension = sheet.column_dimensions[column_letter(index)]
            dimension.width = column.width
            kind = kind_of(column.field)
            # what a person types into a new row takes the column's format
            dimension.number_format = NUMBER_FORMATS.get(
                kind, TEXT_FORMAT if column.editable else "General")
        sheet.column_dimensions["A"].hidden = True
        for index in range(1, len(layout.columns)):
            header = sheet.cell(row=1, column=index + 1)
            header.font = Font(bold=True)
            header.fill = HEADER_FILL
        sheet.data_validations.dataValidation = []  # an older layout's columns moved
        status = column_letter(layout.index("status"))
        listing = ",".join(STATUSES)
        validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=True,
                                    showErrorMessage=True, errorTitle="Status",
                                    error=f"Choose one of: {', '.join(STATUSES)}")
        validation.add(f"{status}2:{status}100000")
        sheet.add_data_validation(validation)
        for name in ("promise_date", "snooze_until"):
            if name in layout.fields:
                letter = column_letter(layout.index(name))
                dates = DataValidation(type="date", operator="greaterThan",
                                       formula1="DATE(2000,1,1)", allow_blank=True,
                                       error="Enter a date, for example 2026-12-31")
                dates.add(f"{letter}2:{letter}100000")
                sheet.add_data_validation(dates)
        # Computed columns are locked; editable cells are unlocked as they are written.
        sheet.protection.sheet = True
        sheet.protection.sort = False
        sheet.protection.autoFilter = False
        sheet.protection.formatColumns = False
        sheet.protection.insertRows = False
        sheet.protection.deleteRows = False

    @staticmethod
    def _load(path: Path, *, read_only: bool) -> Workbook:
        try:
            return load_workbook(path, read_only=read_only)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise SheetTargetError(
                str(path), f"cannot read the workbook ({exc}); it is left as it is: "
                "move it away to let the hub write a fresh one") from None

    @staticmethod
    def _refuse_if_open(path: Path) -> None:
        for lock in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")):
            if lock.exists():
                raise SheetBusy(str(path), f"the workbook is open ({lock.name}); "
                                "retried next cycle")

    @contextmanager
    def _exclusive(self, path: Path) -> Iterator[None]:
        lock_path = path.with_name(f".{path.name}.hublock")
        with lock_path.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SheetBusy(str(path), "another hub process is writing the workbook; "
                                "retried next cycle") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _save(workbook: Workbook, path: Path) -> None:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp",
                                             dir=path.parent)
        os.close(handle)
        try:
            workbook.save(temporary)
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
            # mkstemp makes the file private; a shared workbook gets the usual mode
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
            os.chmod(temporary, mode)
            os.replace(temporary, path)
            _remember_signature(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

