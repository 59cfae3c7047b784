"""The person at the other end of a sheet, per backend: reads a tab as it shows (number
formats applied) and edits it the way a manager would (type into a cell, which the program
turns into a number or a date where it would; sort, delete a row, add a row of their own).
`value` is what the service stores: a Decimal for a number cell, a date for a date cell,
text otherwise."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from typing import Protocol

from openpyxl import load_workbook

from hub.domain.sheets import SheetLayout
from sync.sheets.xlsx import XlsxBackend


class PersonSide(Protocol):
    name: str

    def rows(self, book: str, owner: str) -> list[dict[str, str]]: ...

    def edit(self, book: str, owner: str, key: str, field: str, value: str) -> None: ...

    def sort_reverse(self, book: str, owner: str) -> None: ...

    def delete(self, book: str, owner: str, key: str) -> None: ...

    def add_unkeyed(self, book: str, owner: str, text: str) -> None: ...

    def is_literal(self, book: str, owner: str, key: str, field: str) -> bool: ...

    def value(self, book: str, owner: str, key: str, field: str) -> object: ...

    def has_filter(self, book: str, owner: str) -> bool: ...


US_NUMBER = re.compile(r"-?\d+(\.\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def excel_shows(value: Any, number_format: str) -> str:
    """What Excel shows for a cell, for the number formats the hub sets."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if number_format == "#,##0.00":
            return f"{value:,.2f}"
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def excel_typed(text: str, number_format: str) -> Any:
    """What Excel (en-US) stores when a person types `text`: a Text ("@") cell keeps it;
    otherwise a number becomes a number and an ISO date a date."""
    if number_format == "@" or not text:
        return text or None
    if US_NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    if ISO_DATE.fullmatch(text):
        return datetime.fromisoformat(text)
    return text


def stored(value: Any) -> object:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return "" if value is None else value


class XlsxSide:
    name = "xlsx"

    def __init__(self, backend: XlsxBackend, layout: SheetLayout) -> None:
        self.backend = backend
        self.layout = layout

    def _open(self, book: str, owner: str):  # type: ignore[no-untyped-def]
        for path in self.backend.files(book):  # one workbook, or one per owner
            workbook = load_workbook(path)
            for sheet in workbook.worksheets:
                if str(sheet["A1"].value or "") == owner:
                    header = [str(cell.value or "") for cell in sheet[1]]
                    columns = {column.field: header.index(column.header) + 1
                               for column in self.layout.columns[1:]
                               if column.header in header}
                    columns["key"] = 1
                    return workbook, sheet, columns, path
        raise AssertionError(f"no tab for {owner} in {self.backend.path(book)}")

    def rows(self, book: str, owner: str) -> list[dict[str, str]]:
        _, sheet, columns, _ = self._open(book, owner)
        result = []
        for row in range(2, sheet.max_row + 1):
            cells = {field: sheet.cell(row=row, column=column)
                     for field, column in columns.items()}
            if any(cell.value not in (None, "") for cell in cells.values()):
                result.append({field: excel_shows(cell.value, cell.number_format)
                               for field, cell in cells.items()})
        return result

    def _row_of(self, sheet, columns, key: str) -> int:  # type: ignore[no-untyped-def]
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row=row, column=1).value == key:
                return row
        raise AssertionError(f"no row {key}")

    def edit(self, book: str, owner: str, key: str, field: str, value: str) -> None:
        workbook, sheet, columns, path = self._open(book, owner)
        cell = sheet.cell(row=self._row_of(sheet, columns, key), column=columns[field])
        cell.value = excel_typed(value, cell.number_format)
        workbook.save(path)

    def value(self, book: str, owner: str, key: str, field: str) -> object:
        _, sheet, columns, _ = self._open(book, owner)
        return stored(sheet.cell(row=self._row_of(sheet, columns, key),
                                 column=columns[field]).value)

    def number_format(self, book: str, owner: str, key: str, field: str) -> str:
        _, sheet, columns, _ = self._open(book, owner)
        return str(sheet.cell(row=self._row_of(sheet, columns, key),
                              column=columns[field]).number_format)

    def has_filter(self, book: str, owner: str) -> bool:
        _, sheet, _, _ = self._open(book, owner)
        ref = str(sheet.auto_filter.ref or "")  # the header row and every hub column
        last = sheet.cell(row=1, column=len(self.layout.fields)).column_letter
        return ref.startswith("A1:") and ref.split(":")[1].rstrip("0123456789") == last

    def sort_reverse(self, book: str, owner: str) -> None:
        workbook, sheet, _columns, path = self._open(book, owner)
        grid = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
        grid = [row for row in grid if any(value not in (None, "") for value in row)]
        for offset, values in enumerate(reversed(grid)):
            for column, value in enumerate(values, start=1):
                sheet.cell(row=offset + 2, column=column).value = value
        workbook.save(path)

    def delete(self, book: str, owner: str, key: str) -> None:
        workbook, sheet, columns, path = self._open(book, owner)
        sheet.delete_rows(self._row_of(sheet, columns, key))
        workbook.save(path)

    def add_unkeyed(self, book: str, owner: str, text: str) -> None:
        workbook, sheet, columns, path = self._open(book, owner)
        sheet.cell(row=sheet.max_row + 1, column=columns["note"]).value = text
        workbook.save(path)

    def is_literal(self, book: str, owner: str, key: str, field: str) -> bool:
        _, sheet, columns, _ = self._open(book, owner)
        cell = sheet.cell(row=self._row_of(sheet, columns, key), column=columns[field])
        return cell.data_type == "s"
