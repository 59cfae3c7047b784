"""The reports page: figures, SVG charts, CSV and XLSX downloads, who may read it."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import load_workbook

from hub.bootstrap import Hub
from hub.domain.money import Money
from hub.ledger.tables import promises
from hub.services.accounts.promises import record_promise
from hub.services.accounts.tasks import mark_contacted
from hub.web import create_app
from tests.builders import add_invoice
from tests.web.conftest import add_staff
from tests.web.conftest import sign_in


def _promises(hub: Hub) -> None:
    """Due this month: one kept, one broken; two more still open (due later)."""
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        for code, due in (("ACME", date(2026, 11, 25)), ("CRUX", date(2026, 11, 30))):
            record_promise(connection, customer_code=code, amount=Money.of("100", "EUR"),
                           due_date=due, actor="ann@example.com", source="web", now=now)
        for due, state in ((date(2026, 11, 10), "broken"), (date(2026, 11, 15), "kept")):
            connection.execute(promises.insert().values(
                customer_id=1, currency="EUR", amount_minor=5000,
                promised_on=date(2026, 11, 1), due_date=due, state=state,
                actor="ann@example.com", source="web", created_at=now, updated_at=now))
        mark_contacted(connection, customer_code="ACME", actor="ann@example.com",
                       source="web", now=now)


def test_finance_reads_the_numbers_with_charts(staffed: Hub,
                                               as_user: Callable[[str], FlaskClient]) -> None:
    _promises(staffed)
    page = as_user("fin@example.com").get("/reports").get_data(as_text=True)
    assert "Aging on 2026-11-23" in page
    assert page.count("<svg") >= 4  # aging, DSO, CEI, promises
    assert "Open EUR by days overdue" in page
    assert "EUR\u00a03,100.00" in page  # A-1 600 + A-2 500 + B-1 2000 open, in the en locale
    assert "Promises kept" in page
    assert "50.0 %" in page
    assert "ann@example.com" in page  # productivity: a contact and two promises


def test_csv_and_xlsx_carry_the_same_exact_figures(staffed: Hub,
                                                   as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    response = client.get("/reports/aging.csv?as_of=2026-11-23")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    eur = next(r for r in rows if r["Currency"] == "EUR")
    assert eur["Total"] == "3100.00"
    assert eur["31-60"] == "600.00"
    book = load_workbook(io.BytesIO(client.get("/reports/aging.xlsx").data))
    sheet = book["aging"]
    header = [c.value for c in sheet[1]]
    values = {header[i]: c.value for i, c in enumerate(sheet[2])}
    assert Decimal(str(values["Total"])) == Decimal("3100.00")


def test_reports_are_not_for_collectors(staffed: Hub,
                                        as_user: Callable[[str], FlaskClient]) -> None:
    assert as_user("ann@example.com").get("/reports").status_code == 403
    assert as_user("ann@example.com").get("/reports/aging.csv").status_code == 403


def test_a_bad_parameter_is_named(staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    response = as_user("fin@example.com").get("/reports?months=99")
    assert response.status_code == 400
    assert "months" in response.get_json()["error"]["message"]
    assert as_user("fin@example.com").get("/reports/nope.csv").status_code == 404


def test_productivity_of_a_manager_shows_their_team_only(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    with staffed.engine.begin() as connection:
        mark_contacted(connection, customer_code="BOLT", actor="bob@example.com",
                       source="web", now=staffed.clock.now())
        mark_contacted(connection, customer_code="ACME", actor="ann@example.com",
                       source="web", now=staffed.clock.now())
        assert connection.execute(sa.text("select count(*) from events")).scalar()
    text = as_user("mia@example.com").get("/reports/productivity.csv").get_data(as_text=True)
    assert "ann@example.com" in text
    assert "bob@example.com" not in text


def test_numbers_are_formatted_for_the_readers_locale_downloads_stay_raw(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    with staffed.engine.begin() as connection:
        add_invoice(connection, "BIG-1", 2, issued="2026-08-01", due="2026-09-01",
                    amount="1090816.14")  # 61-90 days late; 1,093,916.14 EUR open in all
    client = as_user("fin@example.com")
    english = client.get("/reports").get_data(as_text=True)
    assert "EUR\u00a01,093,916.14" in english  # the "Open" figure
    assert ">1,090,816.14<" in english  # its aging bucket in the table
    assert "1093916.14" not in english
    assert "1090816.14" not in english
    dutch = client.get("/reports", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "EUR\u00a01.093.916,14" in dutch
    assert ">1.090.816,14<" in dutch
    assert "1093916.14" not in dutch
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/aging.csv").get_data(as_text=True))))
    assert next(r for r in rows if r["Currency"] == "EUR")["Total"] == "1093916.14"


def test_month_end_labels_are_the_last_days_of_the_months(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    page = client.get("/reports?as_of=2026-12-02&months=3").get_data(as_text=True)
    assert "2026-11-30" in page
    assert "2026-10-31" in page
    assert "2026-09-30" in page
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/dso.csv?as_of=2026-12-02&months=3").get_data(as_text=True))))
    ends = sorted({r["Month end"] for r in rows})
    assert ends == ["2026-09-30", "2026-10-31", "2026-11-30"]


def test_an_empty_ledger_says_no_data_yet_not_an_empty_axis(hub: Hub) -> None:
    add_staff(hub)
    client = create_app(hub, {"TESTING": True}).test_client()
    sign_in(client, "fin@example.com")
    page = client.get("/reports").get_data(as_text=True)
    assert "No data yet" in page
    assert 'class="axis"' not in page  # no 0-1 scale drawn around nothing


def test_two_years_of_dso_labels_never_overlap(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    page = as_user("fin@example.com").get("/reports?months=24").get_data(as_text=True)
    svg = page[page.index('<section class="card report" id="dso"'):]
    svg = svg[svg.index("<svg"):svg.index("</svg>")]
    labels = [(float(x), text) for x, text in
              re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]+)</text>',
                         svg)]
    assert len(labels) >= 4  # thinned, not dropped
    assert labels[-1][1] == "2026-10"  # the newest month is always named
    width = 11 * 0.6  # the stylesheet's 11 px font: about 0.6 em a character
    for (x1, a), (x2, b) in itertools.pairwise(labels):
        assert x2 - x1 >= (len(a) + len(b)) / 2 * width, (a, b)
