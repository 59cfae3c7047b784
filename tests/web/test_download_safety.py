"""Every CSV and XLSX download of the web app, fed hostile text in every field a person or
an import can set: no cell a spreadsheet would run as a formula, and amounts still numbers.

The routes are found in the app's URL map, so a new download is walked without editing
this test (a new route argument must be given values in ARGUMENT_VALUES, or the test says
so)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from werkzeug.routing import Rule

from hub.bootstrap import Hub
from hub.domain.cells import is_formula_like
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import messages
from hub.services.accounts.tasks import mark_contacted
from hub.web.report_tables import TABLES
from tests.builders import add_invoice

OWNER = '=HYPERLINK("http://x.invalid","owner")'  # the owner field
HOSTILE = {
    "owner": OWNER,
    "actor": "+cmd@x.invalid|' /C calc'!A0",  # a person in the productivity report
    "ladder": "-2+3+cmd|' /C calc'!A0",
    "step": "@SUM(1+1)*cmd|' /C calc'!A0",
    "channel": "\t=1+2",
    "name": "\r=1+2 Corp",
    "note": "=1+2",
}
# The values in the downloads (a step is shown as "ladder: step").
EXPECTED = (OWNER.lower(), HOSTILE["actor"].lower(), f"{HOSTILE['ladder']}: {HOSTILE['step']}",
            HOSTILE["channel"])
ARGUMENT_VALUES = {"name": list(TABLES), "fmt": ["csv", "xlsx"]}
DOWNLOAD_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
QUERY = "?as_of=2026-11-23&months=12"


def _hostile_ledger(hub: Hub) -> None:
    """Hostile text in the fields the reports show, and a USD credit, so the USD aging row
    has a negative amount."""
    now = hub.clock.now()
    stamp = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with hub.engine.begin() as c:
        ids = {row.code: row.id for row in c.execute(sa.select(customers.c.code, customers.c.id))}
        c.execute(sa.update(customers).where(customers.c.code == "ACME")
                  .values(owner=HOSTILE["owner"], name=HOSTILE["name"]))
        mark_contacted(c, customer_code="BOLT", actor=HOSTILE["actor"], source="web", now=now,
                       note=HOSTILE["note"])
        c.execute(applied_decisions.insert().values(
            decision_key="hostile-1", customer_id=ids["ACME"], rule="r", source="rules.yaml",
            ladder=HOSTILE["ladder"], step=HOSTILE["step"], applied_on=date(2026, 11, 2),
            facts={}, actions=[], applied_at=stamp))
        c.execute(messages.insert().values(
            idempotency_key="hostile-1", customer_code="ACME", recipient_kind="debtor",
            channels=[HOSTILE["channel"]], channel=HOSTILE["channel"], skipped_channels=[],
            template="reminder", language="en", context={}, state="sent", attempts=1,
            next_attempt_at=stamp, sent_at=stamp, created_at=stamp, updated_at=stamp))
        # a credit note in a month that has ended: the reports cover whole calendar months
        add_invoice(c, "C-CR", ids["CRUX"], issued="2026-10-01", due="2026-10-31",
                    amount="-1000.00", currency="USD")


def _urls(rule: Rule) -> list[str]:
    missing = set(rule.arguments) - set(ARGUMENT_VALUES)
    assert not missing, f"{rule.rule}: give test values for {sorted(missing)} in ARGUMENT_VALUES"
    combos: list[dict[str, str]] = [{}]
    for name in sorted(rule.arguments):
        combos = [{**combo, name: value} for combo in combos for value in ARGUMENT_VALUES[name]]
    return [rule.build(combo, append_unknown=False)[1] for combo in combos]


def _download_urls(app: Flask, client: FlaskClient) -> list[str]:
    """Routes that name a CSV or XLSX, plus every GET page without arguments that answers
    with one of those types."""
    found: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if any(marker in rule.rule for marker in (".csv", ".xlsx", ".<")):
            found.extend(_urls(rule))
        elif not rule.arguments:
            response = client.get(rule.rule)
            if response.mimetype in DOWNLOAD_TYPES:
                found.append(rule.rule)
    return found


def _plain_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _check_csv(url: str, body: str, seen: set[str], numbers: list[Decimal]) -> None:
    for line, row in enumerate(csv.reader(io.StringIO(body)), start=1):
        for cell in row:
            assert not (is_formula_like(cell) and not _plain_number(cell)), (url, line, cell)
            if cell.startswith("'"):
                seen.add(cell[1:])
            elif cell and _plain_number(cell):
                numbers.append(Decimal(cell))


def _check_xlsx(url: str, body: bytes, seen: set[str], numbers: list[Decimal]) -> None:
    book = load_workbook(io.BytesIO(body))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and is_formula_like(cell.value):
                    assert cell.data_type == "s", (url, cell.coordinate)
                    assert cell.quotePrefix, (url, cell.coordinate, cell.value)
                    seen.add(cell.value)
                elif isinstance(cell.value, int | float):
                    numbers.append(Decimal(str(cell.value)))


@pytest.fixture
def hostile(staffed: Hub) -> Hub:
    _hostile_ledger(staffed)
    return staffed


def test_no_download_carries_a_live_formula(hostile: Hub, staff_app: Flask,
                                            as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    urls = _download_urls(staff_app, client)
    assert "/reports/productivity.xlsx" in urls
    assert "/reports/productivity.csv" in urls
    csv_seen: set[str] = set()
    xlsx_seen: set[str] = set()
    numbers: list[Decimal] = []
    csv_numbers: list[Decimal] = []
    for url in urls:
        response = client.get(url + QUERY)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        if response.mimetype == "text/csv":
            _check_csv(url, response.get_data(as_text=True), csv_seen, csv_numbers)
        else:
            assert response.mimetype == DOWNLOAD_TYPES[1], url
            _check_xlsx(url, response.data, xlsx_seen, numbers)
    for value in EXPECTED:  # the walk did meet every hostile value, escaped
        assert value in csv_seen, value
        assert value in xlsx_seen, value
    assert Decimal("-1000.00") in numbers  # a negative amount stays a number cell
    assert Decimal("-1000.00") in csv_numbers  # and a plain number in a CSV


def test_the_productivity_report_shows_the_owner_as_text(
        hostile: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    """The issue's case, as finance sees it in the files."""
    client = as_user("fin@example.com")
    body = client.get(f"/reports/productivity.csv{QUERY}").get_data(as_text=True)
    assert f"'{OWNER.lower()}" in body.replace('""', '"')
    book = load_workbook(io.BytesIO(client.get(f"/reports/productivity.xlsx{QUERY}").data))
    cells = [c for row in book.active.iter_rows() for c in row if c.value == OWNER.lower()]
    assert len(cells) == 1
    assert cells[0].data_type == "s"
