"""The structural `spreadsheets.batchUpdate` requests of a Google Sheets tab: a new tab, and
the formatting of its columns so finance can compute with them.

Amount columns get a NUMBER format `#,##0.00`, whole numbers `0`, dates a DATE format
`yyyy-mm-dd` (the hub writes them RAW as numbers and date serials), and the text columns
people type into a TEXT format, so a note that looks like a date stays text. The header row
carries a basic filter (the auto-filter buttons). A tab laid out by an older layout (its
headers differ) gets its validation, protection, colour rules and formats again for the
columns' new places; the hub's own old rules are removed first, found in the metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hub.domain.sheet_cells import AMOUNT
from hub.domain.sheet_cells import DATE
from hub.domain.sheet_cells import INTEGER
from hub.domain.sheet_cells import SUMMARY_KINDS
from hub.domain.sheet_cells import kind_of
from hub.domain.sheets import STATUSES
from hub.domain.sheets import SheetLayout
from sync.sheets.grid import column_letter

BANDS = ((90, {"red": 0.96, "green": 0.78, "blue": 0.76}),
         (30, {"red": 0.99, "green": 0.91, "blue": 0.70}),
         (1, {"red": 1.0, "green": 0.97, "blue": 0.88}))
NUMBER_FORMATS = {AMOUNT: {"type": "NUMBER", "pattern": "#,##0.00"},
                  INTEGER: {"type": "NUMBER", "pattern": "0"},
                  DATE: {"type": "DATE", "pattern": "yyyy-mm-dd"}}
TEXT_FORMAT = {"type": "TEXT"}
PROTECTED_SUFFIX = "written by Collections Hub"
_BAND_RULE = re.compile(r"=\$[A-Z]+2>=\d+")


def new_tab(sheet_id: int, title: str, size: tuple[int, int], layout: SheetLayout, *,
            owner_tab: bool) -> list[dict[str, Any]]:
    rows, width = size
    requests: list[dict[str, Any]] = [
        {"addSheet": {"properties": {"sheetId": sheet_id, "title": title, "gridProperties": {
            "rowCount": rows, "columnCount": width, "frozenRowCount": 1}}}},
        {"updateDimensionProperties": {
            "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 0,
                      "endIndex": 1},
            "properties": {"hiddenByUser": True}, "fields": "hiddenByUser"}},
        {"repeatCell": {"range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
    ]
    if owner_tab:
        requests.extend(tab_formats(sheet_id, layout, width))
    else:  # the summary: counts and balances are numbers finance can sum
        for index, kind in enumerate(SUMMARY_KINDS):
            if kind in NUMBER_FORMATS:
                requests.append({"repeatCell": {
                    "range": {"sheetId": sheet_id, "startRowIndex": 1,
                              "startColumnIndex": index, "endColumnIndex": index + 1},
                    "cell": {"userEnteredFormat": {"numberFormat": NUMBER_FORMATS[kind]}},
                    "fields": "userEnteredFormat.numberFormat"}})
    return requests


def column_format(name: str, editable: bool) -> dict[str, Any] | None:
    """The number format of a column: by its kind; TEXT where people type free text or a
    phone number (so "+31 6 ..." or "2026-12-31" stay what was typed)."""
    kind = kind_of(name)
    if kind in NUMBER_FORMATS:
        return NUMBER_FORMATS[kind]
    return TEXT_FORMAT if editable or name == "phone" else None


def tab_formats(sheet_id: int, layout: SheetLayout, width: int) -> list[dict[str, Any]]:
    """Validation, number formats, protection, colour rules and the basic filter of an
    owner's tab, for the layout's columns where the layout puts them."""

    def columns(index: int) -> dict[str, Any]:
        return {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": index,
                "endColumnIndex": index + 1}

    requests: list[dict[str, Any]] = []
    status = layout.index("status")
    requests.append({"setDataValidation": {"range": columns(status), "rule": {
        "condition": {"type": "ONE_OF_LIST",
                      "values": [{"userEnteredValue": value} for value in STATUSES]},
        "strict": True, "showCustomUi": True}}})
    for name in ("promise_date", "snooze_until"):
        if name in layout.fields:
            requests.append({"setDataValidation": {"range": columns(layout.index(name)),
                                                   "rule": {
                "condition": {"type": "DATE_IS_VALID"}, "strict": False,
                "inputMessage": "A date, for example 2026-12-31"}}})
    for index, column in enumerate(layout.columns):
        number_format = column_format(column.field, column.editable) if index else None
        if number_format is not None:
            requests.append({"repeatCell": {"range": columns(index), "cell": {
                "userEnteredFormat": {"numberFormat": number_format}},
                "fields": "userEnteredFormat.numberFormat"}})
    for column in layout.columns:
        if not column.editable:
            index = layout.index(column.field)
            requests.append({"addProtectedRange": {"protectedRange": {
                "range": {"sheetId": sheet_id, "startColumnIndex": index,
                          "endColumnIndex": index + 1},
                "description": f"{column.header}: {PROTECTED_SUFFIX}",
                "warningOnly": True}}})
    if "days_overdue" in layout.fields:
        letter = column_letter(layout.index("days_overdue"))
        for days, colour in reversed(BANDS):  # each goes first: the most severe wins
            requests.append({"addConditionalFormatRule": {"index": 0, "rule": {
                "ranges": [{"sheetId": sheet_id, "startRowIndex": 1,
                            "startColumnIndex": 1, "endColumnIndex": width}],
                "booleanRule": {"condition": {"type": "CUSTOM_FORMULA", "values": [
                    {"userEnteredValue": f"=${letter}2>={days}"}]},
                    "format": {"backgroundColor": colour}}}}})
    requests.append({"setBasicFilter": {"filter": {"range": {
        "sheetId": sheet_id, "startRowIndex": 0, "startColumnIndex": 0,
        "endColumnIndex": width}}}})
    return requests


def reformat(sheet: Mapping[str, Any], layout: SheetLayout, width: int) -> list[dict[str, Any]]:
    """A tab whose columns moved (an older layout): remove the hub's protected ranges and
    colour rules, clear validation, then format the columns where they stand now."""
    sheet_id = int(sheet["properties"]["sheetId"])
    requests: list[dict[str, Any]] = [
        {"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}}
        for protected in sheet.get("protectedRanges", [])
        if str(protected.get("description", "")).endswith(PROTECTED_SUFFIX)]
    rules = sheet.get("conditionalFormats", [])
    for index in reversed(range(len(rules))):  # highest first: indexes shift on delete
        values = rules[index].get("booleanRule", {}).get("condition", {}).get("values", [])
        if any(_BAND_RULE.fullmatch(str(value.get("userEnteredValue", "")))
               for value in values):
            requests.append({"deleteConditionalFormatRule": {"sheetId": sheet_id,
                                                             "index": index}})
    requests.append({"setDataValidation": {"range": {  # no rule: clears the old ones
        "sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": 1,
        "endColumnIndex": width}}})
    return [*requests, *tab_formats(sheet_id, layout, width)]
