"""Two-way sheet sync, the pure part: what people changed since the hub last looked, and
what each row should show next.

The hub remembers, per account row, the editable values it has taken in and the computed
values it last wrote (RowState). Comparing a tab with that memory tells person edits
(editable columns) from typing into computed columns (the hub's value comes back, the
typed text goes to the account's timeline) and from rows deleted, moved or sorted (put
right on the next write). Rows without a key belong to people and are never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from hub.domain.sheet_cells import kind_of
from hub.domain.sheet_cells import normal
from hub.domain.sheets import EMPTY_KEY
from hub.domain.sheets import BookSnapshot
from hub.domain.sheets import ReadRow
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import SheetRow

DEFAULT_EDITABLE = {"status": "open"}


@dataclass(frozen=True, slots=True)
class RowState:
    owner: str
    editable: Mapping[str, str]  # values the hub has taken in (applied)
    computed: Mapping[str, str]  # values the hub last wrote


@dataclass(frozen=True, slots=True)
class Edit:
    """A person's change to one account row's editable columns."""

    key: str
    owner: str
    changes: Mapping[str, tuple[str, str]]  # field -> (before, after)
    values: Mapping[str, str]  # every editable column as the sheet shows it now
    editor: str | None


@dataclass(frozen=True, slots=True)
class ComputedConflict:
    key: str
    owner: str
    field: str
    typed: str
    hub_value: str
    editor: str | None


@dataclass(slots=True)
class Reading:
    edits: list[Edit] = field(default_factory=list)
    computed_conflicts: list[ComputedConflict] = field(default_factory=list)
    unkeyed: list[tuple[str, ReadRow]] = field(default_factory=list)  # (owner, row)
    deleted: list[str] = field(default_factory=list)  # keys people removed
    duplicates: list[str] = field(default_factory=list)
    moved: int = 0  # rows out of the hub's order or on another owner's tab
    unread_tabs: list[str] = field(default_factory=list)  # headers changed: not read
    sheet_values: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> editable


def read_changes(snapshot: BookSnapshot, state: Mapping[str, RowState],
                 layout: SheetLayout) -> Reading:
    reading = Reading()
    seen: set[str] = set()
    for owner, tab in snapshot.tabs.items():
        if not tab.header_ok:
            reading.unread_tabs.append(owner)
        for row in tab.rows:
            if row.key is None:
                if any(value.strip() for value in row.values.values()):
                    reading.unkeyed.append((owner, row))
                continue
            if row.key.startswith(EMPTY_KEY):
                continue
            if row.key in seen:
                reading.duplicates.append(row.key)
                continue
            seen.add(row.key)
            if not tab.header_ok:  # columns renamed or missing: which value is which?
                continue  # read again once the hub has put the headers back
            _read_row(reading, owner, row, state.get(row.key), layout)
    reading.deleted = [key for key in state if key not in seen]
    return reading


def _read_row(reading: Reading, owner: str, row: ReadRow, known: RowState | None,
              layout: SheetLayout) -> None:
    editable = {name: row.values.get(name, "").strip() for name in layout.editable_fields}
    reading.sheet_values[row.key or ""] = editable
    if known is None:  # a key the hub never wrote (or forgot): take the values as they are
        before: Mapping[str, str] = DEFAULT_EDITABLE
    else:
        before = known.editable
        if known.owner != owner:
            reading.moved += 1
        for name in layout.computed_fields:
            if name not in row.values or name not in known.computed:
                continue  # a column the tab (an older layout) or the last write lacked
            typed = row.values[name]
            hub_value = known.computed[name]
            if normal(typed, kind_of(name)) != normal(hub_value, kind_of(name)):
                reading.computed_conflicts.append(ComputedConflict(
                    row.key or "", owner, name, typed, hub_value, row.editor))
    changes = {name: (before.get(name, ""), value) for name, value in editable.items()
               if not same(name, value, before.get(name, ""))}
    if changes:
        reading.edits.append(Edit(row.key or "", owner, changes, editable, row.editor))


def same(name: str, first: str, second: str) -> bool:
    """Equal by meaning: the number cell 1250.5 is the promise amount "1250.50"."""
    return first == second or normal(first, kind_of(name)) == normal(second, kind_of(name))


@dataclass(frozen=True, slots=True)
class EditableConflict:
    key: str
    field: str
    person_value: str
    hub_value: str


def merge_editable(key: str, sheet: Mapping[str, str] | None, known: RowState | None,
                   hub: Mapping[str, str], layout: SheetLayout
                   ) -> tuple[dict[str, str], list[EditableConflict]]:
    """The editable values a row shows next. The sheet's values stand (a person wins); a
    value the hub changed on its side since the last sync (say a promise recorded in the
    portal) is shown unless the person changed the same column too: then it is a
    conflict the person wins."""
    before = dict(known.editable) if known else dict(DEFAULT_EDITABLE)
    last_hub = hub_values_of(known)
    current = dict(sheet) if sheet is not None else before
    conflicts: list[EditableConflict] = []
    result: dict[str, str] = {}
    for name in layout.editable_fields:
        person = current.get(name, "")
        hub_value = hub.get(name)
        # The hub changed its mind since the last sync (not: differs from the sheet, which
        # would undo a person's win on the next sync).
        hub_changed = (hub_value is not None
                       and not same(name, hub_value, last_hub.get(name, "\0"))
                       and not same(name, hub_value, before.get(name, "")))
        person_changed = not same(name, person, before.get(name, ""))
        if hub_changed and person_changed and not same(name, person, hub_value or ""):
            conflicts.append(EditableConflict(key, name, person, hub_value or ""))
            result[name] = person
        elif hub_changed and not person_changed:
            result[name] = hub_value or ""
        else:
            result[name] = person
    return result, conflicts


HUB_PREFIX = "hub:"  # the hub's own editable values, kept beside the computed ones


def hub_values_of(known: RowState | None) -> dict[str, str]:
    if known is None:
        return {}
    return {name[len(HUB_PREFIX):]: value for name, value in known.computed.items()
            if name.startswith(HUB_PREFIX)}


def with_hub_values(computed: Mapping[str, str], hub: Mapping[str, str]) -> dict[str, str]:
    return {**computed, **{HUB_PREFIX + name: value for name, value in hub.items()}}


def needs_reorder(rows: Sequence[ReadRow], wanted: Sequence[SheetRow]) -> bool:
    """True when the hub's rows are not in the hub's order (people sorted or moved them)."""
    wanted_keys = [row.key for row in wanted]
    have = [row.key for row in rows if row.key is not None]
    return have != wanted_keys
