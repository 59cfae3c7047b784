"""Helpers shared by the grid backends (XLSX, Google Sheets): cell text, A1 notation, and
turning a tab's rows into a snapshot.

Cells are read as they are (numbers, dates, date serials, text) and turned into the hub's
canonical text by the kind of the column they stand under (hub.domain.sheet_cells), found
by its header, so a tab laid out by an older layout is read by meaning too."""

from __future__ import annotations

from collections.abc import Sequence

from hub.domain.sheet_cells import TEXT
from hub.domain.sheet_cells import canonical
from hub.domain.sheet_cells import kind_of
from hub.domain.sheet_cells import typed
from hub.domain.sheets import EMPTY_KEY
from hub.domain.sheets import SUMMARY_KEY
from hub.domain.sheets import BookPlan
from hub.domain.sheets import ReadRow
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import TabPlan
from hub.domain.sheets import TabSnapshot


def as_text(value: object) -> str:
    """A cell's value as the hub compares it when its column has no kind: dates ISO,
    numbers plain."""
    return canonical(value, TEXT)


def position_kinds(layout: SheetLayout) -> list[str]:
    """The kind of each column where the layout puts it (what the hub writes there)."""
    return [kind_of(name) for name in layout.fields]


def text_grid(grid: Sequence[Sequence[object]], kinds: Sequence[str]) -> list[list[str]]:
    """A grid read from a tab as canonical text, column by column (the diff's input)."""
    width = len(kinds)
    return [[canonical(cell, kinds[index] if index < width else TEXT)
             for index, cell in enumerate(row)] for row in grid]


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
    # Edits are read when every editable column is found by its header; a computed column
    # the tab lacks (a tab laid out before the column existed) is simply not compared.
    editable_found = all(name in where for name in layout.editable_fields)
    snapshot = TabSnapshot(title=title, owner=owner, header_ok=editable_found)
    for position, raw in enumerate(grid[1:]):
        key = as_text(raw[0]).strip() if raw else ""
        values = {name: canonical(raw[i], kind_of(name)) if i < len(raw) else ""
                  for name, i in where.items()}
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


def as_written(grid: Sequence[Sequence[str]], kinds: Sequence[str]) -> list[list[str]]:
    """A grid the hub writes, as reading the tab back will give it (the text of the typed
    cells: "007" in a number column reads back as "7")."""
    width = len(kinds)
    return [[canonical(typed(text, kinds[index] if index < width else TEXT),
                       kinds[index] if index < width else TEXT)
             for index, text in enumerate(row)] for row in grid]
