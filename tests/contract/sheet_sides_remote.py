"""Person sides for the remote backends: a manager editing the fake Google spreadsheet or
the fake Smartsheet sheet directly (what the web UI of the service would do)."""

from __future__ import annotations

import json
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.domain.sheets import SheetLayout
from hub.ports import WorksheetBackend
from sync.sheets.gsheets import GoogleSheetsBackend
from sync.sheets.gsheets import load_credentials
from sync.sheets.pacing import Pacer
from sync.sheets.pacing import RetryPolicy
from sync.sheets.smartsheet import SmartsheetBackend
from tests.contract.sheet_sides import ISO_DATE
from tests.contract.sheet_sides import US_NUMBER
from tests.fake_servers.google_sheets import Formula
from tests.fake_servers.google_sheets import GoogleSheetsFake
from tests.fake_servers.google_sheets_batch import SERIAL_EPOCH
from tests.fake_servers.google_sheets_batch import shown
from tests.fake_servers.smartsheet import HUB_TOKEN
from tests.fake_servers.smartsheet import FakeRow
from tests.fake_servers.smartsheet import SmartsheetFake
from tests.fake_servers.smartsheet import display

SPREADSHEET = "1SalesSpreadsheetKey"


def service_account_file(directory: Path, token_uri: str) -> Path:
    """A real service-account key file (fresh RSA key) whose token_uri is the fake."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = directory / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "hub-test", "private_key_id": "k1",
        "private_key": pem, "client_email": "hub@hub-test.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": token_uri}), encoding="utf-8")
    return path


def google_backend(fake: GoogleSheetsFake, key_file: Path, *,
                   sleeps: list[float] | None = None) -> GoogleSheetsBackend:
    sleeper = (sleeps.append if sleeps is not None else (lambda _: None))
    return GoogleSheetsBackend(
        spreadsheets={"Sales": SPREADSHEET, "*": SPREADSHEET},
        credentials=load_credentials(key_file), api_base=fake.url,
        pacer=Pacer(60, sleep=sleeper), retry=RetryPolicy(attempts=4, sleep=sleeper))


class GoogleSide:
    name = "google"

    def __init__(self, fake: GoogleSheetsFake, layout: SheetLayout) -> None:
        self.fake = fake
        self.layout = layout

    def _tab(self, owner: str) -> tuple[Any, dict[str, int]]:
        sheet = self.fake.tab(SPREADSHEET, owner)
        header = [str(cell or "") for cell in sheet.grid[0]]
        columns = {column.field: header.index(column.header)
                   for column in self.layout.columns[1:] if column.header in header}
        columns["key"] = 0
        return sheet, columns

    @staticmethod
    def _text(value: Any) -> str:
        if value is None:
            return ""
        return str(value)

    def rows(self, book: str, owner: str) -> list[dict[str, str]]:
        """Each row as the Sheets UI shows it (number formats applied)."""
        sheet, columns = self._tab(owner)
        result = []
        for number, line in enumerate(sheet.grid[1:], start=1):
            values = {field: self._shown(sheet, number, index, line)
                      for field, index in columns.items()}
            if any(values.values()):
                result.append(values)
        return result

    @staticmethod
    def _shown(sheet: Any, row: int, column: int, line: list[Any]) -> str:
        value = line[column] if column < len(line) else None
        if value is None:
            return ""
        if isinstance(value, Formula):
            return "#FORMULA"
        return shown(value, sheet.number_format(row, column))

    def value(self, book: str, owner: str, key: str, field: str) -> object:
        """What the cell stores: a date serial under a DATE format is a date."""
        sheet, columns = self._tab(owner)
        row = next(number for number, line in enumerate(sheet.grid)
                   if number and line and line[0] == key)
        value = self._line(sheet, key)[columns[field]]
        if isinstance(value, int | float) and not isinstance(value, bool):
            if (sheet.number_format(row, columns[field]) or {}).get("type") == "DATE":
                return SERIAL_EPOCH + timedelta(days=int(value))
            return Decimal(str(value))
        return "" if value is None else value

    def number_format(self, book: str, owner: str, key: str, field: str) -> str:
        sheet, columns = self._tab(owner)
        row = next(number for number, line in enumerate(sheet.grid)
                   if number and line and line[0] == key)
        found = sheet.number_format(row, columns[field]) or {}
        return str(found.get("pattern") or found.get("type") or "")

    def has_filter(self, book: str, owner: str) -> bool:
        sheet, _ = self._tab(owner)
        area = (sheet.basic_filter or {}).get("range", {})
        return area.get("startRowIndex", 0) == 0 and area.get("startColumnIndex", 0) == 0 \
            and area.get("endColumnIndex") == len(self.layout.fields)

    def _line(self, sheet: Any, key: str) -> list[Any]:
        for line in sheet.grid[1:]:
            if line and line[0] == key:
                return line  # type: ignore[no-any-return]
        raise AssertionError(f"no row {key}")

    def edit(self, book: str, owner: str, key: str, field: str, value: str) -> None:
        sheet, columns = self._tab(owner)
        row = next(number for number, line in enumerate(sheet.grid)
                   if number and line and line[0] == key)
        self.fake.type_into(SPREADSHEET, owner, row, columns[field], value)

    def sort_reverse(self, book: str, owner: str) -> None:
        sheet, _ = self._tab(owner)
        body = [line for line in sheet.grid[1:] if any(cell not in (None, "") for cell in line)]
        sheet.grid[1:] = list(reversed(body))

    def delete(self, book: str, owner: str, key: str) -> None:
        sheet, _ = self._tab(owner)
        sheet.grid.remove(self._line(sheet, key))

    def add_unkeyed(self, book: str, owner: str, text: str) -> None:
        sheet, columns = self._tab(owner)
        line: list[Any] = [None] * (columns["note"] + 1)
        line[columns["note"]] = text
        body = [row for row in sheet.grid if any(cell not in (None, "") for cell in row)]
        sheet.grid[:] = [*body, line]

    def is_literal(self, book: str, owner: str, key: str, field: str) -> bool:
        sheet, columns = self._tab(owner)
        value = self._line(sheet, key)[columns[field]]
        return isinstance(value, str) and not isinstance(value, Formula)


def google_rig(request: pytest.FixtureRequest,
               layout: SheetLayout) -> tuple[WorksheetBackend, GoogleSide]:
    fake: GoogleSheetsFake = request.getfixturevalue("google_fake")
    key_file: Path = request.getfixturevalue("google_key_file")
    fake.create(SPREADSHEET, "Sales worklists")
    return google_backend(fake, key_file), GoogleSide(fake, layout)


class SmartsheetSide:
    name = "smartsheet"

    def __init__(self, fake: SmartsheetFake, layout: SheetLayout) -> None:
        self.fake = fake
        self.layout = layout

    def _columns(self) -> dict[str, int]:
        sheet = self.fake.only_sheet()
        titles = {column["title"]: column["id"] for column in sheet.columns}
        columns = {column.field: titles[column.header] for column in self.layout.columns
                   if column.header in titles}
        columns["owner"] = titles[self.layout.owner_header]
        return columns

    def _mine(self, owner: str) -> list[Any]:
        columns = self._columns()
        return [row for row in self.fake.only_sheet().rows
                if row.cells.get(columns["owner"]) == owner]

    def rows(self, book: str, owner: str) -> list[dict[str, str]]:
        """Each row as Smartsheet shows it (the displayValue)."""
        columns = self._columns()
        by_id = {column["id"]: column for column in self.fake.only_sheet().columns}
        return [{field: "" if row.cells.get(column) in (None, "")
                 else display(by_id[column], row.cells[column])
                 for field, column in columns.items()} for row in self._mine(owner)]

    def _column(self, field: str) -> dict[str, Any]:
        column_id = self._columns()[field]
        return next(c for c in self.fake.only_sheet().columns if c["id"] == column_id)

    def value(self, book: str, owner: str, key: str, field: str) -> object:
        """What the cell stores: a number, or in a DATE column a date."""
        value = self._row(owner, key).cells.get(self._columns()[field])
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(str(value))
        if self._column(field).get("type") == "DATE" and isinstance(value, str) \
                and ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
        return "" if value is None else value

    def number_format(self, book: str, owner: str, key: str, field: str) -> str:
        column = self._column(field)
        return str(column.get("format") or column.get("type") or "")

    def has_filter(self, book: str, owner: str) -> bool:
        return True  # every Smartsheet column has its filter; there is none to set

    def _row(self, owner: str, key: str) -> Any:
        key_column = self._columns()["key"]
        for row in self._mine(owner):
            if row.cells.get(key_column) == key:
                return row
        raise AssertionError(f"no row {key}")

    def edit(self, book: str, owner: str, key: str, field: str, value: str) -> None:
        """Typed in the Smartsheet UI: a number in a text/number column is a number; a
        DATE column keeps an ISO date (other text stays text)."""
        row = self._row(owner, key)
        typed: Any = value
        if self._column(field).get("type") == "TEXT_NUMBER" and US_NUMBER.fullmatch(value):
            typed = float(value) if "." in value else int(value)
        row.cells[self._columns()[field]] = typed
        row.modified_by = {"email": owner, "name": owner.split("@", maxsplit=1)[0]}

    def sort_reverse(self, book: str, owner: str) -> None:
        sheet = self.fake.only_sheet()
        sheet.rows = list(reversed(sheet.rows))

    def delete(self, book: str, owner: str, key: str) -> None:
        self.fake.only_sheet().rows.remove(self._row(owner, key))

    def add_unkeyed(self, book: str, owner: str, text: str) -> None:
        columns = self._columns()
        sheet = self.fake.only_sheet()
        sheet.rows.append(FakeRow(999, {columns["owner"]: owner, columns["note"]: text},
                                  modified_by={"email": owner, "name": owner}))

    def is_literal(self, book: str, owner: str, key: str, field: str) -> bool:
        row = self._row(owner, key)
        column = self._columns()[field]
        return column not in row.formulas and isinstance(row.cells.get(column), str)


def smartsheet_backend(fake: SmartsheetFake, *,
                       sleeps: list[float] | None = None) -> SmartsheetBackend:
    sleeper = (sleeps.append if sleeps is not None else (lambda _: None))
    return SmartsheetBackend(token=HUB_TOKEN, api_base=fake.url, workspace_id="4242",
                             pacer=Pacer(300, sleep=sleeper),
                             retry=RetryPolicy(attempts=4, sleep=sleeper))


def smartsheet_rig(request: pytest.FixtureRequest,
                   layout: SheetLayout) -> tuple[WorksheetBackend, SmartsheetSide]:
    fake: SmartsheetFake = request.getfixturevalue("smartsheet_fake")
    return smartsheet_backend(fake), SmartsheetSide(fake, layout)
