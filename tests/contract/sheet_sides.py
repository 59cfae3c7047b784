"""The person at the other end of a sheet, per backend: reads a tab and edits it the way a
manager would (type into a cell, sort, delete a row, add a row of their own)."""

from __future__ import annotations

from pathlib import Path
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


class XlsxSide:
    name = "xlsx"

    def __init__(self, backend: XlsxBackend, layout: SheetLayout) -> None:
        self.backend = backend
        self.layout = layout

    def _open(self, book: str, owner: str):  # type: ignore[no-untyped-def]
        path: Path = self.backend.path(book)
        workbook = load_workbook(path)
        for sheet in workbook.worksheets:
            if str(sheet["A1"].value or "") == owner:
                header = [str(cell.value or "") for cell in sheet[1]]
                columns = {column.field: header.index(column.header) + 1
                           for column in self.layout.columns[1:] if column.header in header}
                columns["key"] = 1
                return workbook, sheet, columns, path
        raise AssertionError(f"no tab for {owner} in {path}")

    def rows(self, book: str, owner: str) -> list[dict[str, str]]:
        _, sheet, columns, _ = self._open(book, owner)
        result = []
        for row in range(2, sheet.max_row + 1):
            values = {field: sheet.cell(row=row, column=column).value
                      for field, column in columns.items()}
            if any(value not in (None, "") for value in values.values()):
                result.append({field: "" if value is None else str(value)
                               for field, value in values.items()})
        return result

    def _row_of(self, sheet, columns, key: str) -> int:  # type: ignore[no-untyped-def]
        for row in range(2, sheet.max_row + 1):
            if sheet.cell(row=row, column=1).value == key:
                return row
        raise AssertionError(f"no row {key}")

    def edit(self, book: str, owner: str, key: str, field: str, value: str) -> None:
        workbook, sheet, columns, path = self._open(book, owner)
        sheet.cell(row=self._row_of(sheet, columns, key), column=columns[field]).value = value
        workbook.save(path)

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
