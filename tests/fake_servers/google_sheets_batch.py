"""The structural half of the fake Google Sheets API: the spreadsheet model and the
`spreadsheets.batchUpdate` requests (addSheet, deleteSheet, updateSheetProperties,
setDataValidation, addProtectedRange, deleteProtectedRange, addConditionalFormatRule,
deleteConditionalFormatRule, repeatCell, setBasicFilter, clearBasicFilter,
updateDimensionProperties, deleteDimension), and how a cell's number format shows and takes
what a person types (USER_ENTERED in the en_US locale). Used by
tests/fake_servers/google_sheets.py."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any

SERIAL_EPOCH = date(1899, 12, 30)

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
    basic_filter: dict[str, Any] | None = None

    def number_format(self, row: int, column: int) -> dict[str, Any] | None:
        """The numberFormat the last repeatCell covering this cell set (None: automatic)."""
        found = None
        for item in self.formats:
            area = item["range"]
            if not (area.get("startRowIndex", 0) <= row < area.get("endRowIndex", 10**9)
                    and area.get("startColumnIndex", 0) <= column
                    < area.get("endColumnIndex", 10**9)):
                continue
            if "numberFormat" in item.get("fields", ""):
                found = item["cell"].get("userEnteredFormat", {}).get("numberFormat")
        return found

    def metadata(self) -> dict[str, Any]:
        """The sheet as spreadsheets.get returns it (without grid data)."""
        sheet: dict[str, Any] = {"properties": self.properties()}
        if self.protected:
            sheet["protectedRanges"] = self.protected
        if self.conditional:
            sheet["conditionalFormats"] = self.conditional
        if self.basic_filter is not None:
            sheet["basicFilter"] = self.basic_filter
        return sheet

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
        protected["protectedRangeId"] = next(self._ids)
        book.by_id(protected["range"]["sheetId"]).protected.append(protected)
        return {"addProtectedRange": {"protectedRange": protected}}

    def _do_addConditionalFormatRule(self, book: FakeSpreadsheet,
                                     body: dict[str, Any]) -> dict[str, Any]:
        for area in body["rule"]["ranges"]:
            book.by_id(area["sheetId"]).conditional.insert(body.get("index", 0), body["rule"])
        return {}

    def _do_repeatCell(self, book: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("fields"):
            raise ApiProblem(400, "Invalid requests[0].repeatCell: At least one field must "
                             "be specified.")
        book.by_id(body["range"]["sheetId"]).formats.append(body)
        return {}

    def _do_setBasicFilter(self, book: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        area = body["filter"]["range"]
        book.by_id(area["sheetId"]).basic_filter = body["filter"]  # replaces any other
        return {}

    def _do_clearBasicFilter(self, book: FakeSpreadsheet,
                             body: dict[str, Any]) -> dict[str, Any]:
        book.by_id(body["sheetId"]).basic_filter = None
        return {}

    def _do_deleteProtectedRange(self, book: FakeSpreadsheet,
                                 body: dict[str, Any]) -> dict[str, Any]:
        for sheet in book.sheets:
            for protected in sheet.protected:
                if protected.get("protectedRangeId") == body["protectedRangeId"]:
                    sheet.protected.remove(protected)
                    return {}
        raise ApiProblem(400, f"No protected range with id: {body['protectedRangeId']}")

    def _do_deleteConditionalFormatRule(self, book: FakeSpreadsheet,
                                        body: dict[str, Any]) -> dict[str, Any]:
        sheet = book.by_id(body["sheetId"])
        if not 0 <= body["index"] < len(sheet.conditional):
            raise ApiProblem(400, f"Invalid requests[0].deleteConditionalFormatRule: No "
                             f"conditional format on sheet {body['sheetId']} at index "
                             f"{body['index']}")
        return {"deleteConditionalFormatRule": {"rule": sheet.conditional.pop(body["index"])}}

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


_US_NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def user_entered(text: str, number_format: dict[str, Any] | None) -> Any:
    """What the Sheets UI stores when a person types `text` into a cell (en_US locale): a
    TEXT-formatted cell keeps the text; otherwise numbers become numbers and dates date
    serials; anything else stays text."""
    if text == "" or (number_format or {}).get("type") == "TEXT":
        return text or None
    if text.startswith("'"):
        return text[1:]
    if _US_NUMBER.fullmatch(text):
        number = float(text.replace(",", ""))
        return int(number) if number.is_integer() and "." not in text else number
    for pattern, order in ((_ISO, (0, 1, 2)), (_US_DATE, (2, 0, 1))):
        match = pattern.fullmatch(text)
        if match:
            parts = [int(match.group(i + 1)) for i in range(3)]
            try:
                typed = date(parts[order[0]], parts[order[1]], parts[order[2]])
            except ValueError:
                return text
            return (typed - SERIAL_EPOCH).days
    return text


def shown(value: Any, number_format: dict[str, Any] | None) -> str:
    """A stored value as FORMATTED_VALUE shows it, for the number formats the hub sets."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "TRUE" if value is True else "FALSE" if value is False else str(value)
    kind = (number_format or {}).get("type")
    pattern = (number_format or {}).get("pattern", "")
    if kind in ("DATE", "DATE_TIME"):
        return (SERIAL_EPOCH + timedelta(days=int(value))).isoformat()
    if kind == "NUMBER" and pattern == "#,##0.00":
        return f"{value:,.2f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
