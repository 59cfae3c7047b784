"""Person sides for the remote backends: a manager editing the fake Google spreadsheet or
the fake Smartsheet sheet directly (what the web UI of the service would do)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.domain.sheets import SheetLayout
from hub.ports import WorksheetBackend
from sync.sheets.gsheets import GoogleSheetsBackend
from sync.sheets.gsheets import load_credentials
from sync.sheets.pacing import Pacer
from sync.sheets.pacing import RetryPolicy
from tests.fake_servers.google_sheets import Formula
from tests.fake_servers.google_sheets import GoogleSheetsFake

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
        sheet, columns = self._tab(owner)
        result = []
        for line in sheet.grid[1:]:
            values = {field: self._text(line[index] if index < len(line) else None)
                      for field, index in columns.items()}
            if any(values.values()):
                result.append(values)
        return result

    def _line(self, sheet: Any, key: str) -> list[Any]:
        for line in sheet.grid[1:]:
            if line and line[0] == key:
                return line  # type: ignore[no-any-return]
        raise AssertionError(f"no row {key}")

    def edit(self, book: str, owner: str, key: str, field: str, value: str) -> None:
        sheet, columns = self._tab(owner)
        line = self._line(sheet, key)
        while len(line) <= columns[field]:
            line.append(None)
        line[columns[field]] = value

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
