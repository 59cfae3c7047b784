"""Onboarding a creditor on the web (docs/creditors.md#onboarding): a platform admin
creates it with its admin; the admin uploads an open-items file, sees the columns guessed
and the first rows as the import reads them, changes the mapping, imports, and simulates
and starts a first campaign. Bad files and wrong mappings say what is wrong and where."""

from __future__ import annotations

import csv
import gc
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.current import acting_for
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.services.staff.creditors import creditor_by_code
from tests.web.conftest import PASSWORD
from tests.web.conftest import csrf_from
from tests.web.conftest import sign_in

IBM = "ibm-late-payment-histories.csv"


def _csrf(client: FlaskClient) -> str:
    return csrf_from(client.get("/onboarding").get_data(as_text=True))


def _new_creditor(client: FlaskClient, code: str = "nova",
                  admin: str = "boss@nova.example") -> object:
    return client.post("/onboarding/creditor", data={
        "csrf_token": _csrf(client), "code": code, "name": f"{code.title()} Ltd",
        "admin_email": admin, "admin_name": "Nova Boss", "admin_password": PASSWORD})


@pytest.fixture
def nova(staff_app: Flask) -> FlaskClient:
    """Nova's admin, signed in, after the platform admin created nova."""
    platform = staff_app.test_client()
    sign_in(platform, "adm@example.com")
    assert _new_creditor(platform).status_code == 302
    admin = staff_app.test_client()
    sign_in(admin, "boss@nova.example")
    return admin


def _upload(client: FlaskClient, path: Path) -> tuple[int, str]:
    with path.open("rb") as handle:
        answer = client.post("/onboarding/file", data={
            "csrf_token": _csrf(client), "file": (handle, path.name)},
            content_type="multipart/form-data")
    if answer.status_code == 302:
        answer = client.get("/onboarding/file")
    return answer.status_code, answer.get_data(as_text=True)


def _choose(client: FlaskClient, page: str, default_currency: str = "USD",
            **changes: str) -> tuple[int, str]:
    data = {f"map-{name}": _selected(page, name)
            for name in re.findall(r'name="map-(\w+)"', page)}
    data["currency"] = default_currency
    for setting in ("dates", "decimal"):
        if setting in changes:
            data[setting] = changes.pop(setting)
    data.update({f"map-{name}": column for name, column in changes.items()})
    data["csrf_token"] = _csrf(client)
    answer = client.post("/onboarding/mapping", data=data)
    if answer.status_code == 302:
        answer = client.get("/onboarding/file")
    return answer.status_code, answer.get_data(as_text=True)


def _selected(page: str, field: str) -> str:
    block = re.search(rf'name="map-{field}".*?</select>', page, re.S)
    assert block is not None
    found = re.search(r'<option value="([^"]*)" selected', block.group(0))
    return found.group(1) if found else ""


def _row(page: str, line: int) -> dict[str, str]:
    row = re.search(rf'<tr data-line="{line}"[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None, f"no row for line {line}"
    return dict(re.findall(r'data-col="(\w+)">([^<]*)<', row.group(1)))


def test_only_a_platform_admin_creates_a_creditor_and_is_granted_it(
        staff_app: Flask, staffed: Hub) -> None:
    platform = staff_app.test_client()
    sign_in(platform, "adm@example.com")
    assert "New creditor" in platform.get("/onboarding").get_data(as_text=True)
    answer = _new_creditor(platform)
    assert answer.status_code == 302
    page = platform.get("/onboarding").get_data(as_text=True)
    assert "You act for Nova Ltd" in page  # granted, and switched to it
    with staffed.engine.connect() as connection:
        assert creditor_by_code(connection, "nova").name == "Nova Ltd"
    # another one made while acting for nova: in the hub's own audit log, not nova's
    assert _new_creditor(platform, code="vega", admin="boss@vega.example").status_code == 302
    platform.post("/creditors", data={"csrf_token": _csrf(platform), "creditor": "1"})
    audit = platform.get("/admin/audit").get_data(as_text=True)
    assert "creditor:nova" in audit
    assert "creditor:vega" in audit
    # the same code again: refused with the reason, nothing added
    again = _new_creditor(platform, admin="other@nova.example")
    assert again.status_code == 422
    assert "a creditor with code &#39;nova&#39; exists already" in again.get_data(as_text=True)
    nova_admin = staff_app.test_client()
    sign_in(nova_admin, "boss@nova.example")
    assert "New creditor" not in nova_admin.get("/onboarding").get_data(as_text=True)
    assert _new_creditor(nova_admin, code="evil", admin="x@evil.example").status_code == 403
    finance = staff_app.test_client()
    sign_in(finance, "fin@example.com")
    assert finance.get("/onboarding").status_code == 403


def test_a_duplicate_code_or_address_is_refused_with_the_reason(staff_app: Flask) -> None:
    platform = staff_app.test_client()
    sign_in(platform, "adm@example.com")
    answer = _new_creditor(platform, code="default", admin="new@x.example")
    assert answer.status_code == 422
    assert "a creditor with code &#39;default&#39; exists already" in answer.get_data(
        as_text=True)
    answer = _new_creditor(platform, code="nova", admin="ann@example.com")
    assert answer.status_code == 422
    assert "ann@example.com is a user already" in answer.get_data(as_text=True)


def test_the_ibm_file_is_guessed_previewed_and_imported_with_the_admin_as_owner(
        nova: FlaskClient, staffed: Hub, shared_data: Path, tmp_path: Path) -> None:
    source = tmp_path / IBM
    shutil.copy(shared_data / "ar" / IBM, source)
    status, page = _upload(nova, source)
    assert status == 200, re.findall(r'id="file-problem">([^<]*)', page)
    assert "ibm-late-payment" in page  # the preset whose columns fit
    assert _selected(page, "invoice_number") == "invoiceNumber"
    assert _selected(page, "amount") == "InvoiceAmount"
    assert _selected(page, "due_date") == "DueDate"
    assert _selected(page, "settled_on") == "SettledDate"
    # line 2 of the file: 0379-NEVHP,...,0000611365,1/2/2013,2/1/2013,55.94,No,1/15/2013
    assert _row(page, 2) == {"invoice_number": "0000611365", "customer_id": "0379-NEVHP",
                             "segment": "country-391", "issue_date": "2013-01-02",
                             "due_date": "2013-02-01", "currency": "USD", "amount": "55.94",
                             "disputed": "no", "description": "Paper bill",
                             "settled_on": "2013-01-15"}
    assert "2,466 rows read as invoices, 0 rejected" in page
    # open items: the settlement column is not read
    status, page = _choose(nova, page, settled_on="")
    assert status == 200
    assert _selected(page, "settled_on") == ""
    assert "settled_on" not in _row(page, 2)
    assert "SettledDate" in page.split("Columns not read:")[1].split(".")[0]
    answer = nova.post("/onboarding/import", data={"csrf_token": _csrf(nova),
                                                   "owner": "boss@nova.example"})
    assert answer.status_code == 302
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with staffed.engine.connect() as connection:
        nova_id = creditor_by_code(connection, "nova").id
        with acting_for(nova_id):
            owners = dict(connection.execute(sa.select(customers.c.code, customers.c.owner))
                          .all())
            total = connection.execute(sa.select(sa.func.sum(invoices.c.open_minor))).scalar()
    assert len(owners) == len({r["customerID"] for r in rows}) == 100
    assert set(owners.values()) == {"boss@nova.example"}
    assert Decimal(total) / 100 == sum(Decimal(r["InvoiceAmount"]) for r in rows)
    done = nova.get("/onboarding/file").get_data(as_text=True)
    assert "2466 invoices created" in done
    assert "100 customers given the owner" in done
    # the default creditor's ledger got none of it
    with staffed.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(invoices)
                                  .where(invoices.c.number == "0000611365")).scalar() == 0


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


OPEN_ITEMS = """Invoice No;Customer;Customer name;Invoice date;Due date;Amount;Currency
INV-1;C1;Cyan BV;2026-09-01;2026-10-01;1200.50;EUR
INV-2;C2;Magenta BV;2026-09-15;2026-31-10;80.00;EUR
INV-3;C1;Cyan BV;2026-10-01;2026-10-31;abc;EUR
"""


def test_a_bad_row_is_shown_with_its_line_and_reason_and_a_wrong_mapping_too(
        nova: FlaskClient, tmp_path: Path) -> None:
    status, page = _upload(nova, _write(tmp_path / "open-items.csv", OPEN_ITEMS))
    assert status == 200
    assert _selected(page, "invoice_number") == "Invoice No"
    assert _selected(page, "customer_id") == "Customer"
    assert _selected(page, "issue_date") == "Invoice date"
    assert _selected(page, "amount") == "Amount"
    assert _row(page, 2)["amount"] == "1200.50"
    assert _row(page, 3)["problem"].startswith("Due date: &#39;2026-31-10&#39; is not a date")
    assert _row(page, 4)["problem"].startswith("Amount: &#39;abc&#39;")
    assert "1 rows read as invoices, 2 rejected" in page
    # a wrong mapping: the amount read from the customer's name
    status, page = _choose(nova, page, amount="Customer name", default_currency="EUR")
    assert status == 200
    assert "Cyan BV" in _row(page, 2)["problem"]
    # a required field left out: the whole file is refused, naming the field
    status, page = _choose(nova, page, amount="", default_currency="EUR")
    assert status == 200
    assert 'id="preview"' not in page
    assert "open-items.csv cannot be imported without amount: choose the column" in page
    # a column the file does not have
    answer = nova.post("/onboarding/mapping", data={"csrf_token": _csrf(nova),
                                                    "map-amount": "Betrag"})
    assert answer.status_code == 422
    assert "has no column &#39;Betrag&#39;" in answer.get_data(as_text=True)


EUROPEAN = """Rechnungsnr;Kunde;Rechnungsdatum;Faelligkeit;Betrag;Waehrung
R-1;K1;01.09.2026;01.10.2026;1.200,50;EUR
R-2;K2;15.09.2026;31.10.2026;80,00;EUR
"""


def test_dates_and_amounts_are_read_in_the_styles_chosen(nova: FlaskClient,
                                                        tmp_path: Path) -> None:
    status, page = _upload(nova, _write(tmp_path / "offene-posten.csv", EUROPEAN))
    assert status == 200
    # no preset knows these headings: each field is chosen by hand
    assert _selected(page, "invoice_number") == ""
    assert "cannot be imported without invoice_number, customer_id, issue_date" in page
    columns = {"invoice_number": "Rechnungsnr", "customer_id": "Kunde",
               "issue_date": "Rechnungsdatum", "due_date": "Faelligkeit", "amount": "Betrag",
               "currency": "Waehrung"}
    status, page = _choose(nova, page, **columns, dates="iso", decimal="dot",
                           default_currency="")
    assert status == 200
    assert _row(page, 2)["problem"].startswith("Rechnungsdatum: &#39;01.09.2026&#39; is not "
                                               "a date; expected iso")
    status, page = _choose(nova, page, **columns, dates="day-first,iso", decimal="comma",
                           default_currency="")
    assert status == 200
    assert _row(page, 2) == {"invoice_number": "R-1", "customer_id": "K1",
                             "issue_date": "2026-09-01", "due_date": "2026-10-01",
                             "currency": "EUR", "amount": "1200.50"}
    assert _row(page, 3)["due_date"] == "2026-10-31"
    assert "2 rows read as invoices, 0 rejected" in page


def test_a_file_that_cannot_be_read_is_refused_and_the_one_before_is_kept(
        nova: FlaskClient, tmp_path: Path) -> None:
    _upload(nova, _write(tmp_path / "open-items.csv", OPEN_ITEMS))
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"Invoice No;Customer\nINV-1;\x81C1\n")
    status, page = _upload(nova, broken)
    assert status == 422
    assert "broken.csv" in page
    assert "line 2" in page
    assert "Columns of open-items.csv" in page  # the file before is still there
    status, page = _upload(nova, _write(tmp_path / "notes.pdf", "%PDF-1.4"))
    assert status == 422
    assert "notes.pdf: upload the open items as a CSV or XLSX file" in page
    status, page = _upload(nova, _write(tmp_path / "empty.csv", ""))
    assert status == 422
    assert "empty.csv is empty" in page


def test_an_xlsx_file_with_title_lines_reads_like_the_csv(nova: FlaskClient,
                                                         tmp_path: Path) -> None:
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Open items per 23.11.2026"])
    sheet.append([])
    sheet.append(["Invoice No", "Customer", "Invoice date", "Due date", "Amount", "Currency"])
    sheet.append(["INV-1", "C1", date(2026, 9, 1), date(2026, 10, 1), 1200.5, "EUR"])
    sheet.append(["INV-2", "C2", date(2026, 9, 15), "not a date", 80, "EUR"])
    path = tmp_path / "open-items.xlsx"
    book.save(path)
    status, page = _upload(nova, path)
    assert status == 200
    assert _selected(page, "due_date") == "Due date"
    assert _row(page, 4) == {"invoice_number": "INV-1", "customer_id": "C1",
                             "issue_date": "2026-09-01", "due_date": "2026-10-01",
                             "currency": "EUR", "amount": "1200.50"}
    assert "not a date" in _row(page, 5)["problem"]


def test_the_first_campaign_is_simulated_over_30_days_then_started(
        nova: FlaskClient, staffed: Hub, tmp_path: Path) -> None:
    _upload(nova, _write(tmp_path / "open-items.csv", OPEN_ITEMS.replace("2026-31-10",
                                                                         "2026-10-31")
                         .replace("abc", "300.00")))
    assert nova.post("/onboarding/import", data={"csrf_token": _csrf(nova)}).status_code == 302
    page = nova.get("/onboarding/campaign?template=standard").get_data(as_text=True)
    assert 'value="email" selected' in page
    form = {"csrf_token": _csrf(nova), "template": "standard", "target": "filter",
            "name": "Welcome", "step-1-channel": "sms", "step-1-day": "0",
            "step-2-channel": "email", "step-2-day": "5", "step-3-channel": "letter",
            "step-3-day": "14", "step-4-channel": "call", "step-4-day": "21",
            "tone": "standard", "stop_when": ["promise", "plan"], "action": "simulate"}
    answer = nova.post("/onboarding/campaign", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    day0 = re.search(r'<tr data-day="0">(.*?)</tr>', page, re.S)
    assert day0 is not None
    cells = day0.group(1)
    assert re.search(r'data-channel="sms">2<', cells)  # both customers, SMS first
    assert 'data-col="reached">2<' in cells
    # C1 owes 1200.50 + 300.00 overdue, C2 80.00 (all due before 2026-11-23)
    assert "1,580.50" in cells
    # the e-mail's day 5 is Saturday 2026-11-28: it waits for Monday, as the cycle would
    day5 = re.search(r'<tr data-day="5">(.*?)</tr>', page, re.S)
    day7 = re.search(r'<tr data-day="7">(.*?)</tr>', page, re.S)
    assert day5 is not None
    assert re.search(r'data-channel="email"><', day5.group(1))
    assert day7 is not None
    assert re.search(r'data-channel="email">2<', day7.group(1))
    assert "2026-11-30" in day7.group(1)
    form["action"] = "start"
    answer = nova.post("/onboarding/campaign", data=form)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/campaigns/welcome")
    shown = nova.get("/onboarding").get_data(as_text=True)
    assert "Welcome" in shown
    assert "started on 2026-11-23" in shown


def _selection(page: str) -> str:
    found = re.search(r'<section class="card" aria-labelledby="selection-h".*?</section>', page,
                      re.S)
    assert found is not None, "no selection shown"
    return re.sub(r"\s+", " ", found.group(0))


def test_the_first_campaign_can_be_narrowed_with_the_campaign_form_s_selection(
        nova: FlaskClient, staffed: Hub, tmp_path: Path) -> None:
    _upload(nova, _write(tmp_path / "open-items.csv", OPEN_ITEMS.replace("2026-31-10",
                                                                         "2026-10-31")
                         .replace("abc", "300.00")))
    assert nova.post("/onboarding/import", data={"csrf_token": _csrf(nova)}).status_code == 302
    page = nova.get("/onboarding/campaign?template=standard").get_data(as_text=True)
    # before any simulation: every overdue customer, what they owe
    assert ("The selection covers 2 customers with an overdue debt, owing EUR 1,580.50 "
            "overdue." in _selection(page))
    for field in ("segment", "country", "min_days", "min_amount", "max_score"):
        assert f'name="{field}"' in page
    form = {"csrf_token": _csrf(nova), "template": "standard", "name": "Big ones",
            "step-1-channel": "email", "step-1-day": "0", "tone": "standard",
            "min_amount": "500", "action": "simulate"}
    answer = nova.post("/onboarding/campaign", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert ("The selection covers 1 customer with an overdue debt, owing EUR 1,500.50 "
            "overdue." in _selection(page))
    assert page.index('id="selection"') < page.index('id="simulation"')
    day0 = re.search(r'<tr data-day="0">(.*?)</tr>', page, re.S)
    assert day0 is not None
    assert 'data-col="reached">1<' in day0.group(1)  # C1 only
    # a selection typed wrong: the campaign form's message, nothing simulated or counted
    answer = nova.post("/onboarding/campaign", data={**form, "min_days": "ten"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Enter a whole number." in page
    assert 'id="simulation"' not in page
    assert 'id="selection"' not in page
    # nobody matches: said before the simulation, and the start is refused with the reason
    answer = nova.post("/onboarding/campaign", data={**form, "country": "JP"})
    page = answer.get_data(as_text=True)
    assert "No customer of this creditor with an overdue debt matches the selection" in page
    answer = nova.post("/onboarding/campaign", data={**form, "country": "JP",
                                                     "action": "start"})
    assert answer.status_code == 422
    assert "matches this selection" in answer.get_data(as_text=True)
    answer = nova.post("/onboarding/campaign", data={**form, "action": "start"})
    assert answer.status_code == 302
    campaign = nova.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Cyan BV" in campaign
    assert "Magenta BV" not in campaign  # owes 80.00: not selected


def test_another_creditors_admin_sees_nothing_of_the_onboarding(
        staff_app: Flask, nova: FlaskClient, staffed: Hub, tmp_path: Path) -> None:
    _upload(nova, _write(tmp_path / "secret-items.csv", OPEN_ITEMS))
    platform = staff_app.test_client()
    sign_in(platform, "adm@example.com")
    assert _new_creditor(platform, code="other", admin="boss@other.example").status_code == 302
    other = staff_app.test_client()
    sign_in(other, "boss@other.example")
    for path in ("/onboarding", "/onboarding/file", "/onboarding/campaign",
                 "/onboarding/rejects"):
        text = other.get(path).get_data(as_text=True)
        assert "secret-items" not in text, path
        assert "Cyan BV" not in text, path
    # importing with nothing uploaded for this creditor: refused, nova's file untouched
    answer = other.post("/onboarding/import", data={"csrf_token": _csrf(other)})
    assert answer.status_code == 422
    assert "upload the open-items file first" in answer.get_data(as_text=True)
    assert "secret-items.csv" in nova.get("/onboarding/file").get_data(as_text=True)
    # and the default creditor's admin, who made both, sees neither file at home
    home = platform.get("/onboarding/file").get_data(as_text=True)  # acting for "other" now
    assert "secret-items" not in home


def test_the_uploaded_file_is_kept_in_the_var_folder_per_creditor(
        nova: FlaskClient, staffed: Hub, tmp_path: Path) -> None:
    _upload(nova, _write(tmp_path / "open-items.csv", OPEN_ITEMS))
    with staffed.engine.connect() as connection:
        nova_id = creditor_by_code(connection, "nova").id
    kept = staffed.settings.var_dir / "onboarding" / f"creditor-{nova_id}"
    assert (kept / "files" / "open-items.csv").read_text(encoding="utf-8") == OPEN_ITEMS
    assert "Invoice No" in (kept / "mapping.yaml").read_text(encoding="utf-8")
    # a new session (another sign-in) finds it: nothing is kept in the cookie
    again = nova.application.test_client()
    sign_in(again, "boss@nova.example")
    assert "Columns of open-items.csv" in again.get("/onboarding/file").get_data(as_text=True)




def test_a_new_upload_under_the_same_name_is_previewed_afresh(nova: FlaskClient,
                                                              tmp_path: Path) -> None:
    path = _write(tmp_path / "open-items.csv", OPEN_ITEMS)
    _, page = _upload(nova, path)
    assert _row(page, 2)["amount"] == "1200.50"
    _, page = _upload(nova, _write(path, OPEN_ITEMS.replace("1200.50", "999.99")))
    assert _row(page, 2)["amount"] == "999.99"
    assert "Cyan BV" in page


# werkzeug's test client encodes a large multipart body into a temporary file it never
# closes (werkzeug.test.stream_encode_multipart); the app closes its own copy
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_larger_than_a_portal_attachment_is_accepted(nova: FlaskClient,
                                                            tmp_path: Path) -> None:
    limit = nova.application.config["MAX_CONTENT_LENGTH"]
    rows = [OPEN_ITEMS.splitlines()[0]]
    size = len(rows[0]) + 1
    line = 0
    while size <= limit:
        line += 1
        rows.append(f"INV-{line};C{line % 50};Name {line % 50};2026-09-01;2026-10-01;"
                    f"{line % 900 + 1}.00;EUR")
        size += len(rows[-1]) + 1
    status, page = _upload(nova, _write(tmp_path / "large.csv", "\n".join(rows) + "\n"))
    gc.collect()  # the test client's temporary file goes now, under this test's filter
    assert status == 200
    assert f"{line:,} rows read as invoices, 0 rejected" in page


def test_a_file_over_the_upload_limit_is_refused_naming_that_limit(
        nova: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The open-items file has its own limit (larger than other requests'): a file over it
    is refused with that limit, not the app's, and nothing is kept."""
    import hub.web.onboarding as onboarding_module

    monkeypatch.setattr(onboarding_module, "MAX_FILE_BYTES", 3 * 1024)
    import io

    answer = nova.post("/onboarding/file", data={
        "csrf_token": _csrf(nova), "file": (io.BytesIO(b"a;b\n" + b"1;2\n" * 2000),
                                            "big.csv")},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert answer.status_code == 413
    assert "at most 3 KB" in answer.get_data(as_text=True)
    assert "big.csv" not in nova.get("/onboarding/file").get_data(as_text=True)
