"""`cycle`, `cycle runs` and `export holds` through click's runner, with the default
rule file (the real rules engine)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC
from datetime import datetime

from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.services.accounts.holds import hold_account
from tests.builders import add_customer
from tests.builders import add_invoice


def run(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _ledger(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME", owner="ann@example.com")
        add_invoice(connection, "I-1", acme, issued="2026-10-01", due="2026-11-01",
                    amount="900.00")
        evil = add_customer(connection, "=EVIL", name="=HYPERLINK(\"x\")")
        add_invoice(connection, "I-2", evil, issued="2026-10-01", due="2026-11-01",
                    amount="10.00")


def test_the_cycle_command_runs_once_per_day_and_refuses_going_back(hub: Hub) -> None:
    _ledger(hub)
    dry = run(hub, "cycle", "--as-of", "2026-11-23", "--dry-run")
    assert "(dry run: nothing was kept)" in dry.output
    assert "1 applied" in dry.output
    first = run(hub, "cycle", "--as-of", "2026-11-23")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("cycle 2026-11-23: done in ")
    assert "evaluated   2 (every account)" in first.output
    assert "1 applied" in first.output
    assert "1 messages queued" in first.output
    assert "ingest      skipped: nothing is configured" in first.output
    again = run(hub, "cycle", "--as-of", "2026-11-23")
    assert "0 applied" in again.output
    back = run(hub, "cycle", "--as-of", "2026-11-22")
    assert back.exit_code == 2
    assert "a cycle for 2026-11-23 has already run" in back.output
    history = run(hub, "cycle", "runs")
    assert history.exit_code == 0
    lines = history.output.splitlines()
    assert lines[1].split()[:3] == ["3", "2026-11-23", "done"]
    assert lines[-2].split()[:3] == ["1", "2026-11-23", "done*"]
    assert lines[-1] == "* dry run"


def test_export_holds_as_csv_and_json(hub: Hub, tmp_path: object) -> None:
    _ledger(hub)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    with hub.engine.begin() as connection:
        for code in ("ACME", "=EVIL"):
            hold_account(connection, customer_code=code, reason="pre-legal notice",
                         actor="ann", source="web", now=now)
    text = run(hub, "export", "holds").output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["customer_code"], r["on_hold_since"], r["open_balance"]) for r in rows] == [
        ("'=EVIL", "2026-11-23", "10.00"), ("ACME", "2026-11-23", "900.00")]
    assert rows[0]["customer_name"].startswith("'=")
    data = json.loads(run(hub, "export", "holds", "--format", "json").output)
    assert data["count"] == 2
    assert data["holds"][0]["customer_code"] == "=EVIL"  # JSON is data, never a formula


def test_export_holds_to_a_file(hub: Hub) -> None:
    _ledger(hub)
    target = hub.settings.var_dir / "out" / "holds.csv"
    result = run(hub, "export", "holds", "--output", str(target))
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("customer_code,customer_name")


def test_report_csv_escapes_a_formula_like_owner(hub: Hub) -> None:
    owner = '=HYPERLINK("http://x.invalid","owner")'
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME", owner=owner)
        add_invoice(connection, "A-1", acme, issued="2026-10-01", due="2026-10-31",
                    amount="900.00")
    text = run(hub, "report", "aging", "--by", "owner", "--format", "csv",
               "--as-of", "2026-11-23").output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["group"] == f"'{owner}"
    assert (rows[0]["total"], rows[0]["count"]) == ("900.00", "1")
