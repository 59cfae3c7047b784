"""Helpers shared by the grid backends (XLSX, Google Sheets): cell text, A1 notation, and
turning a tab's rows into a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime
from decimal import Decimal

from hub.domain.sheets import EMPTY_KEY
from hub.domain.sheets import SUMMARY_KEY
from hub.domain.sheets import BookPlan
from hub.domain.sheets import ReadRow
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import TabPlan
from hub.domain.sheets import TabSnapshot

NUMERIC_FIELDS = frozenset({"days_overdue", "score"})


def as_text(value: object) -> str:
    """A cell's value as the hub compares it: dates ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(str(value)))
    return str(value)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def tab_snapshot(title: str, grid: Sequence[Sequence[object]],
                 layout: SheetLayout) -> TabSnapshot | None:
    """Rows of a tab whose hidden key header (A1) names its owner; None for other tabs."""
    if not grid or not grid[0] or not as_text(grid[0][0]).strip():
        return None
    header = [as_text(cell).strip() for cell in grid[0]]
    owner = header[0]
    where = {name: header.index(column.header) for column in layout.columns[1:]
             if (name := column.field) and column.header in header}
    snapshot = TabSnapshot(title=title, owner=owner,
                           header_ok=set(layout.headers[1:]) <= set(header))  # by name
    for position, raw in enumerate(grid[1:]):
        cells = [as_text(cell) for cell in raw]
        key = cells[0].strip() if cells else ""
        values = {name: (cells[i] if i < len(cells) else "") for name, i in where.items()}
        snapshot.rows.append(ReadRow(key=key or None, values=values, position=position))
    return snapshot


def wanted_grid(tab: TabPlan, layout: SheetLayout, current: TabSnapshot | None) -> list[list[str]]:
    """Header, the hub's rows in the hub's order, then the rows people added (kept)."""
    rows = [[tab.owner, *layout.headers[1:]]]
    if tab.rows:
        rows.extend(row.cells(layout) for row in tab.rows)
    else:
        line = [""] * len(layout.fields)
        line[0] = EMPTY_KEY
        line[layout.index("customer")] = tab.empty_line or layout.empty_message
        rows.append(line)
    if current is not None:
        for row in current.rows:
            if row.key is None and any(value.strip() for value in row.values.values()):
                rows.append([""] + [row.values.get(name, "") for name in layout.fields[1:]])
    return rows


def summary_grid(plan: BookPlan, layout: SheetLayout) -> list[list[str]]:
    return [[SUMMARY_KEY, *layout.summary_headers], *[["", *row] for row in plan.summary]]
