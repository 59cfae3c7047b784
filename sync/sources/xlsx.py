"""XLSX workbooks, read with openpyxl in read-only mode (rows are streamed)."""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from sync.sources.textfile import UnreadableFile


class Workbook:
    def __init__(self, path: Path, sheet: str | None) -> None:
        self.path = path
        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise UnreadableFile(f"{path.name}: not a readable XLSX workbook ({exc})") from None
        names = self._book.sheetnames
        if not names:
            raise UnreadableFile(f"{path.name}: the workbook has no sheets")
        if sheet is not None and sheet not in names:
            self._book.close()
            raise UnreadableFile(f"{path.name}: no sheet named {sheet!r}; sheets: "
                                 f"{', '.join(names)}")
        self._sheet: Any = self._book[sheet or names[0]]

    @property
    def max_row(self) -> int | None:
        value = self._sheet.max_row
        return int(value) if isinstance(value, int) else None

    def rows(self) -> Iterator[tuple[int, Sequence[object]]]:
        """(row number, cell values) from the first row on."""
        try:
            for number, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
                yield number, ["" if value is None else value for value in values]
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise UnreadableFile(f"{self.path.name}: the workbook is damaged ({exc})") from None

    def head(self, count: int) -> list[Sequence[object]]:
        return [values for _, values in itertools.islice(self.rows(), count)]

    def close(self) -> None:
        self._book.close()
