"""`python app.py report ...` through click's runner, on the hand-worked ledger."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli


def run(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, ["report", *args], env=env, catch_exceptions=False)


def test_aging_table_is_aligned_with_thousands_separators(ledger: Hub) -> None:
    result = run(ledger, "aging", "--as-of", "2026-11-23", "--by", "owner")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Aging as of 2026-11-23, by owner (days past due; open invoices)"
    header = next(line for line in lines if line.startswith("owner"))
    bob = next(line for line in lines if line.startswith("bob@example.com"))
    # amounts right-aligned under their headers: the 1-30 column ends where its title does
    assert bob.index("2,000.00") + len("2,000.00") == header.index("1-30") + len("1-30")
    ann_eur = next(line for line in lines if line.startswith("ann@example.com  EUR"))
    assert ann_eur.split()[-2:] == ["1,100.00", "2"]
    # share line under ann's EUR row: 500/1100 = 45.5 %, 600/1100 = 54.5 %
    shares = lines[lines.index(ann_eur) + 1].split()
    assert shares[:3] == ["45.5%", "0.0%", "54.5%"]
    totals = [line for line in lines if line.startswith("TOTAL")]
    assert [t.split()[1] for t in totals] == ["EUR", "USD"]
    assert totals[0].split()[-2:] == ["3,100.00", "3"]
    assert "never added together" in result.output


def test_aging_csv_as_of_an_earlier_date(ledger: Hub) -> None:
    result = run(ledger, "aging", "--as-of", "2026-10-31", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["currency"] for r in rows] == ["EUR", "USD"]
    eur = rows[0]
    assert (eur["current"], eur["1_30"], eur["over_180"], eur["total"]) == (
        "2000.00", "600.00", "300.00", "2900.00")
    # 2000 / 2900 = 68.97 % -> 69.0; overdue 900 / 2900 = 31.03 -> 31.0
    assert (eur["current_pct"], eur["overdue_pct"], eur["count"]) == ("69.0", "31.0", "3")


def test_dso_json_carries_decimals_as_strings(ledger: Hub) -> None:
    result = run(ledger, "dso", "--as-of", "2026-11-23", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert (document["report"], document["as_of"], document["by"]) == (
        "dso", "2026-11-23", "currency")
    eur = document["rows"][0]
    assert eur == {"currency": "EUR", "receivables": "3100.00", "not_yet_due": "500.00",
                   "dso": "79.6", "best_possible_dso": "31.0",
                   "average_days_delinquent": "48.6", "simple_dso": "81.5",
                   "dso_complete": True}
    assert document["rows"][1]["simple_dso"] is None


def test_dso_table_marks_a_lower_bound(ledger: Hub) -> None:
    result = run(ledger, "dso", "--as-of", "2026-11-23", "--months", "3")
    usd = next(line for line in result.output.splitlines() if line.startswith("USD"))
    assert ">92.0" in usd


def test_cei_over_a_chosen_period(ledger: Hub) -> None:
    # 1-23 Nov: opening (31 Oct) 2900, of it 2000 not due; sales A-2 500;
    # closing 3100, 500 not due: (2900 + 500 - 3100) / (2900 + 500 - 500) = 10.3 %
    result = run(ledger, "cei", "--as-of", "2026-11-23", "--from", "2026-11-01",
                 "--format", "json")
    document = json.loads(result.output)
    assert (document["from"], document["to"]) == ("2026-11-01", "2026-11-23")
    assert document["rows"][0]["cei"] == "10.3"
    by_days = run(ledger, "cei", "--as-of", "2026-11-23", "--period-days", "23",
                  "--format", "json")
    assert json.loads(by_days.output)["rows"] == document["rows"]


def test_summary_table(ledger: Hub) -> None:
    result = run(ledger, "summary", "--as-of", "2026-11-23", "--by", "department")
    assert result.exit_code == 0, result.output
    assert "Receivables summary from 2026-10-24 to 2026-11-23, by department" in result.output
    sales = next(line for line in result.output.splitlines()
                 if line.startswith("sales") and "EUR" in line)
    # sales = ACME's EUR invoices. Opening on 23 Oct: A-1 600 + A-3 300 = 900;
    # invoiced A-2 500; collected A-3 300; no adjustments; outstanding 900 + 500 - 300
    assert sales.split()[2:7] == ["900.00", "500.00", "300.00", "0.00", "1,100.00"]


def test_empty_ledger_says_so(hub: Hub) -> None:
    result = run(hub, "aging", "--as-of", "2026-11-23")
    assert result.exit_code == 0
    assert result.output == "no open invoices as of 2026-11-23\n"
    as_json = run(hub, "aging", "--as-of", "2026-11-23", "--format", "json")
    assert json.loads(as_json.output)["rows"] == []


@pytest.mark.parametrize(("args", "message"), [
    (["cei", "--as-of", "2026-11-23", "--from", "2026-12-01"], "after it ends"),
    (["cei", "--from", "2026-11-01", "--period-days", "3"], "not both"),
])
def test_bad_periods_are_one_clear_line(hub: Hub, args: list[str], message: str) -> None:
    result = run(hub, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_date_is_refused_by_the_option(hub: Hub) -> None:
    result = run(hub, "aging", "--as-of", "23/11/2026")
    assert result.exit_code == 2
    assert "--as-of" in result.output
