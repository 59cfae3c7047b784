"""What an XLSX tab holds and how it looks: typed cells (numbers and dates with number
formats, text as literal string cells), severity colours, the status dropdown, date
validation, locked computed columns, a frozen header with an auto-filter."""

from __future__ import annotations

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
from hub.domain.sheet_cells import SUMMARY_KINDS
from hub.domain.sheet_cells import TEXT
from hub.domain.sheet_cells import kind_of
from hub.domain.sheet_cells import typed
from hub.domain.sheets import STATUSES
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import WriteResult
from hub.domain.sheets import grid_changes
from hub.domain.sheets import severity
from sync.sheets.grid import column_letter
from sync.sheets.grid import position_kinds
from sync.sheets.grid import text_grid

FILLS = {"severe": "F4C7C3", "late": "FCE8B2", "due": "FFF8E1"}
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
# Number formats by column kind: finance sums and filters these cells. Text columns people
# type into are "@" (Text), so a note that looks like a date stays the note it is.
NUMBER_FORMATS = {AMOUNT: "#,##0.00", INTEGER: "0", DATE: "yyyy-mm-dd"}
TEXT_FORMAT = "@"


def apply(sheet: Worksheet, wanted: list[list[str]], layout: SheetLayout,
          result: WriteResult | None, *, editable: bool) -> bool:
    """Write the cells of `sheet` that differ from `wanted` (all of them on a new sheet);
    True when anything changed. `result` counts the rows written (None: not counted)."""
    width = max(len(layout.fields), *(len(row) for row in wanted))
    kinds = position_kinds(layout) if editable else summary_kinds(width)
    current_text = text_grid(list(sheet.iter_rows(
        min_row=1, max_row=max(sheet.max_row, 1), max_col=width, values_only=True)), kinds)
    blocks = grid_changes(current_text, wanted, width)
    if editable and blocks and blocks[0][0] == 0 and current_text \
            and any(current_text[0][1:]):  # the headers changed: an older layout
        format_tab(sheet, layout)
    editable_columns = {layout.index(name) for name in layout.editable_fields}
    days_column = layout.fields.index("days_overdue") if "days_overdue" in layout.fields \
        else None
    for first, rows in blocks:
        for offset, cells in enumerate(rows):
            row_number = first + offset + 1
            for column, text in enumerate(cells):
                kind = kinds[column] if column < len(kinds) and row_number > 1 else TEXT
                _set(sheet.cell(row=row_number, column=column + 1), text, kind,
                          editable=editable and row_number > 1,
                          unlocked=column in editable_columns)
            if editable and row_number > 1 and days_column is not None:
                _colour(sheet, row_number, cells, days_column, width)
            if row_number > 1 and result is not None:
                result.rows_written += 1
    if editable:
        filtered = f"A1:{column_letter(len(layout.fields) - 1)}{max(len(wanted), 2)}"
        if sheet.auto_filter.ref != filtered:  # the header row's filter buttons
            sheet.auto_filter.ref = filtered
            return True
    return bool(blocks)

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

def _colour(sheet: Worksheet, row: int, cells: list[str], days_column: int,
            width: int) -> None:
    days = cells[days_column] if days_column < len(cells) else ""
    band = severity(int(days)) if days.isdigit() else None
    fill = PatternFill("solid", fgColor=FILLS[band]) if band else PatternFill(None)
    for column in range(2, width + 1):
        sheet.cell(row=row, column=column).fill = fill

def format_tab(sheet: Worksheet, layout: SheetLayout) -> None:
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


def summary_kinds(width: int) -> list[str]:
    """What the summary tab's columns hold (numbers where finance sums them), `width` wide."""
    return [*SUMMARY_KINDS, *[TEXT] * width][:max(width, len(SUMMARY_KINDS))]


def format_summary(sheet: Worksheet, layout: SheetLayout) -> None:
    sheet.column_dimensions["A"].hidden = True
    for index in range(2, len(layout.summary_headers) + 2):
        dimension = sheet.column_dimensions[column_letter(index - 1)]
        dimension.width = 24
        kind = SUMMARY_KINDS[index - 1] if index - 1 < len(SUMMARY_KINDS) else TEXT
        if kind in NUMBER_FORMATS:
            dimension.number_format = NUMBER_FORMATS[kind]
        sheet.cell(row=1, column=index).font = Font(bold=True)
