"""The fakes speak the services' protocols: gspread's and the Smartsheet SDK's own
high-level calls work against them, and errors come back in the services' shapes."""

from __future__ import annotations

import gspread  # noqa: TID251 (the fake is checked with the client itself)
import pytest
import smartsheet  # noqa: TID251 (the fake is checked with the client itself)
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.credentials import Credentials

from sync.sheets.gsheets import RedirectAdapter
from tests.fake_servers.google_sheets import Formula
from tests.fake_servers.google_sheets import GoogleSheetsFake
from tests.fake_servers.smartsheet import HUB_TOKEN
from tests.fake_servers.smartsheet import SmartsheetFake


def _gspread(fake: GoogleSheetsFake) -> gspread.Client:
    session = AuthorizedSession(Credentials(token="static-test-token"))
    session.mount("https://sheets.googleapis.com/", RedirectAdapter(fake.url))
    return gspread.Client(auth=None, session=session)  # type: ignore[arg-type]


def test_gspread_worksheet_calls_work_against_the_google_fake(
        google_fake: GoogleSheetsFake) -> None:
    google_fake.create("KEY", "Book")
    book = _gspread(google_fake).open_by_key("KEY")
    sheet = book.add_worksheet("It's mine", rows=10, cols=4)

    sheet.update([["a", "b"], ["1", "=1+1"]], "A1", raw=False)
    sheet.append_rows([["x", "y"]])
    assert sheet.get_all_values() == [["a", "b"], ["1", "#FORMULA"], ["x", "y"]]
    assert isinstance(google_fake.spreadsheets["KEY"].sheets[1].grid[1][1], Formula)
    assert sheet.batch_get(["A1:A2"])[0] == [["a"], ["1"]]
    sheet.batch_update([{"range": "B3", "values": [["=HACK()"]]}], raw=True)
    assert sheet.acell("B3").value == "=HACK()"  # RAW: text, never a formula
    sheet.delete_rows(1)
    assert sheet.get_all_values()[0] == ["1", "#FORMULA"]
    sheet.clear()
    assert sheet.get_all_values() == [[]]  # no "values" key: gspread pads to one empty row
    book.del_worksheet(sheet)
    assert [ws.title for ws in book.worksheets()] == ["Sheet1"]


def test_google_fake_errors_are_google_shaped(google_fake: GoogleSheetsFake) -> None:
    google_fake.create("KEY")
    client = _gspread(google_fake)
    with pytest.raises(gspread.SpreadsheetNotFound):
        client.open_by_key("MISSING")
    sheet = client.open_by_key("KEY").sheet1
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sheet.update([["x"]], "A1001")
    assert caught.value.code == 400
    assert "exceeds grid limits" in caught.value.error["message"]
    google_fake.fail_next(429, retry_after="3")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sheet.get_all_values()
    assert caught.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert caught.value.response.headers["Retry-After"] == "3"


def test_smartsheet_sdk_typed_calls_work_against_the_fake(
        smartsheet_fake: SmartsheetFake) -> None:
    client = smartsheet.Smartsheet(access_token=HUB_TOKEN, api_base=smartsheet_fake.url)
    client.errors_as_exceptions(True)
    created = client.Workspaces.create_sheet_in_workspace(4242, smartsheet.models.Sheet({
        "name": "Book", "columns": [{"title": "Name", "primary": True, "type": "TEXT_NUMBER"},
                                    {"title": "Status", "type": "PICKLIST",
                                     "options": ["open", "done"]}]})).result
    name, status = (column.id for column in created.columns)
    client.Sheets.add_rows(created.id, [smartsheet.models.Row(
        {"toBottom": True, "cells": [{"columnId": name, "value": "=SUM(1)"}]})])
    extra = client.Sheets.add_columns(created.id, [smartsheet.models.Column(
        {"title": "Note", "type": "TEXT_NUMBER", "index": 2})]).result
    sheet = client.Sheets.get_sheet(created.id)
    assert [column.title for column in sheet.columns] == ["Name", "Status", "Note"]
    assert sheet.rows[0].cells[0].value == "=SUM(1)"  # a value is never a formula
    row_id = sheet.rows[0].id
    client.Sheets.update_rows(created.id, [smartsheet.models.Row(
        {"id": row_id, "cells": [{"columnId": status, "value": "done"}]})])
    client.Sheets.delete_column(created.id, extra[0].id)
    client.Sheets.delete_rows(created.id, [row_id])
    assert list(client.Sheets.get_sheet(created.id).rows) == []
    assert [s.name for s in client.Sheets.list_sheets(include_all=True).data] == ["Book"]


def test_smartsheet_fake_enforces_500_rows_and_answers_with_error_codes(
        smartsheet_fake: SmartsheetFake) -> None:
    client = smartsheet.Smartsheet(access_token=HUB_TOKEN, api_base=smartsheet_fake.url,
                                   max_retry_time=0)
    client.errors_as_exceptions(True)
    created = client.Workspaces.create_sheet_in_workspace(4242, smartsheet.models.Sheet({
        "name": "Book", "columns": [{"title": "Name", "primary": True}]})).result
    column = created.columns[0].id
    rows = [smartsheet.models.Row({"toBottom": True, "cells": [{"columnId": column,
                                                                "value": str(n)}]})
            for n in range(501)]
    with pytest.raises(smartsheet.exceptions.ApiError) as caught:
        client.Sheets.add_rows(created.id, rows)
    assert caught.value.error.result.code == 1008
    assert "limit is 500" in caught.value.error.result.message
    smartsheet_fake.fail_next(4003)
    with pytest.raises(smartsheet.exceptions.RateLimitExceededError):
        client.Sheets.get_sheet(created.id)
    assert smartsheet_fake.log[-1].status == 429
    wrong = smartsheet.Smartsheet(access_token="nope", api_base=smartsheet_fake.url)
    wrong.errors_as_exceptions(True)
    with pytest.raises(smartsheet.exceptions.ApiError) as caught:
        wrong.Sheets.get_sheet(created.id)
    assert caught.value.error.result.code == 1002
