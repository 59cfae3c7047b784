"""The short portal link printed on letters: `/p/<code>` opens the debtor's portal, a
made-up or altered code opens nothing, and a revoked link stays revoked."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hub.services.portal import links as portal_links
from tests.web.portal.support import Portal
from tests.web.portal.support import text


def test_the_short_code_redirects_to_the_debtors_portal(portal: Portal) -> None:
    printed = portal_links.short_url(f"http://hub.example/portal/{portal.token}")
    assert re.fullmatch(r"hub\.example/p/[0-9A-Z]+-[A-Z2-7]{12}", printed), printed
    response = portal.client.get(printed.removeprefix("hub.example"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/portal/{portal.token}")
    assert "Acme" in portal.page(urlsplit(response.headers["Location"]).path)
    # typed by hand: lower case and spaces are forgiven
    code = printed.rsplit("/", 1)[-1]
    assert portal.client.get(f"/p/{code.lower()}").status_code == 303


def test_a_made_up_or_altered_code_opens_nothing(portal: Portal) -> None:
    code = portal_links.short_code(portal.token)
    link, check = code.split("-")
    other = "A" if check[-1] != "A" else "B"
    for wrong in (f"{link}-{check[:-1]}{other}", f"{int(link, 36) + 1:X}-{check}", "1",
                  f"{link}-{check}X", "ZZZZZZZZZZZZZ-AAAAAAAAAAAA"):
        response = portal.client.get(f"/p/{wrong}")
        assert response.status_code == 404, wrong
        assert "Acme" not in text(response)
    # the other debtor's code opens the other debtor's portal only
    assert portal_links.short_code(portal.other_token) != code


def test_a_revoked_link_is_refused_through_its_short_code_too(portal: Portal) -> None:
    with portal.hub.engine.begin() as c:
        portal_links.revoke_links(c, actor="ann", now=portal.hub.clock.now(),
                                  secret=portal.hub.settings.signing_key(), token=portal.token)
    redirect = portal.client.get(f"/p/{portal_links.short_code(portal.token)}")
    response = portal.client.get(urlsplit(redirect.headers["Location"]).path)
    assert response.status_code == 410
