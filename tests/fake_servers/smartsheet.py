"""A fake Smartsheet API 2.0 on 127.0.0.1 for smartsheet-python-sdk.

Sheets (list, create, get with `include=writerInfo`, sort), columns (list, add, update,
delete) and bulk rows (add, update with location specifiers, delete by `ids=`), with the
real limits and shapes: at most 500 rows per bulk request, `{"errorCode", "message",
"refId"}` error bodies, `Result` envelopes (`message`, `resultCode`, `version`, `result`),
a version bump on every write, and rate limiting as HTTP 429 with errorCode 4003 (the
code the SDK retries). A cell's `value` is always literal; only `formula` makes a
formula. Faults can be queued; every request is logged."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

HUB_TOKEN = "hub-smartsheet-token"
HUB_USER = {"email": "hub@example.com", "name": "Collections Hub"}
ROW_LIMIT = 500
# The shape of /serverinfo's colour palette: format descriptors refer to colours by index.
PALETTE = ["none", "#000000", "#FFFFFF", "transparent", "#FFEBEE", "#FFF3DF", "#FFFEE6",
           "#E7F5E9", "#E2F2FE", "#F4E4F5", "#F2E8DE", "#FFCCD2", "#FFE1AF", "#FEFF85",
           "#C6E7C8", "#B9DDFC", "#EBC7EF", "#EEDCCA", "#E5E5E5", "#F87E7D", "#FFBC5B"]
ERRORS = {
    1002: (401, "Your Access Token is invalid."),
    1004: (403, "You are not authorized to perform this action."),
    1006: (404, "Not Found"),
    1008: (400, "Unable to parse request."),
    4000: (500, "An unexpected error has occurred."),
    4003: (429, "Rate limit exceeded."),
}


class SmartsheetProblem(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status, default = ERRORS.get(code, (400, "Bad request"))
        self.message = message or default


def display(column: dict[str, Any], value: Any) -> str:
    """A cell's displayValue: a number by its column's format descriptor (12: decimal
    count, 13: thousands separator), anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    parts = str(column.get("format") or "").split(",")
    decimals = int(parts[12]) if len(parts) > 12 and parts[12].isdigit() else None
    thousands = len(parts) > 13 and parts[13] == "1"
    if decimals is None:
        return str(int(value)) if float(value).is_integer() else str(value)
    return f"{value:{',' if thousands else ''}.{decimals}f}"


@dataclass
class FakeRow:
    id: int
    cells: dict[int, Any]
    formulas: dict[int, str] = field(default_factory=dict)
    modified_by: dict[str, str] = field(default_factory=lambda: dict(HUB_USER))
    format: str = ""  # row-level format descriptor


@dataclass
class FakeSheetDoc:
    id: int
    name: str
    columns: list[dict[str, Any]]
    rows: list[FakeRow] = field(default_factory=list)
    version: int = 1

    def column(self, title: str) -> dict[str, Any]:
        return next(column for column in self.columns if column["title"] == title)


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    status: int = 0


class SmartsheetFake:
    def __init__(self, *, rate_limit_per_minute: int | None = None) -> None:
        self.sheets: dict[int, FakeSheetDoc] = {}
        self.log: list[Logged] = []
        self.faults: deque[int] = deque()
        self.tokens = {HUB_TOKEN}
        self.rate_limit = rate_limit_per_minute
        self.workspaces = {"4242"}
        self._ids = itertools.count(7_000_000_000_000_001)
        self._lock = threading.RLock()
        self._server: Any = None
        self.url = ""

    def __enter__(self) -> SmartsheetFake:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/2.0"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test helpers ----------------------------------------------------------------
    def fail_next(self, error_code: int, *, times: int = 1) -> None:
        self.faults.extend([error_code] * times)

    def calls(self) -> int:
        return len(self.log)

    def bytes_received(self) -> int:
        return sum(len(entry.body) for entry in self.log)

    def only_sheet(self) -> FakeSheetDoc:
        (sheet,) = self.sheets.values()
        return sheet

    # -- WSGI ------------------------------------------------------------------------
    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> Response:
        body = request.get_data()
        entry = Logged(request.method, request.path, request.args.to_dict(), body)
        with self._lock:
            self.log.append(entry)
            try:
                payload = self._route(request, body)
                response = Response(json.dumps(payload), mimetype="application/json")
            except SmartsheetProblem as problem:
                response = Response(json.dumps({"errorCode": problem.code,
                                                "message": problem.message,
                                                "refId": uuid.uuid4().hex[:12]}),
                                    status=problem.status, mimetype="application/json")
            entry.status = response.status_code
            return response

    def _route(self, request: Request, body: bytes) -> Any:
        if self.faults:
            raise SmartsheetProblem(self.faults.popleft())
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            raise SmartsheetProblem(1002)
        if self.rate_limit is not None and len(self.log) > self.rate_limit:
            raise SmartsheetProblem(4003)
        parts = request.path.strip("/").split("/")
        data = json.loads(body) if body else None
        method = request.method
        if parts[1:] == ["serverinfo"] and method == "GET":
            return {"formats": {"color": PALETTE}, "supportedLocales": ["en_US"]}
        if parts[1:2] == ["workspaces"] and parts[3:] == ["sheets"] and method == "POST":
            if parts[2] not in self.workspaces:
                raise SmartsheetProblem(1006)
            return self._result(self._create(data))
        if parts[0] != "2.0" or len(parts) < 2 or parts[1] != "sheets":
            raise SmartsheetProblem(1006)
        if len(parts) == 2:
            if method == "GET":
                listed = [{"id": s.id, "name": s.name, "version": s.version}
                          for s in self.sheets.values()]
                return {"pageNumber": 1, "pageSize": len(listed), "totalPages": 1,
                        "totalCount": len(listed), "data": listed}
            if method == "POST":
                return self._result(self._create(data))
        try:
            sheet = self.sheets[int(parts[2])]
        except (ValueError, KeyError):
            raise SmartsheetProblem(1006) from None
        rest = parts[3:]
        return self._sheet_route(request, sheet, rest, data)

    def _sheet_route(self, request: Request, sheet: FakeSheetDoc, rest: list[str],
                     data: Any) -> Any:
        method = request.method
        if not rest and method == "GET":
            include = request.args.get("include", "").split(",")
            return self._render(sheet, "writerInfo" in include, "format" in include)
        if rest == ["sort"] and method == "POST":
            self._sort(sheet, data)
            return self._render(sheet, False)
        if rest == ["rows"]:
            rows = data if isinstance(data, list) else [data] if data else []
            if method in ("POST", "PUT") and len(rows) > ROW_LIMIT:
                raise SmartsheetProblem(1008, f"Too many rows in the request: {len(rows)}; "
                                        f"the limit is {ROW_LIMIT}.")
            if method == "POST":
                return self._result([self._row_json(row) for row in self._add(sheet, rows)],
                                    sheet)
            if method == "PUT":
                return self._result([self._row_json(row) for row in self._update(sheet, rows)],
                                    sheet)
            if method == "DELETE":
                return self._result(self._delete(sheet, request.args), sheet)
        if rest and rest[0] == "columns":
            return self._columns(request, sheet, rest[1:], data)
        raise SmartsheetProblem(1006)

    # -- sheets and columns ------------------------------------------------------------
    def _create(self, data: dict[str, Any]) -> dict[str, Any]:
        columns = []
        for index, column in enumerate(data.get("columns", [])):
            columns.append({"id": next(self._ids), "index": index, "type": "TEXT_NUMBER",
                            "primary": False, **column})
        if sum(1 for column in columns if column.get("primary")) != 1:
            raise SmartsheetProblem(1008, "A sheet needs exactly one primary column.")
        sheet = FakeSheetDoc(next(self._ids), data["name"], columns)
        self.sheets[sheet.id] = sheet
        return self._render(sheet, False)

    def _columns(self, request: Request, sheet: FakeSheetDoc, rest: list[str],
                 data: Any) -> Any:
        if not rest and request.method == "GET":
            return {"pageNumber": 1, "totalPages": 1, "totalCount": len(sheet.columns),
                    "data": sheet.columns}
        if not rest and request.method == "POST":
            added = []
            for column in data if isinstance(data, list) else [data]:
                entry = {"id": next(self._ids), "type": "TEXT_NUMBER", "primary": False,
                         **column}
                sheet.columns.insert(column.get("index", len(sheet.columns)), entry)
                added.append(entry)
            for index, column in enumerate(sheet.columns):
                column["index"] = index
            return self._result(added, sheet)
        column = next((c for c in sheet.columns if rest and str(c["id"]) == rest[0]), None)
        if column is None:
            raise SmartsheetProblem(1006)
        if request.method == "PUT":
            column.update(data)
            return self._result(column, sheet)
        if request.method == "DELETE":
            sheet.columns.remove(column)
            for row in sheet.rows:
                row.cells.pop(column["id"], None)
            return self._result(None, sheet)
        return column

    # -- rows ----------------------------------------------------------------------------
    def _cells(self, sheet: FakeSheetDoc, row: FakeRow, cells: list[dict[str, Any]]) -> None:
        known = {column["id"] for column in sheet.columns}
        for cell in cells:
            column_id = cell["columnId"]
            if column_id not in known:
                raise SmartsheetProblem(1008, f"Invalid column id {column_id}")
            if "formula" in cell:
                row.formulas[column_id] = cell["formula"]
                row.cells[column_id] = "#FORMULA"
            else:
                row.formulas.pop(column_id, None)
                value = cell.get("value")
                column = next(c for c in sheet.columns if c["id"] == column_id)
                if column.get("type") == "DATE" and isinstance(value, int | float):
                    raise SmartsheetProblem(1042, "The value for cell in column "
                                            f"{column_id}, {value}, did not conform to the "
                                            "strict requirements for type DATE.")
                if isinstance(value, str) and len(value) > 4000:
                    raise SmartsheetProblem(1008, "Cell values are limited to 4000 chars.")
                row.cells[column_id] = value

    def _place(self, sheet: FakeSheetDoc, rows: list[FakeRow], spec: dict[str, Any]) -> None:
        if spec.get("toTop"):
            sheet.rows[0:0] = rows
        elif spec.get("siblingId"):
            index = next(i for i, row in enumerate(sheet.rows) if row.id == spec["siblingId"])
            sheet.rows[index + 1:index + 1] = rows
        else:
            sheet.rows.extend(rows)

    def _add(self, sheet: FakeSheetDoc, rows: list[dict[str, Any]]) -> list[FakeRow]:
        created = []
        for data in rows:
            row = FakeRow(next(self._ids), {}, format=data.get("format", ""))
            self._cells(sheet, row, data.get("cells", []))
            created.append(row)
        self._place(sheet, created, rows[0] if rows else {})
        sheet.version += 1
        return created

    def _update(self, sheet: FakeSheetDoc, rows: list[dict[str, Any]]) -> list[FakeRow]:
        by_id = {row.id: row for row in sheet.rows}
        updated = []
        for data in rows:
            row = by_id.get(data.get("id"))
            if row is None:
                raise SmartsheetProblem(1006, f"Row not found: {data.get('id')}")
            self._cells(sheet, row, data.get("cells", []))
            row.format = data.get("format", row.format)
            row.modified_by = dict(HUB_USER)
            updated.append(row)
        if rows and any(key in rows[0] for key in ("toTop", "toBottom", "siblingId")):
            for row in updated:
                sheet.rows.remove(row)
            self._place(sheet, updated, rows[0])
        sheet.version += 1
        return updated

    def _delete(self, sheet: FakeSheetDoc, args: Any) -> list[int]:
        ids = [int(text) for text in args.get("ids", "").split(",") if text]
        ignore = args.get("ignoreRowsNotFound", "false").lower() == "true"
        present = {row.id for row in sheet.rows}
        if not ignore and any(row_id not in present for row_id in ids):
            raise SmartsheetProblem(1006)
        sheet.rows = [row for row in sheet.rows if row.id not in set(ids)]
        sheet.version += 1
        return ids

    def _sort(self, sheet: FakeSheetDoc, data: dict[str, Any]) -> None:
        for criterion in reversed(data.get("sortCriteria", [])):
            column_id = criterion["columnId"]
            descending = criterion.get("direction") == "DESCENDING"
            filled = [row for row in sheet.rows if row.cells.get(column_id) not in (None, "")]
            blank = [row for row in sheet.rows if row.cells.get(column_id) in (None, "")]
            filled.sort(key=lambda row: str(row.cells[column_id]).lower(), reverse=descending)
            sheet.rows = filled + blank  # blanks last, as Smartsheet sorts
        sheet.version += 1

    # -- rendering -----------------------------------------------------------------------
    def _row_json(self, row: FakeRow, number: int = 0, writer: bool = False,
                  formats: bool = False,
                  columns: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
        cells = []
        for column_id, value in row.cells.items():
            cell: dict[str, Any] = {"columnId": column_id}
            if value not in (None, ""):
                cell["value"] = value
                cell["displayValue"] = display((columns or {}).get(column_id, {}), value)
            if column_id in row.formulas:
                cell["formula"] = row.formulas[column_id]
            cells.append(cell)
        payload: dict[str, Any] = {"id": row.id, "rowNumber": number, "cells": cells}
        if writer:
            payload["modifiedBy"] = row.modified_by
        if formats and row.format.strip(","):
            payload["format"] = row.format
        return payload

    def _render(self, sheet: FakeSheetDoc, writer: bool,
                formats: bool = False) -> dict[str, Any]:
        return {"id": sheet.id, "name": sheet.name, "version": sheet.version,
                "totalRowCount": len(sheet.rows), "columns": sheet.columns,
                "rows": [self._row_json(row, number, writer, formats,
                                        {column["id"]: column for column in sheet.columns})
                         for number, row in enumerate(sheet.rows, start=1)]}

    @staticmethod
    def _result(result: Any, sheet: FakeSheetDoc | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"message": "SUCCESS", "resultCode": 0}
        if result is not None:  # deletes answer without a result
            payload["result"] = result
        if sheet is not None:
            payload["version"] = sheet.version
        return payload
