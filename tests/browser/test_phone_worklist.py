"""The worklist on a phone (390 px wide, an iPhone's width): each account is a card
stacked under the previous one, the call button and the outcome buttons all in view, and
a promise typed on the card closes the call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.ledger.tables import contacts
from tests.browser.test_no_clipping import CLIPPED
from tests.browser.test_staff_flows import portfolio  # noqa: F401 - the shared fixture
from tests.browser.test_staff_flows import sign_in

OUT_OF_VIEW = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('tr[data-customer] a, tr[data-customer] td')]
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.width > 0 && (box.left < -1 || box.right > width + 1))
    .map(([el, box]) => `${el.tagName} ${el.innerText.slice(0, 30)} `
                        + `(${Math.round(box.left)}-${Math.round(box.right)} of ${width})`);
}"""


def test_the_worklist_is_stacked_cards_on_a_phone(
        portfolio: Hub, serve: Callable[[Hub], str], page: Page,  # noqa: F811
        shot: Callable[[Page, str], Path]) -> None:
    with portfolio.engine.begin() as c:
        c.execute(contacts.update().values(phone="+31 20 555 0100"))  # Pia at ACME
    base = serve(portfolio)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "ann@example.com")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    rows = page.locator("tr[data-customer]")
    expect(rows).to_have_count(2)
    expect(page.locator("table.worklist thead")).to_be_hidden()  # cards carry no header row
    crux, acme = (rows.nth(0).bounding_box(), rows.nth(1).bounding_box())
    assert crux is not None
    assert acme is not None
    assert acme["y"] >= crux["y"] + crux["height"] - 1  # one card under the other
    cells = rows.nth(1).locator("td")
    first, last = cells.first.bounding_box(), cells.last.bounding_box()
    assert first is not None
    assert last is not None
    assert last["y"] > first["y"]  # the cells of a card are stacked, not side by side
    call = rows.nth(1).get_by_role("link", name="Call Acme Trading BV on +31 20 555 0100")
    expect(call).to_have_attribute("href", "tel:+31205550100")
    expect(call).to_be_in_viewport()
    shot(page, "worklist-390")
    assert page.evaluate(OUT_OF_VIEW) == []
    assert page.evaluate(CLIPPED) == []

    card = page.locator('tr[data-customer="ACME"]')
    card.get_by_text("Promise or dispute").click()
    card.get_by_label("Amount (EUR)").fill("600,00")
    card.get_by_label("by").fill("2026-12-01")
    assert page.evaluate(CLIPPED) == []
    card.get_by_role("button", name="Record promise").click()
    expect(page.get_by_role("status")).to_contain_text(
        "ACME: promise of 600.00 EUR by 2026-12-01 recorded; call task closed.")
    expect(rows).to_have_count(1)  # the call is done: ACME left the list
    with portfolio.engine.connect() as c:
        outcome = c.execute(sa.text("SELECT outcome FROM tasks t JOIN customers k "
                                    "ON k.id = t.customer_id WHERE k.code = 'ACME'")).scalar()
    assert outcome == "promise"
    shot(page, "worklist-390-after-promise")
