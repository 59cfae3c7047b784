"""The creditor's side of a hand-over in the web app: a proposed hand-over on the account
page and on Hand-overs, approved or declined (with a reason) by admins, finance and
managers for their department; the status and case file afterwards."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pypdf
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.money import Money
from hub.ledger.tables import customers
from hub.services.handover.cases import open_case
from tests.creditor_support import name_the_operator
from tests.web.api_support import make_token
from tests.web.conftest import csrf_from


def _propose(hub: Hub, code: str) -> int:
    with hub.engine.begin() as connection:
        customer = connection.execute(sa.select(customers.c.id).where(
            customers.c.code == code)).scalar_one()
        case = open_case(connection, customer_id=customer, approval=True, actor="rules",
                         decision_key=None, reason="hand over (rules.yaml line 9)",
                         owed=[Money.of("600.00", "EUR")], today=hub.clock.today(),
                         now=hub.clock.now())
    assert case is not None
    return case


def test_a_manager_approves_from_the_account_page(staffed: Hub,
                                                  as_user: Callable[[str], FlaskClient]) -> None:
    acme, bolt = _propose(staffed, "ACME"), _propose(staffed, "BOLT")
    mia = as_user("mia@example.com")  # manager of sales: ACME, not BOLT
    listing = mia.get("/handovers").get_data(as_text=True)
    assert "Acme Trading BV" in listing
    assert "Bolt GmbH" not in listing
    page = mia.get("/accounts/ACME").get_data(as_text=True)
    assert "Awaiting the creditor&#39;s approval" in page
    assert "Approve the hand-over" in page
    assert "with the collection company" not in page  # nothing says handed over yet
    approved = mia.post(f"/handovers/{acme}/approve",
                        data={"csrf_token": csrf_from(page), "back": "account"})
    assert approved.status_code == 302
    assert approved.location.endswith("/accounts/ACME")
    page = mia.get("/accounts/ACME").get_data(as_text=True)
    assert "with the collection company: New" in page
    assert "is handed over to the collection company (case 1)" in page
    pdf = mia.get(f"/handovers/{acme}/case-file.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "A-1" in text
    assert "Acme Trading BV (ACME)" in text
    assert mia.post(f"/handovers/{bolt}/approve",
                    data={"csrf_token": csrf_from(page)}).status_code == 404  # not hers


def test_who_may_decide_and_a_decline_needs_a_reason(staffed: Hub,
                                                     as_user: Callable[[str], FlaskClient]
                                                     ) -> None:
    case = _propose(staffed, "BOLT")
    bob = as_user("bob@example.com")  # BOLT's collector: sees it, may not decide
    page = bob.get("/handovers").get_data(as_text=True)
    assert "Bolt GmbH" in page
    assert "an admin, finance or a manager decides" in page
    assert bob.post(f"/handovers/{case}/approve",
                    data={"csrf_token": csrf_from(page)}).status_code == 403
    reader = as_user("ro@example.com")
    token = csrf_from(reader.get("/handovers").get_data(as_text=True))
    assert reader.post(f"/handovers/{case}/approve", data={"csrf_token": token}
                       ).status_code == 403
    fin = as_user("fin@example.com")
    token = csrf_from(fin.get("/handovers").get_data(as_text=True))
    fin.post(f"/handovers/{case}/decline", data={"csrf_token": token, "reason": " "})
    page = fin.get("/handovers").get_data(as_text=True)
    assert "a reason is needed" in page
    assert "No hand-over waits for approval." not in page  # it still waits
    fin.post(f"/handovers/{case}/decline", data={"csrf_token": token,
                                                 "reason": "we settle it ourselves"})
    page = fin.get("/accounts/BOLT").get_data(as_text=True)
    assert "Declined by fin@example.com: we settle it ourselves" in page
    assert fin.get(f"/handovers/{case}/case-file.pdf").status_code == 404  # never handed over


def test_finance_hands_an_account_over_by_hand_from_the_account_page(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    ann = as_user("ann@example.com")  # ACME's collector: no such button, and refused
    page = ann.get("/accounts/ACME").get_data(as_text=True)
    assert "Hand over to the collection company" not in page
    assert ann.post("/handovers/by-hand", data={"csrf_token": csrf_from(page),
                                                "customer": "ACME", "reason": "x"}
                    ).status_code == 403
    mia = as_user("mia@example.com")  # a manager of sales: not BOLT (ops)
    token = csrf_from(mia.get("/accounts/ACME").get_data(as_text=True))
    assert mia.post("/handovers/by-hand", data={"csrf_token": token, "customer": "BOLT",
                                                "reason": "x"}).status_code == 404
    fin = as_user("fin@example.com")
    page = fin.get("/accounts/ACME").get_data(as_text=True)
    assert "every reminder from the hub to this customer stops" in page
    assert "the collection company takes the case over" in page
    token = csrf_from(page)
    fin.post("/handovers/by-hand", data={"csrf_token": token, "customer": "ACME",
                                         "reason": " "})
    page = fin.get("/accounts/ACME").get_data(as_text=True)
    assert "a reason is needed" in page
    assert "with the collection company" not in page  # nothing was handed over
    done = fin.post("/handovers/by-hand", data={"csrf_token": token, "customer": "ACME",
                                                "reason": "disputes everything"})
    assert done.location.endswith("/accounts/ACME")
    page = fin.get("/accounts/ACME").get_data(as_text=True)
    assert "ACME is handed over to the collection company (case 1)." in page
    assert "with the collection company: New" in page
    assert "Hand over to the collection company" not in page  # one open case per account
    exported = fin.get("/handovers/1/case-file.json").get_json()
    assert exported["approved_by"] == "fin@example.com"
    assert exported["reason"] == "handed over by hand: disputes everything"
    zipped = fin.get("/handovers/1/case-file.zip")
    assert zipped.headers["Content-Disposition"] == 'attachment; filename="case-1-ACME.zip"'
    claim = zipfile.ZipFile(io.BytesIO(zipped.data)).read("claim.csv").decode("utf-8-sig")
    assert "fin@example.com" in claim
    assert "handed over by hand: disputes everything" in claim
    assert 'href="/handovers/1/case-file.zip"' in page
    # the claim: every open invoice, A-2 too (not due yet)
    assert exported["claim"]["principal"] == [{"amount": "1100.00", "currency": "EUR"}]


def test_the_api_hands_over_by_hand_for_deciders_only(staffed: Hub, staff_app: Flask) -> None:
    app_client = staff_app.test_client()

    def api_token(role: str) -> dict[str, str]:
        scope = {"user_email": "bob@example.com"} if role == "collector" else {}
        return {"Authorization": f"Bearer {make_token(staffed, role, role, **scope)}"}

    collector = api_token("collector")
    refused = app_client.post("/api/v1/handovers", json={"customer": "BOLT", "reason": "x"},
                              headers=collector)
    assert refused.status_code == 403
    finance = api_token("finance")
    missing = app_client.post("/api/v1/handovers", json={"customer": "BOLT"}, headers=finance)
    assert missing.status_code == 422
    assert "reason" in missing.get_json()["error"]["details"]
    made = app_client.post("/api/v1/handovers", json={"customer": "BOLT",
                                                      "reason": "moved abroad"},
                           headers=finance)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()["data"]
    assert body["status"] == "new"
    assert body["owed"] == [{"amount": "2000.00", "currency": "EUR"}]  # overdue then
    assert body["decided_by"] is not None
    assert body["case_file"]["json"] == f"/api/v1/handovers/{body['id']}/case-file.json"
    again = app_client.post("/api/v1/handovers", json={"customer": "BOLT", "reason": "x"},
                            headers=finance)
    assert again.status_code == 409
    assert "BOLT is already with the collection company" in again.get_json()["error"]["message"]


def test_the_hand_over_form_names_the_collection_company_only_when_it_has_a_name(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    """No profile for the default creditor and the placeholder name in the creditors list:
    the form says "the collection company", not "Default creditor"; a real name is shown."""
    fin = as_user("fin@example.com")
    page = fin.get("/accounts/ACME").get_data(as_text=True)
    assert "Hand this account over to the collection company now. This is your approval" in page
    assert "Default creditor" not in page
    name_the_operator(staffed, "Inkasso Nord")
    page = fin.get("/accounts/ACME").get_data(as_text=True)
    assert ("Hand this account over to the collection company now (Inkasso Nord). This is "
            "your approval" in page)
