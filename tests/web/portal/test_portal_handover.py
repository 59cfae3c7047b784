"""The debtor portal once the account is handed over to hard collection: it says the
collection company (the default creditor's profile) has the case and what the debtor can
still do; promises and plans go to the collection company. Returned: as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hub.ledger.tables import promises
from hub.services.handover.workflow import change_status
from hub.services.handover.workflow import hand_over_now
from tests.creditor_support import CREDITOR_YAML
from tests.creditor_support import name_the_operator
from tests.web.portal.support import Portal
from tests.web.portal.support import text

HANDED_OVER = "Your account has been handed over to the collection company Rheinwerk."


def test_the_portal_says_the_collection_company_has_the_case_until_it_is_returned(
        make_portal: Callable[..., Portal], tmp_path: Path) -> None:
    path = tmp_path / "creditor.yaml"
    path.write_text(CREDITOR_YAML, encoding="utf-8")
    portal = make_portal(creditor_file=path)
    english = f"{portal.url}?lang=en"
    assert HANDED_OVER not in portal.page(english)
    assert "Promise to pay" in portal.page(english)
    hub = portal.hub
    case = hand_over_now(hub.engine, hub.case_files(), "ACME", actor="fin@example.com",
                         reason="no answer", today=hub.clock.today(), now=hub.clock.now())

    html = portal.page(english)
    assert HANDED_OVER in html
    assert ("You can still pay the open amount as shown below and tell us when you have "
            "paid, or dispute an invoice. For a payment date, a payment plan or any "
            "question, contact Rheinwerk. +49 221 123456 · forderungen@rheinwerk.example"
            in html)
    assert "remind" not in html.lower()  # nothing about reminders the hub will not send
    assert "Promise to pay" not in html  # agreed with the collection company now
    assert "Propose a payment plan" not in html
    assert "I have paid" in html
    assert "Pay €1,500.00 by bank transfer to:" in html
    assert "Dispute an invoice" in html
    # a promise posted anyway (an old page) is refused with where to go, nothing recorded
    refused = portal.client.post(f"{portal.url}/promise?lang=en", data={
        "due_date": "2026-11-30", "amount": "100.00", "csrf_token": portal.csrf(english)})
    assert refused.status_code == 422
    assert ("Your account is with the collection company Rheinwerk: agree a payment date "
            "or a payment plan with them." in text(refused))
    assert portal.count(promises) == 0

    change_status(hub.engine, case.id, "returned", note="back to you", actor="ops",
                  now=hub.clock.now())
    html = portal.page(english)
    assert HANDED_OVER not in html
    assert "Promise to pay" in html


def test_a_hub_without_the_operator_s_name_says_a_collection_company_without_a_name(
        make_portal: Callable[..., Portal]) -> None:
    """No profile for the default creditor, and its name in the creditors list is still the
    migration's placeholder: the debtor reads no "Default creditor"."""
    portal = make_portal()
    english = f"{portal.url}?lang=en"
    hub = portal.hub
    hand_over_now(hub.engine, hub.case_files(), "ACME", actor="fin@example.com",
                  reason="no answer", today=hub.clock.today(), now=hub.clock.now())

    html = portal.page(english)
    assert "Your account has been handed over to a collection company." in html
    assert ("For a payment date, a payment plan or any question, contact the collection "
            "company." in html)
    assert "Default creditor" not in html
    refused = portal.client.post(f"{portal.url}/promise?lang=en", data={
        "due_date": "2026-11-30", "amount": "100.00", "csrf_token": portal.csrf(english)})
    assert refused.status_code == 422
    assert ("Your account is with a collection company: agree a payment date or a payment "
            "plan with them." in text(refused))
    assert "Default creditor" not in text(refused)
    assert portal.count(promises) == 0

    name_the_operator(hub, "Inkasso Nord")
    html = portal.page(english)
    assert "Your account has been handed over to the collection company Inkasso Nord." in html
    assert "contact Inkasso Nord." in html
