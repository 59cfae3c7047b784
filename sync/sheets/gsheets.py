"""Google Sheets through gspread: one spreadsheet per department, a tab per owner.

A steady cycle costs three calls per spreadsheet: the metadata, one `values:batchGet` of
every tab (unformatted: numbers as numbers, dates as serials), one `values:batchUpdate`
with the changed cells (RAW input, so text is never parsed as a formula; amounts and
dates go as numbers and date serials). New tabs and their formatting (hidden key column,
status dropdown, date validation, number formats, protected computed columns, severity
colours, a basic filter) go in one structural `:batchUpdate` (sync/sheets/gsheets_format.py).
Requests are paced under the per-user quota (60 a minute) and
transient failures (408, 429, 5xx) are retried a bounded number of times, honouring
Retry-After; 401, 403 and 404 stop the spreadsheet for this cycle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.utils import absolute_range_name

from hub.domain.sheet_cells import SERIAL_EPOCH
from hub.domain.sheet_cells import SUMMARY_KINDS
from hub.domain.sheet_cells import TEXT
from hub.domain.sheet_cells import kind_of
from hub.domain.sheet_cells import typed
from hub.domain.sheets import SUMMARY_KEY
from hub.domain.sheets import BookPlan
from hub.domain.sheets import BookSnapshot
from hub.domain.sheets import SheetLayout
from hub.domain.sheets import SheetTargetError
from hub.domain.sheets import WriteResult
from hub.domain.sheets import cell_changes
from sync.sheets.grid import column_letter
from sync.sheets.grid import position_kinds
from sync.sheets.grid import summary_grid
from sync.sheets.grid import tab_snapshot
from sync.sheets.grid import text_grid
from sync.sheets.grid import wanted_grid
from sync.sheets.gsheets_format import new_tab
from sync.sheets.gsheets_format import reformat
from sync.sheets.pacing import Pacer
from sync.sheets.pacing import RetryPolicy
from sync.sheets.pacing import retry_after_of

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
# The Sheets API, Drive, and the OAuth token endpoint of authorized-user credentials
# (google-auth ignores a token_uri in such a file; a service-account key's is honoured).
GOOGLE_HOSTS = ("https://sheets.googleapis.com/", "https://www.googleapis.com/",
                "https://oauth2.googleapis.com/")
MAX_BODY = 1_500_000  # Google recommends at most 2 MB per request


class RedirectAdapter(requests.adapters.HTTPAdapter):
    """Sends requests for Google's hosts to another base URL (a fake or a proxy)."""

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        super().__init__()

    def send(self, request: requests.PreparedRequest,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit((self.target.scheme, self.target.netloc,
                                  self.target.path.rstrip("/") + parts.path, parts.query,
                                  parts.fragment))
        return super().send(request, **kwargs)


class PacedHTTPClient(HTTPClient):
    """gspread's HTTP client with client-side pacing and bounded, Retry-After-aware retries
    (gspread's own BackOffHTTPClient retries without end in 6.2.1)."""

    def __init__(self, auth: Credentials, session: requests.Session, *, pacer: Pacer,
                 retry: RetryPolicy) -> None:
        super().__init__(auth, session)
        self.pacer = pacer
        self.retry = retry
        self.calls = 0
        self.bytes_sent = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        attempt = 0
        while True:
            self.pacer.wait()
            self.calls += 1
            try:
                response = super().request(*args, **kwargs)
            except APIError as error:
                self.bytes_sent += _size(error.response.request.body)
                status = error.response.status_code
                transient = status in (408, 429) or status >= 500
                if not transient or attempt + 1 >= self.retry.attempts:
                    raise
                self.retry.sleep(self.retry.delay(attempt, retry_after_of(error.response.headers)))
                attempt += 1
                continue
            self.bytes_sent += _size(response.request.body)
            return response


def load_credentials(path: Path) -> Credentials:
    """A service-account key or an authorized-user file (from `gcloud auth application-
    default login` or an OAuth client flow)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SheetTargetError("google", f"cannot read the credentials file {path}: {exc}") \
            from None
    kind = info.get("type") if isinstance(info, dict) else None
    try:
        if kind == "service_account":
            found: Credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=list(SCOPES))
            return found
        if kind == "authorized_user":
            user: Credentials = user_credentials.Credentials.from_authorized_user_info(  # type: ignore[no-untyped-call]
                info, list(SCOPES))
            return user
    except (ValueError, KeyError) as exc:
        raise SheetTargetError("google", f"credentials file {path}: {exc}") from None
    raise SheetTargetError("google", f"credentials file {path}: expected \"type\": "
                           "\"service_account\" or \"authorized_user\"")


class GoogleSheetsBackend:
    name = "google"

    def __init__(self, *, spreadsheets: Mapping[str, str], credentials: Credentials,
                 api_base: str | None = None, pacer: Pacer | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.spreadsheets = dict(spreadsheets)
        token_session = requests.Session()  # refreshes the access token
        session = AuthorizedSession(credentials,  # type: ignore[no-untyped-call]
                                    auth_request=GoogleAuthRequest(token_session))
        if api_base:
            for host in GOOGLE_HOSTS:
                session.mount(host, RedirectAdapter(api_base))
                token_session.mount(host, RedirectAdapter(api_base))
        self.http = PacedHTTPClient(credentials, session, pacer=pacer or Pacer(60),
                                    retry=retry or RetryPolicy())
        self._sheets: dict[str, dict[str, dict[str, Any]]] = {}  # book -> title -> properties
        self._meta: dict[str, dict[str, dict[str, Any]]] = {}  # book -> title -> sheet
        self._grids: dict[str, dict[str, list[list[str]]]] = {}

    def _key(self, book: str) -> str:
        key = self.spreadsheets.get(book) or self.spreadsheets.get("*")
        if not key:
            raise SheetTargetError(book, "no Google spreadsheet is configured for this "
                                   "department: add it to HUB_GOOGLE_SPREADSHEETS")
        return key

    def _call(self, book: str, action: Any, *args: Any) -> Any:
        try:
            return action(*args)
        except APIError as error:
            status = error.response.status_code
            meaning = {401: "the credentials were refused (401)",
                       403: "no access (403): share the spreadsheet with the service "
                            "account's e-mail address as an editor",
                       404: "spreadsheet not found (404): check HUB_GOOGLE_SPREADSHEETS"}
            message = meaning.get(status, f"Google Sheets error {status}")
            raise SheetTargetError(book, f"{message}: {error.error.get('message', '')}") \
                from None
        except requests.RequestException as exc:
            raise SheetTargetError(book, f"cannot reach Google Sheets: {exc}") from None

    def read(self, book: str, layout: SheetLayout, *, remote_id: str | None,  # noqa: ARG002
             for_write: bool = True) -> BookSnapshot:  # noqa: ARG002 (always read)
        key = self._key(book)
        calls = self.http.calls
        meta = self._call(book, self.http.fetch_sheet_metadata, key)
        sheets = {sheet["properties"]["title"]: sheet["properties"]
                  for sheet in meta.get("sheets", [])}
        self._sheets[book] = sheets
        self._meta[book] = {sheet["properties"]["title"]: sheet
                            for sheet in meta.get("sheets", [])}
        snapshot = BookSnapshot(book=book, remote_id=key)
        grids: dict[str, list[list[str]]] = {}
        titles = list(sheets)
        if titles:
            ranges = [absolute_range_name(title) for title in titles]
            # Numbers come back as numbers and dates as serials, whatever the spreadsheet's
            # locale shows; text as typed (turned into the hub's text by column kind).
            answer = self._call(book, self.http.values_batch_get, key, ranges,
                                {"valueRenderOption": "UNFORMATTED_VALUE",
                                 "dateTimeRenderOption": "SERIAL_NUMBER"})
            kinds = position_kinds(layout)
            for title, values in zip(titles, answer.get("valueRanges", []), strict=False):
                raw = values.get("values", [])
                tab = tab_snapshot(title, raw, layout)
                grids[title] = text_grid(raw, kinds if tab is not None
                                         else [TEXT] * len(kinds))
                if tab is not None:
                    snapshot.add(tab)
        self._grids[book] = grids
        snapshot.calls = self.http.calls - calls
        return snapshot

    def write(self, plan: BookPlan, snapshot: BookSnapshot, layout: SheetLayout) -> WriteResult:
        book = plan.book
        key = self._key(book)
        calls, sent = self.http.calls, self.http.bytes_sent
        sheets = self._sheets.get(book, {})
        grids = self._grids.get(book, {})
        result = WriteResult()
        width = len(layout.fields)
        structure: list[dict[str, Any]] = []
        data: list[dict[str, Any]] = []
        next_id = max((int(props["sheetId"]) for props in sheets.values()), default=0) + 1
        used_titles = set(sheets)
        targets: list[tuple[str, list[list[str]], bool]] = []
        for tab in plan.tabs:
            current = snapshot.tabs.get(tab.owner)
            targets.append((current.title if current else tab.title,
                            wanted_grid(tab, layout, current), True))
        summary_title = next((title for title, grid in grids.items()
                              if grid and grid[0] and grid[0][0] == SUMMARY_KEY),
                             layout.summary_title)
        targets.append((summary_title, summary_grid(plan, layout), False))
        for planned_title, wanted, is_owner_tab in targets:
            needed = len(wanted) + 50
            title = planned_title
            props = sheets.get(title)
            if props is None:
                title = _free_title(title, used_titles)
                rows = max(200, needed * 2)
                structure.extend(new_tab(next_id, title, (rows, width), layout,
                                         owner_tab=is_owner_tab))
                props = {"sheetId": next_id, "title": title,
                         "gridProperties": {"rowCount": rows, "columnCount": width}}
                sheets[title] = props
                next_id += 1
            elif props["gridProperties"]["rowCount"] < needed \
                    or props["gridProperties"].get("columnCount", width) < width:
                grid = props["gridProperties"]  # more rows, or a layout with more columns
                rows = max(grid["rowCount"], needed * 2 if grid["rowCount"] < needed else 0)
                columns = max(grid.get("columnCount", width), width)
                structure.append({"updateSheetProperties": {
                    "properties": {"sheetId": props["sheetId"], "gridProperties": {
                        "rowCount": rows, "columnCount": columns}},
                    "fields": "gridProperties.rowCount,gridProperties.columnCount"}})
                grid.update(rowCount=rows, columnCount=columns)
            have = grids.get(title, [])
            header = [*have[0][1:width], *[""] * width][:width - 1] if have else []
            if is_owner_tab and any(header) and header != wanted[0][1:] \
                    and title in self._meta.get(book, {}):  # an older layout's columns
                structure.extend(reformat(self._meta[book][title], layout, width))
            touched: set[int] = set()
            for first, column, block in cell_changes(have, wanted, width):
                data.append({"range": f"{absolute_range_name(title)}!"
                                      f"{column_letter(column)}{first + 1}:"
                                      f"{column_letter(column + len(block[0]) - 1)}"
                                      f"{first + len(block)}",
                             "values": [_typed(row, layout, column, is_owner_tab)
                                        for row in block]})
                touched.update(range(max(first, 1), first + len(block)))
            result.rows_written += len(touched)
        if structure:
            self._call(book, self.http.batch_update, key, {"requests": structure})
        for body in _chunks(data):
            self._call(book, self.http.values_batch_update, key,
                       {"valueInputOption": "RAW", "data": body})
        result.calls = self.http.calls - calls
        result.bytes_sent = self.http.bytes_sent - sent
        return result


def _size(body: object) -> int:
    return len(body) if isinstance(body, bytes | str) else 0


def _free_title(title: str, used: set[str]) -> str:
    candidate, number = title, 2
    while candidate in used:
        candidate = f"{title[:95]} {number}"
        number += 1
    used.add(candidate)
    return candidate


def _typed(row: list[str], layout: SheetLayout, offset: int, owner_tab: bool) -> list[Any]:
    """RAW values: amounts and whole numbers as JSON numbers, dates as date serials (shown
    by the column's DATE format), everything else as literal text. The summary tab's
    counts and balances are numbers too (SUMMARY_KINDS)."""
    fields = layout.fields
    values: list[Any] = []
    for index, text in enumerate(row):
        at = offset + index
        if owner_tab:
            kind = kind_of(fields[at]) if at < len(fields) else TEXT
        else:
            kind = SUMMARY_KINDS[at] if at < len(SUMMARY_KINDS) else TEXT
        value = typed(text, kind) if kind != TEXT else text
        if isinstance(value, date):
            values.append((value - SERIAL_EPOCH).days)
        elif isinstance(value, Decimal):
            values.append(int(value) if value == value.to_integral_value() else float(value))
        else:
            values.append(value)
    return values


def _chunks(data: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    chunks: list[list[dict[str, Any]]] = []
    size = 0
    for item in data:
        item_size = len(json.dumps(item))
        if not chunks or size + item_size > MAX_BODY:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += item_size
    return chunks
