"""CSV and XLSX downloads of a report table (amounts exact, never floats)."""

from __future__ import annotations

import csv
import io

from flask import Response
from openpyxl import Workbook  # type: ignore[import-untyped]

from hub.web.report_tables import Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def as_csv(table: Table) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _, header in table.columns])
    for row in table.rows:
        writer.writerow([_text(row.get(key)) for key, _ in table.columns])
    return _download(buffer.getvalue().encode("utf-8"), CSV_TYPE, f"{table.name}.csv")


def _cell(value: object) -> object:
    # openpyxl writes a Decimal as a number from its exact text: no float on our side.
    return "" if value is None else value


def as_xlsx(table: Table) -> Response:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.name[:31])
    sheet.append([header for _, header in table.columns])
    for row in table.rows:
        sheet.append([_cell(row.get(key)) for key, _ in table.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return _download(buffer.getvalue(), XLSX_TYPE, f"{table.name}.xlsx")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
