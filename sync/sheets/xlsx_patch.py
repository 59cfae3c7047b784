"""Rewrite only the rows that changed in a workbook the hub wrote and nobody has saved since.

openpyxl can only change a workbook by parsing all of it and writing all of it again, so a
cycle in which 1% of the rows changed cost as much as the first write. A workbook the hub
wrote is known exactly (sync/sheets/xlsx_files.py remembers its text and the zip member
of each tab), so the changed rows can be written straight into the tab's XML: each row is
rendered as openpyxl would write it (inline strings, numbers, date serials) with the style
the same cell would get from sync/sheets/xlsx_tabs.py, found in a table of every look a
cell can have that is put into the workbook's styles when it is saved. Everything else
in the file is copied as it is.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import product
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import PatternFill  # type: ignore[import-untyped]
from openpyxl.styles import Protection

from hub.domain.cells import is_formula_like
from hub.domain.sheet_cells import SERIAL_EPOCH
from hub.domain.sheet_cells import TEXT
from hub.domain.sheet_cells import typed
from hub.domain.sheets import severity
from sync.sheets.grid import column_letter
from sync.sheets.xlsx_tabs import FILLS
from sync.sheets.xlsx_tabs import NUMBER_FORMATS
from sync.sheets.xlsx_tabs import TEXT_FORMAT

BANDS = ("", *FILLS)  # no colour, then the severity colours
LOCKS = ("", "locked", "open")  # protection untouched (summary), locked, unlocked
FORMATS = ("General", TEXT_FORMAT, *NUMBER_FORMATS.values())
_ROW = re.compile(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.DOTALL)


def look_key(number_format: str, lock: str, band: str, quote: bool) -> str:
    return f"{number_format}|{lock}|{band}|{int(quote)}"


def register_looks(workbook: Workbook) -> dict[str, int]:
    """Put every look a data cell can have into the workbook's styles (kept when the
    scratch sheet is removed) and return the style id of each."""
    scratch = workbook.create_sheet("__hub_looks__")
    looks: dict[str, int] = {}
    for number, (number_format, lock, band, quote) in enumerate(
            product(FORMATS, LOCKS, BANDS, (False, True)), start=1):
        cell = scratch.cell(row=number, column=1)
        cell.number_format = number_format
        if lock:
            cell.protection = Protection(locked=lock == "locked")
        cell.fill = PatternFill("solid", fgColor=FILLS[band]) if band else PatternFill(None)
        cell.quotePrefix = quote
        looks[look_key(number_format, lock, band, quote)] = cell.style_id
    workbook.remove(scratch)
    return looks


def render_row(number: int, texts: Sequence[str], kinds: Sequence[str], *, editable: bool,
               unlocked: frozenset[int], days_column: int | None,
               looks: Mapping[str, int]) -> str:
    """One data row's XML as openpyxl writes what sync.sheets.xlsx_tabs.apply sets."""
    band = ""
    if editable and days_column is not None:
        days = texts[days_column] if days_column < len(texts) else ""
        band = (severity(int(days)) or "") if days.isdigit() else ""
    cells = []
    for index, text in enumerate(texts):
        kind = kinds[index] if index < len(kinds) else TEXT
        value = typed(text, kind)
        if kind != TEXT:
            number_format = NUMBER_FORMATS[kind] if not isinstance(value, str) else "General"
        else:
            number_format = TEXT_FORMAT if editable and index in unlocked else "General"
        lock = ("open" if index in unlocked else "locked") if editable else ""
        quote = isinstance(value, str) and is_formula_like(value)
        style = looks[look_key(number_format, lock, band if index else "", quote)]
        where = f'{column_letter(index)}{number}'
        shown = f' s="{style}"' if style else ""
        if value == "":
            if style:
                cells.append(f'<c r="{where}"{shown} t="n"></c>')
        elif isinstance(value, str):
            space = ' xml:space="preserve"' if value != value.strip() else ""
            cells.append(f'<c r="{where}"{shown} t="inlineStr"><is><t{space}>'
                         f'{escape(value)}</t></is></c>')
        else:
            number_text = str((value - SERIAL_EPOCH).days) if isinstance(value, date) \
                else "%.16g" % (value if not isinstance(value, Decimal) else float(value))
            cells.append(f'<c r="{where}"{shown} t="n"><v>{number_text}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def patch_sheet(xml: str, rows: Mapping[int, str], last_row: int,
                filter_ref: str | None) -> str:
    """The tab's XML with `rows` (row number -> row XML) put in, rows past `last_row`
    dropped, and the dimension and auto-filter following."""
    start = xml.index("<sheetData>") + len("<sheetData>")
    end = xml.index("</sheetData>")
    present = {int(match.group(1)): match.group(0)
               for match in _ROW.finditer(xml, start, end)}
    present.update(rows)
    body = "".join(present[number] for number in sorted(present) if number <= last_row)
    xml = xml[:start] + body + xml[end:]
    xml = re.sub(r'<dimension ref="A1:([A-Z]+)\d+"/>',
                 lambda match: f'<dimension ref="A1:{match.group(1)}{max(last_row, 1)}"/>',
                 xml, count=1)
    if filter_ref is not None:
        xml = re.sub(r'<autoFilter ref="[^"]*"', f'<autoFilter ref="{filter_ref}"', xml,
                     count=1)
    return xml


def rewrite(path: Path, members: Mapping[str, str]) -> None:
    """The workbook with some zip members replaced, written atomically beside it."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(path) as old, zipfile.ZipFile(temporary, "w") as new:
            for info in old.infolist():
                data = members[info.filename].encode("utf-8") \
                    if info.filename in members else old.read(info)
                new.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=1 if info.filename in members else None)
        with open(temporary, "rb") as saved:
            os.fsync(saved.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_member(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as workbook:
        return workbook.read(name).decode("utf-8")
