"""The structural half of the fake Google Sheets API: the spreadsheet model and the
`spreadsheets.batchUpdate` requests (addSheet, deleteSheet, updateSheetProperties,
setDataValidation, addProtectedRange, addConditionalFormatRule, repeatCell,
updateDimensionProperties, deleteDimension). Used by tests/fake_servers/google_sheets.py."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from dataclasses import field
from typing import Any

MESSAGES = {
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, "
         "login cookie or other valid authentication credential.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per "
         "minute per user' of service 'sheets.googleapis.com' for consumer "
         "'project_number:000000000000'.",
    500: "Internal error encountered.",
}


class ApiProblem(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message or MESSAGES.get(code, "error")


@dataclass
class Formula:
    text: str


@dataclass
class FakeSheet:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    columns: int = 26
    grid: list[list[Any]] = field(default_factory=list)
    frozen_rows: int = 0
    hidden_columns: set[int] = field(default_factory=set)
    validations: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    conditional: list[dict[str, Any]] = field(default_factory=list)
    formats: list[dict[str, Any]] = field(default_factory=list)

    def properties(self) -> dict[str, Any]:
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index,
                "sheetType": "GRID",
                "gridProperties": {"rowCount": self.rows, "columnCount": self.columns,
                                   **({"frozenRowCount": self.frozen_rows}
                                      if self.frozen_rows else {})}}


@dataclass
class FakeSpreadsheet:
    key: str
    title: str
    sheets: list[FakeSheet] = field(default_factory=list)

    def sheet(self, title: str) -> FakeSheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise ApiProblem(400, f"Unable to parse range: '{title}'")

    def by_id(self, sheet_id: int) -> FakeSheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise ApiProblem(400, f"No grid with id: {sheet_id}")




class SpreadsheetRequests:
    """The batchUpdate request handlers, one method per request kind."""

    _ids: itertools.count[int]

    def _do_addSheet(self, book: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        props = body.get("properties", {})
        title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
        if any(sheet.title == title for sheet in book.sheets):
            raise ApiProblem(400, f'Invalid requests[0].addSheet: A sheet with the name '
                             f'"{title}" already exists. Please enter another name.')
        sheet_id = props.get("sheetId", max((s.sheet_id for s in book.sheets), default=0) + 1)
        if any(sheet.sheet_id == sheet_id for sheet in book.sheets):
            raise ApiProblem(400, f"Invalid requests[0].addSheet: sheet id {sheet_id} "
                             "already exists")
        grid = props.get("gridProperties", {})
        sheet = FakeSheet(sheet_id, title, props.get("index", len(book.sheets)),
                          grid.get("rowCount", 1000), grid.get("columnCount", 26),
                          frozen_rows=grid.get("frozenRowCount", 0))
        book.sheets.append(sheet)
        return {"addSheet": {"properties": sheet.properties()}}

    def _do_deleteSheet(self, book: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        book.sheets.remove(book.by_id(body["sheetId"]))
        return {}

    def _do_updateSheetProperties(self, book: FakeSpreadsheet,
                                  body: dict[str, Any]) -> dict[str, Any]:
        props = body["properties"]
        sheet = book.by_id(props["sheetId"])
        fields = body.get("fields", "")
        grid = props.get("gridProperties", {})
        if "title" in fields and "title" in props:
            sheet.title = props["title"]
        for name, attribute in (("rowCount", "rows"), ("columnCount", "columns"),
                                ("frozenRowCount", "frozen_rows")):
            if name in fields and name in grid:
                setattr(sheet, attribute, grid[name])
        return {}

    def _do_setDataValidation(self, book: FakeSpreadsheet,
                              body: dict[str, Any]) -> dict[str, Any]:
        book.by_id(body["range"]["sheetId"]).validations.append(body)
        return {}

    def _do_addProtectedRange(self, book: FakeSpreadsheet,
                              body: dict[str, Any]) -> dict[str, Any]:
        protected = dict(body["protectedRange"])
        book.by_id(protected["range"]["sheetId"]).protected.append(protected)
        protected["protectedRangeId"] = next(self._ids)
        return {"addProtectedRange": {"protectedRange": protected}}

    def _do_addConditionalFormatRule(self, book: FakeSpreadsheet,
                                     body: dict[str, Any]) -> dict[str, Any]:
        for area in body["rule"]["ranges"]:
            book.by_id(area["sheetId"]).conditional.insert(body.get("index", 0), body["rule"])
        return {}

    def _do_repeatCell(self, book: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        book.by_id(body["range"]["sheetId"]).formats.append(body)
        return {}

    def _do_updateDimensionProperties(self, book: FakeSpreadsheet,
                                      body: dict[str, Any]) -> dict[str, Any]:
        area = body["range"]
        sheet = book.by_id(area["sheetId"])
        if area["dimension"] == "COLUMNS" and "hiddenByUser" in body.get("fields", ""):
            for column in range(area["startIndex"], area["endIndex"]):
                if body["properties"].get("hiddenByUser"):
                    sheet.hidden_columns.add(column)
                else:
                    sheet.hidden_columns.discard(column)
        return {}

    def _do_deleteDimension(self, book: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        area = body["range"]
        sheet = book.by_id(area["sheetId"])
        start, end = area["startIndex"], area["endIndex"]
        if area["dimension"] == "ROWS":
            del sheet.grid[start:end]
            sheet.rows -= end - start
        else:
            for line in sheet.grid:
                del line[start:end]
            sheet.columns -= end - start
        return {}
