"""A hand-over to collection in a real browser, across the two sides: Bravo's finance
user approves the hand-over a ladder step proposed; the collection company's staff member
(granted Bravo) finds the case in the collection queue and sets it in progress with a note;
Bravo's account page then shows that status and note."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.domain.money import Money
from hub.ledger.tenancy import acting_for
from hub.ledger.users import upsert_users
from hub.services.handover.cases import open_case
from hub.services.staff.auth import set_password
from hub.services.staff.creditors import add_creditor
from hub.services.staff.creditors import grant
from tests.browser.test_staff_flows import sign_in
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.web.conftest import PASSWORD

NOTE = "Called the debtor: pays in two weeks"


@pytest.fixture
def proposed(ledger: Hub) -> Hub:
    """Bravo (a creditor of the hub) with finance user fay@bravo.example and DELTA, whose
    hand-over waits for Bravo's approval; ops@collector.example works for the company that
    runs the hub and is granted Bravo."""
    now = ledger.clock.now()
    with ledger.engine.begin() as c:
        bravo = add_creditor(c, code="bravo", name="Bravo Holding", profile=None, now=now)
        upsert_users(c, [User(email="ops@collector.example", name="Otto Ops",
                              role=Role.COLLECTOR)], now)
        set_password(c, "ops@collector.example", PASSWORD, actor="test", now=now)
        grant(c, email="ops@collector.example", code="bravo", actor="test", now=now)
    with acting_for(bravo.id), ledger.engine.begin() as c:
        upsert_users(c, [User(email="fay@bravo.example", name="Fay Finance",
                              role=Role.FINANCE)], now)
        set_password(c, "fay@bravo.example", PASSWORD, actor="test", now=now)
        delta = add_customer(c, "DELTA", name="Delta Trading BV", country="NL")
        add_contact(c, delta, "Dirk", email="dirk@delta.example", is_primary=True)
        add_invoice(c, "D-1", delta, issued="2026-08-01", due="2026-09-01", amount="2500.00")
        case = open_case(c, customer_id=delta, approval=True, actor="rules",
                         decision_key=None, reason="hand over (rules.yaml line 9)",
                         owed=[Money.of("2500.00", "EUR")], today=ledger.clock.today(),
                         now=now)
        assert case == 1
    return ledger


def test_finance_approves_staff_work_the_case_and_finance_sees_its_status(
        proposed: Hub, serve: Callable[[Hub], str], page: Page, browser: Browser,
        shot: Callable[[Page, str], Path]) -> None:
    base = serve(proposed)
    # Bravo's finance: the proposal on the account page, approved there
    sign_in(page, base, "fay@bravo.example")
    page.goto(f"{base}/accounts/DELTA")
    section = page.locator("section", has=page.get_by_role("heading",
                                                          name="Hand-over to collection"))
    expect(section).to_contain_text("Awaiting the creditor's approval")
    shot(page, "1-proposed")
    section.get_by_role("button", name="Approve the hand-over").click()
    expect(page.get_by_text("DELTA is handed over to the collection company (case 1).")
           ).to_be_visible()
    expect(page.get_by_text("with the collection company: New")).to_be_visible()
    expect(page.get_by_role("link", name="Collection queue")).to_have_count(0)  # not staff

    # the collection company's staff member, in a browser of their own
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900},
                                        locale="en-GB")
    ops = staff_context.new_page()
    try:
        sign_in(ops, base, "ops@collector.example")
        ops.get_by_role("link", name="Collection queue").click()
        expect(ops.get_by_role("heading", name="Collection queue")).to_be_visible()
        row = ops.locator("tr", has_text="Delta Trading BV")
        expect(row).to_contain_text("Bravo Holding")
        expect(row).to_contain_text("New")
        shot(ops, "2-queue")
        row.get_by_role("link", name="1", exact=True).click()
        expect(ops.get_by_role("heading", name="Case 1")).to_be_visible()
        ops.get_by_label("New status").select_option("in_progress")
        ops.get_by_label("Note (the creditor sees it)").fill(NOTE)
        ops.get_by_role("button", name="Save the status").click()
        expect(ops.get_by_text("Case 1 of Bravo Holding: In progress.")).to_be_visible()
        expect(ops.locator("ol.timeline")).to_contain_text(NOTE)
        shot(ops, "3-in-progress")
    finally:
        staff_context.close()

    # back on Bravo's side: the status and the note on the account page
    page.reload()
    expect(page.get_by_text("with the collection company: In progress")).to_be_visible()
    expect(page.get_by_text(f"Collection company's note: {NOTE}")).to_be_visible()
    expect(section).to_contain_text("In progress")
    shot(page, "4-creditor-sees-status")
