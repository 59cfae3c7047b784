"""A debtor on a phone-sized screen: promises, proposes a plan that is approved at once,
proposes one that needs review, requests a copy, disputes. Screenshots of every step are
kept in var/test-artifacts/browser/."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.ledger.tables import disputes
from hub.ledger.tables import payment_plans
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from hub.services.portal.links import issue_link
from tests.builders import add_customer
from tests.builders import add_invoice


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _debtor(ledger: Hub) -> str:
    with ledger.engine.begin() as c:
        acme = add_customer(c, "ACME", name="Acme Trading BV", owner="ann@example.com",
                            language="nl", country="NL")
        add_invoice(c, "A-1", acme, issued="2026-09-01", due="2026-10-01", amount="1000.00")
        add_invoice(c, "A-2", acme, issued="2026-11-01", due="2026-12-01", amount="500.00")
        return issue_link(c, customer_code="ACME", secret=ledger.settings.signing_key(),
                          public_url="http://127.0.0.1", days=30, actor="tests",
                          now=ledger.clock.now()).token


def _notice(page: Page, text: str) -> None:
    expect(page.locator(".notice").first).to_contain_text(text)


def _fits_the_screen(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_debtor_settles_their_account_on_a_phone(
        ledger: Hub, serve: Callable[[Hub], str], phone: Page,
        shot: Callable[[Page, str], Path]) -> None:
    base = serve(ledger)
    phone.goto(f"{base}/portal/{_debtor(ledger)}")
    expect(phone.locator("h1")).to_have_text("Uw facturen")
    expect(phone.locator(".total")).to_contain_text("1.500,00")
    expect(phone.locator("#invoice-1")).to_contain_text("53 dagen te laat")
    _fits_the_screen(phone)
    shot(phone, "1-overview")

    phone.get_by_text("Betaalbelofte", exact=True).click()
    phone.fill("#due_date", "2026-11-30")
    phone.fill("#promise_amount", "1500,00")
    shot(phone, "2-promise-form")
    phone.locator("#promise button[type=submit]").click()
    _notice(phone, "We hebben uw belofte genoteerd")
    expect(phone.locator(".state").first).to_contain_text("30 november 2026")
    shot(phone, "3-promise-recorded")

    phone.get_by_text("Betalingsregeling voorstellen", exact=True).click()
    phone.select_option("#count", "3")
    phone.fill("#first_date", "2026-11-30")
    phone.locator("#plan button[type=submit]").click()
    _notice(phone, "Uw betalingsregeling is bevestigd.")
    expect(phone.locator(".schedule").first).to_contain_text("30 januari 2027")
    shot(phone, "4-plan-approved")

    phone.get_by_text("Betalingsregeling voorstellen", exact=True).click()
    phone.select_option("#count", "10")
    phone.fill("#first_date", "2026-12-15")
    phone.locator("#plan button[type=submit]").click()
    _notice(phone, "Uw voorstel wordt beoordeeld")
    shot(phone, "5-plan-in-review")

    phone.locator("#invoice-2").get_by_role("button", name="Kopie aanvragen").click()
    _notice(phone, "kopie van factuur A-2")
    shot(phone, "6-copy-requested")

    phone.get_by_text("Factuur betwisten", exact=True).click()
    phone.locator("#dispute").get_by_label("A-1", exact=False).check()
    phone.fill("#reason", "De goederen zijn nooit geleverd.")
    phone.locator("#dispute button[type=submit]").click()
    _notice(phone, "We hebben uw bezwaar ontvangen")
    expect(phone.locator("#invoice-1")).to_contain_text("betwist")
    _fits_the_screen(phone)
    shot(phone, "7-disputed")

    with ledger.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(promises)).scalar() == 1
        assert sorted(c.execute(sa.select(payment_plans.c.state)).scalars()) == [
            "active", "proposed"]
        assert sorted(c.execute(sa.select(tasks.c.task_type)).scalars()) == [
            "copy_request", "review_plan"]
        assert c.execute(sa.select(disputes.c.reason)).scalar() == \
            "De goederen zijn nooit geleverd."
