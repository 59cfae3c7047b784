"""`python app.py sheets sync|status` (SQLite and PostgreSQL)."""

from __future__ import annotations

from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.contract.conftest import BOB
from tests.contract.conftest import portfolio
from tests.contract.sheet_sides import XlsxSide


def run(hub: Hub, *args: str, **extra: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_TIMEZONE": "UTC", **extra}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_sync_writes_the_workbooks_and_status_lists_them(hub: Hub) -> None:
    portfolio(hub)

    result = run(hub, "sheets", "sync", "--as-of", "2026-11-23")

    assert result.exit_code == 0, result.output
    assert "Sales: 0 edit(s) taken in" in result.output
    assert "5 account row(s)" in result.output
    status = run(hub, "sheets", "status")
    assert "xlsx" in status.output
    assert "Sales" in status.output
    assert "ok" in status.output


def test_read_only_sync_takes_edits_in_and_names_bad_cells(hub: Hub) -> None:
    portfolio(hub)
    run(hub, "sheets", "sync", "--as-of", "2026-11-23")
    side = XlsxSide(XlsxBackend(hub.settings.var_dir / "sheets"), load_layout())
    side.edit("Sales", BOB, "B1", "status", "contacted")
    side.edit("Sales", BOB, "B2", "promise_date", "soon")
    side.edit("Sales", BOB, "B2", "promise_amount", "10")

    result = run(hub, "sheets", "sync", "--read-only", "--as-of", "2026-11-23")

    assert "sheets read-back (xlsx)" in result.output
    assert "2 edit(s) taken in" in result.output
    assert ("Sales / bob@example.com / B2: promise date: “soon” is not a date; write it like "
            "2026-12-31.") in result.output


def test_a_remote_backend_without_credentials_says_which_setting_is_missing(hub: Hub) -> None:
    result = run(hub, "sheets", "sync", "--backend", "google")

    assert result.exit_code == 2
    assert "HUB_GOOGLE_CREDENTIALS_FILE" in result.output


def test_a_bad_backend_setting_is_refused(hub: Hub) -> None:
    result = run(hub, "sheets", "status", HUB_SHEETS_BACKEND="excel")

    assert result.exit_code == 2
    assert "HUB_SHEETS_BACKEND must be xlsx, google, smartsheet or off" in result.output


def test_an_unreadable_google_key_file_is_named(hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "key.json"
    key.write_text("{not json", encoding="utf-8")

    result = run(hub, "sheets", "sync", HUB_SHEETS_BACKEND="google",
                 HUB_GOOGLE_CREDENTIALS_FILE=str(key), HUB_GOOGLE_SPREADSHEETS="*=abc")

    assert result.exit_code == 2
    assert "HUB_GOOGLE_CREDENTIALS_FILE" in result.output
    assert "key.json" in result.output
