"""Staff flows in a real browser: a collector works the list down to empty; finance
edits a rule, reads the simulation and activates it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.services.accounts.tasks import create_task
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.web.conftest import PASSWORD
from tests.web.conftest import add_staff

TODAY = date(2026, 11, 23)


@pytest.fixture
def portfolio(ledger: Hub) -> Hub:
    """Ann (collector, sales) owns ACME and CRUX, both with a call task due today."""
    add_staff(ledger)
    with ledger.engine.begin() as c:
        acme = add_customer(c, "ACME", name="Acme Trading BV", owner="ann@example.com",
                            department="sales", country="NL")
        crux = add_customer(c, "CRUX", name="Crux Inc", owner="ann@example.com",
                            department="sales", country="US")
        bolt = add_customer(c, "BOLT", name="Bolt GmbH", owner="bob@example.com",
                            department="ops", country="DE")
        add_contact(c, acme, "Pia Jansen", email="pia@acme.example", is_primary=True)
        add_invoice(c, "A-1", acme, issued="2026-09-01", due="2026-10-01", amount="1000.00")
        add_invoice(c, "C-1", crux, issued="2026-06-01", due="2026-07-01", amount="700.00")
        add_invoice(c, "B-1", bolt, issued="2026-10-01", due="2026-10-31", amount="2000.00")
        for code in ("ACME", "CRUX", "BOLT"):
            create_task(c, customer_code=code, task_type="call", assignee=None,
                        due_date=TODAY, reason="no answer to reminder-2", actor="rules",
                        now=ledger.clock.now(), key=f"{code}|call")
    return ledger


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_collector_works_the_list_down_to_empty(
        portfolio: Hub, serve: Callable[[Hub], str], page: Page,
        shot: Callable[[Page, str], Path]) -> None:
    base = serve(portfolio)
    sign_in(page, base, "ann@example.com")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    rows = page.locator("tr[data-customer]")
    expect(rows).to_have_count(2)  # not Bob's BOLT
    expect(rows.first).to_contain_text("Crux Inc")  # the oldest debt first
    shot(page, "1-worklist")

    crux = page.locator('tr[data-customer="CRUX"]')
    crux.get_by_role("button", name="Contacted").click()
    expect(page.get_by_role("status")).to_contain_text("CRUX: contact logged.")
    page.locator('tr[data-customer="CRUX"]').get_by_role("button", name="Done").click()
    expect(rows).to_have_count(1)

    acme = page.locator('tr[data-customer="ACME"]')
    acme.get_by_text("Promise or dispute").click()
    acme.get_by_label("Amount (EUR)").fill("1000.00")
    acme.get_by_label("by").fill("2026-12-04")
    shot(page, "2-promise")
    acme.get_by_role("button", name="Record promise").click()
    expect(page.get_by_role("status")).to_contain_text("promise of 1,000.00 EUR")
    # the promise answered the call: that task is closed, and with it the list
    expect(page.get_by_role("heading", name="Nothing left to do")).to_be_visible()
    shot(page, "3-empty")

    page.goto(f"{base}/accounts/ACME")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("promised to pay 1,000.00 EUR by 2026-12-04")
    expect(timeline).to_contain_text("ann@example.com")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    shot(page, "4-account-phone")
    page.goto(f"{base}/accounts/BOLT")
    expect(page.get_by_role("heading", name="404: Not found")).to_be_visible()


def test_finance_edits_a_rule_reads_the_simulation_and_activates(
        portfolio: Hub, serve: Callable[[Hub], str], page: Page,
        shot: Callable[[Page, str], Path]) -> None:
    base = serve(portfolio)
    sign_in(page, base, "fin@example.com")
    page.get_by_role("link", name="Rules").click()
    expect(page.get_by_text("In force: version 1")).to_be_visible()
    editor = page.get_by_label("Rule file")
    original = editor.input_value()
    assert "friendly reminder, at: 3, send: [email]" in original

    editor.fill(original.replace("at: 14, send: [email, letter]",
                                 "at: fourteen, send: [email, letter]"))
    editor.press("End")  # an input event, as typing gives
    expect(page.locator("#problems li.error").first).to_be_visible()
    expect(page.locator("#check-state")).to_contain_text("cannot go live")
    expect(page.locator("#highlight .tok-err")).to_have_count(1)
    shot(page, "1-error")

    # the step a never-contacted debt starts at (the shipped file's first_contact)
    editor.fill(original.replace("{name: firm reminder, at: 14, send: [email, letter], template",
                                 "{name: firm reminder, at: 14, send: [email, sms, letter], "
                                 "template"))
    editor.type(" ")
    expect(page.locator("#check-state")).to_contain_text(re.compile("No (errors|problems)"))
    expect(page.locator("#highlight .tok-key").first).to_be_visible()
    page.get_by_role("button", name="Simulate").click()

    summary = page.locator("#simulation-summary")
    expect(summary).to_contain_text(re.compile(r"\d+ decisions? would differ"))
    expect(page.locator("table")).to_contain_text("CRUX")
    shot(page, "2-simulation")
    page.get_by_label("Why this change").fill("SMS with the firm reminder")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 is now in force.")
    expect(page.get_by_role("row", name=re.compile("SMS with the firm reminder"))).to_be_visible()
    shot(page, "3-activated")

    page.get_by_role("link", name="Reports").click()
    expect(page.locator("#aging figure svg")).to_be_visible()
    expect(page.locator(".kpi").first).to_contain_text("Open")
    shot(page, "4-reports")
