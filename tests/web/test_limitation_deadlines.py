"""A claim nearing limitation is a `limitation_warning` task per invoice that names the
invoice and its last day, where people look: the worklist (web and sheet), the timeline
and the digest. End to end: import -> cycle with the shipped rule file -> what people see."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.cli import cli
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import events
from hub.ledger.tables import messages
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.services.staff.auth import set_password
from hub.web import create_app
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.contract.sheet_sides import XlsxSide
from tests.web.conftest import PASSWORD
from tests.web.conftest import sign_in

OLD_1 = "invoice OLD-1, last day 2026-12-10"  # UK: six years from the due date
OLD_2 = "invoice OLD-2, last day 2027-01-15"


def _csv(folder: Path, name: str, rows: Sequence[Sequence[str]]) -> str:
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def _import(hub: Hub, tmp_path: Path) -> None:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    files = [("customers", _csv(tmp_path, "customers.csv", [
        ["customer_id", "name", "kind", "country", "owner", "department", "contact_email"],
        ["OLDCO", "Old Co Ltd", "B2B", "GB", "ann@example.com", "sales", "ap@old.example"]])),
        ("invoices", _csv(tmp_path, "invoices.csv", [
            ["invoice_number", "customer_id", "issue_date", "due_date", "currency", "amount"],
            ["OLD-1", "OLDCO", "2020-11-10", "2020-12-10", "GBP", "700.00"],
            ["OLD-2", "OLDCO", "2020-12-15", "2021-01-15", "GBP", "300.00"],
            ["NEW-1", "OLDCO", "2026-09-01", "2026-10-01", "GBP", "100.00"]]))]
    with hub.engine.begin() as connection:  # owners are users before the import
        upsert_users(connection, [User(email=email, name=name, role=Role.COLLECTOR,
                                       department=department)
                                  for email, name, department in (
                                      ("ann@example.com", "Ann", "sales"),
                                      ("legal@example.com", "Lee Legal", "legal"))],
                     hub.clock.now())
        set_password(connection, "legal@example.com", PASSWORD, actor="test",
                     now=hub.clock.now())
    for kind, path in files:
        result = CliRunner().invoke(cli, ["import", kind, path], env=env)
        assert result.exit_code == 0, result.output


def test_each_claim_nearing_limitation_is_named_with_its_last_day(
        hub: Hub, tmp_path: Path) -> None:
    _import(hub, tmp_path)
    report = build_cycle(hub).run(cycle_options(hub, as_of=hub.clock.today(), actor="tests"))
    assert report.status == "done", report.errors

    with hub.engine.connect() as connection:
        warnings = connection.execute(
            sa.select(tasks.c.task_type, tasks.c.assignee, tasks.c.due_date, tasks.c.reason)
            .where(tasks.c.task_type.like("%warning%")).order_by(tasks.c.id)).all()
        timeline = [row[0] for row in connection.execute(
            sa.select(events.c.summary).where(events.c.kind == "task.created"))]
        digest = connection.execute(
            sa.select(messages.c.context).where(messages.c.template == "digest",
                                                messages.c.recipient == "legal@example.com")
        ).scalar_one()
    # one task per invoice, for legal (the shipped rule's team), due today
    assert [(row.task_type, row.assignee, row.due_date) for row in warnings] == [
        ("limitation_warning", "legal@example.com", hub.clock.today())] * 2
    assert [row.reason.split(";")[0] for row in warnings] == [
        "invoice OLD-1: last day 2026-12-10 (the claim is time-barred after it)",
        "invoice OLD-2: last day 2027-01-15 (the claim is time-barred after it)"]
    assert sum("invoice OLD-1: last day 2026-12-10" in line for line in timeline) == 1
    assert sum("invoice OLD-2: last day 2027-01-15" in line for line in timeline) == 1

    client = create_app(hub, {"TESTING": True}).test_client()
    sign_in(client, "legal@example.com")
    page = client.get("/worklist").get_data(as_text=True)
    assert f"Act before the claim expires: {OLD_1}; {OLD_2}" in page

    side = XlsxSide(XlsxBackend(hub.settings.var_dir / "sheets"), load_layout())
    # legal holds the work: it is on legal's tab and digest, as on legal's worklist
    [row] = [row for row in side.rows("sales", "legal@example.com") if row["key"] == "OLDCO"]
    assert row["next_action"].endswith(f"{OLD_1}; {OLD_2}")

    context = digest if isinstance(digest, dict) else json.loads(digest)
    [account] = [a for a in context["accounts"] if a["code"] == "OLDCO"]
    assert account["next_action"].endswith(f"{OLD_1}; {OLD_2}")
