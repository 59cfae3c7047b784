"""`python app.py import ...` as a person runs it."""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.services.imports import run as imports
from hub.services.imports.pipeline import read_ahead as run_in_child
from tests.integration.imports.conftest import INVOICE_HEADER
from tests.integration.imports.conftest import Writer

ROW = ["INV-1", "C1", "Acme BV", "2026-10-01", "2026-10-31", "EUR", "1250.00", "", "no", "no",
       "", "Goods"]


def _invoke(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_PROGRESS": "true"}
    return CliRunner().invoke(cli, ["import", *args], env=env)


def test_import_prints_what_happened(hub: Hub, write_csv: Writer) -> None:
    path = write_csv("open-items.csv", INVOICE_HEADER, [ROW, [*ROW[:6], "12,50", *ROW[7:]]])
    result = _invoke(hub, "invoices", str(path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:5] == ["invoices from open-items.csv (generic)",
                         "  created            1", "  updated            0",
                         "  unchanged          0", "  rejected           1"]
    assert "  customers created 1" in lines
    assert lines[-1] == ("rejected rows with their line and reason: "
                         f"{path.with_name('open-items.rejects.csv')}")
    assert "\r" not in result.output, "no progress bar when output is not a terminal"


def test_a_file_that_cannot_be_imported_is_one_clear_line(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Invoice;Client;Total\nINV-1;C1;10\n", encoding="utf-8")
    result = _invoke(hub, "invoices", str(path))
    assert result.exit_code == 2
    assert result.output.startswith("error: export.csv: missing required column(s) "
                                    "'invoice_number', 'customer_id', ")
    assert "columns found: 'Invoice', 'Client', 'Total'" in result.output
    assert "Traceback" not in result.output


def test_options_are_checked(hub: Hub, write_csv: Writer, tmp_path: Path) -> None:
    path = write_csv("open-items.csv", INVOICE_HEADER, [ROW])
    wrong_currency = _invoke(hub, "invoices", str(path), "--currency", "EURO")
    assert wrong_currency.exit_code == 2
    assert "error: --currency: 'EURO' is not an ISO 4217 currency code" in wrong_currency.output
    wrong_preset = _invoke(hub, "invoices", str(path), "--preset", "sage")
    assert "error: unknown preset 'sage'; presets: generic, ibm-late-payment," in \
        wrong_preset.output
    missing = _invoke(hub, "customers", str(tmp_path / "nowhere.csv"))
    assert missing.exit_code == 2
    assert "nowhere.csv: file not found" in missing.output


def test_presets_are_listed_with_their_columns(hub: Hub) -> None:
    result = _invoke(hub, "presets")
    assert result.exit_code == 0
    assert "  invoices: invoice_number←invoiceNumber, customer_id←customerID," in result.output


def test_a_large_file_is_read_in_a_second_process_with_the_same_outcome(
        hub: Hub, write_csv: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    readers: list[str] = []

    def spied(produce: Callable[[], Iterator[object]]) -> Iterator[object]:
        readers.append("started")
        return run_in_child(produce)

    monkeypatch.setattr(imports, "run_in_child", spied)
    rows = [[f"INV-{i}", f"C{i % 50}", f"Customer {i % 50}", "2026-10-01", "2026-10-31",
             "EUR", "10.00", "", "no", "no", "", ""] for i in range(imports.READ_AHEAD_ROWS)]
    rows[100][3] = "yesterday"
    result = _invoke(hub, "invoices", str(write_csv("big.csv", INVOICE_HEADER, rows)))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1:5] == ["  created       19,999", "  updated            0",
                          "  unchanged          0", "  rejected           1"]
    assert "  customers created 50" in lines
    assert readers == ["started"]


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write into: chmod 555, and for root (who ignores modes) the
    immutable flag as well. Skipped only where neither holds."""
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "open-items.csv").write_text(
        ",".join(INVOICE_HEADER) + "\n" + ",".join(ROW) + "\n"
        + ",".join([*ROW[:6], "12,50", *ROW[7:]]) + "\n", encoding="utf-8")
    folder.chmod(0o555)
    immutable = False
    try:
        probe = folder / ".probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:
            probe.unlink()
            immutable = os.system(f"chattr +i '{folder}' 2>/dev/null") == 0
            if not immutable:
                pytest.skip("this machine lets everyone write into a chmod 555 folder")
        yield folder
    finally:
        if immutable:
            os.system(f"chattr -i '{folder}'")
        folder.chmod(0o755)


def test_rejects_go_to_var_when_the_source_folder_is_read_only(
        hub: Hub, read_only_folder: Path) -> None:
    result = _invoke(hub, "invoices", str(read_only_folder / "open-items.csv"))
    assert result.exit_code == 0, result.output
    written = hub.settings.var_dir / "rejects" / "open-items.rejects.csv"
    assert result.output.splitlines()[-1] == (
        f"rejected rows with their line and reason: {written}")
    assert "12,50" in written.read_text(encoding="utf-8-sig")
    assert not (read_only_folder / "open-items.rejects.csv").exists()


def test_rejects_go_where_the_person_asks(hub: Hub, write_csv: Writer, tmp_path: Path) -> None:
    path = write_csv("open-items.csv", INVOICE_HEADER, [ROW, [*ROW[:6], "12,50", *ROW[7:]]])
    wanted = tmp_path / "checked" / "bad-rows.csv"
    result = _invoke(hub, "invoices", str(path), "--rejects", str(wanted))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].endswith(str(wanted))
    assert "12,50" in wanted.read_text(encoding="utf-8-sig")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    again = write_csv("more.csv", INVOICE_HEADER, [[*ROW[:6], "7,25", *ROW[7:]]])
    refused = _invoke(hub, "invoices", str(again), "--rejects", str(blocked / "bad-rows.csv"))
    assert refused.exit_code == 2
    assert refused.output.startswith(f"error: cannot write the rejects file {blocked}")
    assert "Traceback" not in refused.output
