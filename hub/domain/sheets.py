"""Shared worklist sheets: the layout, what a tab holds, and what the hub wants it to hold.

Plain data shared by the sync use case (hub/services/sheets*.py) and the three backends
(sync/sheets/: local XLSX, Google Sheets, Smartsheet). Every cell travels through the
hub as canonical text (numbers plain, `126695.44`; dates ISO, `2026-12-31`), so the three
backends compare and diff the same way; each backend writes numbers as number cells and
dates as date cells (a kind per column, hub.domain.sheet_cells) and turns what it reads
back into that canonical text.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

STATUSES = ("open", "contacted", "promised", "disputed", "paid", "done")
COMPUTED_FIELDS = ("customer", "contact", "phone", "balance", "currency", "oldest_due",
                   "days_overdue", "current_step", "next_action", "last_contact",
                   "portal_link", "score")
EDITABLE_FIELDS = ("status", "outcome", "promise_date", "promise_amount", "note",
                   "snooze_until")
KEY_FIELD = "key"
EMPTY_KEY = "__empty__"  # the hidden key of the "Nothing left to do" line
SUMMARY_KEY = "__summary__"  # in the key header of the summary tab
SEVERITY_DAYS = (("severe", 90), ("late", 30), ("due", 1))  # days overdue -> colour band

class SheetTargetError(Exception):
    """A spreadsheet the hub cannot use until a person fixes something (401, 403, not
    found, bad configuration). That target stops for this cycle; the others go on."""

    def __init__(self, target: str, message: str) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target


class SheetBusy(SheetTargetError):
    """The workbook is open or locked by someone; it is left untouched and retried next
    cycle."""


def severity(days_overdue: int) -> str | None:
    for name, days in SEVERITY_DAYS:
        if days_overdue >= days:
            return name
    return None


@dataclass(frozen=True, slots=True)
class SheetColumn:
    field: str
    header: str
    editable: bool
    width: int = 14


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Columns in order (the hidden key column first), headers in one language."""

    columns: tuple[SheetColumn, ...]
    language: str = "en"
    empty_message: str = "Nothing left to do"
    last_check: str = "last check"
    summary_title: str = "Summary"
    summary_headers: tuple[str, ...] = ("Owner", "Accounts", "Balance", "Currency",
                                        "Most days overdue", "Last check")
    owner_header: str = "Owner"  # Smartsheet: one sheet per department, an owner column

    def __post_init__(self) -> None:
        fields = [column.field for column in self.columns]
        if not fields or fields[0] != KEY_FIELD:
            raise ValueError("the first column of a sheet layout must be the key column")
        if len(set(fields)) != len(fields):
            raise ValueError("a sheet layout names a column twice")
        unknown = set(fields) - {KEY_FIELD, *COMPUTED_FIELDS, *EDITABLE_FIELDS}
        if unknown:
            raise ValueError(f"unknown sheet columns: {', '.join(sorted(unknown))}")
        if "customer" not in fields or "status" not in fields:
            raise ValueError("a sheet layout needs at least the customer and status columns")

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(column.field for column in self.columns)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)

    @property
    def editable_fields(self) -> tuple[str, ...]:
        return tuple(column.field for column in self.columns if column.editable)

    @property
    def computed_fields(self) -> tuple[str, ...]:
        return tuple(column.field for column in self.columns
                     if not column.editable and column.field != KEY_FIELD)

    def index(self, name: str) -> int:
        return self.fields.index(name)

    def empty_line(self, checked_at: str) -> str:
        return f"{self.empty_message} ({self.last_check} {checked_at})"


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One row as the hub wants it: the key and every column's text."""

    key: str
    values: Mapping[str, str]
    severity: str | None = None
    rank: str = ""  # sorts the row into the hub's order on its own (Smartsheet's sort)

    def cells(self, layout: SheetLayout) -> list[str]:
        return [self.key if name == KEY_FIELD else self.values.get(name, "")
                for name in layout.fields]


@dataclass(frozen=True, slots=True)
class ReadRow:
    """One row as a tab holds it now. `key` is None for rows people added themselves."""

    key: str | None
    values: Mapping[str, str]
    position: int  # 0-based among the data rows, in the tab's current order
    editor: str | None = None  # who changed it last, where the service reports it
    remote_id: int | None = None  # Smartsheet row id


@dataclass(slots=True)
class TabSnapshot:
    title: str
    owner: str
    rows: list[ReadRow] = field(default_factory=list)
    header_ok: bool = True  # False: headers differ from the layout (rewritten)


@dataclass(slots=True)
class BookSnapshot:
    """What a workbook / spreadsheet / Smartsheet sheet holds now."""

    book: str
    remote_id: str | None
    tabs: dict[str, TabSnapshot] = field(default_factory=dict)  # by owner
    summary_present: bool = False
    calls: int = 0
    untouched: bool = False  # nobody changed it since the hub wrote it (tabs not read)

    def add(self, tab: TabSnapshot) -> None:
        """Take in one tab read from the book: the summary tab or an owner's tab."""
        if tab.owner == SUMMARY_KEY:
            self.summary_present = True
        else:
            self.tabs[tab.owner] = tab


@dataclass(frozen=True, slots=True)
class TabPlan:
    owner: str
    title: str
    rows: Sequence[SheetRow]
    empty_line: str | None = None  # set when `rows` is empty


@dataclass(frozen=True, slots=True)
class BookPlan:
    book: str
    tabs: Sequence[TabPlan]
    summary: Sequence[Sequence[str]] = ()  # rows below the summary header


@dataclass(slots=True)
class WriteResult:
    calls: int = 0
    rows_written: int = 0  # rows added or changed
    rows_removed: int = 0
    bytes_sent: int = 0
    remote_id: str | None = None  # set when the write created the book (Smartsheet)
    notes: list[str] = field(default_factory=list)


TAB_FORBIDDEN = set("[]:*?/\\'")


def tab_title(owner: str, taken: set[str]) -> str:
    """A tab name every backend accepts (Excel: 31 characters, no []:*?/\\)."""
    name = owner.split("@", 1)[0] if "@" in owner else owner  # ann@x.com -> "ann"
    base = "".join("_" if char in TAB_FORBIDDEN else char for char in name).strip() or "owner"
    base = base[:31]
    title, number = base, 2
    while title.lower() in taken:
        suffix = f" {number}"
        title = base[:31 - len(suffix)] + suffix
        number += 1
    taken.add(title.lower())
    return title


def grid_changes(current: Sequence[Sequence[str]], wanted: Sequence[Sequence[str]],
                 width: int) -> list[tuple[int, list[list[str]]]]:
    """Row blocks to write so a grid shows `wanted`: (first row index, rows).

    Rows beyond `wanted` that hold anything are blanked. Consecutive changed rows form one
    block, so a sorted tab is one block and a one-row change is one small block."""
    blank = [""] * width

    def norm(row: Sequence[str]) -> list[str]:
        cells = [str(cell) for cell in row[:width]]
        return cells + [""] * (width - len(cells))

    total = max(len(current), len(wanted))
    blocks: list[tuple[int, list[list[str]]]] = []
    for index in range(total):
        target = norm(wanted[index]) if index < len(wanted) else blank
        have = norm(current[index]) if index < len(current) else blank
        if target == have:
            continue
        if blocks and blocks[-1][0] + len(blocks[-1][1]) == index:
            blocks[-1][1].append(target)
        else:
            blocks.append((index, [target]))
    return blocks


def cell_changes(current: Sequence[Sequence[str]], wanted: Sequence[Sequence[str]],
                 width: int) -> list[tuple[int, int, list[list[str]]]]:
    """Rectangles to write so a grid shows `wanted`: (first row, first column, values).

    Only cells that differ are written, so a cell a person changed after the hub read the
    tab is not overwritten unless the hub changes that cell too. Runs of changed cells
    over the same columns on consecutive rows merge into one rectangle (a new day's Days
    overdue column is one range)."""
    blank = [""] * width

    def norm(row: Sequence[str]) -> list[str]:
        cells = [str(cell) for cell in row[:width]]
        return cells + [""] * (width - len(cells))

    rectangles: list[tuple[int, int, list[list[str]]]] = []
    previous: dict[tuple[int, int], int] = {}  # column span -> rectangle, on the row above
    for index in range(max(len(current), len(wanted))):
        target = norm(wanted[index]) if index < len(wanted) else blank
        have = norm(current[index]) if index < len(current) else blank
        spans: list[tuple[int, int]] = []
        column = 0
        while column < width:
            if target[column] == have[column]:
                column += 1
                continue
            start = column
            while column < width and target[column] != have[column]:
                column += 1
            spans.append((start, column))
        here: dict[tuple[int, int], int] = {}
        for start, end in spans:
            at = previous.get((start, end))
            if at is not None:
                rectangles[at][2].append(target[start:end])
            else:
                rectangles.append((index, start, [target[start:end]]))
                at = len(rectangles) - 1
            here[(start, end)] = at
        previous = here
    return rectangles
