"""Smartsheet through smartsheet-python-sdk: one sheet per department, rows grouped by an
Owner column (Smartsheet has no tabs; filter or group by Owner for "my tab").

A cycle costs: one GET of the sheet (with writerInfo, so edits carry the editor's
e-mail), changed rows in bulk updates of at most 500, at most one add or one delete
(a removed account's row is reused for a new one before either is needed), and one sort
when the rows are out of order (people sorted them, or new rows went to the bottom):
at most 3 + ceil(changed / 500) calls. Requests are paced under 300 a minute; the SDK's
own retry is off so ours (bounded, injectable sleep) handles 4001-4004 and 5xx.

Numbers are sent as JSON numbers into TEXT_NUMBER columns (amount columns carry a number
format: two decimals, thousands separator), dates as ISO dates into DATE columns; a sheet
made by an older layout has its date columns turned into DATE columns and its amount
columns formatted in place (column updates, only once).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any

import requests
import smartsheet
from smartsheet.exceptions import ApiError
from smartsheet.exceptions import SmartsheetException

from hub.domain.sheet_cells import AMOUNT
from hub.domain.sheet_cells import DATE
from hub.domain.sheet_cells import canonical
from hub.domain.sheet_cells import kind_of
from hub.domain.sheet_cells import typed
from hub.domain.sheets import COMPUTED_FIELDS
from hub.domain.sheets import EDITABLE_FIELDS
from hub.domain.sheets import EMPTY_KEY
from hub.domain.sheets import KEY_FIELD
from hub.domain.sheets import STATUSES
from hub.domain.sheets import BookPlan
from hub.domain.sheets import BookSnapshot
from hub.domain.sheets import ReadRow
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import SheetTargetError
from hub.domain.sheets import TabSnapshot
from hub.domain.sheets import WriteResult
from sync.sheets.pacing import Pacer
from sync.sheets.pacing import RetryPolicy

RANK = "Rank"
FIELD_NAMES = frozenset(name for name in (*COMPUTED_FIELDS, *EDITABLE_FIELDS))
SEVERITY_COLOURS = (("severe", "F4C7C3"), ("late", "FCE8B2"), ("due", "FFF8E1"))
_FILLS: dict[str, dict[str, str]] = {}  # API base -> severity -> palette index
BATCH = 500
DELETE_BATCH = 400  # ids go in the query string
# A format descriptor has 17 positions: 9 background colour, 12 decimal count, 13
# thousands separator, 14 number format (1: NUMBER).
AMOUNT_FORMAT = ",".join([""] * 12 + ["2", "1", "1"] + [""] * 2)
PERMANENT = {1002: "the access token was refused", 1003: "the access token has expired",
             1004: "no access to the sheet: share it with the token's user as an editor",
             1006: "sheet not found: check HUB_SMARTSHEET_SHEETS"}


class _NoSdkRetry(smartsheet.AbstractUserCalcBackoff):  # type: ignore[misc]
    """Turns off the SDK's retry (its sleep cannot be injected or bounded by attempts)."""

    def calc_backoff(self, previous_attempts: int, total_elapsed_time: float,  # noqa: ARG002
                     error_result: object) -> float:  # noqa: ARG002
        return -1


@dataclass
class _Book:
    sheet_id: int
    columns: dict[str, int]  # field (key, owner, rank, customer, ...) -> column id
    rows: list[tuple[int, str | None, dict[str, str]]] = field(default_factory=list)
    created: bool = False
    titles: dict[str, str] = field(default_factory=dict)  # field -> its title now
    shapes: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> type, format


class SmartsheetBackend:
    name = "smartsheet"

    def __init__(self, *, token: str, api_base: str | None = None,
                 sheets: Mapping[str, str] | None = None, pacer: Pacer | None = None,
                 retry: RetryPolicy | None = None,
                 sheet_name: str = "Collections - {book}",
                 workspace_id: str | None = None) -> None:
        self.client = smartsheet.Smartsheet(access_token=token, max_retry_time=_NoSdkRetry(),
                                            api_base=api_base or smartsheet.__api_base__)
        self.client.errors_as_exceptions(True)
        self.sheets = dict(sheets or {})
        self.pacer = pacer or Pacer(300)
        self.retry = retry or RetryPolicy()
        self.sheet_name = sheet_name
        self.workspace_id = workspace_id
        self.calls = 0
        self.bytes_sent = 0
        self._books: dict[str, _Book] = {}
        session = self.client._session  # counts calls and bytes for the cycle report
        existing = session.hooks.get("response") or []
        session.hooks["response"] = [*(existing if isinstance(existing, list)
                                       else [existing]), self._count]

    def _count(self, response: requests.Response, *_: Any, **__: Any) -> None:
        self.calls += 1
        body = response.request.body
        self.bytes_sent += len(body) if isinstance(body, bytes | str) else 0

    def _call(self, book: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        attempt = 0
        while True:
            self.pacer.wait()
            try:
                return action(*args, **kwargs)
            except ApiError as error:
                result = error.error.result
                transient = error.should_retry or (result.status_code or 0) >= 500
                if transient and attempt + 1 < self.retry.attempts:
                    self.retry.sleep(self.retry.delay(attempt, None))
                    attempt += 1
                    continue
                code = int(result.code or 0)
                meaning = PERMANENT.get(code, f"Smartsheet error {code}")
                raise SheetTargetError(book, f"{meaning} ({result.status_code}: "
                                       f"{result.message})") from None
            except (SmartsheetException, requests.RequestException) as exc:
                raise SheetTargetError(book, f"cannot reach Smartsheet: {exc!r}") from None

    # -- read ------------------------------------------------------------------------
    def read(self, book: str, layout: SheetLayout, *, remote_id: str | None,
             for_write: bool = True) -> BookSnapshot:  # noqa: ARG002 (always read)
        sheet_id = self.sheets.get(book) or remote_id
        calls = self.calls
        snapshot = BookSnapshot(book=book, remote_id=sheet_id)
        self._books.pop(book, None)
        if not sheet_id:
            return snapshot
        # The SDK's Passthrough: same auth, errors and retries, but plain JSON; building
        # the typed Sheet model costs about 2.5 ms a row (25 s for 10,000 rows).
        sheet = self._call(book, self.client.Passthrough.get, f"/sheets/{int(sheet_id)}",
                           {"include": "writerInfo,format"}).data
        columns, titles = _columns_by_field(sheet.get("columns", []), layout)
        by_id = {column_id: name for name, column_id in columns.items()}
        cached = _Book(int(sheet_id), columns, titles=titles, shapes={
            by_id[int(column["id"])]: (str(column.get("type", "")),
                                       str(column.get("format", "")))
            for column in sheet.get("columns", []) if int(column["id"]) in by_id})
        # edits are read when every editable column is there (an older layout may lack a
        # computed one, which is added on the write)
        complete = all(name in columns for name in (*layout.editable_fields, "owner"))
        positions: dict[str, int] = {}
        for row in sheet.get("rows", []):
            values: dict[str, str] = {}
            for cell in row.get("cells", []):
                name = by_id.get(int(cell["columnId"]))
                if name:
                    values[name] = canonical(cell.get("value"), kind_of(name))
            key = values.pop("key", "").strip() or None
            owner = values.get("owner", "").strip()
            values["fill"] = _fill(row.get("format"))
            cached.rows.append((int(row["id"]), key, values))
            tab = snapshot.tabs.setdefault(owner, TabSnapshot(title=owner, owner=owner,
                                                              header_ok=complete))
            editor = (row.get("modifiedBy") or {}).get("email")
            position = positions.get(owner, 0)
            positions[owner] = position + 1
            tab.rows.append(ReadRow(key, values, position, editor or None, int(row["id"])))
        self._books[book] = cached
        snapshot.calls = self.calls - calls
        return snapshot

    # -- write -----------------------------------------------------------------------
    def write(self, plan: BookPlan, snapshot: BookSnapshot,  # noqa: ARG002 (row ids cached)
              layout: SheetLayout) -> WriteResult:
        book = plan.book
        calls, sent = self.calls, self.bytes_sent
        cached = self._books.get(book) or self._create(book, layout)
        result = WriteResult()
        self._ensure_columns(book, cached, layout)
        wanted = _wanted_rows(plan, layout, self._fills(book))
        existing = {key: (row_id, values) for row_id, key, values in cached.rows if key}
        updates: list[dict[str, Any]] = []
        for key, values in wanted.items():
            if key in existing:
                row_id, have = existing[key]
                changed = {name: text for name, text in values.items()
                           if name != "key" and have.get(name, "") != text}
                if changed:
                    updates.append(self._row(cached, changed, row_id=row_id))
        new = [key for key in wanted if key not in existing]
        gone = [existing[key][0] for key in existing if key not in wanted]
        while new and gone:  # reuse a removed account's row for a new one
            updates.append(self._row(cached, wanted[new.pop(0)], row_id=gone.pop(0)))
        # Bulk rows through the Passthrough as JSON text (a list payload; the typed Row
        # models cost more than the request).
        rows_path = f"/sheets/{cached.sheet_id}/rows"
        for start in range(0, len(updates), BATCH):
            self._call(book, self.client.Passthrough.put, rows_path,
                       json.dumps(updates[start:start + BATCH]))
        for start in range(0, len(new), BATCH):
            rows = [self._row(cached, wanted[key], bottom=True)
                    for key in new[start:start + BATCH]]
            self._call(book, self.client.Passthrough.post, rows_path, json.dumps(rows))
        for start in range(0, len(gone), DELETE_BATCH):
            self._call(book, self.client.Sheets.delete_rows, cached.sheet_id,
                       gone[start:start + DELETE_BATCH], ignore_rows_not_found=True)
        if self._out_of_order(cached, wanted, gone, new):
            specifier = smartsheet.models.SortSpecifier({"sortCriteria": [
                {"columnId": cached.columns["owner"], "direction": "ASCENDING"},
                {"columnId": cached.columns["rank"], "direction": "ASCENDING"}]})
            self._call(book, self.client.Sheets.sort_sheet, cached.sheet_id, specifier)
        result.rows_written = len(updates) + len(new)
        result.rows_removed = len(gone)
        result.calls = self.calls - calls
        result.bytes_sent = self.bytes_sent - sent
        if cached.created:
            result.remote_id = str(cached.sheet_id)
        self._books.pop(book, None)  # the next cycle reads afresh
        return result

    def _fills(self, book: str) -> dict[str, str]:
        """Severity -> the palette index nearest the hub's colours, from /serverinfo (once
        per API base and process; colour is cosmetic, so a failure only drops it)."""
        base = self.client._api_base
        if base not in _FILLS:
            try:
                info = self._call(book, self.client.Passthrough.get, "/serverinfo").data
                palette = [str(c) for c in (info.get("formats") or {}).get("color", [])]
            except SheetTargetError:
                return {}
            found = {band: _nearest(palette, colour) for band, colour in SEVERITY_COLOURS}
            _FILLS[base] = {band: str(index) for band, index in found.items()
                            if index is not None}
        return _FILLS[base]

    @staticmethod
    def _out_of_order(cached: _Book, wanted: Mapping[str, dict[str, str]], gone: list[int],
                      new: list[str]) -> bool:
        if new:
            return True  # added at the bottom
        removed = set(gone)
        order = [key for row_id, key, _ in cached.rows if key and row_id not in removed]
        reused = len(order) != len([key for key in order if key in wanted])
        ranks = [(wanted[key]["owner"].lower(), wanted[key]["rank"])  # sorts ignore case
                 for key in order if key in wanted]
        return reused or ranks != sorted(ranks)

    @staticmethod
    def _row(cached: _Book, values: Mapping[str, str], *,
             row_id: int | None = None, bottom: bool = False) -> dict[str, Any]:
        """A row as Smartsheet's JSON (cells by column id; `value` is always literal)."""
        cells: list[dict[str, Any]] = []
        data: dict[str, Any] = {"cells": cells}
        for name, text in values.items():
            if name == "fill":  # the row's background: colour by severity
                data["format"] = ",".join([""] * 9 + [text] + [""] * 7)
                continue
            value: Any = typed(text, kind_of(name)) if name in FIELD_NAMES else text
            if isinstance(value, Decimal):  # a JSON number (shown by the column's format)
                value = int(value) if value == value.to_integral_value() else float(value)
            elif isinstance(value, date):
                value = value.isoformat()  # what a DATE column takes
            cells.append({"columnId": cached.columns[name], "value": value,
                          "strict": False})
        if row_id is not None:
            data["id"] = row_id
        if bottom:
            data["toBottom"] = True
        return data

    def _create(self, book: str, layout: SheetLayout) -> _Book:
        columns = [_column(name, header, editable) for name, header, editable
                   in _hub_columns(layout)]
        sheet = smartsheet.models.Sheet({"name": self.sheet_name.format(book=book)[:50],
                                         "columns": columns})
        if self.workspace_id:
            created = self._call(book, self.client.Workspaces.create_sheet_in_workspace,
                                 int(self.workspace_id), sheet).result
        else:
            with warnings.catch_warnings():  # "Sheets" home folder: deprecated, still served
                warnings.simplefilter("ignore", DeprecationWarning)
                created = self._call(book, self.client.Home.create_sheet, sheet).result
        found, titles = _columns_by_field(
            [{"id": c.id, "title": c.title, "description": c.description}
             for c in created.columns], layout)
        return _Book(int(created.id), found, created=True, titles=titles)

    def _ensure_columns(self, book: str, cached: _Book, layout: SheetLayout) -> None:
        """Columns follow the layout: missing ones are added, a changed header (another
        HUB_SHEETS_LANGUAGE) renames the column, a date column of an older layout becomes a
        DATE column and an amount column gets its number format; the data stays."""
        wanted = _hub_columns(layout)
        missing = [entry for entry in wanted if entry[0] not in cached.columns]
        for name, header, editable in wanted:
            if name not in cached.columns:
                continue
            change: dict[str, Any] = {}
            if cached.titles.get(name, header) != header:
                change["title"] = header
            shape = _column(name, header, editable)
            have = cached.shapes.get(name)
            if have is not None and kind_of(name) in (DATE, AMOUNT) \
                    and (have[0], have[1] or None) != (shape["type"], shape.get("format")):
                change.update(type=shape["type"], **({"format": shape["format"]}
                                                     if "format" in shape else {}))
            if change:
                self._call(book, self.client.Sheets.update_column, cached.sheet_id,
                           cached.columns[name], smartsheet.models.Column(change))
                cached.titles[name] = header
        if not missing:
            return
        added = self._call(book, self.client.Sheets.add_columns, cached.sheet_id, [
            smartsheet.models.Column({**_column(name, header, editable),
                                      "index": len(cached.columns) + number})
            for number, (name, header, editable) in enumerate(missing)]).result
        for column, (name, header, _) in zip(added if isinstance(added, list) else [added],
                                             missing, strict=True):
            cached.columns[name] = int(column.id)
            cached.titles[name] = header


def _hub_columns(layout: SheetLayout) -> list[tuple[str, str, bool]]:
    """(field, header, editable): the key, owner and rank columns, then the layout's."""
    return [(KEY_FIELD, layout.headers[0], False), ("owner", layout.owner_header, False),
            ("rank", RANK, False),
            *((column.field, column.header, column.editable) for column in layout.columns[1:])]


def _columns_by_field(columns: list[dict[str, Any]],
                      layout: SheetLayout) -> tuple[dict[str, int], dict[str, str]]:
    """Columns the hub made carry `hub:<field>` in their description, so renaming a column
    (or another header language) loses nothing; other columns are matched by title."""
    by_title = {header: name for name, header, _ in _hub_columns(layout)}
    found: dict[str, int] = {}
    titles: dict[str, str] = {}
    for column in columns:
        description = str(column.get("description") or "")
        name = description[4:] if description.startswith("hub:") \
            else by_title.get(str(column.get("title")))
        if name and name not in found:
            found[name] = int(column["id"])
            titles[name] = str(column.get("title"))
    return found, titles


def _column(name: str, header: str, editable: bool) -> dict[str, Any]:
    column: dict[str, Any] = {"title": header, "type": "TEXT_NUMBER",
                              "description": f"hub:{name}"}
    if name in (KEY_FIELD, "rank"):
        column["hidden"] = True
    if name == "customer":
        column["primary"] = True
    if name == "status":
        column.update(type="PICKLIST", options=list(STATUSES), validation=True)
    elif kind_of(name) == DATE:
        column["type"] = "DATE"
    elif kind_of(name) == AMOUNT:
        column["format"] = AMOUNT_FORMAT  # 126,695.44
    if not editable:
        column["locked"] = True  # protected: only the sheet's owner (the hub) may change it
    return column


def _wanted_rows(plan: BookPlan, layout: SheetLayout,
                 fills: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Every row the sheet should hold, keyed; an owner with nothing to do gets one line."""
    wanted: dict[str, dict[str, str]] = {}
    fields = layout.fields[1:]
    for tab in plan.tabs:
        if not tab.rows:
            line = dict.fromkeys(fields, "")
            line.update(owner=tab.owner, rank="", customer=tab.empty_line or "", fill="")
            line["key"] = f"{EMPTY_KEY}:{tab.owner}"
            wanted[line.pop("key")] = line
            continue
        for row in tab.rows:
            values = {name: row.values.get(name, "") for name in fields}
            values.update(owner=tab.owner, rank=row.rank,
                          fill=fills.get(row.severity or "", ""))
            wanted[row.key] = values
    return {key: {**values, "key": key} for key, values in wanted.items()}


def _fill(descriptor: object) -> str:
    """The background colour index (position 9) of a Smartsheet format descriptor."""
    parts = str(descriptor or "").split(",")
    return parts[9] if len(parts) > 9 else ""


def _nearest(palette: list[str], wanted: str) -> int | None:
    target = [int(wanted[i:i + 2], 16) for i in (0, 2, 4)]
    best: tuple[int, int] | None = None
    for index, colour in enumerate(palette):
        if not (colour.startswith("#") and len(colour) == 7):
            continue
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        distance = sum((a - b) ** 2 for a, b in zip(rgb, target, strict=True))
        if best is None or distance < best[0]:
            best = (distance, index)
    return best[1] if best else None


def calls_bound(changed_rows: int) -> int:
    """The most a cycle may cost (what bench/sheets.py checks)."""
    return 3 + math.ceil(changed_rows / BATCH)
