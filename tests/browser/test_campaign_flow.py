"""A campaign in a real browser: finance starts one from the Standard template with SMS
moved before e-mail for one customer and follows it on its page after a cycle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from tests.browser.test_staff_flows import TODAY
from tests.browser.test_staff_flows import portfolio  # noqa: F401  (the fixture)
from tests.browser.test_staff_flows import sign_in
from tests.integration.cycle.helpers import run_day


def test_finance_starts_a_campaign_with_sms_first_and_sees_its_page(
        portfolio: Hub, serve: Callable[[Hub], str], page: Page,  # noqa: F811
        shot: Callable[[Page, str], Path]) -> None:
    base = serve(portfolio)
    sign_in(page, base, "fin@example.com")
    page.get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    page.get_by_label("Start from template").select_option("standard")
    page.get_by_role("button", name="New campaign").click()
    expect(page.get_by_label("Step 1 channel")).to_have_value("email")
    page.get_by_label("Name").fill("Spring push")
    page.get_by_label("Customer code").fill("ACME")
    page.get_by_label("Step 1 channel").select_option("sms")  # SMS moved before e-mail
    page.get_by_label("Step 2 channel").select_option("email")
    shot(page, "campaign-form")
    page.get_by_role("button", name="Start campaign").click()

    expect(page.get_by_role("heading", name="Campaign Spring push")).to_be_visible()
    row = page.locator('tr[data-customer="ACME"]')
    expect(row.locator('[data-col="reached"]')).to_contain_text("none yet")
    expect(row.locator('[data-col="next"]')).to_contain_text("1. sms")
    expect(row.locator('[data-col="next"]')).to_contain_text("2026-11-23")

    run_day(portfolio, portfolio.reload_rules().policy, TODAY)  # the day's cycle
    page.reload()
    expect(row.locator('[data-col="reached"]')).to_contain_text("1. sms")
    expect(row.locator('[data-col="next"]')).to_contain_text("2. email")
    expect(row.locator('[data-col="next"]')).to_contain_text("2026-11-28")
    expect(page.locator('[data-total="customers"]')).to_have_text("1")
    shot(page, "campaign-page")
