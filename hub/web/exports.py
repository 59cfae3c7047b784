"""CSV and XLSX downloads of a report table (amounts exact, never floats)."""

from __future__ import annotations

import io

from flask import Response
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

from hub.domain.cells import SafeCsvWriter
from hub.domain.cells import set_cell
from hub.web.report_tables import Table
from hub.web.translations import translated

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_csv(table: Table) -> Response:
    """Formula-like text behind an apostrophe (hub.domain.cells); amounts as numbers."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow([translated(header) for _, header in table.columns])
    for row in table.rows:
        writer.writerow([row.get(key) for key, _ in table.columns])
    return _download(buffer.getvalue().encode("utf-8"), CSV_TYPE, f"{table.name}.csv")


def as_xlsx(table: Table) -> Response:
    """Text as string cells, never formulas (hub.domain.cells); openpyxl writes a Decimal
    as a number from its exact text: no float on our side."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])

    def cells(values: list[object]) -> list[WriteOnlyCell]:
        made = []
        for value in values:
            cell = WriteOnlyCell(sheet)
            set_cell(cell, value)
            made.append(cell)
        return made

    sheet.append(cells([translated(header) for _, header in table.columns]))
    for row in table.rows:
        sheet.append(cells([row.get(key) for key, _ in table.columns]))
    buffer = io.BytesIO()
    book.save(buffer)
    return _download(buffer.getvalue(), XLSX_TYPE, f"{table.name}.xlsx")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
