"""A fake Google Sheets API v4 (and the OAuth token endpoint) on 127.0.0.1.

Speaks the real wire protocol that gspread uses: the paths and query parameters of
spreadsheets.get / batchUpdate and spreadsheets.values get / batchGet / update /
batchUpdate / append / clear / batchClear, Google-shaped JSON errors
(`{"error": {"code", "message", "status"}}`), bearer tokens issued by `/token`
(service-account JWT grant or refresh-token grant), grid limits, atomic batchUpdate, and
valueInputOption semantics (USER_ENTERED turns "=..." into a formula; RAW never does).
Faults (429 with Retry-After, 500, 401, 403) can be queued; every request is logged.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from tests.fake_servers.google_sheets_batch import MESSAGES
from tests.fake_servers.google_sheets_batch import ApiProblem
from tests.fake_servers.google_sheets_batch import FakeSheet
from tests.fake_servers.google_sheets_batch import FakeSpreadsheet
from tests.fake_servers.google_sheets_batch import Formula
from tests.fake_servers.google_sheets_batch import SpreadsheetRequests
from tests.fake_servers.google_sheets_batch import shown
from tests.fake_servers.google_sheets_batch import user_entered

RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                503: "UNAVAILABLE"}


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    status: int = 0


def column_index(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number - 1


def parse_range(text: str) -> tuple[str, int, int, int | None, int | None]:
    """"'Tab'!A2:C9" -> (title, first row, first col, last row, last col); 0-based, inclusive."""
    if "!" in text:
        title, cells = text.rsplit("!", 1)
    else:
        title, cells = text, ""
    if title.startswith("'") and title.endswith("'"):
        title = title[1:-1].replace("''", "'")
    if not cells:
        return title, 0, 0, None, None
    parts = cells.split(":")
    first = re.fullmatch(r"([A-Za-z]*)(\d*)", parts[0])
    last = re.fullmatch(r"([A-Za-z]*)(\d*)", parts[-1])
    if first is None or last is None:
        raise ApiProblem(400, f"Unable to parse range: {text}")
    row0 = int(first.group(2)) - 1 if first.group(2) else 0
    col0 = column_index(first.group(1)) if first.group(1) else 0
    row1 = int(last.group(2)) - 1 if last.group(2) else None
    col1 = column_index(last.group(1)) if last.group(1) else None
    return title, row0, col0, row1, col1


def formatted(value: Any) -> str:
    if isinstance(value, Formula):
        return "#FORMULA"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class GoogleSheetsFake(SpreadsheetRequests):
    """Start with `with GoogleSheetsFake() as fake:`; `fake.url` is the API base."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.log: list[Logged] = []
        self.faults: deque[tuple[int, str | None, str | None]] = deque()
        self.tokens: set[str] = {"static-test-token"}
        self.forbidden: set[str] = set()
        self.token_requests: list[dict[str, str]] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> GoogleSheetsFake:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- test helpers ----------------------------------------------------------------
    def create(self, key: str, title: str = "Collections") -> FakeSpreadsheet:
        with self._lock:
            book = FakeSpreadsheet(key, title, [FakeSheet(0, "Sheet1", 0)])
            self.spreadsheets[key] = book
            return book

    def fail_next(self, code: int, *, times: int = 1, path: str | None = None,
                  retry_after: str | None = None) -> None:
        for _ in range(times):
            self.faults.append((code, path, retry_after))

    def calls(self) -> int:
        return len(self.log)

    def bytes_received(self) -> int:
        return sum(len(entry.body) for entry in self.log)

    def clear_log(self) -> None:
        self.log.clear()

    def type_into(self, key: str, owner: str, row: int, column: int, text: str) -> None:
        """A person typing into a cell in the Sheets UI: parsed as USER_ENTERED by the
        cell's number format (a TEXT cell keeps the text, a number becomes a number, a
        date a date serial)."""
        with self._lock:
            sheet = self.tab(key, owner)
            while len(sheet.grid) <= row:
                sheet.grid.append([])
            line = sheet.grid[row]
            while len(line) <= column:
                line.append(None)
            line[column] = user_entered(text, sheet.number_format(row, column))

    def tab(self, key: str, owner: str) -> FakeSheet:
        for sheet in self.spreadsheets[key].sheets:
            if sheet.grid and sheet.grid[0] and sheet.grid[0][0] == owner:
                return sheet
        raise AssertionError(f"no tab for {owner}")

    # -- WSGI --------------------------------------------------------------------------
    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> Response:
        raw_path = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") \
            or request.full_path
        raw_path = raw_path.split("?", 1)[0]
        body = request.get_data()
        entry = Logged(request.method, raw_path, {k: request.args.getlist(k)
                                                  for k in request.args}, body)
        with self._lock:
            if raw_path != "/token":
                self.log.append(entry)
            try:
                response = self._route(request, raw_path, body)
            except ApiProblem as problem:
                response = self._error(problem.code, problem.message)
            entry.status = response.status_code
            return response

    def _error(self, code: int, message: str, retry_after: str | None = None) -> Response:
        payload = {"error": {"code": code, "message": message,
                             "status": STATUS_NAMES.get(code, "UNKNOWN")}}
        response = Response(json.dumps(payload), status=code, mimetype="application/json")
        if retry_after is not None:
            response.headers["Retry-After"] = retry_after
        return response

    def _route(self, request: Request, path: str, body: bytes) -> Response:
        if path == "/token" and request.method == "POST":
            return self._token(request)
        if self.faults:
            code, where, retry_after = self.faults[0]
            if where is None or where in unquote(path):
                self.faults.popleft()
                return self._error(code, MESSAGES.get(code, "error"), retry_after)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            raise ApiProblem(401)
        match = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if match is None:
            raise ApiProblem(404, f"Not found: {path}")
        key, rest = match.groups()
        if key in self.forbidden:
            raise ApiProblem(403)
        book = self.spreadsheets.get(key)
        if book is None:
            raise ApiProblem(404)
        data = json.loads(body) if body else {}
        return self._json(self._dispatch(request, book, rest, data))

    def _dispatch(self, request: Request, book: FakeSpreadsheet, rest: str,
                  data: dict[str, Any]) -> dict[str, Any]:
        method = request.method
        if rest == "" and method == "GET":
            return {"spreadsheetId": book.key, "properties": {"title": book.title,
                    "locale": "en_US", "timeZone": "Etc/UTC"},
                    "sheets": [sheet.metadata() for sheet in book.sheets]}
        if rest == ":batchUpdate" and method == "POST":
            return self._batch_update(book, data)
        if rest == "/values:batchGet" and method == "GET":
            ranges = request.args.getlist("ranges")
            render = request.args.get("valueRenderOption", "FORMATTED_VALUE")
            dates = request.args.get("dateTimeRenderOption", "SERIAL_NUMBER")
            if render not in RENDER_OPTIONS or dates not in DATE_RENDER_OPTIONS:
                raise ApiProblem(400, f"Invalid value at 'value_render_option' ({render}) "
                                 f"or 'date_time_render_option' ({dates})")
            return {"spreadsheetId": book.key,
                    "valueRanges": [self._get(book, text, render) for text in ranges]}
        if rest == "/values:batchUpdate" and method == "POST":
            return self._values_batch_update(book, data)
        if rest == "/values:batchClear" and method == "POST":
            for text in data.get("ranges", []):
                self._clear(book, text)
            return {"spreadsheetId": book.key, "clearedRanges": data.get("ranges", [])}
        if rest.startswith("/values/"):
            return self._values(request, book, rest[len("/values/"):], data)
        raise ApiProblem(404, f"Method not found: {method} {rest}")

    def _values_batch_update(self, book: FakeSpreadsheet,
                             data: dict[str, Any]) -> dict[str, Any]:
        option = data.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiProblem(400, "Invalid valueInputOption")
        staged = copy.deepcopy(book.sheets)
        try:
            responses = [self._put(book, item["range"], item["values"], option)
                         for item in data.get("data", [])]
        except ApiProblem:
            book.sheets = staged
            raise
        return {"spreadsheetId": book.key, "totalUpdatedCells":
                sum(r["updatedCells"] for r in responses), "responses": responses}

    def _values(self, request: Request, book: FakeSpreadsheet, encoded: str,
                data: dict[str, Any]) -> dict[str, Any]:
        # The first literal ':' separates the method; the range itself is %-encoded.
        target, _, verb = encoded.partition(":")
        text = unquote(target)
        method = request.method
        option = request.args.get("valueInputOption", "RAW")
        if verb == "" and method == "GET":
            return self._get(book, text, request.args.get("valueRenderOption",
                                                          "FORMATTED_VALUE"))
        if verb == "" and method == "PUT":
            return self._put(book, text, data.get("values", []),
                             request.args.get("valueInputOption", ""))
        if verb == "append" and method == "POST":
            sheet = book.sheet(parse_range(text)[0])
            start = len(sheet.grid)
            title = sheet.title.replace("'", "''")
            sheet.rows = max(sheet.rows, start + len(data.get("values", [])))
            update = self._put(book, f"'{title}'!A{start + 1}", data.get("values", []), option)
            return {"spreadsheetId": book.key, "tableRange": text, "updates": update}
        if verb == "clear" and method == "POST":
            self._clear(book, text)
            return {"spreadsheetId": book.key, "clearedRange": text}
        raise ApiProblem(404, f"Method not found: {method} values {verb}")

    def _token(self, request: Request) -> Response:
        form = request.form.to_dict()
        self.token_requests.append(form)
        grant = form.get("grant_type", "")
        service_account = grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" \
            and bool(form.get("assertion"))
        user = grant == "refresh_token" and form.get("refresh_token") == "test-refresh"
        if not (service_account or user):
            return Response(json.dumps({"error": "invalid_grant",
                                        "error_description": "Bad Request"}), status=400,
                            mimetype="application/json")
        token = f"ya29.fake-{next(self._ids)}"
        self.tokens.add(token)
        return self._json({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    @staticmethod
    def _json(payload: dict[str, Any]) -> Response:
        return Response(json.dumps(payload), mimetype="application/json")

    # -- values ------------------------------------------------------------------------
    def _get(self, book: FakeSpreadsheet, text: str,
             render: str = "FORMATTED_VALUE") -> dict[str, Any]:
        """FORMATTED_VALUE: text as the cell's number format shows it; UNFORMATTED_VALUE:
        numbers as JSON numbers (dates as serial numbers), text as text."""
        title, row0, col0, row1, col1 = parse_range(text)
        sheet = book.sheet(title)
        rows = sheet.grid[row0:(row1 + 1) if row1 is not None else None]
        values = []
        for number, row in enumerate(rows, start=row0):
            cells = [self._render(sheet, number, col0 + offset, cell, render)
                     for offset, cell in enumerate(
                         row[col0:(col1 + 1) if col1 is not None else None])]
            while cells and cells[-1] == "":
                cells.pop()
            values.append(cells)
        while values and not values[-1]:
            values.pop()
        quoted = title.replace("'", "''")
        result: dict[str, Any] = {"range": f"'{quoted}'!A1:{_letter(sheet.columns - 1)}"
                                  f"{sheet.rows}", "majorDimension": "ROWS"}
        if values:
            result["values"] = values
        return result

    @staticmethod
    def _render(sheet: FakeSheet, row: int, column: int, cell: Any, render: str) -> Any:
        if cell is None:
            return ""
        if isinstance(cell, Formula):
            return cell.text if render == "FORMULA" else formatted(cell)
        if render == "FORMATTED_VALUE":
            return shown(cell, sheet.number_format(row, column))
        return cell

    def _put(self, book: FakeSpreadsheet, text: str, values: list[list[Any]],
             option: str) -> dict[str, Any]:
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiProblem(400, "Invalid valueInputOption")
        title, row0, col0, _, _ = parse_range(text)
        sheet = book.sheet(title)
        height = len(values)
        width = max((len(row) for row in values), default=0)
        if row0 + height > sheet.rows or col0 + width > sheet.columns:
            raise ApiProblem(400, f"Range ({text}) exceeds grid limits. Max rows: "
                             f"{sheet.rows}, max columns: {sheet.columns}")
        cells = 0
        for r, row in enumerate(values):
            target = row0 + r
            while len(sheet.grid) <= target:
                sheet.grid.append([])
            line = sheet.grid[target]
            for c, value in enumerate(row):
                column = col0 + c
                while len(line) <= column:
                    line.append(None)
                line[column] = self._entered(value, option)
                cells += 1
        return {"spreadsheetId": book.key, "updatedRange": text, "updatedRows": height,
                "updatedColumns": width, "updatedCells": cells}

    @staticmethod
    def _entered(value: Any, option: str) -> Any:
        if value is None or value == "":
            return None
        if option == "USER_ENTERED" and isinstance(value, str):
            if value.startswith("="):
                return Formula(value)
            if value.startswith("'"):
                return value[1:]
            try:
                return float(value) if "." in value else int(value)
            except ValueError:
                return value
        return value

    def _clear(self, book: FakeSpreadsheet, text: str) -> None:
        title, row0, col0, row1, col1 = parse_range(text)
        sheet = book.sheet(title)
        for r in range(row0, min(len(sheet.grid), (row1 + 1) if row1 is not None else 10**9)):
            line = sheet.grid[r]
            for c in range(col0, min(len(line), (col1 + 1) if col1 is not None else 10**9)):
                line[c] = None

    # -- structure ---------------------------------------------------------------------
    def _batch_update(self, book: FakeSpreadsheet, data: dict[str, Any]) -> dict[str, Any]:
        staged = copy.deepcopy(book.sheets)
        try:
            replies = [self._request(book, item) for item in data.get("requests", [])]
        except ApiProblem:
            book.sheets = staged  # all or nothing, as the real API
            raise
        return {"spreadsheetId": book.key, "replies": replies}

    def _request(self, book: FakeSpreadsheet, item: dict[str, Any]) -> dict[str, Any]:
        if len(item) != 1:
            raise ApiProblem(400, "Invalid requests: exactly one kind per request")
        kind, body = next(iter(item.items()))
        handler = getattr(self, f"_do_{kind}", None)
        if handler is None:
            raise ApiProblem(400, f'Invalid JSON payload received. Unknown name "{kind}" at '
                             "'requests[0]': Cannot find field.")
        reply: dict[str, Any] = handler(book, body)
        return reply


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
