"""Pages a collector uses, at desktop and phone width: no button is cut off (its text fits
inside it and it lies within the page), and an account's contact details are one line each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.ledger.tables import contacts
from hub.ledger.tables import customer_addresses
from hub.ledger.tables import customers
from tests.browser.test_staff_flows import portfolio  # noqa: F401 - the shared fixture
from tests.browser.test_staff_flows import sign_in

CLIPPED = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('button, .button, input[type=submit]')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // inside a closed <details>
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const text = (el.innerText || el.value || '').trim();
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1
        || box.left < -1 || box.right > width + 1) {
      found.push(`${text} (${Math.round(box.left)}-${Math.round(box.right)} of ${width}, `
                 + `content ${el.scrollWidth}x${el.scrollHeight} `
                 + `in ${el.clientWidth}x${el.clientHeight})`);
      continue;
    }
    for (let up = el.parentElement; up; up = up.parentElement) {  // cut by a scroll box?
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === 'visible') continue;
      const outer = up.getBoundingClientRect();
      if (box.left < outer.left - 1 || box.right > outer.right + 1) {
        found.push(`${text} (cut by ${up.tagName.toLowerCase()}.${up.className})`);
      }
      break;
    }
  }
  return found;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_no_button_is_clipped(portfolio: Hub, serve: Callable[[Hub], str],  # noqa: F811
                              page: Page, shot: Callable[[Page, str], Path],
                              width: int) -> None:
    base = serve(portfolio)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, base, "ann@example.com")
    for path in ("/worklist", "/accounts", "/accounts/ACME", "/reports"):
        page.goto(f"{base}{path}")
        for summary in page.locator("details:not([open]) > summary").all():
            if summary.is_visible():
                summary.click()  # open every form, so its buttons are measured too
        shot(page, f"{path.strip('/').replace('/', '-')}-{width}")
        assert page.evaluate(CLIPPED) == [], f"clipped buttons on {path} at {width} px"


@pytest.fixture
def with_address(portfolio: Hub) -> Hub:  # noqa: F811
    with portfolio.engine.begin() as c:
        acme = c.execute(sa.select(customers.c.id).where(customers.c.code == "ACME")).scalar()
        c.execute(contacts.update().values(phone="+31 20 555 0100"))
        c.execute(customer_addresses.insert().values(
            customer_id=acme, lines="Keizersgracht 1", postcode="1015 AA", city="Amsterdam",
            country="NL", updated_at=portfolio.clock.now()))
    return portfolio


def test_contact_details_are_one_line_each(with_address: Hub, serve: Callable[[Hub], str],
                                           page: Page) -> None:
    base = serve(with_address)
    sign_in(page, base, "ann@example.com")
    page.goto(f"{base}/accounts/ACME")
    card = page.locator("ul.contacts li").first
    expect(card).to_contain_text("Pia Jansen")
    tops = [card.get_by_text("Pia Jansen").bounding_box(),
            card.get_by_role("link", name="pia@acme.example").bounding_box(),
            card.get_by_role("link", name="+31 20 555 0100").bounding_box()]
    ys = [box["y"] for box in tops if box is not None]
    assert len(ys) == 3
    assert ys[0] < ys[1] < ys[2], ys  # name, e-mail, phone: one line each
    address = page.locator("address.contact-address")
    expect(address).to_contain_text("Keizersgracht 1")
    lines = address.locator(".contact-line")
    expect(lines).to_have_count(3)  # street; postcode and city; country
    expect(lines.nth(1)).to_have_text("1015 AA Amsterdam")
