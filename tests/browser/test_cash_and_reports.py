"""Finance in a real browser: the cash-application queue (match a suggested payment, split
one over two invoices, keep one on account) and the reports page. Each page is
photographed and checked at desktop and phone width: no button clipped, nothing a person
can use outside the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from tests.browser.test_no_clipping import CLIPPED
from tests.browser.test_staff_flows import portfolio  # noqa: F401 - the shared fixture
from tests.browser.test_staff_flows import sign_in
from tests.builders import add_invoice
from tests.builders import add_payment

# Links, fields and buttons a person can reach: none may lie outside the page's width
# (a scroll box that holds them, like a wide table's wrapper, is measured instead).
OUT_OF_VIEW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(selector)) {
    if (el.matches('a.skip:not(:focus)')) continue;  // off-screen until a keyboard focuses it
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    let scroller = null;
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(up).overflowX)) { scroller = up; break; }
    }
    const outer = scroller ? scroller.getBoundingClientRect() : {left: 0, right: width};
    const left = scroller ? Math.max(outer.left, 0) : 0;
    const right = scroller ? Math.min(outer.right, width) : width;
    if (!scroller && (box.left < left - 1 || box.right > right + 1)) {
      found.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || '').trim()}" `
                 + `at ${Math.round(box.left)}-${Math.round(box.right)} of ${width}`);
    }
    if (scroller && (outer.left < -1 || outer.right > width + 1)) {
      found.push(`the scroll box of "${(el.innerText || '').trim()}" lies outside the page`);
    }
  }
  return found;
}"""


def check_page(page: Page, shot: Callable[[Page, str], Path], name: str) -> None:
    """Screenshot the page at desktop and phone width; at each, nothing clipped or out of
    view. Leaves the page at desktop width."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"{name}-{width}")
        assert page.evaluate(CLIPPED) == [], f"clipped buttons on {name} at {width} px"
        assert page.evaluate(OUT_OF_VIEW) == [], f"out of view on {name} at {width} px"
        wide = page.evaluate("() => [document.documentElement.scrollWidth, "
                             "document.documentElement.clientWidth]")
        assert wide[0] <= wide[1] + 1, f"{name} scrolls sideways at {width} px: {wide}"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def waiting(portfolio: Hub) -> Hub:  # noqa: F811
    """ACME owes A-1 1000.00 and A-2 500.00. Three payments wait for a person:

    U-REF   600.00 from ACME, naming A-1 (but less than it: the matcher asks)
    U-SPLIT 900.00 from Acme Trading BV, naming nothing
    U-CRED  250.00 from Crux Inc, naming nothing: an advance to keep on account
    """
    with portfolio.engine.begin() as c:
        ids = dict(c.execute(sa.select(customers.c.code, customers.c.id)).all())
        add_invoice(c, "A-2", ids["ACME"], issued="2026-10-01", due="2026-10-31",
                    amount="500.00")
        add_payment(c, "U-REF", received_on="2026-11-20", amount="600.00",
                    customer_id=ids["ACME"])
        add_payment(c, "U-SPLIT", received_on="2026-11-21", amount="900.00")
        add_payment(c, "U-CRED", received_on="2026-11-22", amount="250.00")
        for reference, payer, remittance in (("U-REF", "Acme Trading BV", "Invoice A-1"),
                                             ("U-SPLIT", "Acme Trading BV", "November"),
                                             ("U-CRED", "Crux Inc", "advance")):
            c.execute(payments.update().where(payments.c.reference == reference)
                      .values(payer_name=payer, remittance=remittance))
    return portfolio


def _open(hub: Hub) -> dict[str, int]:
    with hub.engine.connect() as c:
        return dict(c.execute(sa.select(invoices.c.number, invoices.c.open_minor)).all())


def test_finance_clears_the_cash_application_queue(
        waiting: Hub, serve: Callable[[Hub], str], page: Page,
        shot: Callable[[Page, str], Path]) -> None:
    base = serve(waiting)
    sign_in(page, base, "fin@example.com")
    page.goto(f"{base}/payments/unmatched")
    expect(page.get_by_role("heading", name="Unmatched payments")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("3 payments the matcher could not place")).to_be_visible()
    check_page(page, shot, "1-queue")

    # the suggestion's own button: U-REF names A-1
    rows.filter(has_text="U-REF").get_by_role("button", name="Match A-1").click()
    expect(page.get_by_role("status")).to_contain_text("Payment U-REF: 600.00 EUR to A-1.")
    expect(rows).to_have_count(2)

    # U-SPLIT pays the rest of A-1 and all of A-2
    page.get_by_role("link", name="U-SPLIT").click()
    expect(page.get_by_role("heading", name="Payment U-SPLIT")).to_be_visible()
    split = page.locator("form", has=page.get_by_role("button", name="Split"))
    split.get_by_label("Invoice").nth(0).fill("A-1")
    split.get_by_label("Amount").nth(0).fill("400.00")
    split.get_by_label("Invoice").nth(1).fill("A-2")
    split.get_by_label("Amount").nth(1).fill("500.00")
    split.get_by_label("Invoice").nth(2).fill("")
    split.get_by_label("Invoice").nth(3).fill("")
    check_page(page, shot, "2-split")
    split.get_by_role("button", name="Split").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Payment U-SPLIT: 400.00 EUR to A-1, 500.00 EUR to A-2.")

    # U-CRED is Crux's advance: kept as credit on its account
    page.get_by_role("link", name="U-CRED").click()
    on_account = page.locator("form", has=page.get_by_role("button", name="Keep as credit"))
    on_account.get_by_label("Customer").fill("CRUX")
    on_account.get_by_role("button", name="Keep as credit").click()
    expect(page.get_by_role("status")).to_contain_text("U-CRED")
    expect(page.get_by_text("No unmatched payments.")).to_be_visible()
    check_page(page, shot, "3-empty")

    assert _open(waiting) == {"A-1": 0, "A-2": 0, "B-1": 200000, "C-1": 70000}
    with waiting.engine.connect() as c:
        credit = c.execute(sa.select(payments.c.unallocated_minor, customers.c.code)
                           .join(customers, customers.c.id == payments.c.customer_id)
                           .where(payments.c.reference == "U-CRED")).one()
    assert tuple(credit) == (25000, "CRUX")
    page.goto(f"{base}/accounts/ACME")  # each action is on the account's timeline
    expect(page.locator("ol.timeline")).to_contain_text("U-SPLIT")


def test_the_reports_page_reads_well(waiting: Hub, serve: Callable[[Hub], str], page: Page,
                                     shot: Callable[[Page, str], Path]) -> None:
    base = serve(waiting)
    sign_in(page, base, "fin@example.com")
    page.goto(f"{base}/reports")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    text = page.locator("main").inner_text()
    # amounts are formatted for the reader (thousands grouped), never 4200.00
    assert "4,200.00" in text, text[:2000]
    assert not re.search(r"(?<![\d,.])\d{4,}\.\d\d\b", text), text[:2000]
    for summary in page.locator("details:not([open]) > summary").all():
        if summary.is_visible():
            summary.click()
    check_page(page, shot, "reports")
