"""`python app.py import preview FILE`: the onboarding page's guess and preview on the
command line, importing nothing; its mapping then imports the file exactly as previewed."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.ledger.tables import invoices

FILE = """Invoice #;Customer;Date;Due;Amount;Currency
R-1;K1;01.09.2026;01.10.2026;1.200,50;EUR
R-2;K2;15.09.2026;31.10.2026;80,00;EUR
R-3;K2;15.09.2026;31.13.2026;5,00;EUR
"""


def _invoke(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, list(args), env=env)


def _count(hub: Hub) -> int:
    with hub.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(invoices))
                   .scalar() or 0)


def test_preview_guesses_shows_rows_as_read_and_writes_a_mapping_that_imports_them(
        hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "offene-posten.csv"
    path.write_text(FILE, encoding="utf-8")
    before = _count(hub)
    guessed = _invoke(hub, "import", "preview", str(path))
    assert guessed.exit_code == 2
    assert "  invoice_number  ← Invoice #" in guessed.output
    assert "  issue_date      ← Date" in guessed.output  # as QuickBooks names it
    assert "  due_date        (not read)" in guessed.output
    assert ("error: offene-posten.csv cannot be imported without due_date: name the column "
            "with --column FIELD=COLUMN") in guessed.output
    mapping = tmp_path / "ours.yaml"
    shown = _invoke(hub, "import", "preview", str(path), "--column", "due_date=Due",
                    "--dates", "day-first", "--decimal", "comma",
                    "--write-mapping", str(mapping))
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert ("line 2: invoice_number=R-1, customer_id=K1, issue_date=2026-09-01, "
            "due_date=2026-10-01, currency=EUR, amount=1200.50") in lines
    assert any(line.startswith("line 4: rejected: Due: '31.13.2026' is not a date")
               for line in lines)
    assert lines[-1] == "2 rows read as invoices, 1 rejected"
    assert _count(hub) == before  # a preview imports nothing
    imported = _invoke(hub, "import", "invoices", str(path), "--mapping", str(mapping))
    assert imported.exit_code == 0, imported.output
    assert "  created            2" in imported.output
    assert "  rejected           1" in imported.output
    assert _count(hub) == before + 2


def test_a_column_the_file_lacks_is_refused_with_its_columns(hub: Hub,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "offene-posten.csv"
    path.write_text(FILE, encoding="utf-8")
    result = _invoke(hub, "import", "preview", str(path), "--column", "amount=Betrag")
    assert result.exit_code == 2
    assert ("error: --column amount=Betrag: offene-posten.csv has no column 'Betrag'; its "
            "columns: Invoice #, Customer, Date, Due, Amount, Currency") in result.output


def test_options_that_adjust_the_guess_are_refused_with_a_mapping_file(
        hub: Hub, tmp_path: Path) -> None:
    """With --mapping the file says how to read: --column and the like would be ignored,
    so they are refused with what to do, and nothing is written."""
    path = tmp_path / "offene-posten.csv"
    path.write_text(FILE, encoding="utf-8")
    mapping = tmp_path / "ours.yaml"
    written = _invoke(hub, "import", "preview", str(path), "--column", "due_date=Due",
                      "--dates", "day-first", "--decimal", "comma", "--write-mapping",
                      str(mapping))
    assert written.exit_code == 0, written.output
    kept = tmp_path / "other.yaml"
    refused = _invoke(hub, "import", "preview", str(path), "--mapping", str(mapping),
                      "--column", "currency=", "--write-mapping", str(kept))
    assert refused.exit_code == 2
    assert "--column, --write-mapping" in refused.output
    assert "leave --mapping out" in refused.output
    assert not kept.exists()
